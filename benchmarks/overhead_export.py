"""The export phases of overhead.py: what the default export to a SQLite store costs the caller,
and the memory tracing holds. Each runs in its own child process, like the systems.

- `export`: the caller's overhead per span with the store exporter and export deferred (it runs
  only at flush(), between rounds), with it running (the default batching), and with a no-op
  exporter running; a 10.8 KB chat span against orjson encoding the same input and output.
- `memory`: 10,000 traces of 5 spans with the default export, peak memory growth per span
  (RSS, and Python's own allocations by tracemalloc in a second pass) and what is left after
  flush() and a collection, against the same calls untraced.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

Fn = Callable[..., Any]
MODES = ("deferred", "running", "noop")
# (rounds, calls per round, warm-up calls) for the full and the quick run
PLANS = {False: (9, 2000, 300), True: (3, 200, 50)}
MEMORY_TRACES = {False: 10_000, True: 500}
BIG_QUEUE = 100_000

# A 10.8 KB chat input: 20 messages of about 500 characters of text, and a small reply.
_WORDS = [
    "your",
    "order",
    "ships",
    "tomorrow",
    "from",
    "the",
    "warehouse",
    "nearest",
    "to",
    "the",
    "address",
    "on",
    "file",
]
BIG_CHAT = [
    {
        "role": ("user", "assistant")[i % 2],
        "content": " ".join(_WORDS[(i + j) % len(_WORDS)] for j in range(96))[:496],
    }
    for i in range(20)
]
REPLY = {"role": "assistant", "content": "Your order ships tomorrow.", "tokens": 7}


def isolate() -> None:
    """Before spanscope is imported: its database and spool in a temporary folder."""
    os.environ["SPANSCOPE_HOME"] = tempfile.mkdtemp(prefix="bench-spanscope-")


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _loop(fn: Fn, arg: Any, calls: int) -> int:
    start = time.perf_counter_ns()
    for _ in range(calls):
        fn(arg)
    return time.perf_counter_ns() - start


def _workloads(decorate: Callable[[Fn], Fn]) -> dict[str, tuple[Fn, Fn, Any, int]]:
    """key -> (traced, plain, argument, spans per call)."""

    def f(x: int) -> int:
        return x + 1

    def chat(messages: list[dict[str, str]]) -> dict[str, Any]:
        return REPLY

    def chain(wrap: Callable[[Fn], Fn]) -> Fn:
        fn: Fn | None = None
        for level in range(9, -1, -1):

            def step(x: int, inner: Fn | None = fn) -> int:
                return x + 1 if inner is None else inner(x)

            step.__name__ = f"level{level}"
            fn = wrap(step)
        assert fn is not None
        return fn

    return {
        "one": (decorate(f), f, 1, 1),
        "nested": (chain(decorate), chain(lambda fn: fn), 1, 10),
        "chat": (decorate(chat), chat, BIG_CHAT, 1),
    }


def run_export(quick: bool) -> dict[str, Any]:
    """Median caller overhead per span of each workload in each export mode, interleaved
    round by round so that drift on the machine reaches every mode alike."""
    import orjson

    import spanscope as ss
    from spanscope.tracing import TraceExporter, TracingConfig

    class NoOp(TraceExporter):
        def export(self, traces: Any) -> None:
            pass

    defaults, store = TracingConfig(), ss.tracing.get_exporters()  # the store of the URI
    rounds, calls, warmup = PLANS[quick]
    work = _workloads(ss.trace)
    settings = {
        "deferred": (
            store,
            {"batch_size": BIG_QUEUE, "export_interval_s": 3600.0, "queue_memory_bytes": 2**40},
        ),
        "running": (store, {}),
        "noop": ([NoOp()], {}),
    }
    found: dict[str, dict[str, list[float]]] = {k: {m: [] for m in MODES} for k in work}
    for key, (traced, plain, arg, spans) in work.items():
        _loop(traced, arg, warmup)
        ss.flush()
        for r in range(rounds):
            for mode in MODES if r % 2 else MODES[::-1]:
                exporters, options = settings[mode]
                ss.tracing.set_exporters(exporters)
                ss.tracing.configure(
                    queue_size=BIG_QUEUE,
                    batch_size=options.get("batch_size", defaults.batch_size),
                    export_interval_s=options.get("export_interval_s", defaults.export_interval_s),
                    queue_memory_bytes=options.get(
                        "queue_memory_bytes", defaults.queue_memory_bytes
                    ),
                )
                gc.collect()
                base, cost = _loop(plain, arg, calls), _loop(traced, arg, calls)
                found[key][mode].append((cost - base) / calls / spans / 1000)
                ss.flush()
    result: dict[str, Any] = {
        k: {m: statistics.median(v) for m, v in modes.items()} for k, modes in found.items()
    }
    # orjson alone on the chat span's input and output: the floor for capturing them.
    start = time.perf_counter_ns()
    for _ in range(calls * 5):
        orjson.dumps({"messages": BIG_CHAT})
        orjson.dumps(REPLY)
    result["orjson_chat_us"] = (time.perf_counter_ns() - start) / calls / 5 / 1000
    result["chat_bytes"] = len(orjson.dumps({"messages": BIG_CHAT}))
    stats = ss.tracing.stats()
    result["check"] = {
        "dropped": stats.traces_dropped_queue_full + stats.traces_dropped_export_error,
        "internal_errors": stats.internal_errors,
    }
    return result


def _five(decorate: Callable[[Fn], Fn]) -> Fn:
    def leaf(x: int) -> int:
        return x + 1

    traced_leaf = decorate(leaf)

    def root(x: int) -> int:
        for _ in range(4):
            x = traced_leaf(x)
        return x

    return decorate(root)


def run_memory(quick: bool) -> dict[str, Any]:
    """Peak growth per span while 10,000 five-span traces are made with the default export,
    and what stays after flush() and a collection, over the same calls untraced."""
    import spanscope as ss

    traces = MEMORY_TRACES[quick]
    traced = _five(ss.trace)
    traced(0)  # a first trace stored: the store's modules loaded and its database open
    ss.flush()
    untraced = _five(lambda fn: fn)
    for i in range(traces):
        untraced(i)
    gc.collect()
    baseline = _rss()
    result: dict[str, Any] = {"traces": traces, "spans": traces * 5}

    peak = [baseline]
    done = threading.Event()

    def sample() -> None:  # RSS every millisecond: the peak is within the run
        while not done.wait(0.001):
            peak[0] = max(peak[0], _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for i in range(traces):
        traced(i)
    ss.flush()
    done.set()
    sampler.join()
    gc.collect()
    result["rss_peak_per_span"] = (max(peak[0], _rss()) - baseline) / (traces * 5)
    result["rss_residual_mb"] = (_rss() - baseline) / 2**20
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()  # a second pass: Python's own allocations (not SQLite's page cache)
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for i in range(traces):
        traced(i)
    ss.flush()
    gc.collect()
    now, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result["py_peak_per_span"] = (top - base) / (traces * 5)
    result["py_residual_mb"] = (now - base) / 2**20
    stats = ss.tracing.stats()
    result["check"] = {
        "exported": stats.traces_exported,
        "expected": traces * 2 + 1,
        "dropped": stats.traces_dropped_queue_full + stats.traces_dropped_export_error,
    }
    return result


# Goals of the export phases (issue 18)
RUNNING_LIMIT, OTEL_SHARE, ORJSON_FACTOR = 1.2, 0.3, 3.0
PEAK_PER_SPAN, RESIDUAL_MB = 150, 5.0
LABELS = {"one": "1-span trace", "nested": "10-deep nested", "chat": "10.8 KB chat input"}


def report(export: dict[str, Any], memory: dict[str, Any], otel: dict[str, Any]) -> dict[str, bool]:
    """Print the export and memory tables; returns the goals, met or not."""
    from overhead import print_table, ratio

    otel_us = {"one": otel["decorator"]["overhead_us"], "nested": otel["nested"]["overhead_us"]}
    rows = [("workload", "deferred µs", "running µs", "no-op running µs", "running/deferred")]
    rows[0] += ("running/OTel",)
    goals: dict[str, bool] = {}
    for key, label in LABELS.items():
        d, r, n = (export[key][m] for m in MODES)
        ot = otel_us.get(key, 0.0)
        rows.append((label, f"{d:.2f}", f"{r:.2f}", f"{n:.2f}", ratio(r, d), ratio(r, ot)))
        goals[f"{key}: running <= {RUNNING_LIMIT}x deferred"] = r <= RUNNING_LIMIT * d
        if ot:
            goals[f"{key}: running <= {OTEL_SHARE}x OTel"] = r <= OTEL_SHARE * ot
    print("\nexport to the SQLite store: caller overhead per span, median of rounds")
    print_table(rows)
    orj = export["orjson_chat_us"]
    chat = export["chat"]["running"]
    print(
        f"\nchat span ({export['chat_bytes']} bytes of input): {chat:.2f} µs with export running"
        f", orjson on its input and output {orj:.2f} µs: {ratio(chat, orj)}"
    )
    goals[f"chat: <= {ORJSON_FACTOR:g}x orjson"] = chat <= ORJSON_FACTOR * orj
    print(
        f"\nmemory, {memory['traces']} traces of 5 spans, default export: peak growth "
        f"{memory['rss_peak_per_span']:.0f} B/span (RSS), {memory['py_peak_per_span']:.0f} "
        f"B/span (tracemalloc); after flush() and gc {memory['rss_residual_mb']:.1f} MB (RSS), "
        f"{memory['py_residual_mb']:.2f} MB (tracemalloc) above the untraced run"
    )
    goals[f"memory: peak <= {PEAK_PER_SPAN} B/span"] = memory["rss_peak_per_span"] <= PEAK_PER_SPAN
    goals[f"memory: residual <= {RESIDUAL_MB:g} MB"] = memory["rss_residual_mb"] <= RESIDUAL_MB
    for name, met in goals.items():
        print(f"  {name:<34} {'ok' if met else 'MISSED'}")
    return goals
