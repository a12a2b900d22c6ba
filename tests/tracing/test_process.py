"""Traces survive process exit and SIGTERM; traceparent continues a trace in another process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import spanscope
from spanscope.testing import TraceCapture, span_tree
from spanscope.tracing import read_json_lines

_PRELUDE = """
import signal, sys, time, spanscope
spanscope.tracing.configure(export_interval_s=30)  # only an exit-time flush can save the trace
spanscope.tracing.set_exporters([spanscope.tracing.JsonLinesTraceExporter(sys.argv[1])])

@spanscope.trace(span_type="TOOL")
def step(n):
    return n * 2

@spanscope.trace(span_type="CHAIN")
def job(n):
    return step(n) + 1
"""


def _run(code: str, path: Path, *args: str) -> subprocess.Popen[str]:
    script = _PRELUDE + textwrap.dedent(code)
    return subprocess.Popen(
        [sys.executable, "-c", script, str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_exit_right_after_a_traced_call_still_exports(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    proc = _run("print(job(3))", path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.strip() == "7"
    (trace,) = read_json_lines(path)
    assert span_tree(trace, values=False, events=False) == [
        {
            "name": "job",
            "span_type": "CHAIN",
            "status": "OK",
            "children": [{"name": "step", "span_type": "TOOL", "status": "OK", "children": []}],
        }
    ]


def test_sigterm_right_after_a_traced_call_still_exports(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    proc = _run("job(5)\nprint('ready', flush=True)\nsignal.pause()\n", path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    # The default SIGTERM behaviour is kept: the process still dies of the signal.
    assert proc.returncode == -signal.SIGTERM
    (trace,) = read_json_lines(path)
    assert trace.data.spans[0].outputs == 11


def test_user_sigterm_handler_still_runs(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    code = """
    import signal
    signal.signal(signal.SIGTERM, lambda s, f: (print("user handler", flush=True), sys.exit(3)))
    job(1)
    print('ready', flush=True)
    signal.pause()
    """
    proc = _run(code, path)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 3
    assert "user handler" in out
    assert len(read_json_lines(path)) == 1


def test_traceparent_continues_the_trace_in_another_process(
    tmp_path: Path, spanscope_traces: TraceCapture
) -> None:
    path = tmp_path / "child.jsonl"
    child_code = """
    import json
    headers = json.loads(sys.argv[2])
    with spanscope.tracing.continue_trace(headers):
        job(10)
    """
    with spanscope.start_span("client_request", span_type="CHAIN") as span:
        headers = spanscope.tracing.inject_trace_headers({"x-other": "1"})
        assert headers["traceparent"] == f"00-{span.trace_id}-{span.span_id}-01"
        proc = _run(child_code, path, json.dumps(headers))
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    (child,) = read_json_lines(path)
    parent = spanscope_traces.single()
    assert child.info.trace_id == parent.info.trace_id
    child_root = child.data.spans[0]
    assert child_root.name == "job"
    assert child_root.parent_id == parent.data.spans[0].span_id


def test_malformed_or_unsampled_traceparent(spanscope_traces: TraceCapture) -> None:
    with spanscope.tracing.continue_trace({"TraceParent": "garbage"}) as remote:
        assert remote is None
        spanscope.trace(lambda: 1)()
    unsampled = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-00"}
    with spanscope.tracing.continue_trace(unsampled) as remote:
        assert remote is not None and not remote.sampled
        spanscope.trace(lambda: 2)()
    (trace,) = spanscope_traces.traces
    assert trace.data.spans[0].parent_id is None
    assert spanscope.tracing.inject_trace_headers() == {}
