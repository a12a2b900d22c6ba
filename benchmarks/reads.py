"""The UI's reads at scale: every traces-table sort and the sessions page through the REST API,
and search_traces with and without spans.

    .venv/bin/python benchmarks/reads.py                   # 1,000,000 traces per backend
    .venv/bin/python benchmarks/reads.py --traces 100000 --backends sqlite

The store (SQLite, and PostgreSQL on a throwaway server from tests/postgres_server.py) is
created and migrated by SqlTraceStore; the traces (three spans each: an AGENT root, an LLM with
chat messages, token usage and a model, and a TOOL) are inserted in bulk by SQL, in sessions of
four turns, with tokens, cost (one trace in ten unpriced), states (one in twenty failed, one in
a hundred in progress), a few names and some missing durations. A second experiment holds
2,000 such traces. A server in a thread (spanscope.testing.server) answers the REST calls as the
UI makes them: the traces table's first page (50) for each sortable column in both directions,
the sessions page (100), and a full-text search (first page of 50, newest first) for a word
one trace in 10,000 holds (selective) and for one every trace holds (non-selective).
search_traces is timed through the store, first page of 100. With --keep DIR the seeded
databases stay in DIR for the next run. The figures are in benchmarks/reads_results.md.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from sqlalchemy import Connection, text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.scale import (  # noqa: E402
    arguments,
    indexes_dropped,
    median_ms,
    numbered_rows,
    seeded_stores,
)
from benchmarks.summary import record  # noqa: E402

from spanscope.store.sql.fulltext import join_texts, stored_span_texts  # noqa: E402
from spanscope.store.sql.schema import TEXT_TABLE  # noqa: E402
from spanscope.store.sql.store import SqlTraceStore  # noqa: E402

BASE_MS = 1_795_000_000_000
SMALL = 2_000
API_GOAL_MS = 50.0
SORTS = (  # the traces table's sortable columns (ui/src/lib/columns.ts)
    "timestamp_ms",
    "execution_time_ms",
    "name",
    "status",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost",
    "trace_id",
)
_NAMES = (
    "CASE i % 4 WHEN 0 THEN 'answer_question' WHEN 1 THEN 'plan_trip' "
    "WHEN 2 THEN 'Summarise' ELSE NULL END"
)
_STATE = "CASE WHEN i % 100 = 3 THEN 'IN_PROGRESS' WHEN i % 20 = 0 THEN 'ERROR' ELSE 'OK' END"
# One trace in RARE asks about a refund (its preview and its root span's input): a selective
# full-text search; every trace's text holds "order": a non-selective one.
RARE = 10_000
_RARE = f"i % {RARE} = 7"
_QUESTION = '{{"question":"where is my {}?"}}'
_PREVIEW = '{{"question": "where is my {}?"}}'
SELECTIVE = "text ILIKE '%refund%'"
NON_SELECTIVE = "text ILIKE '%order%'"
_SPANS = (  # (index, type, name, attributes JSON, inputs JSON, outputs JSON)
    (1, "AGENT", "agent", "{}", _QUESTION.format("order"), '"It ships today."'),
    (
        2,
        "LLM",
        "chat gpt-4o-mini",
        '{"gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":120,'
        '"gen_ai.usage.output_tokens":30,"gen_ai.system":"openai","llm.temperature":0.2}',
        '{"messages":[{"role":"system","content":"You answer questions about orders."},'
        '{"role":"user","content":"where is my order?"}]}',
        '{"choices":[{"message":{"role":"assistant","content":"It ships today."}}]}',
    ),
    (3, "TOOL", "lookup_order", '{"tool.name":"lookup_order"}', '{"order":42}', '{"eta":"today"}'),
)


def seed(store: SqlTraceStore, experiment: int, count: int) -> None:
    """`count` traces (see the module docstring) in `experiment`, and SMALL more in another."""
    small = int(store.create_experiment("bench-small"))
    with indexes_dropped(store, ("traces", "spans")):
        with store.engine.begin() as conn:
            _insert(conn, store.dialect, experiment, 0, count)
        with store.engine.begin() as conn:
            _insert(conn, store.dialect, small, count, SMALL)
    if store.dialect == "sqlite":
        with store.engine.begin() as conn:
            _index_text(conn)
    with store.engine.begin() as conn:  # as PostgreSQL's autovacuum would, and SQLite's
        conn.execute(text("ANALYZE"))  # `PRAGMA optimize`


def _index_text(conn: Connection) -> None:
    """SQLite's full-text index of the seeded traces, as the writer would make it: each trace's
    texts are those of one of a few variants (its name, and whether it asks about a refund)."""
    cases = []
    params: dict[str, str] = {}
    for n, name in enumerate(("answer_question", "plan_trip", "Summarise", None)):
        for rare, topic in ((True, "refund"), (False, "order")):
            texts = [_PREVIEW.format(topic), '"It ships today."', *([name] if name else [])]
            for index, _, span_name, _, inputs, outputs in _SPANS:
                if index == 1:
                    inputs = _QUESTION.format(topic)
                content = f'{{"inputs":{inputs},"outputs":{outputs}}}'
                texts += stored_span_texts(span_name, content)
            key = f"t{n}{int(rare)}"
            params[key] = join_texts(texts) or ""
            named = f"name = '{name}'" if name else "name IS NULL"
            refund = "" if rare else "NOT "
            cases.append(f"WHEN {named} AND {refund}request_preview LIKE '%refund%' THEN :{key}")
    conn.execute(
        text(
            f"INSERT INTO {TEXT_TABLE} (rowid, content) "
            f"SELECT rowid, CASE {' '.join(cases)} END FROM traces"
        ),
        params,
    )


def _insert(conn: Connection, dialect: str, experiment: int, first: int, count: int) -> None:
    numbers, source, trace_id = numbered_rows(dialect, ":first")
    as_text = "CAST({} AS TEXT)"
    session = f"'session-' || {as_text.format('i / 4')}"
    user = f"'user-' || {as_text.format('(i / 4) % 1000')}"
    priced = "i % 10 <> 0"
    cost = "((i * 37) % 1000) / 100000.0"
    limits = {"first": first, "last": first + count - 1, "experiment": experiment}
    conn.execute(
        text(
            f"{numbers}INSERT INTO traces (trace_id, experiment_id, request_time, "
            "execution_duration, state, name, request_preview, response_preview, session_id, "
            "user_id, input_tokens, output_tokens, total_tokens, metadata_json, tags_json, "
            "cost_total, cost_json, model) "
            f"SELECT {trace_id}, :experiment, :base + i * 10, "
            "CASE WHEN i % 50 = 1 THEN NULL ELSE 100 + (i * 7919) % 900 END, "
            f"{_STATE}, {_NAMES}, "
            f"CASE WHEN {_RARE} THEN :rare_preview ELSE :preview END, '\"It ships today.\"', "
            f"{session}, {user}, "
            "CASE WHEN i % 25 = 2 THEN NULL ELSE 100 + i % 50 END, "
            "CASE WHEN i % 25 = 2 THEN NULL ELSE 20 + i % 30 END, "
            "CASE WHEN i % 25 = 2 THEN NULL ELSE 120 + i % 50 + i % 30 END, "
            f'\'{{"spanscope.trace.session": "session-\' || {as_text.format("i / 4")} || '
            f"'\", \"spanscope.trace.user\": \"' || {user} || '\"}}', '{{}}', "
            f"CASE WHEN {priced} THEN {cost} END, "
            f"CASE WHEN {priced} THEN '{{\"total\": ' || {as_text.format(cost)} || '}}' END, "
            "'gpt-4o-mini' "
            f"FROM {source}"
        ),
        {
            **limits,
            "base": BASE_MS,
            "preview": _PREVIEW.format("order"),
            "rare_preview": _PREVIEW.format("refund"),
        },
    )
    for index, span_type, name, attributes, inputs, outputs in _SPANS:
        start = f"(:base + i * 10) * 1000000 + {index * 1000}"
        duration = f"(1000000 + (i * {index}) % 5000000)"
        parent = "null" if index == 1 else f'"{1:016x}"'
        pieces = {  # the span's JSON around its trace id, times and status
            "p0": '{"trace_id":"',
            "p1": f'","span_id":"{index:016x}","parent_id":{parent},"name":"{name}",'
            f'"span_type":"{span_type}","start_time_ns":',
            "p2": ',"end_time_ns":',
            "p3": ',"status":{"code":"',
            "p4": f'","message":""}},"inputs":{inputs},"outputs":{outputs},'
            f'"attributes":{attributes},"events":[]}}',
        }
        if index == 1:  # the rare trace's question
            rare_inputs = _QUESTION.format("refund")
            pieces["p5"] = pieces["p4"].replace(f'"inputs":{inputs}', f'"inputs":{rare_inputs}')
        status = "CASE WHEN i % 20 = 0 THEN 'ERROR' ELSE 'OK' END" if index == 1 else "'OK'"
        tail = f"CASE WHEN {_RARE} THEN :p5 ELSE :p4 END" if index == 1 else ":p4"
        content = (
            f":p0 || {trace_id} || :p1 || CAST({start} AS TEXT) || :p2 || "
            f"CAST({start} + {duration} AS TEXT) || :p3 || {status} || {tail}"
        )
        conn.execute(
            text(
                f"{numbers}INSERT INTO spans (trace_id, span_id, parent_id, name, span_type, "
                "status, start_time_ns, end_time_ns, duration_ns, content) "
                f"SELECT {trace_id}, '{index:016x}', "
                f"{'NULL' if index == 1 else repr(f'{1:016x}')}, '{name}', '{span_type}', "
                f"{status}, {start}, {start} + {duration}, {duration}, {content} "
                f"FROM {source}"
            ),
            {**limits, "base": BASE_MS, **pieces},
        )


def time_reads(
    store: SqlTraceStore, experiment: str, runs: int
) -> list[tuple[str, str, float, int]]:
    """(query, traces in the experiment, median ms, items on the page) of each read."""
    import httpx

    from spanscope.testing.server import serve_in_thread

    small = str(int(experiment) + 1)
    sizes = {experiment: _count(store, experiment), small: SMALL}
    results = []
    with (
        serve_in_thread(store.uri, store) as url,
        httpx.Client(base_url=url, timeout=600) as client,
    ):

        def post(path: str, body: dict[str, Any], key: str) -> int:
            response = client.post(path, json=body)
            response.raise_for_status()
            return len(response.json()[key])

        for exp in (experiment, small):
            for sort in SORTS:
                for direction in ("DESC", "ASC"):
                    body = {
                        "experiment_ids": [exp],
                        "order_by": [f"{sort} {direction}"],
                        "max_results": 50,
                    }
                    ms, found = median_ms(
                        lambda b=body: post("/api/v1/traces/search", b, "traces"),  # type: ignore[misc]
                        runs,
                    )
                    results.append((f"REST traces by {sort} {direction}", exp, ms, found))
            body = {"experiment_ids": [exp], "max_results": 100}
            ms, found = median_ms(
                lambda b=body: post("/api/v1/sessions/search", b, "sessions"),  # type: ignore[misc]
                runs,
            )
            results.append(("REST sessions page", exp, ms, found))
            for label, search in (("selective", SELECTIVE), ("non-selective", NON_SELECTIVE)):
                body = {"experiment_ids": [exp], "filter": search, "max_results": 50}
                ms, found = median_ms(
                    lambda b=body: post("/api/v1/traces/search", b, "traces"),  # type: ignore[misc]
                    runs,
                )
                results.append((f"REST full-text {label} ({search})", exp, ms, found))
            for spans in (False, True):
                ms, found = median_ms(
                    lambda e=exp, s=spans: len(  # type: ignore[misc]
                        store.search_traces([e], max_results=100, include_spans=s)
                    ),
                    runs,
                )
                label = f"search_traces {'with' if spans else 'without'} spans"
                results.append((label, exp, ms, found))
    return [(label, f"{sizes[exp]:,}", ms, found) for label, exp, ms, found in results]


def _count(store: SqlTraceStore, experiment: str) -> int:
    with store.engine.connect() as conn:
        query = text("SELECT count(*) FROM traces WHERE experiment_id = :e")
        return int(conn.execute(query, {"e": int(experiment)}).scalar_one())


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=7)
    rows = []
    slow = []
    for backend, store, experiment in seeded_stores(args.backends, args.traces, seed, args.keep):
        slowest = 0.0
        for label, size, ms, found in time_reads(store, experiment, args.runs):
            rows.append(f"| {backend} | {label} | {size} | {ms:.1f} | {found} |")
            print(rows[-1], flush=True)
            if label.startswith("REST") and "non-selective" not in label:  # not a goal
                slowest = max(slowest, ms)
                if ms > API_GOAL_MS:
                    slow.append(f"{backend} {label} ({size}): {ms:.0f} ms")
            elif label == "search_traces with spans":
                goal = 5.0 if size == "2,000" else 20.0
                record(
                    "reads",
                    f"search_traces with spans, {size} traces, {backend}",
                    ms,
                    "ms",
                    goal=f"<= {goal:.0f} ms",
                    met=ms <= goal,
                )
        record(
            "reads",
            f"slowest UI sort, sessions page or selective full-text search (REST), "
            f"{args.traces:,} traces, {backend}",
            slowest,
            "ms",
            goal=f"<= {API_GOAL_MS:.0f} ms at 1M",
            met=slowest <= API_GOAL_MS,
        )
    print(f"\nfirst pages, median of {args.runs} runs after a warm-up\n")
    print("| backend | read | traces | ms | items |\n|---|---|---|---|---|")
    print("\n".join(rows))
    verdict = "yes" if not slow else "NO: " + ", ".join(slow)
    print(f"\nREST reads within {API_GOAL_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
