"""Two processes tracing into one SQLite file at once lose nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from sqlalchemy import event

from spanscope import Trace
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

_WRITER = textwrap.dedent(
    """
    import sys
    import spanscope

    spanscope.set_tracking_uri(sys.argv[1])
    spanscope.tracing.configure(batch_size=50)

    @spanscope.trace(span_type="TOOL")
    def step(i):
        return i

    @spanscope.trace
    def job(i):
        spanscope.update_current_trace(tags={"writer": sys.argv[2]})
        return step(i)

    for i in range(1000):
        job(i)
    assert spanscope.flush(timeout=120)
    stats = spanscope.tracing.stats()
    assert stats.traces_exported == 1000, stats
    """
)


def test_two_writer_processes_lose_nothing(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/shared.db"
    SqlTraceStore(uri).close()  # migrate first, so both writers race on data, not schema
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, uri, name], stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for proc in writers:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    store = SqlTraceStore(uri)
    (default,) = store.search_experiments()
    assert default.trace_count == 2000
    for name in ("a", "b"):
        page = store.search_traces(["0"], f"tags.writer = '{name}'", max_results=1000)
        assert len(page) == 1000 and page.next_page_token is None
    store.close()


def test_two_processes_migrating_a_new_file_at_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/fresh.db"
    code = (
        "import sys; from spanscope.store.sql.store import SqlTraceStore; "
        "SqlTraceStore(sys.argv[1])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, uri], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert [e.name for e in SqlTraceStore(uri).search_experiments()] == ["Default"]


def test_a_forked_child_opens_its_own_sqlite_connections(tmp_path: Path) -> None:
    # The store pools SQLite connections; one inherited across fork() must not be reused.
    import os

    from tests.store.factory import make_trace

    store = SqlTraceStore(f"sqlite:///{tmp_path}/forked.db")
    store.write_traces([make_trace("0", "parent before")])  # a pooled connection exists now
    pid = os.fork()
    if pid == 0:  # the child: write through the inherited store, then leave at once
        code = 1
        try:
            store.write_traces([make_trace("0", "child")])
            code = 0 if len(store.search_traces(["0"])) == 2 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.write_traces([make_trace("0", "parent after")])
    assert len(store.search_traces(["0"])) == 3
    store.close()


def test_threads_of_one_process_take_turns_without_the_busy_timeout(tmp_path: Path) -> None:
    # Writers in one process queue on the engine's write lock, not on SQLite's busy handler
    # (which polls with sleeps): with a busy timeout of 0 a clash would fail at once.
    store = SqlTraceStore(f"sqlite:///{tmp_path}/threads.db")
    event.listen(store.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA busy_timeout = 0"))
    store.engine.dispose()
    batches = [[make_trace("0", f"question {t}-{i}") for i in range(10)] for t in range(8)]
    start = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def write(traces: list[Trace]) -> None:
        start.wait()
        try:
            for trace in traces:
                store.write_traces([trace])
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    (default,) = store.search_experiments()
    assert default.trace_count == 80
    store.close()
