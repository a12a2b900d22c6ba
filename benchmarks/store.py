"""Trace-store benchmark: SDK persist throughput and first-page search latency, vs mlflow.

    .venv/bin/python benchmarks/store.py [--quick | --scale 1m | --traces N] [--json PATH]

The parent starts a throwaway PostgreSQL server on 127.0.0.1 (tests/postgres_server.py) and runs
every measurement in its own subprocess (`--worker`), so spanscope's and mlflow's global tracing
state never meet; it collects their JSON, prints the tables and checks the goals.
benchmarks/store_results.md says what is measured and how, with the figures.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from typing import Any, NamedTuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OFFLINE_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
BASE_MS = 1_795_000_000_000  # request time of generated trace 0; each next one is 10 ms later
MS = 1_000_000
QUERIES: dict[str, str | None] = {  # label (share of traces matching) -> filter string
    "no filter": None,
    "tag 10%": "tags.env = 'prod'",
    "span type 20%": "span.type = 'TOOL'",
    "text 1%": "text ILIKE '%refund%'",
    "rare tag 0.1%": "tags.tier = 'gold'",
}
MLFLOW_QUERIES = {**QUERIES, "text 1%": "trace.text ILIKE '%refund%'"}
MLFLOW_REFERENCE, PERSIST_FACTOR, SEARCH_GOAL_MS = 180.0, 100.0, 50.0
Part = tuple[str, str, Any, Any]  # span name, span type, inputs, outputs
Json = dict[str, Any]


def _mix(x: int) -> int:
    """splitmix64: a cheap bijection on 64-bit ints, for ids and pseudo-random choices."""
    x = (x * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) % 2**64
    return x ^ (x >> 31)


class Shape(NamedTuple):
    """Generated trace `i`, the same for every system: a root with an LLM child and a TOOL
    (~20%) or RETRIEVER child; tags env ("prod" ~10%) and tier ("gold" ~0.1%); "refund" in
    the question of ~1%."""

    trace_id: int  # 128 bits
    time_ms: int
    question: str
    tags: dict[str, str]
    parts: list[Part]

    @classmethod
    def of(cls, i: int) -> Shape:
        h = _mix(i)
        question = f"{'how do I get a refund for' if h % 100 == 7 else 'where is'} order {i}?"
        env = "prod" if (h >> 20) % 10 == 0 else "staging" if (h >> 20) % 10 == 1 else "dev"
        tags = {"env": env, "tier": "gold" if (h >> 8) % 1000 == 0 else "standard"}
        third: Part = ("lookup_order", "TOOL", {"order": i}, {"status": "shipped"})
        if (h >> 32) % 5:
            third = ("retrieve", "RETRIEVER", {"query": question}, ["Orders ship in 2 days."])
        parts: list[Part] = [
            ("handle_request", "AGENT", {"question": question}, {"answer": "It ships today."}),
            ("chat", "LLM", {"prompt": question}, {"text": "It ships today."}),
            third,
        ]
        return cls((h << 64) | _mix(i + 2**62), BASE_MS + 10 * i, question, tags, parts)


def spanscope_trace(i: int, experiment_id: str) -> Any:
    from spanscope import Span, Trace, TraceData, TraceInfo, TraceState

    shape, spans = Shape.of(i), []
    trace_id, t0 = f"{shape.trace_id:032x}", shape.time_ms * MS
    ids = [f"{_mix(i * 4 + k + 2**63):016x}" for k in range(3)]
    for k, (name, kind, inputs, outputs) in enumerate(shape.parts):
        span: Json = {"trace_id": trace_id, "span_id": ids[k], "parent_id": ids[0] if k else None}
        span |= {"name": name, "span_type": kind, "inputs": inputs, "outputs": outputs}
        span |= {"start_time_ns": t0 + k * MS, "end_time_ns": t0 + (40 - k) * MS}
        span |= {"status": {"code": "OK"}, "attributes": {"app.version": "1.4"}, "events": []}
        spans.append(Span.from_dict(span))
    info: Json = {"trace_id": trace_id, "experiment_id": experiment_id, "tags": shape.tags}
    info |= {"request_time": shape.time_ms, "execution_duration": 40, "state": TraceState.OK}
    info |= {"request_preview": shape.question, "response_preview": "It ships today."}
    info |= {"name": "handle_request", "metadata": {"spanscope.trace.schema_version": "1"}}
    return Trace(TraceInfo(**info), TraceData(spans))


def mlflow_spans(i: int) -> list[Any]:
    from mlflow.entities import Span

    shape, spans = Shape.of(i), []
    trace_id = base64.b64encode(shape.trace_id.to_bytes(16, "big")).decode()
    ids = [base64.b64encode(_mix(i * 4 + k + 2**63).to_bytes(8, "big")).decode() for k in range(3)]
    t0, request_id = shape.time_ms * MS, f"tr-{shape.trace_id:032x}"
    for k, (name, kind, inputs, outputs) in enumerate(shape.parts):
        attrs: Json = {"mlflow.traceRequestId": request_id, "mlflow.spanType": kind}
        attrs |= {"mlflow.spanInputs": inputs, "mlflow.spanOutputs": outputs, "app.version": "1.4"}
        if k == 0:  # mlflow's log_spans() makes trace tags of these root attributes
            attrs |= {f"mlflow.traceTag.{key}": value for key, value in shape.tags.items()}
        span: Json = {"trace_id": trace_id, "span_id": ids[k], "name": name, "links": []}
        span |= {"start_time_unix_nano": t0 + k * MS, "end_time_unix_nano": t0 + (40 - k) * MS}
        span |= {"parent_span_id": ids[0] if k else None, "events": []}
        span["status"] = {"code": "STATUS_CODE_OK", "message": ""}
        span["attributes"] = {key: json.dumps(value) for key, value in attrs.items()}
        spans.append(Span.from_dict(span))
    return spans


def make_app(trace: Callable[..., Any], update_trace: Callable[..., Any]) -> Callable[[int], str]:
    """The traced application of the persist burst: a root span with 9 children."""

    retrieve = trace(name="retrieve", span_type="RETRIEVER")(lambda query: ["Orders ship."])
    chat = trace(name="chat", span_type="LLM")(lambda prompt: "It ships today.")
    lookup = trace(name="lookup_order", span_type="TOOL")(lambda order: {"status": "shipped"})

    def handle(i: int) -> str:
        shape = Shape.of(i)
        update_trace(tags=shape.tags)
        for _ in range(3):
            retrieve(shape.question)
            chat(shape.question)
            lookup(i)
        return "It ships today."

    traced: Callable[[int], str] = trace(name="handle_request", span_type="AGENT")(handle)
    return traced


# --- workers: each runs in its own process and prints its JSON ---------------------------


def persist_spanscope(task: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import text

    import spanscope
    from spanscope.store.sql.store import SqlTraceStore

    spanscope.set_tracking_uri(task["uri"])
    spanscope.tracing.configure(queue_size=max(task["burst"], 10_000) + 1_000)
    handle = make_app(spanscope.trace, spanscope.update_current_trace)
    spanscope.set_experiment("warm-up")
    handle(0)
    spanscope.flush()
    experiment_id = spanscope.set_experiment("burst").experiment_id
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(task["burst"]):
        handle(i)
    produced = time.perf_counter()
    spanscope.flush()
    token: str | None = ""  # "": the first page
    kept = 0
    while token is not None:  # count what is searchable, page by page
        page = spanscope.search_traces(
            [experiment_id], max_results=10_000, page_token=token or None, include_spans=False
        )
        kept, token = kept + len(page), page.next_page_token
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    stats = spanscope.tracing.stats()
    with SqlTraceStore(task["uri"]).engine.connect() as conn:
        per_trace = "spans JOIN traces USING (trace_id) WHERE experiment_id = :e"
        spans = conn.execute(text(COUNT_SPANS.format(per_trace)), {"e": int(experiment_id)}).one()
    result = _persisted(task["burst"], kept, tuple(spans), produced - start, seconds, cpu)
    return result | {"drop_counter": stats.traces_dropped_queue_full}


def persist_mlflow(task: dict[str, Any]) -> dict[str, Any]:
    import mlflow
    from mlflow.tracing.provider import _get_trace_exporter

    tmp = task["tmp"]
    mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
    handle = make_app(mlflow.trace, mlflow.update_current_trace)
    for name in ("warm-up", "burst"):
        experiment_id = mlflow.create_experiment(name, artifact_location=f"file://{tmp}/artifacts")
        mlflow.set_experiment(experiment_id=experiment_id)
        if name == "warm-up":
            handle(0)
            mlflow.flush_trace_async_logging()
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(task["burst"]):
        handle(i)
    produced = time.perf_counter()
    # flush_trace_async_logging() restarts the export threads (1-2 s even when idle), so wait
    # for its queue to drain instead; fall back to it if the queue is not where we expect.
    exporter = _get_trace_exporter()  # type: ignore[no-untyped-call]
    queue = getattr(getattr(exporter, "_async_queue", None), "_queue", None)
    if queue is None:
        mlflow.flush_trace_async_logging()
    while queue is not None and queue.unfinished_tasks:
        time.sleep(0.005)
    found = mlflow.search_traces(locations=[experiment_id], include_spans=False, return_type="list")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with sqlite3.connect(f"{tmp}/mlflow.db") as db:
        count = COUNT_SPANS.format("spans WHERE experiment_id = :e")
        spans = db.execute(count, {"e": int(experiment_id)}).fetchone()
    return _persisted(task["burst"], len(found), tuple(spans), produced - start, seconds, cpu)


# Spans stored, and traces stored whole (all 10 spans), in the burst's experiment.
COUNT_SPANS = "SELECT coalesce(sum(n), 0), count(CASE WHEN n = 10 THEN 1 END) FROM "
COUNT_SPANS += "(SELECT count(*) AS n FROM {} GROUP BY trace_id) AS per_trace"


def _persisted(
    sent: int, kept: int, spans: tuple[int, int], produce: float, total: float, cpu: float
) -> dict[str, Any]:
    stored, complete = map(int, spans)  # PostgreSQL's sum() is a Decimal
    result: dict[str, Any] = {"sent_traces": sent, "kept_traces": kept, "complete_traces": complete}
    result |= {"stored_spans": stored, "produce_s": produce, "total_s": total}
    # CPU seconds of the whole process (application, export threads, SQLite; not PostgreSQL's
    # server): a figure the other jobs of a shared machine disturb less than wall-clock time.
    result |= {"cpu_s": cpu, "spans_per_cpu_s": stored / cpu}
    return result | {"spans_per_s": stored / total}


def search_spanscope(task: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import text

    from spanscope.store.sql.search import SearchQuery
    from spanscope.store.sql.store import SqlTraceStore

    store = SqlTraceStore(task["uri"])
    experiment_id = store.create_experiment("search")
    result: dict[str, Any] = {"loads": [], "sizes": {}, "plans": {}}
    done = 0
    for size in task["sizes"]:  # grow the experiment to each size, then search it
        begin = time.perf_counter()
        for first in range(done, size, task["batch"]):
            batch = range(first, min(size, first + task["batch"]))
            store.write_traces([spanscope_trace(i, experiment_id) for i in batch])
        seconds = time.perf_counter() - begin
        load = {"first": done, "stop": size, "seconds": seconds}
        result["loads"].append(load | {"traces_per_s": (size - done) / seconds})
        done = size
        if store.dialect == "postgresql":  # what autovacuum does soon after a bulk load
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))

        def run(filter_string: str | None) -> int:
            return len(store.search_traces([experiment_id], filter_string, max_results=100))

        result["sizes"][str(size)] = time_queries(run, QUERIES, task["repeat"], task["budget_s"])
    explain = "EXPLAIN QUERY PLAN " if store.dialect == "sqlite" else "EXPLAIN ANALYZE "
    literal: Json = {"dialect": store.engine.dialect, "compile_kwargs": {"literal_binds": True}}
    with store.engine.connect() as conn:  # the plans at the largest size, for the record
        for label, filter_string in QUERIES.items():
            query = SearchQuery([int(experiment_id)], filter_string, None, store.dialect)
            sql = explain + str(query.statement(101, None).compile(**literal))
            result["plans"][label] = [str(row[-1]) for row in conn.exec_driver_sql(sql)]
        if store.dialect == "postgresql":
            result["server"] = conn.execute(text("SHOW server_version")).scalar_one()
    return result


def search_mlflow(task: dict[str, Any]) -> dict[str, Any]:
    import mlflow
    from mlflow.tracking._tracking_service.utils import _get_store

    tmp, size = task["tmp"], task["size"]
    mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow-search.db")
    experiment_id = mlflow.create_experiment("search", artifact_location=f"file://{tmp}/artifacts")
    store, begin = _get_store(), time.perf_counter()  # type: ignore[no-untyped-call]
    for first in range(0, size, 1_000):  # mlflow's own store API, 1,000 traces a call
        batch = range(first, min(size, first + 1_000))
        store.log_spans(experiment_id, [span for i in batch for span in mlflow_spans(i)])
    seconds = time.perf_counter() - begin

    def run(filter_string: str | None) -> int:
        kwargs = {"filter_string": filter_string, "max_results": 100, "include_spans": False}
        return len(mlflow.search_traces(locations=[experiment_id], return_type="list", **kwargs))

    load = {"first": 0, "stop": size, "seconds": seconds, "traces_per_s": size / seconds}
    queries = time_queries(run, MLFLOW_QUERIES, task["repeat"], task["budget_s"])
    return {"loads": [load], "sizes": {str(size): queries}}


def time_queries(
    run: Callable[[str | None], int], queries: dict[str, str | None], repeat: int, budget_s: float
) -> dict[str, Any]:
    """Median ms of up to `repeat` runs per query after a warm-up run, within `budget_s`
    (a warm-up slower than the budget is the only sample)."""
    out: dict[str, Any] = {}
    for label, filter_string in queries.items():
        begin = time.perf_counter()
        try:
            hits = run(filter_string)
        except Exception as exc:  # a filter the system does not support
            out[label] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            continue
        times = [time.perf_counter() - begin] if time.perf_counter() - begin > budget_s else []
        while (len(times) < repeat and sum(times) < budget_s) or not times:
            begin = time.perf_counter()
            run(filter_string)
            times.append(time.perf_counter() - begin)
        median_ms = statistics.median(times) * 1000
        out[label] = {"median_ms": median_ms, "runs": len(times), "hits": hits}
    return out


# --- the parent: plan, run the workers, report -------------------------------------------


def spawn(task: dict[str, Any], cwd: str) -> dict[str, Any]:
    print(f"... {task['kind']} {task.get('backend', 'sqlite')}", file=sys.stderr, flush=True)
    env = {**os.environ, **OFFLINE_ENV, "SPANSCOPE_HOME": cwd}  # nothing under ~ or the repo
    command = [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(task)]
    begin = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        print(done.stderr[-3000:], file=sys.stderr)
        return {"error": f"worker exited with {done.returncode}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"wall_s": time.perf_counter() - begin}


@contextmanager
def databases(backends: list[str], tmp: str) -> Iterator[dict[str, dict[str, str]]]:
    """URIs of an empty `burst` and `search` database per backend."""
    uris = {"sqlite": {k: f"sqlite:///{tmp}/spanscope-{k}.db" for k in ("burst", "search")}}
    if "postgresql" not in backends:
        yield uris
        return
    sys.path.insert(0, REPO)
    import psycopg

    from tests.postgres_server import running_postgres

    with running_postgres() as uri, psycopg.connect(uri, autocommit=True) as conn:
        for name in ("burst", "search"):
            conn.execute(f"CREATE DATABASE {name}")
        base = uri.rsplit("/", 1)[0]
        yield uris | {"postgresql": {k: f"{base}/{k}" for k in ("burst", "search")}}


def plan(args: argparse.Namespace) -> dict[str, Any]:
    sizes, burst, ml_size, repeat = [10_000, 100_000], 10_000, 10_000, 7
    if args.scale == "1m":
        sizes.append(1_000_000)
    if args.quick:
        sizes, burst, ml_size, repeat = [1_000, 5_000], 200, 500, 3
    if args.traces:
        sizes = sorted({min(args.traces, 10_000), args.traces})
    burst = args.burst or burst
    p = {"sizes": sizes, "burst": burst, "mlflow_size": args.mlflow_traces or ml_size}
    p |= {"mlflow_burst": args.mlflow_burst or (50 if args.quick else burst), "repeat": repeat}
    p |= {"budget_s": 10.0, "batch": 20_000, "mlflow": not args.no_mlflow}
    p["backends"] = [b for b in ("sqlite", "postgresql") if b in args.backends.split(",")]
    return p


def run_all(p: dict[str, Any], tmp: str) -> dict[str, Any]:
    out: dict[str, Any] = {"persist": {}, "search": {}}
    keys = ("sizes", "repeat", "budget_s", "batch")
    with databases(p["backends"], tmp) as uris:
        for backend in p["backends"]:
            task = {"kind": "persist_spanscope", "backend": backend, "burst": p["burst"]}
            task["uri"] = uris[backend]["burst"]
            out["persist"][f"spanscope {backend}"] = spawn(task, tmp)
            task = {"kind": "search_spanscope", "backend": backend, "uri": uris[backend]["search"]}
            out["search"][f"spanscope {backend}"] = spawn(task | {k: p[k] for k in keys}, tmp)
    if p["mlflow"]:
        task = {"kind": "persist_mlflow", "burst": p["mlflow_burst"], "tmp": tmp}
        out["persist"]["mlflow sqlite"] = spawn(task, tmp)
        task = {"kind": "search_mlflow", "size": p["mlflow_size"], "tmp": tmp}
        out["search"]["mlflow sqlite"] = spawn(task | {k: p[k] for k in keys[1:3]}, tmp)
    return out


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join([r[0].ljust(widths[0]), *map(str.rjust, r[1:], widths[1:])]) for r in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]]) + "\n"


def report(results: dict[str, Any]) -> str:
    rows = [["persist burst (SDK)", "kept / sent", "complete", "drop counter", "produce s"]]
    rows[0] += ["total s", "spans/s", "CPU s", "spans/CPU-s"]
    for name, r in results["persist"].items():
        if "error" in r:
            rows.append([name, r["error"], *[""] * 7])
            continue
        counter = str(r["drop_counter"]) if "drop_counter" in r else "none"
        complete = f"{r['complete_traces']:,}"
        rows.append([name, f"{r['kept_traces']:,} / {r['sent_traces']:,}", complete, counter])
        rows[-1] += [f"{r['produce_s']:.2f}", f"{r['total_s']:.2f}", f"{r['spans_per_s']:,.0f}"]
        rows[-1] += [f"{r['cpu_s']:.2f}", f"{r['spans_per_cpu_s']:,.0f}"]
    text = table(rows) + "\n"
    rows = [["first page (100), median ms", *QUERIES]]
    for name, r in results["search"].items():
        for size, data in r.get("sizes", {}).items():
            cells = ["unsupported" if "error" in c else _ms(c) for c in map(data.get, QUERIES)]
            rows.append([f"{name} {int(size):,} traces", *cells])
    text += table(rows) + "\n"
    rows = [["bulk load (write_traces)", "traces", "traces/s", "seconds"]]
    for name, r in results["search"].items():
        for ld in r.get("loads", []):
            rows.append([name, f"{ld['first']:,} -> {ld['stop']:,}", f"{ld['traces_per_s']:,.0f}"])
            rows[-1].append(f"{ld['seconds']:.0f}")
    return text + table(rows)


def _ms(c: dict[str, Any]) -> str:
    return f"{c['median_ms']:.1f}" + ("" if c["runs"] > 1 else " (1 run)")


def goals(results: dict[str, Any]) -> list[str]:
    verdicts = []
    mlflow = results["persist"].get("mlflow sqlite", {}).get("spans_per_s")
    for name, r in results["persist"].items():
        lost = r.get("sent_traces", 0) - r.get("complete_traces", 0) + r.get("drop_counter", 0)
        for ref, label in ((mlflow, "mlflow in this run"), (MLFLOW_REFERENCE, "the reference")):
            if ref and name.startswith("spanscope") and "error" not in r:
                x = r["spans_per_s"] / ref
                verdict = "PASS" if x >= PERSIST_FACTOR and not lost else "FAIL"
                verdicts.append(f"{verdict} persist {name}: {x:,.1f}x {label} ({ref:,.0f} spans/s)")
                verdicts[-1] += f", {lost} traces lost; goal >= {PERSIST_FACTOR:.0f}x, 0 lost"
        mlflow_cpu = results["persist"].get("mlflow sqlite", {}).get("spans_per_cpu_s")
        if mlflow_cpu and name.startswith("spanscope") and "error" not in r:
            x = r["spans_per_cpu_s"] / mlflow_cpu
            verdicts.append(f"info persist {name}: {x:,.1f}x mlflow's spans per CPU-second")
    sizes = results["search"].get("spanscope sqlite", {}).get("sizes", {})
    ms = sizes.get("1000000", {}).get("tag 10%", {}).get("median_ms")
    verdict = "n/a " if ms is None else "PASS" if ms < SEARCH_GOAL_MS else "FAIL"
    shown = "not run (--scale 1m)" if ms is None else f"{ms:.1f} ms"
    return [*verdicts, f"{verdict} search: tag filter at 1M traces, SQLite: {shown}; goal < 50 ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (~30 s)")
    parser.add_argument("--scale", choices=("100k", "1m"), default="100k", help="search sizes")
    parser.add_argument("--traces", type=int, help="search at N traces (and at min(N, 10k))")
    parser.add_argument("--burst", type=int, help="traces in the persist burst (10,000)")
    parser.add_argument("--mlflow-burst", type=int, help="mlflow's burst (default: --burst)")
    parser.add_argument("--mlflow-traces", type=int, help="mlflow's search size (10,000)")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--json", help="write every figure (and the query plans) here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        task = json.loads(args.worker)
        print(json.dumps(globals()[task["kind"]](task)))  # one of the four workers above
        return
    p, tmp, begin = plan(args), tempfile.mkdtemp(prefix="spanscope-store-bench-"), time.time()
    load_before = os.getloadavg()[0]  # the machine must be otherwise idle: check it is
    git = ["git", "-C", REPO, "describe", "--always", "--dirty"]  # the code measured
    commit = subprocess.run(git, capture_output=True, text=True).stdout.strip()
    print(f"plan: {json.dumps(p)}", file=sys.stderr)
    try:
        results: dict[str, Any] = {"plan": p, **run_all(p, tmp)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    versions = {n: version(n) for n in ("spanscope", "mlflow", "sqlalchemy", "psycopg")}
    pg = results["search"].get("spanscope postgresql", {}).get("server")
    results["machine"] = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count()}
    results["machine"] |= {"platform": platform.platform(), "python": platform.python_version()}
    results["machine"] |= {"sqlite": sqlite3.sqlite_version, "postgresql": pg, **versions}
    results["machine"]["load_average_1min"] = [load_before, os.getloadavg()[0]]
    results["machine"]["commit"] = commit
    results["wall_s"] = time.time() - begin
    results["goals"] = goals(results)
    print(f"\n{json.dumps(results['machine'])}; wall time {results['wall_s']:.0f} s\n")
    print(report(results))
    print("\n".join(results["goals"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
