"""Every python snippet in the README and docs/ runs; the examples run."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
_FENCE = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _snippets(path: Path) -> list[str]:
    return _FENCE.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [p for p in DOCS if _snippets(p)], ids=lambda p: p.name)
def test_doc_snippets_run(path: Path, tmp_path: Path) -> None:
    # Each page runs in a fresh interpreter in an empty folder, as a reader would run it:
    # snippets may create files, start servers or event loops, and patch libraries.
    script = "\n\n".join(_snippets(path))
    (tmp_path / "snippets.py").write_text(script, encoding="utf-8")
    env = {**os.environ, "SPANSCOPE_STRICT": "1", "SPANSCOPE_HOME": str(tmp_path / "home")}
    env["SPANSCOPE_TRACKING_URI"] = f"sqlite:///{tmp_path}/docs.db"
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning:spanscope", "snippets.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{path.name} snippets failed:\n{result.stderr[-4000:]}"


def test_quickstart_example_prints_the_tree() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "└── support_bot [AGENT]" in out
    assert "order_status [TOOL]" in out
    assert "'total_tokens': 54" in out


def test_openai_agent_example_traces_tools_and_streaming() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "openai_agent.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "answer: Your order A-1001 has shipped." in out
    lines = [line.strip("│ ├└─") for line in out.splitlines()]
    assert (
        sum(line.startswith("openai.chat.completions.create [CHAT_MODEL]") for line in lines) == 2
    )
    assert any(line.startswith("get_order_status [TOOL]") for line in lines)
    assert "'total_tokens': 31" in out


def test_examples_run_in_process() -> None:
    runpy.run_path(str(ROOT / "examples" / "quickstart.py"), run_name="__main__")
