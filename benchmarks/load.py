"""Load benchmark: N concurrent clients against the tracking server, spanscope beside mlflow.

For each backend (SQLite, PostgreSQL) the script starts `spanscope server` and `mlflow server`
with 1 and with 4 workers (subprocesses on 127.0.0.1; the servers of one system share one
database), stores a read set of 10,000 traces in each system through OTLP, then runs every
route at every client count against every server for a fixed duration, interleaved, several
times:

- `otlp`: POST /v1/traces, protobuf from the OpenTelemetry SDK's encoder (both systems);
- `rest-write`: POST /api/v1/traces, gzip'd JSON as RestTraceStore.write_traces sends it
  (spanscope only: mlflow has no route that takes whole traces);
- `search`: the first page of the read set's failed traces, newest first (both REST APIs);
- `get`: one whole trace by id (GET /api/v1/traces/{id}; mlflow: /api/3.0/mlflow/traces/get).

The clients are threads spread over a few client processes started once. Each thread has its
own httpx.Client (keep-alive) and sends requests back to back; every request is timed with
perf_counter. benchmarks/load_results.md has the method and the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # mypy runs from the repository's root; the script runs from benchmarks/
    from benchmarks import server as bench
    from benchmarks.offline import guard_network
else:
    from offline import guard_network

    import server as bench

TRACES_PER_REQUEST = 50
MODEL = "gpt-4o-mini"
SPANS_PER_TRACE = 5
TEMPLATES = 4  # distinct bodies per write route, used in turn (with fresh trace ids each time)
CLIENT_PROCESSES = 4  # a run's client threads are spread over this many processes
TIMEOUT_S = 300.0  # per request: long enough to measure a queue rather than give up on it
ERROR_EVERY = 10  # 1 trace in 10 of the read set fails: what the filtered search finds
ROUTES = ("otlp", "rest-write", "search", "get")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The routes of each system. The search filter is the UI's state filter.
API: dict[str, dict[str, str]] = {
    "spanscope": {
        "header": "x-spanscope-experiment-id",
        "create": "/api/v1/experiments",
        "search": "/api/v1/traces/search",
        "filter": "status = 'ERROR'",
        "get": "/api/v1/traces/{}",
    },
    "mlflow": {
        "header": "x-mlflow-experiment-id",
        "create": "/api/2.0/mlflow/experiments/create",
        "search": "/api/3.0/mlflow/traces/search",
        "filter": "trace.status = 'ERROR'",
        "get": "/api/3.0/mlflow/traces/get?trace_id=tr-{}",
    },
}
SENTENCES = (
    "Where is my parcel, it was due yesterday and the tracking page has not moved.",
    "The order was shipped from the warehouse on Monday by the usual courier.",
    "A refund goes back to the card used for the payment within five working days.",
    "Please check the address on the invoice, the label shows a different street.",
    "Items that arrive damaged can be returned with the prepaid label in the box.",
    "Store credit does not expire and can be used for any item in the catalogue.",
    "The warranty covers repairs for two years from the date of delivery.",
    "Thank you for waiting, I have looked up the order number in our system.",
)
# Loaded by every child (servers, their workers, the client processes) through PYTHONPATH:
# offline.py's guard, with each refused attempt also appended to $BENCH_NET_LOG at once.
SITECUSTOMIZE = """
import importlib.util as _util, os as _os, socket as _socket
_spec = _util.spec_from_file_location("_bench_offline", {offline!r})
_offline = _util.module_from_spec(_spec)
_spec.loader.exec_module(_offline)
_attempts = _offline.guard_network()
def _logged(call):
    def wrapper(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        finally:
            while _attempts:
                with open(_os.environ["BENCH_NET_LOG"], "a") as log:
                    log.write(f"{{_os.getpid()}} {{_attempts.pop(0)}}\\n")
    return wrapper
_socket.socket.connect = _logged(_socket.socket.connect)
_socket.getaddrinfo = _logged(_socket.getaddrinfo)
"""


# --- request bodies ------------------------------------------------------------------------


def prose(rng: random.Random, chars: int) -> str:
    text = ""
    while len(text) < chars:
        text += rng.choice(SENTENCES) + " "
    return text.strip()


def chat_attributes(input_tokens: int, asked: str, answered: str) -> dict[str, Any]:
    return {
        **bench.CHAT,
        "gen_ai.request.model": MODEL,  # one litellm knows: mlflow prices LLM spans with it
        "gen_ai.usage.input_tokens": input_tokens,
        "gen_ai.input.messages": bench.messages("user", asked),
        "gen_ai.output.messages": bench.messages("assistant", answered),
    }


def otel_batches(
    traces: int, seed: int, start_ns: int, step_ns: int, error_every: int = 0
) -> Iterator[tuple[bytes, list[bytes]]]:
    """OTLP protobuf bodies of TRACES_PER_REQUEST traces each, with their trace ids.

    Each trace is a support agent's run, made with the OpenTelemetry SDK: an `invoke_agent`
    root and 4 children (2 `chat` calls, 2 tool calls) with ~4 KB of GenAI messages and tool
    results. With `error_every`, 1 trace in that many fails: its refund tool call and its root
    end with status ERROR. Trace i starts at start_ns + i * step_ns.
    """
    from opentelemetry import trace as otel
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
    from opentelemetry.trace import StatusCode

    class Recorder(SpanProcessor):
        def __init__(self) -> None:
            self.ended: list[ReadableSpan] = []

        def on_end(self, span: ReadableSpan) -> None:
            self.ended.append(span)

    rng, ms, refused = random.Random(seed), 1_000_000, "refund refused: over the limit"
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    recorder = Recorder()
    provider.add_span_processor(recorder)
    tracer = provider.get_tracer("spanscope-load-bench")
    for first in range(0, traces, TRACES_PER_REQUEST):
        ids = []
        for i in range(first, min(first + TRACES_PER_REQUEST, traces)):
            t0, failed = start_ns + i * step_ns, bool(error_every) and i % error_every == 0
            question, context, answer = prose(rng, 400), prose(rng, 1000), prose(rng, 300)
            tool = "refund_order" if failed else "lookup_order"
            attributes = {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": "support-bot",
                "gen_ai.input.messages": bench.messages("user", question),
                "gen_ai.output.messages": bench.messages("assistant", answer),
            }
            root = tracer.start_span(
                "invoke_agent support-bot", attributes=attributes, start_time=t0
            )
            children = [
                (f"chat {MODEL}", chat_attributes(180, question, f"calling {tool}")),
                (f"execute_tool {tool}", {**bench.TOOL, "gen_ai.tool.name": tool}),
                ("execute_tool search_docs", {**bench.TOOL, "gen_ai.tool.name": "search_docs"}),
                (f"chat {MODEL}", chat_attributes(560, f"{question}\n{context}", answer)),
            ]
            children[1][1]["gen_ai.tool.call.arguments"] = json.dumps({"order": i})
            children[2][1]["gen_ai.tool.call.result"] = json.dumps({"docs": context})
            parent = otel.set_span_in_context(root)
            for k, (name, attrs) in enumerate(children):
                span = tracer.start_span(name, parent, attributes=attrs, start_time=t0 + k * ms)
                if failed and k == 1:
                    span.set_status(StatusCode.ERROR, refused)
                span.end(end_time=t0 + (k + 1) * ms)
            if failed:
                root.set_status(StatusCode.ERROR, refused)
            root.end(end_time=t0 + 5 * ms)
            ids.append(root.get_span_context().trace_id.to_bytes(16, "big"))
        body = encode_spans(recorder.ended).SerializeToString()
        recorder.ended.clear()
        yield body, ids
    provider.shutdown()


def rest_body(seed: int) -> bytes:
    """A `{"traces": [...]}` JSON body (not gzip'd yet) of traces made with spanscope's SDK,
    the same shape and texts as the OTLP ones, encoded as RestTraceStore.write_traces does."""
    import orjson

    import spanscope

    class Capture:
        def __init__(self) -> None:
            self.traces: list[spanscope.Trace] = []

        def export(self, traces: Any) -> None:
            self.traces.extend(traces)

        def shutdown(self) -> None:
            pass

    capture, rng = Capture(), random.Random(seed)
    spanscope.tracing.set_exporters([capture])
    usage = {"gen_ai.request.model": MODEL, "gen_ai.usage.input_tokens": 180}
    for i in range(TRACES_PER_REQUEST):
        question, context, answer = prose(rng, 400), prose(rng, 1000), prose(rng, 300)
        chat = [{"role": "user", "content": question}]
        with spanscope.start_span("support-bot", "AGENT", inputs={"messages": chat}) as root:
            with spanscope.start_span(f"chat {MODEL}", "CHAT_MODEL", usage, chat) as span:
                span.set_outputs({"role": "assistant", "content": "calling lookup_order"})
            with spanscope.start_span("lookup_order", "TOOL", inputs={"order": i}) as span:
                span.set_outputs({"status": "shipped"})
            with spanscope.start_span("search_docs", "RETRIEVER", inputs={"q": question}) as span:
                span.set_outputs({"docs": context})
            followup = [*chat, {"role": "tool", "content": context}]
            with spanscope.start_span(f"chat {MODEL}", "CHAT_MODEL", usage, followup) as span:
                span.set_outputs({"role": "assistant", "content": answer})
            root.set_outputs({"role": "assistant", "content": answer})
    spanscope.flush()
    return orjson.dumps({"traces": [t.to_dict() for t in capture.traces]})


@dataclass
class Template:
    """A body whose trace ids are replaced by fresh ones for each request (one bytes join)."""

    segments: list[bytes]
    slots: list[int]  # the trace whose new id goes between segments[i] and segments[i + 1]

    @classmethod
    def of(cls, body: bytes, ids: list[bytes], per_trace: int) -> Template:
        found = []
        for k, trace_id in enumerate(ids):
            at = body.find(trace_id)
            while at >= 0:
                found.append((at, k))
                at = body.find(trace_id, at + 1)
        if len(found) != per_trace * len(ids):
            raise RuntimeError(f"{len(found)} trace ids in the body, not {per_trace} per trace")
        segments, slots, last = [], [], 0
        for at, k in sorted(found):
            segments.append(body[last:at])
            slots.append(k)
            last = at + len(ids[k])
        return cls([*segments, body[last:]], slots)

    def render(self, ids: list[bytes]) -> bytes:
        parts = [self.segments[0]]
        for slot, segment in zip(self.slots, self.segments[1:], strict=True):
            parts += (ids[slot], segment)
        return b"".join(parts)


# --- the client processes ------------------------------------------------------------------

Request = tuple[str, bytes | None, int]  # path, body, spans in the body
MakeRequest = Callable[[random.Random], Request]


def request_maker(job: dict[str, Any], otlp: list[Template], rest: list[bytes]) -> MakeRequest:
    """The function a client thread calls for each request's path and body (not timed)."""
    path, spans = job.get("path", ""), TRACES_PER_REQUEST * SPANS_PER_TRACE
    if job["route"] == "otlp":
        return lambda rng: (path, rng.choice(otlp).render(fresh_ids(rng, hex_ids=False)), spans)
    if job["route"] == "rest-write":
        import orjson

        experiment = b'"experiment_id":' + orjson.dumps(job["experiment_id"])
        templates = []
        for raw in rest:
            body = raw.replace(b'"experiment_id":"0"', experiment)
            ids = [t["info"]["trace_id"].encode() for t in orjson.loads(body)["traces"]]
            templates.append(Template.of(body, ids, 1 + SPANS_PER_TRACE))

        def rest_request(rng: random.Random) -> Request:
            payload = rng.choice(templates).render(fresh_ids(rng, hex_ids=True))
            return path, gzip.compress(payload, compresslevel=5), spans  # as write_traces does

        return rest_request
    if job["route"] == "search":
        search = json.dumps(job["body"]).encode()
        return lambda rng: (path, search, 0)
    paths = job["paths"]
    return lambda rng: (rng.choice(paths), None, 0)


def fresh_ids(rng: random.Random, hex_ids: bool) -> list[bytes]:
    ids = [rng.randbytes(16) for _ in range(TRACES_PER_REQUEST)]
    return [i.hex().encode() for i in ids] if hex_ids else ids


def client_thread(job: dict[str, Any], make: MakeRequest, seed: int, out: list[Any]) -> None:
    """One client: back-to-back requests on one keep-alive connection until the run's end."""
    import httpx

    rng, latencies, status = random.Random(seed), [], Counter[str]()
    sent = acked = 0
    with httpx.Client(base_url=job["url"], headers=job["headers"], timeout=TIMEOUT_S) as http:
        time.sleep(max(0.0, job["start"] - time.time()))
        while time.time() < job["start"] + job["duration"]:
            path, body, spans = make(rng)
            started = time.perf_counter()
            try:
                key = str(http.request(job["method"], path, content=body).status_code)
            except httpx.HTTPError as exc:  # a connection error, a timeout
                key = type(exc).__name__
            latencies.append(round((time.perf_counter() - started) * 1000, 3))
            status[key] += 1
            sent += spans
            acked += spans if key.startswith("2") else 0
    out.append((latencies, status, sent, acked, time.time()))


def client_main() -> None:
    """A client process: make the templates, print "ready", then run each job read on stdin."""
    sys.setswitchinterval(0.0005)  # a thread waiting for the GIL would add to its latencies
    otlp = [
        Template.of(body, ids, SPANS_PER_TRACE)
        for body, ids in otel_batches(TRACES_PER_REQUEST * TEMPLATES, 7, time.time_ns(), 10**9)
    ]
    rest = [rest_body(seed) for seed in range(TEMPLATES)]
    print("ready", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        make, out = request_maker(job, otlp, rest), list[Any]()
        cpu = time.process_time()
        threads = [
            threading.Thread(target=client_thread, args=(job, make, job["seed"] + i, out))
            for i in range(job["threads"])
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        summary = {
            "latencies": [ms for o in out for ms in o[0]],
            "status": dict(sum((o[1] for o in out), Counter[str]())),
            "sent": sum(o[2] for o in out),
            "acked": sum(o[3] for o in out),
            "last_end": max(o[4] for o in out),
            "cpu_s": time.process_time() - cpu,
        }
        print(json.dumps(summary), flush=True)


class ClientPool:
    """CLIENT_PROCESSES client processes, started once; a run's threads are spread over them."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        cmd = [sys.executable, __file__, "--client"]
        pipe = subprocess.PIPE
        self.procs = [
            subprocess.Popen(cmd, env=env, cwd=cwd, text=True, stdin=pipe, stdout=pipe)
            for _ in range(CLIENT_PROCESSES)
        ]
        self.ready = False

    def run(self, job: dict[str, Any], clients: int) -> dict[str, Any]:
        """Run `job` with `clients` threads in all; the merged results."""
        if not self.ready:  # the processes made their templates meanwhile
            for proc in self.procs:
                _receive(proc)
            self.ready = True
        used = self.procs[: min(clients, len(self.procs))]
        job = {**job, "start": time.time() + 0.1}
        for i, proc in enumerate(used):
            threads = clients // len(used) + (1 if i < clients % len(used) else 0)
            _send(proc, {**job, "threads": threads, "seed": 1000 * i})
        parts = [_receive(proc) for proc in used]
        return {
            "latencies": sorted(ms for p in parts for ms in p["latencies"]),
            "status": dict(sum((Counter(p["status"]) for p in parts), Counter[str]())),
            "sent": sum(p["sent"] for p in parts),
            "acked": sum(p["acked"] for p in parts),
            "seconds": max(p["last_end"] for p in parts) - job["start"],
            "cpu_s": sum(p["cpu_s"] for p in parts),
        }

    def close(self) -> None:
        for proc in self.procs:
            if proc.stdin is not None:
                proc.stdin.close()  # a client process ends at the end of its input
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _send(proc: subprocess.Popen[str], job: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job) + "\n")
    proc.stdin.flush()


def _receive(proc: subprocess.Popen[str]) -> Any:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("a client process died")
    return line if line.strip() == "ready" else json.loads(line)


# --- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    system: str
    backend: str
    workers: int
    url: str
    pgid: int
    log: Path
    reads: str = ""  # the experiments of the read set and of the writes
    writes: str = ""
    read_ids: list[str] = field(default_factory=list)  # a sample of the read set's trace ids
    failed: int = 0  # failed traces in the read set

    def job(self, route: str) -> dict[str, Any]:
        """What a client needs to send `route` to this server."""
        api = API[self.system]
        found: dict[str, Any] = {"route": route, "url": self.url, "method": "POST"}
        if route == "otlp":
            found["headers"] = {
                "content-type": "application/x-protobuf",
                api["header"]: self.writes,
            }
            found["path"] = "/v1/traces"
        elif route == "rest-write":
            found["headers"] = {"content-type": "application/json", "content-encoding": "gzip"}
            found.update(path="/api/v1/traces", experiment_id=self.writes)
        elif route == "search":
            found["headers"] = {"content-type": "application/json"}
            found.update(path=api["search"], body=self.search_body())
        else:
            paths = [api["get"].format(trace_id) for trace_id in self.read_ids]
            found.update(method="GET", headers={}, paths=paths)
        return found

    def search_body(self) -> dict[str, Any]:
        found: dict[str, Any] = {"filter": API[self.system]["filter"], "max_results": 100}
        if self.system == "spanscope":
            return {"experiment_ids": [self.reads], **found}
        where = {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": self.reads}}
        return {"locations": [where], **found}


def create_experiment(server: Server, name: str) -> str:
    import httpx

    reply = httpx.post(server.url + API[server.system]["create"], json={"name": name}, timeout=60)
    reply.raise_for_status()
    return str(reply.json()["experiment_id"])


def prefill(server: Server, bodies: list[bytes]) -> float:
    """POST the read set's OTLP bodies to the server, 2 at a time; the seconds it took."""
    import httpx

    headers = {"content-type": "application/x-protobuf", API[server.system]["header"]: server.reads}
    started = time.perf_counter()

    def post(body: bytes) -> None:
        reply = httpx.post(server.url + "/v1/traces", content=body, headers=headers, timeout=600)
        if reply.status_code != 200:
            raise RuntimeError(f"storing the read set: HTTP {reply.status_code}: {reply.text}")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(post, bodies))
    return time.perf_counter() - started


def check_reads(server: Server) -> None:
    """The search finds a full first page of failed traces; a trace comes with all its spans."""
    import httpx

    job = server.job("search")
    found = httpx.post(server.url + job["path"], json=job["body"], timeout=120)
    found.raise_for_status()
    hits = len(found.json().get("traces", []))
    if hits != min(100, server.failed):
        raise RuntimeError(f"{server.system}: the search found {hits} failed traces")
    one = httpx.get(server.url + server.job("get")["paths"][0], timeout=120)
    one.raise_for_status()
    data = one.json()
    spans = data["data"]["spans"] if server.system == "spanscope" else data["trace"]["spans"]
    if len(spans) != SPANS_PER_TRACE:
        raise RuntimeError(f"{server.system}: a trace came back with {len(spans)} spans")


@contextmanager
def databases(backend: str, root: Path, systems: list[str]) -> Iterator[dict[str, str]]:
    """An empty database per system: SQLite files, or databases in a throwaway PostgreSQL."""
    if backend == "sqlite":
        yield {system: f"sqlite:///{root}/{system}-load.db" for system in systems}
        return
    sys.path.insert(0, str(bench.ROOT))
    import psycopg

    from tests.postgres_server import running_postgres

    with running_postgres() as uri:
        with psycopg.connect(uri, autocommit=True) as conn:
            for system in systems:
                conn.execute(f"CREATE DATABASE load_{system}")
        base = uri.rsplit("/", 1)[0]
        uris = {system: f"{base}/load_{system}" for system in systems}
        if "mlflow" in uris:  # mlflow takes psycopg2 for postgresql://; psycopg 3 is here
            uris["mlflow"] = uris["mlflow"].replace("postgresql://", "postgresql+psycopg://")
        yield uris


def postmaster(uri: str) -> int | None:
    """The pid of the PostgreSQL server that `uri` points to."""
    port = uri.rsplit(":", 1)[1].split("/")[0]
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args[0].endswith(b"postgres") and f"-p {port} ".encode() in b" ".join(args):
            return int(cmdline.parent.name)
    return None


def family_cpu_s(parent: int | None) -> dict[int, float]:
    """CPU seconds used so far by a process and its children: PostgreSQL's server processes,
    each of which is in a process group of its own."""
    found: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat") if parent else ():
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == parent or int(fields[1]) == parent:
            found[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return found


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy since boot, all cores, other work included."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS  # all but idle and iowait


# --- measurements --------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    system: str
    workers: int
    route: str
    clients: int
    rep: int
    requests: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    seconds: float = 0.0  # from the start to the last answer
    requests_per_s: float = 0.0
    spans_per_s: float = 0.0  # acknowledged (2xx) spans / seconds
    spans_sent: int = 0
    spans_acked: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # status or exception -> count
    server_ms_per_request: float = 0.0  # CPU of the server's processes
    # CPU-seconds per second over the run: the server's processes, PostgreSQL's, the client
    # processes', and the whole machine's (other work on it included).
    server_cores: float = 0.0
    db_cores: float = 0.0
    client_cores: float = 0.0
    machine_cores: float = 0.0


def percentile(ordered: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least a fraction q of the values at or below."""
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def measure(
    pool: ClientPool, server: Server, route: str, clients: int, args: argparse.Namespace, rep: int
) -> Run:
    cpu, db = bench.group_cpu_s(server.pgid), family_cpu_s(args.postmaster)
    busy, wall = machine_busy_s(), time.perf_counter()
    got = pool.run({**server.job(route), "duration": args.duration}, clients)
    wall, busy = time.perf_counter() - wall, machine_busy_s() - busy
    server_cpu = sum(t - cpu.get(p, 0.0) for p, t in bench.group_cpu_s(server.pgid).items())
    db_cpu = sum(t - db.get(p, 0.0) for p, t in family_cpu_s(args.postmaster).items())
    latencies, seconds = got["latencies"], got["seconds"]
    return Run(
        server.backend,
        server.system,
        server.workers,
        route,
        clients,
        rep,
        requests=len(latencies),
        p50_ms=percentile(latencies, 0.5),
        p99_ms=percentile(latencies, 0.99),
        seconds=seconds,
        requests_per_s=len(latencies) / seconds,
        spans_per_s=got["acked"] / seconds,
        spans_sent=got["sent"],
        spans_acked=got["acked"],
        errors={k: v for k, v in got["status"].items() if not k.startswith("2")},
        server_ms_per_request=1000 * server_cpu / max(1, len(latencies)),
        server_cores=server_cpu / wall,
        db_cores=db_cpu / wall,
        client_cores=got["cpu_s"] / wall,
        machine_cores=busy / wall,
    )


def loud(run: Run) -> bool:
    """A spanscope run with a 5xx or a connection error: reported loudly, the exit status is 1."""
    return run.system == "spanscope" and any(
        not k[:1].isdigit() or k.startswith("5") for k in run.errors
    )


def run_backend(
    backend: str,
    args: argparse.Namespace,
    pool: ClientPool,
    read_set: list[bytes],
    env: dict[str, str],
    root: Path,
    runs: list[Run],
) -> None:
    """Start the backend's servers, store and check the read set, warm up, then measure."""
    systems = ["spanscope"] + ([] if args.no_mlflow else ["mlflow"])
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    with ExitStack() as stack:
        uris = stack.enter_context(databases(backend, root, systems))
        args.postmaster = postmaster(uris["spanscope"]) if backend == "postgresql" else None

        def start(system: str) -> list[Server]:
            """Start the system's servers one after the other (the first one migrates the
            database), make its experiments and store the read set."""
            mine = []
            for workers in args.workers:
                tmp = Path(tempfile.mkdtemp(dir=root, prefix=f"{system}-{backend}-w{workers}-"))
                started = time.perf_counter()
                cmd = bench.server_cmd(bench.Result(system, label, workers), uris[system], tmp)
                url, pgid = stack.enter_context(bench.serve(cmd, env, tmp))
                mine.append(Server(system, label, workers, url, pgid, tmp / "server.log"))
                say(f"{system} / {label} / {workers} worker(s) up in {since(started)}")
            reads, writes = (create_experiment(mine[0], name) for name in ("reads", "writes"))
            for s in mine:
                s.reads, s.writes, s.read_ids = reads, writes, args.read_ids
                s.failed = math.ceil(args.prefill / ERROR_EVERY)
            started = time.perf_counter()
            prefill(max(mine, key=lambda s: s.workers), read_set)
            say(f"{system} / {label}: {args.prefill:,} traces stored in {since(started)}")
            return mine

        # The systems start side by side (nothing is measured yet): mlflow's start is slow.
        with ThreadPoolExecutor(len(systems)) as starting:
            futures = [starting.submit(start, system) for system in systems]
        servers = [s for future in futures for s in future.result()]
        for s in servers:
            check_reads(s)
        for s in servers:  # warm-up: lazy imports, first connections; each worker, if it can be
            for route in routes(s.system):
                measure(pool, s, route, max(s.workers, 4), args.warm_up, -1)
        for rep in range(args.repeats):
            for route in ROUTES:
                for clients in args.clients:
                    for s in servers if rep % 2 == 0 else servers[::-1]:
                        if route in routes(s.system):
                            runs.append(measure(pool, s, route, clients, args, rep))
                            say(f"  run {rep + 1}: {line(runs[-1])}")
                            if loud(runs[-1]):
                                say(f"!!! {s.system} answered errors; its log ends with:\n")
                                say(s.log.read_text()[-3000:])


def routes(system: str) -> tuple[str, ...]:
    return ROUTES if system == "spanscope" else ("otlp", "search", "get")


def since(started: float) -> str:
    return f"{time.perf_counter() - started:.0f} s"


def line(r: Run) -> str:
    return (
        f"{r.system} {r.backend} w{r.workers} {r.route} N={r.clients}: p50 {r.p50_ms:.1f} ms, "
        f"p99 {r.p99_ms:.1f} ms, {r.requests_per_s:.1f} req/s, {r.spans_per_s:,.0f} spans/s, "
        f"errors {errors_text(r.errors)}; server {r.server_cores:.2f} cores, "
        f"machine {r.machine_cores:.2f}"
    )


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- report --------------------------------------------------------------------------------

Key = tuple[str, str, int, str, int]  # backend, system, workers, route, clients
FIGURES = ("p50_ms", "p99_ms", "requests_per_s", "spans_per_s", "server_ms_per_request",
           "server_cores", "db_cores", "client_cores", "machine_cores")  # fmt: skip


def medians(runs: list[Run]) -> dict[Key, dict[str, Any]]:
    """The median of each figure over the runs of a configuration; errors are summed."""
    groups: dict[Key, list[Run]] = {}
    for r in runs:
        groups.setdefault((r.backend, r.system, r.workers, r.route, r.clients), []).append(r)
    found = {}
    for key, group in groups.items():
        row: dict[str, Any] = {f: statistics.median(getattr(r, f) for r in group) for f in FIGURES}
        row["errors"] = dict(sum((Counter(r.errors) for r in group), Counter[str]()))
        row["runs"] = len(group)
        found[key] = row
    return found


def errors_text(errors: dict[str, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(errors.items())) or "0"


def report(runs: list[Run], args: argparse.Namespace) -> str:
    med, lines = medians(runs), []
    head = "| route | N | p50 ms | p99 ms | req/s | spans/s | errors "
    head += "| mlflow p50 ms | p99 ms | req/s | spans/s | errors | p50 ratio | req/s ratio |"
    for backend in ("SQLite", "PostgreSQL"):
        for workers in args.workers:
            rows = [(route, n) for route in ROUTES for n in args.clients]
            rows = [(r, n) for r, n in rows if (backend, "spanscope", workers, r, n) in med]
            if not rows:
                continue
            title = f"\n{backend}, {workers} worker(s); ratio = spanscope / mlflow\n"
            lines += [title, head, "|---|" + "---:|" * 13]
            for route, n in rows:
                s, m = (med.get((backend, system, workers, route, n)) for system in API)
                assert s is not None
                cells = [route, str(n), *_cells(s), *(_cells(m) if m else ["-"] * 5)]
                if m and m["p50_ms"] and m["requests_per_s"]:
                    cells.append(f"{s['p50_ms'] / m['p50_ms']:.2f}")
                    cells.append(f"{s['requests_per_s'] / m['requests_per_s']:.1f}")
                else:
                    cells += ["-", "-"]
                lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "\nServer CPU per request (ms) and CPU in cores (CPU-seconds per second; the machine "
        "has 2, shared with other work), medians:\n",
        "| backend | workers | route | N | system | server ms/request | server | PostgreSQL "
        "| clients | machine |",
        "|---|---:|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for (backend, system, workers, route, n), row in sorted(med.items()):
        lines.append(
            f"| {backend} | {workers} | {route} | {n} | {system} "
            f"| {row['server_ms_per_request']:.1f} | {row['server_cores']:.2f} "
            f"| {row['db_cores']:.2f} | {row['client_cores']:.2f} | {row['machine_cores']:.2f} |"
        )
    return "\n".join(lines)


def _cells(row: dict[str, Any]) -> list[str]:
    spans = f"{row['spans_per_s']:,.0f}" if row["spans_per_s"] else "-"
    return [
        f"{row['p50_ms']:.1f}",
        f"{row['p99_ms']:.1f}",
        f"{row['requests_per_s']:,.1f}",
        spans,
        errors_text(row["errors"]),
    ]


# --- the parent ----------------------------------------------------------------------------


def numbers(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="smoke run: SQLite, N=1,8, 1 s, 500-trace read set")
    add("--backends", help="sqlite,postgresql (the default)")
    add("--workers", type=numbers, default=[1, 4], help="server workers (default 1,4)")
    add("--clients", type=numbers, help="concurrent clients (default 1,8,32)")
    add("--duration", type=float, help="seconds each run sends requests (default 10)")
    add("--repeats", type=int, help="runs of each configuration, interleaved (default 3)")
    add("--prefill", type=int, help="traces in the read set (default 10,000)")
    add("--no-mlflow", action="store_true", help="spanscope only")
    add("--json", metavar="PATH", help="write the runs and their medians there")
    add("--keep", action="store_true", help="keep the temporary directory")
    add("--client", action="store_true", help=argparse.SUPPRESS)  # a client process
    args = parser.parse_args()
    quick = args.quick
    args.backends = (args.backends or ("sqlite" if quick else "sqlite,postgresql")).split(",")
    args.clients = args.clients or ([1, 8] if quick else [1, 8, 32])
    args.duration = args.duration or (1.0 if quick else 10.0)
    args.repeats = args.repeats or (1 if quick else 3)
    args.prefill = args.prefill or (500 if quick else 10_000)
    args.warm_up = argparse.Namespace(duration=0.5 if quick else 1.0, postmaster=None)
    return args


def main() -> None:
    args = options()
    if args.client:
        return client_main()
    attempts = guard_network()
    meta: dict[str, Any] = {**bench.versions(), "options": " ".join(sys.argv[1:])}
    print(json.dumps(meta), flush=True)
    root = Path(tempfile.mkdtemp(prefix="spanscope-bench-load-"))
    (root / "guard").mkdir()
    offline = str(Path(__file__).resolve().parent / "offline.py")
    (root / "guard" / "sitecustomize.py").write_text(SITECUSTOMIZE.format(offline=offline))
    net_log = root / "network.log"
    net_log.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SPANSCOPE_"))}
    path = os.pathsep.join(filter(None, [str(root / "guard"), env.get("PYTHONPATH")]))
    env.update(bench.OFFLINE_ENV, PYTHONPATH=path, BENCH_NET_LOG=str(net_log), TMPDIR=str(root))
    env["SPANSCOPE_HOME"] = str(root / "home")
    started, runs, failed = time.perf_counter(), list[Run](), list[str]()
    pool = ClientPool(env, root)
    try:
        # The read set, made once for every server: one trace a minute, up to now.
        minute = 60 * 10**9
        since_ns = time.time_ns() - args.prefill * minute
        batches = list(otel_batches(args.prefill, 1, since_ns, minute, ERROR_EVERY))
        read_set, ids = [b for b, _ in batches], [i.hex() for _, ids in batches for i in ids]
        args.read_ids = random.Random(3).sample(ids, min(1000, len(ids)))
        for backend in args.backends:
            try:
                run_backend(backend, args, pool, read_set, env, root, runs)
            except Exception as exc:  # one backend failing must not hide the other's figures
                failed.append(f"{backend}: {type(exc).__name__}: {str(exc)[:500]}")
                say(f"!!! {failed[-1]}")
    finally:
        pool.close()
        meta["network_attempts"] = attempts + net_log.read_text().splitlines()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    meta["total_s"] = round(time.perf_counter() - started, 1)
    meta["load_average_1m_at_end"] = f"{os.getloadavg()[0]:.1f}"
    print(report(runs, args))
    bad = [r for r in runs if loud(r)]
    for r in bad:
        print(f"!!! spanscope errors, run {r.rep + 1}: {line(r)}")
    for text in failed:
        print(f"!!! FAILED {text}")
    print(f"- network attempts outside 127.0.0.1: {len(meta['network_attempts'])}")
    print(f"total {meta['total_s']} s" + (f"; files kept in {root}" if args.keep else ""))
    if args.json:
        found = [{"key": list(k), **v} for k, v in medians(runs).items()]
        output = {"meta": meta, "medians": found, "runs": [asdict(r) for r in runs]}
        Path(args.json).write_text(json.dumps(output, indent=2) + "\n")
    sys.exit(1 if bad or failed or meta["network_attempts"] else 0)


if __name__ == "__main__":
    main()
