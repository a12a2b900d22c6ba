"""Tracking-server benchmark: OTLP ingest throughput and REST search latency, spanscope vs mlflow.

Each server runs as a subprocess on 127.0.0.1. Load generators (`--loadgen`, separate processes)
make the same spans with the OpenTelemetry SDK before the clock starts, then at "go" feed them
to a BatchSpanProcessor + OTLPSpanExporter (protobuf over HTTP). The clock runs from "go" until
every generator's force_flush() has returned, i.e. every export request was answered; then the
spans stored are counted in the database and the traces through each server's search API.
With `--logs` the chat spans carry no message content: each sends it as two GenAI log events
(gen_ai.user.message, gen_ai.choice) to /v1/logs, exported alongside the spans, as the official
openai-v2 instrumentation does by default (spanscope servers only).
benchmarks/server_results.md has the method and the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPANS_PER_TRACE = 10
WARMUP_TRACES = 10  # per connection, into another experiment, before the clock starts
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
GOAL = 5.0  # spanscope ingest throughput at least 5x mlflow's
CHAT_FILTER = "span.type = 'CHAT_MODEL'"
OFFLINE_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",  # no huey job runner beside the server
    # mlflow prices LLM spans with litellm, which would fetch its price list from GitHub.
    "LITELLM_OFFLINE_MODE": "true",
    "LITELLM_LOCAL_MODEL_COST_MAP": "true",
}
# Loaded by every child (servers, their workers, load generators) through PYTHONPATH: refuses
# non-loopback connects and name lookups, and appends each attempt to $BENCH_NET_LOG.
GUARD = """
import ipaddress, os, socket
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo
def _check(what, host):
    try:
        ok = host in (None, "", "localhost") or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        with open(os.environ["BENCH_NET_LOG"], "a") as fh:
            fh.write(f"{os.getpid()} {what} {host}\\n")
        raise OSError(f"benchmark is offline: refused {what} {host}")
def connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6): _check("connect", address[0])
    return _connect(sock, address)
def getaddrinfo(host, *args, **kwargs):
    return _check("lookup", host) or _getaddrinfo(host, *args, **kwargs)
socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
"""


@dataclass
class Result:
    system: str
    backend: str
    workers: int
    sent: int = 0
    exported: int = 0  # spans in export requests the server answered with success
    stored_spans: int = 0  # counted in the database
    stored_traces: int = 0  # counted through the server's search API
    seconds: float = 0.0
    spans_per_s: float = 0.0  # stored spans / seconds
    server_cpu_s: float = 0.0  # CPU of the server's processes during the ingest
    spans_per_cpu_s: float = 0.0  # stored spans / server CPU seconds: less sensitive to load
    server_cpu_by_process: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0  # CPU of the load generators from "go" to flushed
    search_ms: float = 0.0  # median, first page of 100, a new connection per request
    search_chat_ms: float = 0.0  # the same with the filter span.type = 'CHAT_MODEL'
    search_keepalive_ms: float = 0.0  # unfiltered, on one keep-alive connection
    search_hits: int = 0  # traces on the filtered first page (expected: min(100, traces))
    log_records: int = 0  # --logs: log records exported / applied to their stored span
    applied_log_records: int = 0
    note: str = ""


# --- the load generator (a separate process) -----------------------------------------------


def messages(role: str, text: str) -> str:
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}])


CHAT: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-bench",
    "gen_ai.usage.output_tokens": 12,
}
TOOL: dict[str, Any] = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "lookup_order",
    "gen_ai.tool.call.result": json.dumps({"status": "shipped"}),
}


def loadgen(endpoint: str, headers: dict[str, str], traces: int, client: int,
            logs_endpoint: str | None = None) -> None:  # fmt: skip
    """Make the traces, print "ready", wait for "go" on stdin, export them, print a summary.

    The spans are made and ended before "ready", recorded by a list processor: the benchmark
    measures the server's ingest rate, not the application's cost of creating spans. At "go"
    they are handed to a real BatchSpanProcessor(OTLPSpanExporter) (default batching) through
    on_end(), as the SDK does when a span ends, so the exporter's encoding and HTTP stay in
    the timed window. With `logs_endpoint`, the chat spans' messages are log records, handed
    to a BatchLogRecordProcessor(OTLPLogExporter) in the order they were emitted among the
    spans (a chat span's records before its end).
    """
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider, LogRecordProcessor
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExportResult
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

    counts = {"exported": 0, "failed": 0, "logs_exported": 0, "logs_failed": 0}
    ended: list[tuple[str, Any]] = []  # ("span" | "log", record), in the order they came

    class CountingExporter(OTLPSpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            result = super().export(spans)
            counts["exported" if result is SpanExportResult.SUCCESS else "failed"] += len(spans)
            return result

    class CountingLogExporter(OTLPLogExporter):
        def export(self, batch: Any) -> LogRecordExportResult:
            result = super().export(batch)
            ok = result is LogRecordExportResult.SUCCESS
            counts["logs_exported" if ok else "logs_failed"] += len(batch)
            return result

    class Recorder(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            ended.append(("span", span))

    class LogRecorder(LogRecordProcessor):
        def on_emit(self, log_record: Any) -> None:
            ended.append(("log", log_record))

        def shutdown(self) -> None:
            pass

        def force_flush(self, timeout_millis: int = 30_000) -> bool:
            return True

    total = traces * SPANS_PER_TRACE
    resource = Resource.create({"service.name": f"bench-{client}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(Recorder())
    tracer = provider.get_tracer("spanscope-bench")
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(LogRecorder())
    logger = logger_provider.get_logger("spanscope-bench")
    for i in range(traces):
        text = f"client {client} question {i}: where is my order?"
        question = messages("user", text)
        root = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support-bot",
                "gen_ai.input.messages": question,
                "gen_ai.output.messages": messages("assistant", "It ships tomorrow.")}  # fmt: skip
        with tracer.start_as_current_span("support-bot", attributes=root):
            for j in range(SPANS_PER_TRACE - 1):
                if j % 2 == 0:
                    name, attrs = "chat gpt-bench", {**CHAT, "gen_ai.usage.input_tokens": 40 + j}
                    if not logs_endpoint:
                        attrs["gen_ai.input.messages"] = question
                        attrs["gen_ai.output.messages"] = messages("assistant", f"step {j} done")
                else:
                    name, attrs = "execute_tool lookup_order", dict(TOOL)
                    attrs["gen_ai.tool.call.arguments"] = json.dumps({"order": i})
                with tracer.start_as_current_span(name, attributes=attrs):
                    if logs_endpoint and j % 2 == 0:
                        logger.emit(event_name="gen_ai.user.message", body={"content": text})
                        answer = {"role": "assistant", "content": f"step {j} done"}
                        choice = {"index": 0, "finish_reason": "stop", "message": answer}
                        logger.emit(event_name="gen_ai.choice", body=choice)
    provider.shutdown()
    exporter = CountingExporter(endpoint=endpoint, headers=headers, timeout=120)
    # The default batch (512 spans, 5 s), with a queue that holds the whole run: none dropped.
    batch = BatchSpanProcessor(exporter, max_queue_size=max(total, 2048),
                               max_export_batch_size=512)  # fmt: skip
    log_batch = None
    if logs_endpoint:
        log_exporter = CountingLogExporter(endpoint=logs_endpoint, headers=headers, timeout=120)
        log_batch = BatchLogRecordProcessor(log_exporter, max_queue_size=max(len(ended), 2048),
                                            max_export_batch_size=512)  # fmt: skip
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    for kind, item in ended:
        if kind == "span":
            batch.on_end(item)
        elif log_batch is not None:
            log_batch.on_emit(item)
    batch.force_flush(timeout_millis=600_000)
    if log_batch is not None:
        log_batch.force_flush(timeout_millis=600_000)
    client_cpu = time.process_time() - cpu
    batch.shutdown()  # type: ignore[no-untyped-call]
    if log_batch is not None:
        log_batch.shutdown()
    sent = sum(1 for kind, _ in ended if kind == "span")
    summary = {"sent": sent, **counts, "client_cpu_s": client_cpu}
    print(json.dumps(summary), flush=True)


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(cmd: list[str], env: dict[str, str], tmp: Path) -> Iterator[tuple[str, int]]:
    """Run a server command in its own process group; yield (URL, group id) once it answers."""
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{cmd[cmd.index('--port') + 1]}"
    try:
        deadline = time.monotonic() + 300  # mlflow needs ~1 min on 2 busy cores (migrations)
        while not _answers(f"{url}/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{cmd[:3]} did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group this script started, by its id
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def group_cpu_s(pgid: int) -> dict[int, float]:
    """CPU seconds (user + system) used so far by each live process of a process group."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


def server_cmd(result: Result, uri: str, tmp: Path) -> list[str]:
    where = ["--host", "127.0.0.1", "--port", str(free_port()), "--backend-store-uri", uri]
    if result.system == "spanscope":
        cli = [sys.executable, "-m", "spanscope.cli.main", "server"]
        return [*cli, *where, "--log-level", "warning", "--workers", str(result.workers)]
    mlflow = str(Path(sys.executable).parent / "mlflow")
    return [mlflow, "server", *where, "--default-artifact-root", str(tmp / "artifacts"),
            "--no-serve-artifacts", "--workers", str(result.workers)]  # fmt: skip


# --- one run: ingest, verify, search -------------------------------------------------------


def ingest(endpoint: str, headers: dict[str, str], traces: int, clients: int,
           env: dict[str, str], tmp: Path, pgid: int,
           logs_endpoint: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Start the generators, say go, wait until all have flushed; summed counts and times."""
    procs = []
    for c in range(clients):
        share = traces // clients + (1 if c < traces % clients else 0)
        job = {"endpoint": endpoint, "headers": headers, "traces": share, "client": c,
               "logs_endpoint": logs_endpoint}  # fmt: skip
        cmd = [sys.executable, __file__, "--loadgen", json.dumps(job)]
        procs.append(subprocess.Popen(cmd, env=env, cwd=tmp, text=True, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE))  # fmt: skip
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    cpu, started = group_cpu_s(pgid), time.perf_counter()
    for p in procs:
        p.stdin.write("go\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]
    keys = ("sent", "exported", "failed", "logs_exported", "logs_failed", "client_cpu_s")
    totals: dict[str, Any] = dict.fromkeys(keys, 0.0)
    for p in procs:
        summary = json.loads(p.stdout.readline() or "{}")  # type: ignore[union-attr]
        for key in totals:  # KeyError if a generator died
            totals[key] += summary[key]
    totals["seconds"] = time.perf_counter() - started
    used = {pid: t - cpu.get(pid, 0.0) for pid, t in group_cpu_s(pgid).items()}
    totals["server_cpu_s"] = sum(used.values())
    totals["by_process"] = sorted((round(t, 2) for t in used.values() if t > 0), reverse=True)
    for p in procs:
        p.wait(timeout=60)
    return totals


def median_ms(post: Any, url: str, body: dict[str, Any], runs: int) -> tuple[float, Any]:
    """Median client-side wall time of `runs` POSTs (after one warm-up), and the last reply."""
    times, reply = [], post(url, json=body, timeout=120)
    for _ in range(runs):
        reply.raise_for_status()
        started = time.perf_counter()
        reply = post(url, json=body, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
    reply.raise_for_status()
    return statistics.median(times), reply.json()


def count_spans(uri: str, query: str = "SELECT count(*) FROM spans") -> int:
    """Rows in the `spans` table (both stores have one), read from the database itself."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(uri.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        count = int(conn.execute(sqlalchemy.text(query)).scalar_one())
    engine.dispose()
    return count


APPLIED_LOGS = "SELECT count(*) FROM span_log_records WHERE applied = 1"


def run_server(result: Result, uri: str, args: argparse.Namespace, env: dict[str, str],
               tmp: Path) -> Result:  # fmt: skip
    """Start the server, make an experiment, ingest, count what was stored, time searches."""
    import requests

    if result.system == "spanscope":
        create, header = "/api/v1/experiments", "x-spanscope-experiment-id"
        search, page_size = "/api/v1/traces/search", 10_000
    else:
        create, header = "/api/2.0/mlflow/experiments/create", "x-mlflow-experiment-id"
        search, page_size = "/api/3.0/mlflow/traces/search", 500  # mlflow's maximum

    def body(exp: str, max_results: int, **extra: str) -> dict[str, Any]:
        if result.system == "spanscope":
            return {"experiment_ids": [exp], "max_results": max_results, **extra}
        where = {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": exp}}
        return {"locations": [where], "max_results": max_results, **extra}

    with serve(server_cmd(result, uri, tmp), env, tmp) as (url, pgid), requests.Session() as http:
        exp, warm = (str(http.post(url + create, json={"name": n}, timeout=30).json()
                         ["experiment_id"]) for n in ("bench", "warm-up"))  # fmt: skip
        # Warm-up: lazy imports and first connections, one client per worker (best effort: the
        # kernel picks the worker that accepts each connection).
        conns = max(args.clients, result.workers)
        logs = f"{url}/v1/logs" if args.logs and result.system == "spanscope" else None
        ingest(f"{url}/v1/traces", {header: warm}, WARMUP_TRACES * conns, conns, env, tmp, pgid,
               logs)  # fmt: skip
        before = count_spans(uri)
        applied_before = count_spans(uri, APPLIED_LOGS) if logs else 0
        totals = ingest(f"{url}/v1/traces", {header: exp}, args.traces, args.clients, env, tmp,
                        pgid, logs)  # fmt: skip
        token: dict[str, str] = {}
        for _ in range(args.traces // 100 + 5):  # count the stored traces, page by page
            page = http.post(url + search, json=body(exp, page_size, **token), timeout=120).json()
            result.stored_traces += len(page.get("traces", []))
            if not page.get("next_page_token"):  # mlflow leaves out empty fields: {}
                break
            token = {"page_token": page["next_page_token"]}
        # "Connection: close", a new connection per request: the server's cost, free of the
        # multi-worker Nagle delay (Kludex/uvicorn#3149) that the keep-alive figure shows.
        fresh = requests.Session()
        fresh.headers["Connection"] = "close"
        runs, first = args.search_runs, body(exp, 100)
        result.search_ms, _ = median_ms(fresh.post, url + search, first, runs)
        result.search_keepalive_ms, _ = median_ms(http.post, url + search, first, runs)
        chat = body(exp, 100, filter=CHAT_FILTER)
        result.search_chat_ms, found = median_ms(fresh.post, url + search, chat, runs)
        result.search_hits = len(found.get("traces", []))
    result.sent, result.exported = int(totals["sent"]), int(totals["exported"])
    result.stored_spans, result.seconds = count_spans(uri) - before, totals["seconds"]
    if logs:
        result.log_records = int(totals["logs_exported"])
        result.applied_log_records = count_spans(uri, APPLIED_LOGS) - applied_before
        result.backend += " + logs"
        if totals["logs_failed"] or result.applied_log_records != result.log_records:
            result.note += (f"{int(totals['logs_failed'])} log records failed to export, "
                            f"{result.applied_log_records} applied; ")  # fmt: skip
    result.spans_per_s = result.stored_spans / result.seconds
    result.server_cpu_s, result.client_cpu_s = totals["server_cpu_s"], totals["client_cpu_s"]
    result.spans_per_cpu_s = result.stored_spans / max(result.server_cpu_s, 0.01)
    result.server_cpu_by_process = totals["by_process"]
    if totals["failed"]:
        result.note += f"{int(totals['failed'])} spans failed to export; "
    if result.search_hits != min(100, args.traces):
        result.note += f"the filtered search found {result.search_hits} traces; "
    return result


# --- the parent ----------------------------------------------------------------------------


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version(), "platform": platform.platform()}
    dists = ("spanscope", "mlflow", "opentelemetry-sdk", "fastapi", "uvicorn", "SQLAlchemy")
    found.update({d: version(d) for d in (*dists, "psycopg")}, cpus=str(os.cpu_count()))
    found["load_average_1m_at_start"] = f"{os.getloadavg()[0]:.1f}"  # other work on the machine
    return found


def run_all(args: argparse.Namespace, root: Path, env: dict[str, str]) -> list[Result]:
    results: list[Result] = []

    def attempt(result: Result, uri: str) -> None:
        tmp = Path(tempfile.mkdtemp(dir=root, prefix=f"{result.system}-{result.backend}-"))
        started = time.perf_counter()
        try:
            results.append(run_server(result, uri, args, env, tmp))
        except Exception as exc:  # one system failing must not hide the others' figures
            result.note += f"FAILED: {type(exc).__name__}: {str(exc)[:300]}"
            results.append(result)
        print(f"  {result.system} / {result.backend} / {result.workers} worker(s): "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)  # fmt: skip

    systems = args.systems.split(",")
    if "sqlite" in systems:
        for w in (1, 2):
            attempt(Result("spanscope", "SQLite", w), f"sqlite:///{root}/spanscope-w{w}.db")
    if "postgres" in systems:
        sys.path.insert(0, str(ROOT))
        import psycopg

        from tests.postgres_server import running_postgres

        try:
            with running_postgres() as uri:
                for w in (1, 2):  # a fresh database per run
                    with psycopg.connect(uri, autocommit=True) as conn:
                        conn.execute(f"CREATE DATABASE bench_w{w}")
                    db = f"{uri.rsplit('/', 1)[0]}/bench_w{w}"
                    attempt(Result("spanscope", "PostgreSQL", w), db)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            results.append(Result("spanscope", "PostgreSQL", 1, note=f"skipped: {exc}"))
    if "mlflow" in systems:
        attempt(Result("mlflow", "SQLite", args.mlflow_workers), f"sqlite:///{root}/mlflow.db")
    return results


def report(results: list[Result], meta: dict[str, Any]) -> str:
    lines = [
        "| system / backend | workers | spans sent | stored | traces | seconds | spans/s | server "
        "CPU s | spans/CPU-s | generator CPU s | search ms | `CHAT_MODEL` search ms | keep-alive "
        "search ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.system} / {r.backend} | {r.workers} | {r.sent:,} | {r.stored_spans:,} "
            f"| {r.stored_traces:,} | {r.seconds:.2f} | {r.spans_per_s:,.0f} "
            f"| {r.server_cpu_s:.2f} | {r.spans_per_cpu_s:,.0f} | {r.client_cpu_s:.2f} "
            f"| {r.search_ms:.1f} "
            f"| {r.search_chat_ms:.1f} | {r.search_keepalive_ms:.1f} | {r.note}".rstrip()
        )
    lines.append("")
    mlflow = next((r for r in results if r.system == "mlflow" and r.spans_per_s), None)
    for r in results:
        if mlflow and r.system == "spanscope" and r.spans_per_s:
            ratio = r.spans_per_s / mlflow.spans_per_s
            cpu = r.spans_per_cpu_s / mlflow.spans_per_cpu_s
            verdict = "goal met" if ratio >= GOAL else "GOAL MISSED"
            lines.append(f"- {r.backend}, {r.workers} worker(s): {ratio:.2f}x mlflow's spans/s "
                         f"({verdict}); {cpu:.2f}x its spans per server CPU-second")  # fmt: skip
    attempts = meta["network_attempts"]
    lines.append(f"- network attempts outside 127.0.0.1: {len(attempts)} {attempts[:5]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 spans: a smoke run")
    parser.add_argument("--spans", type=int, default=20_000, help="spans per run, 10 per trace")
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--search-runs", type=int, default=21)
    parser.add_argument("--systems", default="sqlite,postgres,mlflow")
    parser.add_argument("--mlflow-workers", type=int, default=4, help="4 is mlflow's default")
    parser.add_argument("--json", metavar="PATH")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--logs", action="store_true",
                        help="chat messages as GenAI log events (spanscope only)")  # fmt: skip
    parser.add_argument("--loadgen", metavar="JSON", help=argparse.SUPPRESS)  # a child
    args = parser.parse_args()
    if args.loadgen:
        return loadgen(**json.loads(args.loadgen))
    if args.quick:
        args.spans, args.search_runs = 2_000, 5
    args.traces = max(1, args.spans // SPANS_PER_TRACE)
    meta: dict[str, Any] = {**versions(), "spans": args.traces * SPANS_PER_TRACE,
                            "clients": args.clients, "search_runs": args.search_runs,
                            "logs": args.logs}  # fmt: skip
    print(json.dumps(meta), flush=True)
    root = Path(tempfile.mkdtemp(prefix="spanscope-bench-server-"))
    (root / "guard").mkdir()
    (root / "guard" / "sitecustomize.py").write_text(GUARD)
    net_log = root / "network.log"
    net_log.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SPANSCOPE_"))}
    path = os.pathsep.join(filter(None, [str(root / "guard"), env.get("PYTHONPATH")]))
    env.update(OFFLINE_ENV, PYTHONPATH=path, BENCH_NET_LOG=str(net_log), TMPDIR=str(root))
    started = time.perf_counter()
    try:
        results = run_all(args, root, env)
    finally:
        meta["network_attempts"] = net_log.read_text().splitlines()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    meta["total_s"] = round(time.perf_counter() - started, 1)
    meta["load_average_1m_at_end"] = f"{os.getloadavg()[0]:.1f}"
    print(report(results, meta))
    print(f"total {meta['total_s']} s" + (f"; files kept in {root}" if args.keep else ""))
    if args.json:
        output = {"meta": meta, "results": [asdict(r) for r in results]}
        Path(args.json).write_text(json.dumps(output, indent=2) + "\n")
    lost = any(r.stored_spans < r.sent or r.applied_log_records < r.log_records
               or "FAILED" in r.note for r in results)  # fmt: skip
    sys.exit(1 if lost or meta["network_attempts"] else 0)


if __name__ == "__main__":
    main()
