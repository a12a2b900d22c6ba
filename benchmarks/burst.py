"""Bursts: 20,000 and 200,000 traces made back to back with the default settings, into a
SQLite store in a temporary directory. How many are dropped (the goal: none), what the caller
pays per trace, and how long until every trace is in the store.

Each case runs in its own subprocess with a fresh SPANSCOPE_HOME (the spool lives there). The
caller's time per trace is the wall time of the burst divided by its traces, with the export
worker live (it shares the interpreter with the caller), against the same burst with export
deferred (the worker asleep until the burst is over) and against a small burst (2,000).

    .venv/bin/python benchmarks/burst.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from offline import guard_network

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.summary import record  # noqa: E402


def child(home: str, traces: int, deferred: bool) -> dict[str, Any]:
    guard_network()
    import spanscope
    from spanscope.store.sql.store import SqlTraceStore

    uri = f"sqlite:///{home}/traces.db"
    spanscope.set_tracking_uri(uri)
    if deferred:  # the worker sleeps through the burst (nothing else changes)
        spanscope.tracing.configure(
            export_interval_s=3600.0, batch_size=10**9, queue_memory_bytes=2**40
        )

    @spanscope.trace(span_type="TOOL")
    def traced(x: int) -> int:
        return x + 1

    for n in range(100):  # warm up: the store and its tables exist
        traced(n)
    spanscope.flush()
    spanscope.tracing.reset()  # counters from zero (the tracking URI is reset too)
    spanscope.set_tracking_uri(uri)
    if deferred:
        spanscope.tracing.configure(
            export_interval_s=3600.0, batch_size=10**9, queue_memory_bytes=2**40
        )
    start = time.perf_counter_ns()
    for n in range(traces):
        traced(n)
    caller_ns = time.perf_counter_ns() - start
    queued = spanscope.tracing.stats().queue_size
    assert spanscope.flush()
    delivered_s = (time.perf_counter_ns() - start) / 1e9
    stats = spanscope.tracing.stats()
    store = SqlTraceStore(uri)
    stored, token = 0, None
    while True:
        page = store.search_traces(["0"], max_results=1000, page_token=token)
        stored += len(page)
        token = page.next_page_token
        if token is None:
            break
    store.close()
    dropped = (
        stats.traces_dropped_queue_full
        + stats.traces_dropped_export_error
        + stats.traces_evicted
        + stats.traces_dropped_spool_error
    )
    return {
        "traces": traces,
        "deferred": deferred,
        "caller_us_per_trace": caller_ns / traces / 1000,
        "queued_at_end_of_burst": queued,
        "dropped": dropped,
        "exported": stats.traces_exported,
        "overflowed": stats.traces_overflowed,
        "stored": stored - 100,
        "all_stored_s": delivered_s,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "valid": dropped == 0 and stored - 100 == traces and stats.internal_errors == 0,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    cases = [(2_000, False), (20_000, False), (20_000, True)]
    if not quick:
        cases += [(200_000, False), (200_000, True)]
    results = []
    for traces, deferred in cases:
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "SPANSCOPE_HOME": home, "PYTHONPATH": f"{ROOT}/src:{ROOT}"}
            env.pop("SPANSCOPE_SPOOL_DIR", None)
            env.pop("SPANSCOPE_TRACKING_URI", None)
            command = [sys.executable, __file__, "--child", home, str(traces), str(deferred)]
            out = subprocess.run(
                command, env=env, capture_output=True, text=True, check=True, timeout=3600
            )
            results.append(json.loads(out.stdout.splitlines()[-1]))
    return results


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        "| burst | export | caller µs/trace | queued at end | dropped | exported | through the "
        "overflow file | all in the store after | max RSS |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['traces']:,} | {'deferred' if r['deferred'] else 'live'} "
            f"| {r['caller_us_per_trace']:.1f} | {r['queued_at_end_of_burst']:,} "
            f"| {r['dropped']:,} | {r['exported']:,} | {r['overflowed']:,} "
            f"| {r['all_stored_s']:.1f} s | {r['max_rss_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        home, traces, deferred = args.child
        print(json.dumps(child(home, int(traces), deferred == "True")))
        return 0
    results = run(args.quick)
    print(report(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    lost = [r for r in results if not r["valid"]]
    for r in results:
        export = "deferred" if r["deferred"] else "live"
        record(
            "burst",
            f"{r['traces']:,}-trace burst ({export} export): dropped",
            r["dropped"],
            "traces",
            goal="0",
            met=r["valid"],
        )
    for r in lost:
        print(f"LOST traces in the {r['traces']:,}-trace burst: {r}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
