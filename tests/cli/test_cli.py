"""The `spanscope` command line against a real SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from spanscope.cli.main import cli
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace


@pytest.fixture
def uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/cli.db"


def _run(uri: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--tracking-uri", uri, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_experiments_and_db_upgrade(uri: str) -> None:
    assert "schema upgraded to revision" in _run(uri, "db", "upgrade")
    assert "schema already at revision" in _run(uri, "db", "upgrade")
    experiment_id = _run(uri, "experiments", "create", "support-bot").strip()
    assert experiment_id == "1"
    _run(uri, "experiments", "rename", experiment_id, "support-bot-v2")
    listing = _run(uri, "experiments", "list")
    assert "support-bot-v2" in listing and "Default" in listing
    _run(uri, "experiments", "delete", experiment_id, "--yes")
    assert "support-bot-v2" not in _run(uri, "experiments", "list")


def test_traces_search_get_delete(uri: str) -> None:
    store = SqlTraceStore(uri)
    store.create_experiment("bot")
    traces = [make_trace("1", tags={"env": "prod"}), make_trace("1", "shipping?", fail=True)]
    store.write_traces(traces)
    table = _run(uri, "traces", "search", "-e", "bot", "-f", "status = 'ERROR'")
    assert traces[1].info.trace_id in table
    assert traces[0].info.trace_id not in table
    lines = _run(uri, "traces", "search", "-e", "1", "--json").splitlines()
    assert {json.loads(line)["info"]["trace_id"] for line in lines} == {
        t.info.trace_id for t in traces
    }
    tree = _run(uri, "traces", "get", traces[1].info.trace_id)
    assert "support_bot [AGENT]" in tree and "RuntimeError: tool exploded" in tree
    as_json = json.loads(_run(uri, "traces", "get", traces[0].info.trace_id, "--json"))
    assert as_json["info"]["tags"] == {"env": "prod"}
    assert "deleted 1 trace(s)" in _run(
        uri, "traces", "delete", "-e", "bot", "--trace-id", traces[0].info.trace_id
    )
    assert "deleted 1 trace(s)" in _run(uri, "traces", "delete", "-e", "bot", "--max-traces", "5")
    assert store.search_traces(["1"]) == []
    store.close()


def test_errors_are_messages_with_exit_status_2(uri: str) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "spanscope.cli.main",
            "--tracking-uri",
            uri,
            "traces",
            "search",
            "-f",
            "nme = 'x'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "unknown field 'nme'" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "spanscope.cli.main",
            "--tracking-uri",
            uri,
            "traces",
            "get",
            "f" * 32,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no trace with id" in proc.stderr


def test_multi_worker_server_socket_is_tcp_so_responses_are_not_delayed() -> None:
    # asyncio sets TCP_NODELAY only on connections of IPPROTO_TCP sockets; uvicorn binds with
    # protocol 0 when it runs several workers, so `spanscope server --workers N` binds its own.
    import socket

    from spanscope.cli.uvicorn_config import NoDelayConfig

    config = NoDelayConfig("spanscope.server.app:create_app_from_env", host="127.0.0.1", port=0)
    sock = config.bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.family == socket.AF_INET and sock.get_inheritable()
    finally:
        sock.close()
