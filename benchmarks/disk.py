"""Bytes on disk per chat trace, by table, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/disk.py                    # 2,000 traces per backend
    .venv/bin/python benchmarks/disk.py --traces 200 --backends sqlite
    .venv/bin/python benchmarks/disk.py --traces 100000 --runs 5   # and full-text latency

A chat trace is one CHAT_MODEL span (as an autologged chat completion is) whose request is
about 10.8 KB of messages (a system prompt, earlier turns, the question) and whose response is
about 2.3 KB; its words are drawn at random per trace from a vocabulary, so no two traces share
their text. The payload is the compact JSON of the request and the response. The traces go in
through `SqlTraceStore.write_traces` in batches of 50, as the server writes them; the database
(SQLite in a temporary folder, PostgreSQL on a throwaway server from tests/postgres_server.py)
is measured before and after, per table with its indexes (and TOAST on PostgreSQL), after a
WAL checkpoint on SQLite and a VACUUM on PostgreSQL (as autovacuum would). benchmarks/
disk_results.md holds the figures. With --runs N, full-text searches are timed too (a
first page, median of N): each trace's request names an order only it names, and one search
looks for a word every trace holds.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from typing import Any

import orjson
from sqlalchemy import text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "src"), REPO]

from benchmarks.scale import arguments, database  # noqa: E402
from benchmarks.summary import record  # noqa: E402

from spanscope import Span, Trace, TraceData  # noqa: E402
from spanscope.entities.derivation import compute_trace_info  # noqa: E402
from spanscope.store.sql.schema import TEXT_TABLE  # noqa: E402
from spanscope.store.sql.store import SqlTraceStore  # noqa: E402

GOAL = 1.5
REQUEST_BYTES = 10_800
RESPONSE_BYTES = 2_300
BATCH = 50
WORDS = (  # noqa: SIM905 (a paragraph reads better than a column of words)
    "the of and to a in is it you that he was for on are with as his they be at one have this "
    "from or had by hot word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like so "
    "these her long make thing see him two has look more day could go come did number sound no "
    "most people my over know water than call first who may down side been now find any new "
    "work part take get place made live where after back little only round man year came show "
    "every good me give our under name very through just form sentence great think say help low "
    "line differ turn cause much mean before move right boy old too same tell does set three "
    "want air well also play small end put home read hand port large spell add even land here "
    "must big high such follow act why ask men change went light kind off need house picture "
    "try us again animal point mother world near build self earth father head stand own page "
    "should country found answer school grow study still learn plant cover food sun four "
    "between state keep eye never last let thought city tree cross farm hard start might story "
    "saw far sea draw left late run don't while press close night real life few north order "
    "refund invoice shipping account password customer support ticket delivery warehouse "
    "subscription billing payment policy discount coupon return exchange tracking carrier"
).split()


def _sentences() -> list[str]:
    """20,000 sentences of 6 to 18 random words (a fifth ending in a number), made once:
    traces draw theirs from them, which is faster than drawing words."""
    rng = random.Random(0)
    made = []
    for _ in range(20_000):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        if rng.random() < 0.2:
            words.append(f"#{rng.randint(10_000, 99_999)}")
        made.append(" ".join(words).capitalize() + rng.choice(".?!"))
    return made


SENTENCES = _sentences()


def chat_text(rng: random.Random, size: int) -> str:
    """Random sentences, `size` characters."""
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = SENTENCES[rng.randrange(len(SENTENCES))]
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)[:size]


def chat_trace(i: int, experiment_id: str) -> tuple[Trace, int]:
    """The i-th chat trace and its payload in bytes (request and response as compact JSON)."""
    rng = random.Random(i)
    turns = [("system", 2_400), ("user", 900), ("assistant", 2_000), ("user", 700)]
    turns += [("assistant", 2_300), ("user", 2_200)]
    messages = [{"role": role, "content": chat_text(rng, size)} for role, size in turns]
    messages[1]["content"] = f"About order {order_id(i)}: " + messages[1]["content"]
    request: dict[str, Any] = {"model": "gpt-4o", "messages": messages, "temperature": 0.2}
    over = len(orjson.dumps(request)) - REQUEST_BYTES  # the question trimmed to the size
    messages[-1]["content"] = messages[-1]["content"][: len(messages[-1]["content"]) - over]
    response: dict[str, Any] = {
        "id": f"chatcmpl-{i:024d}",
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}}],
        "usage": {"prompt_tokens": 2_700, "completion_tokens": 560, "total_tokens": 3_260},
    }
    reply = chat_text(rng, RESPONSE_BYTES - len(orjson.dumps(response)))
    response["choices"][0]["message"]["content"] = reply
    trace_id = f"{i + 1:032x}"
    start = 1_795_000_000_000_000_000 + i * 1_000_000_000
    span = Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{i + 1:016x}",
            "name": "chat gpt-4o",
            "span_type": "CHAT_MODEL",
            "start_time_ns": start,
            "end_time_ns": start + 1_800_000_000,
            "status": {"code": "OK", "message": ""},
            "inputs": request,
            "outputs": response,
            "attributes": {
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.usage.input_tokens": 2_700,
                "gen_ai.usage.output_tokens": 560,
            },
        }
    )
    info = compute_trace_info(trace_id, experiment_id, [span])
    payload = len(orjson.dumps(request)) + len(orjson.dumps(response))
    return Trace(info, TraceData([span])), payload


def table_bytes(store: SqlTraceStore) -> dict[str, int]:
    """Bytes on disk of each table, with its indexes (and TOAST on PostgreSQL); FTS5's shadow
    tables and the full-text table's indexes count under the full-text table."""
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            rows = conn.execute(
                text(
                    "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
                    "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1"
                )
            ).all()
        else:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            ).all()
    sizes: dict[str, int] = {}
    for name, size in rows:
        for shadow in ("_data", "_idx", "_content", "_docsize", "_config"):
            if name.startswith(TEXT_TABLE) and name.endswith(shadow):
                name = TEXT_TABLE
        sizes[name] = sizes.get(name, 0) + int(size)
    return sizes


def order_id(i: int) -> str:
    """The order the i-th trace is about: one trace's, as a request id or a customer is."""
    return f"ORD-{(i * 2_654_435_761) % 2**32:08x}"


def searches(count: int) -> dict[str, str]:
    """label -> filter: selective ones (one trace of `count`) and a word every trace holds."""
    wanted = order_id(count // 2)
    return {
        f"text LIKE '%{wanted}%' (1 trace)": f"text LIKE '%{wanted}%'",
        f"text ILIKE '%{wanted.lower()}%' (1 trace)": f"text ILIKE '%{wanted.lower()}%'",
        "text LIKE '%warehouse%' (every trace)": "text LIKE '%warehouse%'",
    }


def time_searches(store: SqlTraceStore, experiment: str, count: int, runs: int) -> list[str]:
    """A row per search: the median ms of a first page (50 traces) and the traces found."""
    found = []
    for label, filter_string in searches(count).items():
        store.search_traces([experiment], filter_string, max_results=50)  # warm-up
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            page = store.search_traces([experiment], filter_string, max_results=50)
            timings.append((time.perf_counter() - start) * 1000)
        found.append(f"{label} | {statistics.median(timings):.1f} | {len(page)}")
    return found


def measure(
    backend: str, uri: str, count: int, runs: int
) -> tuple[dict[str, float], float, list[str]]:
    """Bytes per trace of each table that grew, the payload per trace, and search timings
    (none when `runs` is 0)."""
    store = SqlTraceStore(uri)
    try:
        experiment = store.create_experiment("disk")
        before = table_bytes(store)
        payload = 0
        for first in range(0, count, BATCH):
            batch = [chat_trace(i, experiment) for i in range(first, min(count, first + BATCH))]
            payload += sum(size for _, size in batch)
            store.write_traces([t for t, _ in batch])
        after = table_bytes(store)
        timed = time_searches(store, experiment, count, runs) if runs else []
    finally:
        store.close()
    grown = {
        name: (size - before.get(name, 0)) / count
        for name, size in after.items()
        if size > before.get(name, 0)
    }
    return grown, payload / count, timed


def main() -> None:
    args = arguments(__doc__.splitlines()[0], runs=0)
    count = args.traces if args.traces != 1_000_000 else 2_000  # the shared default is for speed
    lines = []
    searched: list[str] = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp, database(backend, tmp) as uri:
            grown, payload, timed = measure(backend, uri, count, args.runs)
        searched.extend(f"| {backend} | {row} |" for row in timed)
        total = sum(grown.values())
        parts = ", ".join(
            f"{n} {b / 1000:.1f}" for n, b in sorted(grown.items(), key=lambda x: -x[1])
        )
        ratio = total / payload
        lines.append(
            f"| {backend} | {payload / 1000:.1f} | {total / 1000:.1f} | {ratio:.2f} | {parts} |"
        )
        print(lines[-1], flush=True)
        record(
            "disk",
            f"bytes on disk / payload of a chat trace, {backend}",
            ratio,
            "x",
            goal="<= 1.5x",
            met=ratio <= 1.5,
        )
    print(f"\n{count:,} chat traces per backend, KB (1,000 bytes) per trace\n")
    print("| backend | payload | on disk | ratio | by table (indexes included) |")
    print("|---|---|---|---|---|")
    print("\n".join(lines))
    if searched:
        print(f"\nfull-text search, first page of 50, median of {args.runs} runs\n")
        print("| backend | filter | ms | traces |\n|---|---|---|---|")
        print("\n".join(searched))


if __name__ == "__main__":
    main()
