"""The `spanscope` command line against a real SQLite store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from spanscope.cli.main import EXIT_ABORTED, EXIT_UNAVAILABLE, EXIT_USAGE, cli
from spanscope.store.sql.store import SqlTraceStore
from tests.cli.cli_helpers import run_cli
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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["traces", "search", "-f", "nme = 'x'"], EXIT_USAGE, "unknown field 'nme'"),
        (["traces", "search", "-f", "NOT " * 60 + "name = 'x'"], EXIT_USAGE, "nested too deeply"),
        (["traces", "search", "-f", "name = 'a\x00b' AND ("], EXIT_USAGE, "invalid filter"),
        (["traces", "search", "-f", "x" * 10_001], EXIT_USAGE, "longer than 10000"),
        (["traces", "search", "-o", "bogus"], EXIT_USAGE, "invalid order_by"),
        (["traces", "search", "-n", "0"], EXIT_USAGE, "max_results must be"),
        (["traces", "search", "-n", "many"], EXIT_USAGE, "'many' is not a valid integer"),
        (["traces", "search", "--page-token", "garbage"], EXIT_USAGE, "invalid page token"),
        (["traces", "search", "-e", "nope"], EXIT_USAGE, "no experiment named 'nope'"),
        (["traces", "get", "f" * 32], EXIT_USAGE, "no trace with id"),
        (["traces", "get"], EXIT_USAGE, "Missing argument"),
        (["traces", "delete", "-e", "0"], EXIT_USAGE, "give --trace-id"),
        (["traces", "delete", "-e", "0", "--older-than-ms", "-5"], EXIT_USAGE, "non-negative"),
        (["experiments", "create", " "], EXIT_USAGE, "non-empty string"),
        (["experiments", "rename", "999", "x"], EXIT_USAGE, "no experiment with id"),
        (["experiments", "delete", "999", "--yes"], EXIT_USAGE, "no experiment with id"),
        (["experiments", "delete", "0", "--yes"], EXIT_USAGE, "cannot be deleted"),
        (["experiments", "delete", "0"], EXIT_ABORTED, "Aborted!"),  # no answer to the prompt
        (["traces", "--no-such-option"], EXIT_USAGE, "No such option"),
        (["no-such-command"], EXIT_USAGE, "No such command"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    uri: str, args: list[str], status: int, message: str
) -> None:
    outcome = run_cli(["--tracking-uri", uri, *args])
    assert outcome.status == status, outcome
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], outcome.stderr
    assert lines[0].startswith("Error: ") or lines[0] == "Aborted!"


def test_an_unsupported_tracking_uri_is_a_usage_error() -> None:
    outcome = run_cli(["--tracking-uri", "ftp://example.com/x", "traces", "search"])
    assert outcome.status == EXIT_USAGE
    assert outcome.stderr.count("\n") == 1 and "unsupported tracking URI" in outcome.stderr


@pytest.mark.parametrize(
    "command", [["traces", "search"], ["experiments", "list"], ["db", "upgrade"], ["server"]]
)
def test_an_unreachable_store_exits_3(command: list[str]) -> None:
    pytest.importorskip("psycopg")
    uri = f"postgresql://spanscope@127.0.0.1:{_free_port()}/db"
    outcome = run_cli(["--tracking-uri", uri, *command])
    assert outcome.status == EXIT_UNAVAILABLE, outcome
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the store is unavailable"), lines


def test_a_store_folder_that_cannot_be_made_exits_3(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    outcome = run_cli(["--tracking-uri", f"sqlite:///{blocker}/sub/x.db", "db", "upgrade"])
    assert outcome.status == EXIT_UNAVAILABLE, outcome
    assert "cannot create the folder" in outcome.stderr and outcome.stderr.count("\n") == 1


def test_the_console_script_exits_3_when_the_store_is_unavailable() -> None:
    uri = f"postgresql://spanscope@127.0.0.1:{_free_port()}/db"
    proc = subprocess.run(
        [sys.executable, "-m", "spanscope.cli.main", "--tracking-uri", uri, "traces", "search"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == EXIT_UNAVAILABLE, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_help_lists_the_exit_statuses() -> None:
    outcome = run_cli(["--help"])
    assert outcome.status == 0
    assert "3 store unavailable" in " ".join(outcome.stdout.split())


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
