"""`spanscope traces tail` follows a trace still running in another process: it appears, grows
and ends."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cli.cli_helpers import run_cli
from tests.live.agent_process import agent_process
from tests.live_server import server_process


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("tail") / "traces.db"
    with server_process(f"sqlite:///{db}") as url:
        yield url


class Tail:
    """`spanscope traces tail --json` in a subprocess; its events read as they come."""

    def __init__(self, url: str, *args: str) -> None:
        command = [sys.executable, "-m", "spanscope.cli.main", "--tracking-uri", url]
        command += ["traces", "tail", "--json", "--interval", "0.1", "--timeout", "120", *args]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(orjson.loads(line))

    def next(
        self, matching: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        skipped = []
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if matching(event):
                return event
            skipped.append(event)
        raise AssertionError(f"no matching event; saw {skipped}")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def test_tail_follows_a_trace_running_in_another_process(server: str) -> None:
    tail = Tail(server, "--lines", "0", "--filter", "tags.live = 'yes'")
    try:
        with agent_process(server) as agent:
            new = tail.next(lambda e: e["event"] == "new")
            trace_id = new["info"]["trace_id"]
            assert new["info"]["state"] == "IN_PROGRESS"
            assert new["info"]["name"] == "support_agent"
            assert new["spans"] >= 2  # the open root and the ended plan

            assert agent.step() == "searching"
            grew = tail.next(lambda e: e["event"] == "grew" and e["spans"] == 3)
            assert grew["info"]["trace_id"] == trace_id
            assert grew["info"]["state"] == "IN_PROGRESS"

            assert agent.step() == "done"
            ended = tail.next(lambda e: e["event"] == "ended")
            assert ended["info"]["trace_id"] == trace_id
            assert ended["info"]["state"] == "OK"
            assert ended["info"]["execution_duration"] is not None
            assert ended["spans"] == 3
    finally:
        tail.stop()


def test_tail_prints_the_backlog_as_text_then_stops_at_its_timeout(server: str) -> None:
    with agent_process(server) as agent:
        assert agent.step() == "searching"
        assert agent.step() == "done"
    deadline = time.monotonic() + 30
    while True:  # the whole trace lands once the agent's exit flush has delivered it
        outcome = run_cli(
            [
                "--tracking-uri",
                server,
                "traces",
                "tail",
                "-n",
                "1",
                "--timeout",
                "0.3",
                "--interval",
                "0.1",
                "-f",
                "tags.live = 'yes'",
            ]
        )
        if " OK " in outcome.stdout or time.monotonic() > deadline:
            break
    assert outcome.status == 0, outcome
    lines = outcome.stdout.splitlines()
    assert len(lines) == 1
    assert "new" in lines[0] and "support_agent" in lines[0] and "OK" in lines[0]


def test_tail_refuses_a_bad_interval_and_a_bad_filter(server: str, tmp_path: Path) -> None:
    bad = run_cli(["--tracking-uri", server, "traces", "tail", "--interval", "0"])
    assert bad.status == 2 and "--interval" in bad.stderr
    wrong = run_cli(
        ["--tracking-uri", server, "traces", "tail", "-f", "nme = 'x'", "--timeout", "1"]
    )
    assert wrong.status == 2 and "unknown field" in wrong.stderr
