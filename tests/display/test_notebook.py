"""The cell hook in a real IPython shell: a cell's traces display below it, once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config

import spanscope
from spanscope.display.notebook import CellTraceDisplay, register_in_jupyter

SETUP = """
import spanscope

@spanscope.trace(span_type="AGENT")
def bot(question):
    return "<b>bold</b> answer to " + question
"""


def _new_shell() -> Any:
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # no history file in the home directory
    return InteractiveShell.instance(config=config)


@pytest.fixture
def shell() -> Iterator[Any]:
    shell = _new_shell()
    try:
        assert shell.run_cell(SETUP).success
        spanscope.enable_notebook_display()
        yield shell
    finally:
        _unregister(shell)
        InteractiveShell.clear_instance()


def _unregister(shell: Any) -> None:
    for event in ("pre_run_cell", "post_run_cell"):
        for callback in list(shell.events.callbacks[event]):
            if isinstance(getattr(callback, "__self__", None), CellTraceDisplay):
                shell.events.unregister(event, callback)


def _run(shell: Any, code: str) -> list[dict[str, str]]:
    with capture_output() as captured:
        result = shell.run_cell(code)
    assert result.success, result.error_in_exec
    return [output.data for output in captured.outputs]


def test_a_cells_traces_display_below_it(shell: Any) -> None:
    (bundle,) = _run(shell, 'bot("hi"); bot("again")')
    html = bundle["text/html"]
    assert html.count('<div class="spanscope-trace">') == 2
    assert "&lt;b&gt;bold&lt;/b&gt; answer to hi" in html
    assert "└── bot [AGENT]" in bundle["text/plain"]


def test_a_cell_shows_at_most_ten_traces_and_says_so(shell: Any) -> None:
    (bundle,) = _run(shell, 'for i in range(12): bot(f"q{i}")')
    html = bundle["text/html"]
    assert html.count('<div class="spanscope-trace">') == 10
    assert "answer to q0" in html and "answer to q9" in html and "answer to q10" not in html
    assert "2 more traces not shown" in html


def test_a_cell_without_traces_displays_nothing(shell: Any) -> None:
    _run(shell, 'bot("first")')
    assert _run(shell, "x = 1 + 1") == []


def test_the_switch_turns_it_off_and_on(shell: Any) -> None:
    spanscope.disable_notebook_display()
    assert _run(shell, 'bot("quiet")') == []
    spanscope.enable_notebook_display()
    assert len(_run(shell, 'bot("loud")')) == 1


def test_registering_twice_displays_once(shell: Any) -> None:
    spanscope.enable_notebook_display()
    assert len(_run(shell, 'bot("once")')) == 1


def test_a_trace_that_is_the_cells_value_displays_once(shell: Any) -> None:
    code = 'bot("value")\nspanscope.get_trace(spanscope.get_last_active_trace_id())'
    with capture_output() as captured:
        result = shell.run_cell(code)
    assert isinstance(result.result, spanscope.Trace)
    assert captured.outputs == []  # the hook leaves it to IPython's own display of the value


def test_display_traces_in_the_shell_and_outside(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = 'spanscope.disable_notebook_display()\nbot("a")\nts = spanscope.search_traces()'
    assert _run(shell, code) == []
    (shown,) = _run(shell, "spanscope.display_traces(ts)")
    assert shown["text/html"].count('<div class="spanscope-trace">') >= 1
    InteractiveShell.clear_instance()
    spanscope.display_traces(spanscope.search_traces())
    assert "bot [AGENT]" in capsys.readouterr().out


@pytest.mark.internal_errors
def test_a_failing_hook_never_breaks_the_cell(shell: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPANSCOPE_STRICT")
    import spanscope.display.notebook as notebook

    def broken(traces: object) -> None:
        raise RuntimeError("display broke")

    monkeypatch.setattr(notebook, "_publish", broken)
    with capture_output():
        result = shell.run_cell('bot("still works")')
    assert result.success and result.result == "<b>bold</b> answer to still works"
    assert spanscope.tracing.stats().internal_errors == 1


def _hooks(shell: Any) -> list[Any]:
    return [
        cb
        for cb in shell.events.callbacks["post_run_cell"]
        if isinstance(getattr(cb, "__self__", None), CellTraceDisplay)
    ]


def test_import_registers_only_in_a_jupyter_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    shell = _new_shell()
    try:
        register_in_jupyter()  # a terminal shell: nothing registered
        assert _hooks(shell) == []
        monkeypatch.setattr(shell, "kernel", object(), raising=False)  # what ipykernel sets
        register_in_jupyter()
        register_in_jupyter()
        assert len(_hooks(shell)) == 1
    finally:
        _unregister(shell)
        InteractiveShell.clear_instance()
