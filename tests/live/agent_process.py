"""A traced agent in a child process that runs one step each time it is told to, so a test can
watch its trace while it runs (live traces). Steps: plan (ends at once), then search (open
until the next go), then the trace ends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_AGENT = """
import sys
import spanscope

def wait(said):
    print(said, flush=True)
    sys.stdin.readline()

with spanscope.start_span("support_agent", span_type="AGENT", inputs={"q": "refund?"}) as root:
    spanscope.update_current_trace(tags={"live": "yes"})
    with spanscope.start_span("plan", span_type="LLM", inputs={"q": "refund?"}) as plan:
        plan.set_outputs({"next": "search"})
    wait("planned")
    with spanscope.start_span("search", span_type="RETRIEVER", inputs={"query": "refund"}) as s:
        wait("searching")
        s.set_outputs([{"doc": "policy"}])
    root.set_outputs({"answer": "yes"})
print("done", flush=True)
"""


class AgentProcess:
    """The running child: `step()` lets it go on and returns what it says next."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc

    def said(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line:
            raise AssertionError(f"the agent stopped: exit status {self.proc.wait(30)}")
        return line

    def step(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self.said()


@contextmanager
def agent_process(
    tracking_uri: str, live_interval_ms: int = 200, experiment_id: str | None = None
) -> Iterator[AgentProcess]:
    """Start the agent sending to `tracking_uri` (into `experiment_id`, if given); it has said
    "planned" when this yields."""
    env = {
        **os.environ,
        "SPANSCOPE_TRACKING_URI": tracking_uri,
        "SPANSCOPE_LIVE_INTERVAL_MS": str(live_interval_ms),
        "SPANSCOPE_EXPORT_INTERVAL_MS": "50",
    }
    env.pop("SPANSCOPE_EXPERIMENT_NAME", None)
    env.pop("SPANSCOPE_EXPERIMENT_ID", None)
    if experiment_id is not None:
        env["SPANSCOPE_EXPERIMENT_ID"] = experiment_id
    proc = subprocess.Popen(
        [sys.executable, "-c", _AGENT],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        agent = AgentProcess(proc)
        assert agent.said() == "planned"
        yield agent
    finally:
        # Its exit flush delivers the whole trace: let it finish (stdin closed ends any wait).
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(30)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
