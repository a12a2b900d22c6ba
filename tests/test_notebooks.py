"""Every tutorial in docs/notebooks runs top to bottom in a real Jupyter kernel, offline, and
shows its traces inline; git holds the notebooks without outputs.

Each notebook runs in a kernel of this interpreter importing this checkout's spanscope, in
strict mode (spanscope's internal errors raise). Model calls go to the fake provider servers
on 127.0.0.1 the notebooks start themselves.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from scripts import strip_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
KERNEL = "spanscope-tests"
# The root span of the trace each notebook ends by showing.
LAST_TRACE_ROOT = {
    "anthropic": "weather_bot",
    "dspy_program": "SupportTriage",
    "evaluation_and_feedback": "support_faq",
    "langgraph_rag": "LangGraph",
    "llama_index_query": "RetrieverQueryEngine.query",
    "openai_agent": "support_agent",
    "quickstart": "support_bot",
    "traces_to_dataframe": "support_bot",
}
# The HTML tree spanscope renders for a trace (spanscope/display/html.py): a block per trace,
# whose first span row is the root's.
TRACE_BLOCK = '<div class="spanscope-trace">'
_SPAN_ROW = re.compile(r'<summary><span class="ss-type">([^<]*)</span> ([^<]*)<')
# Appended to each notebook: its traces went to its own temporary store, and spanscope's
# counters after the run.
CHECK_CELL = """\
import spanscope as _spanscope

assert "/spanscope-tutorial-" in _spanscope.get_tracking_uri(), _spanscope.get_tracking_uri()
_stats = _spanscope.tracing.stats()
assert _stats.internal_errors == 0, _stats
assert _stats.traces_dropped_export_error == _stats.traces_dropped_queue_full == 0, _stats
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A kernelspec running this interpreter, with this checkout first on its path."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "spanscope tests",
        "language": "python",
        "env": {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "SPANSCOPE_STRICT": "1",
            # IPython's history and profile off the home directory; the notebooks' temporary
            # stores (tempfile) in the test's folder, removed with it.
            "IPYTHONDIR": str(jupyter / "ipython"),
            "TMPDIR": str(jupyter / "tmp"),
            # The debugger's warning about frozen modules, printed at every kernel start.
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        },
    }
    (jupyter / "tmp").mkdir()
    (jupyter / "kernels" / KERNEL).mkdir(parents=True)
    (jupyter / "kernels" / KERNEL / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(jupyter))
        patch.setenv("JUPYTER_RUNTIME_DIR", str(jupyter / "runtime"))  # connection files
        patch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core warns without it
        yield KERNEL


def _run(path: Path, kernel: str, workdir: Path) -> Any:
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    # A cell that raises fails the run (CellExecutionError, with the cell and its traceback).
    client = NotebookClient(
        notebook,
        kernel_name=kernel,
        timeout=120,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def _trace_roots(cell: Any) -> list[str]:
    """The root span of each trace the cell's outputs display, as 'name [TYPE]'."""
    roots = []
    for output in cell.get("outputs", []):
        if output["output_type"] not in ("display_data", "execute_result"):
            continue
        html = output["data"].get("text/html", "")
        for block in html.split(TRACE_BLOCK)[1:]:
            row = _SPAN_ROW.search(block)
            assert row is not None, f"a trace display without span rows:\n{block[:2000]}"
            roots.append(f"{row.group(2).strip()} [{row.group(1)}]")
    return roots


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_shows_its_traces(path: Path, kernel: str, tmp_path: Path) -> None:
    notebook = _run(path, kernel, tmp_path)

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    errors = [
        output["text"]
        for cell in code
        for output in cell.outputs
        if output["output_type"] == "stream" and "Error in callback" in output["text"]
    ]
    assert errors == [], "the cell display hook failed:\n" + "\n".join(errors)
    shown = [root for cell in code for root in _trace_roots(cell)]
    assert shown, f"{path.name} displayed no trace"
    # The notebook ends by showing its trace (the last cell is the test's own check).
    roots = {root.rsplit(" [", 1)[0] for root in _trace_roots(code[-2])}
    assert roots == {LAST_TRACE_ROOT[path.stem]}, f"{path.name} ends showing {roots}"
    assert list(tmp_path.iterdir()) == []  # traces went to the notebook's temporary store


def test_every_notebook_is_tested() -> None:
    assert {path.stem for path in NOTEBOOKS} == set(LAST_TRACE_ROOT)


def test_notebooks_in_git_have_no_outputs() -> None:
    assert strip_notebooks.main(["--check"]) == 0
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert (cell.outputs, cell.execution_count) == ([], None), path.name


def test_strip_removes_outputs_and_run_metadata(tmp_path: Path) -> None:
    source = ROOT / "docs" / "notebooks" / "quickstart.ipynb"
    notebook = nbformat.read(source, as_version=4)
    # What a run leaves behind: outputs, counts, timings, the kernel's language details.
    for count, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
        cell.execution_count = count + 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hello\n")]
        cell.metadata["execution"] = {"iopub.status.idle": "2025-01-01T00:00:00Z"}
    notebook.metadata["language_info"]["version"] = "3.11.7"
    ran = tmp_path / "ran.ipynb"
    nbformat.write(notebook, ran)
    assert strip_notebooks.main(["--check", str(ran)]) == 1

    assert strip_notebooks.main([str(ran)]) == 0
    assert strip_notebooks.main(["--check", str(ran)]) == 0
    assert ran.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
