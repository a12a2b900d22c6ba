"""search_spans at scale: first-page latency over 1,000,000 traces x 5 spans.

    .venv/bin/python benchmarks/spans.py                   # 1,000,000 traces per backend
    .venv/bin/python benchmarks/spans.py --traces 200000 --backends sqlite

The store (SQLite, and PostgreSQL on a throwaway server from tests/postgres_server.py) is
created and migrated by SqlTraceStore; traces and their five spans (an AGENT root, a
RETRIEVER, an LLM, a TOOL and a CHAIN) are inserted in bulk by SQL, and every query is timed
through `SqlTraceStore.search_spans` (and `search_traces` for a span(...) group), as the server
and the UI call them. One TOOL span in fifty fails (2% of tool calls). The figures are in
benchmarks/spans_results.md.
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.scale import arguments, median_ms, numbered_rows, seeded_stores  # noqa: E402
from benchmarks.summary import record  # noqa: E402

from spanscope.store.sql.store import SqlTraceStore  # noqa: E402

BASE_MS = 1_795_000_000_000
GOAL_MS = 100.0
_SPANS = (  # (index, type, name, status expression over i, model)
    (1, "AGENT", "agent", "'OK'", None),
    (2, "RETRIEVER", "retrieve", "'OK'", None),
    (3, "LLM", "chat", "'OK'", "gpt-4o-mini"),
    (4, "TOOL", "lookup_order", "CASE WHEN i % 50 = 7 THEN 'ERROR' ELSE 'OK' END", None),
    (5, "CHAIN", "format", "'OK'", None),
)
SPAN_QUERIES: dict[str, tuple[str | None, list[str] | None]] = {
    "failing TOOL spans": ("type = 'TOOL' AND status = 'ERROR'", None),
    "failing TOOL spans of failed traces": (
        "type = 'TOOL' AND status = 'ERROR' AND trace.status = 'ERROR'",
        None,
    ),
    "all spans, newest": (None, None),
    "LLM spans of a model": ("type = 'LLM' AND model = 'gpt-4o-mini'", None),
}
TRACE_QUERIES: dict[str, str] = {
    "traces with span(failing TOOL)": "span(type = 'TOOL' AND status = 'ERROR')",
}


def seed(store: SqlTraceStore, experiment: int, count: int) -> None:
    """`count` traces 10 ms apart, each with the five spans of _SPANS."""
    numbers, source, trace_id = numbered_rows(store.dialect)
    with store.engine.begin() as conn:
        conn.execute(
            text(
                f"{numbers}INSERT INTO traces (trace_id, experiment_id, request_time, "
                "execution_duration, state, name, request_preview, response_preview, "
                "metadata_json, tags_json) "
                f"SELECT {trace_id}, :experiment, :base + i * 10, 100 + i % 100, "
                "CASE WHEN i % 50 = 7 THEN 'ERROR' ELSE 'OK' END, 'agent', "
                '\'{"question": "where is my order?"}\', '
                f"'\"It ships today.\"', '{{}}', '{{}}' FROM {source}"
            ),
            {"last": count - 1, "experiment": experiment, "base": BASE_MS},
        )
        for index, span_type, name, status, model in _SPANS:
            span_id = f"'{index:016x}'"
            start = f"(:base + i * 10) * 1000000 + {index * 1000}"
            duration = f"(1000000 + (i * {index}) % 5000000)"
            attributes = f'{{"gen_ai.request.model":"{model}"}}' if model else "{}"
            parent = "null" if index == 1 else '"' + "1".zfill(16) + '"'
            pieces = {  # the span's JSON around its trace id, times and status
                "p0": '{"trace_id":"',
                "p1": f'","span_id":"{index:016x}","parent_id":{parent},"name":"{name}",'
                f'"span_type":"{span_type}","start_time_ns":',
                "p2": ',"end_time_ns":',
                "p3": ',"status":{"code":"',
                "p4": '","message":""},"inputs":{"q":"where is my order?"},"outputs":null,'
                f'"attributes":{attributes},"events":[]}}',
            }
            content = (
                f":p0 || {trace_id} || :p1 || CAST({start} AS TEXT) || :p2 || "
                f"CAST({start} + {duration} AS TEXT) || :p3 || {status} || :p4"
            )
            conn.execute(
                text(
                    f"{numbers}INSERT INTO spans (trace_id, span_id, parent_id, name, span_type, "
                    "status, start_time_ns, end_time_ns, duration_ns, content) "
                    f"SELECT {trace_id}, {span_id}, "
                    f"{'NULL' if index == 1 else repr('1'.zfill(16))}, '{name}', '{span_type}', "
                    f"{status}, {start}, {start} + {duration}, {duration}, {content} "
                    f"FROM {source}"
                ),
                {"last": count - 1, "base": BASE_MS, **pieces},
            )
    with store.engine.begin() as conn:  # as PostgreSQL's autovacuum would, and SQLite's
        conn.execute(text("ANALYZE"))  # `PRAGMA optimize`


def time_queries(store: SqlTraceStore, experiment: str, runs: int) -> dict[str, tuple[float, int]]:
    """label -> (median ms of the first page of 100, items on it)."""
    results = {}
    for label, (filter_string, order_by) in SPAN_QUERIES.items():
        results[label] = median_ms(
            lambda f=filter_string, o=order_by: len(  # type: ignore[misc]
                store.search_spans([experiment], f, o, max_results=100)
            ),
            runs,
        )
    for label, filter_string in TRACE_QUERIES.items():
        results[label] = median_ms(
            lambda f=filter_string: len(  # type: ignore[misc]
                store.search_traces([experiment], f, max_results=100)
            ),
            runs,
        )
    return results


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=7)
    rows = []
    slow = []
    worst: dict[str, float] = {}
    for backend, store, experiment in seeded_stores(args.backends, args.traces, seed):
        for label, (ms, found) in time_queries(store, experiment, args.runs).items():
            rows.append(f"| {backend} | {label} | {ms:.1f} | {found} |")
            worst[backend] = max(worst.get(backend, 0.0), ms)
            if ms >= GOAL_MS:
                slow.append(f"{backend} {label}: {ms:.1f} ms")
    spans = args.traces * len(_SPANS)
    print(f"\n{args.traces:,} traces ({spans:,} spans), first page of 100, median of {args.runs}\n")
    print("| backend | query | ms | items |\n|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nunder {GOAL_MS:.0f} ms: {'yes' if not slow else 'NO: ' + ', '.join(slow)}")
    record(
        "spans",
        f"slowest span query, {args.traces:,} traces",
        max(worst.values()),
        "ms",
        goal=f"< {GOAL_MS:.0f} ms",
        met=not slow,
    )


if __name__ == "__main__":
    main()
