"""What the spool costs the caller: overhead per span with a remote destination up (spool on
and off) and down (everything goes to the spool), and the memory it keeps.

Each case runs in its own subprocess with a fresh SPANSCOPE_HOME, traces going to a spanscope
server (a subprocess on 127.0.0.1, SQLite behind it) or to a port where nothing listens.
Caller overhead per span is the wall time of N traced calls minus N plain calls, divided by N,
median over rounds (the export thread runs meanwhile, as it does in an application).

    .venv/bin/python benchmarks/spool.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from offline import guard_network

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "up, spool on": ("up", True),
    "up, spool off": ("up", False),
    "down, spool on": ("down", True),
}
DOWN_GOAL_US = 50.0
UP_GOAL_RATIO = 1.10


def child(destination: str, spool: bool, rounds: int, calls: int) -> dict[str, Any]:
    guard_network()
    import spanscope

    spanscope.set_tracking_uri(destination)
    spanscope.tracing.configure(spool=spool, delivery_timeout_s=1.0, queue_size=200_000)

    @spanscope.trace(span_type="TOOL")
    def traced(x: int) -> int:
        return x + 1

    def plain(x: int) -> int:
        return x + 1

    for n in range(200):
        traced(n)
    spanscope.flush(timeout=60)
    per_span: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for n in range(calls):
            traced(n)
        mid = time.perf_counter_ns()
        for n in range(calls):
            plain(n)
        end = time.perf_counter_ns()
        per_span.append(((mid - start) - (end - mid)) / calls / 1000)
        spanscope.flush(timeout=120)
    stats = spanscope.tracing.stats()
    made = 200 + rounds * calls
    accounted = (
        stats.traces_exported
        + stats.traces_spooled
        + stats.traces_dropped_export_error
        + stats.traces_dropped_queue_full
    )
    return {
        "us_per_span": statistics.median(per_span),
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "made": made,
        "exported": stats.traces_exported,
        "spooled": stats.traces_spooled,
        "dropped": stats.traces_dropped_queue_full + stats.traces_dropped_export_error,
        "valid": accounted == made and stats.internal_errors == 0,
    }


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(quick: bool) -> dict[str, Any]:
    rounds, calls = (3, 500) if quick else (7, 5000)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        command = [sys.executable, "-m", "spanscope.cli.main", "server", "--port", str(port)]
        command += ["--backend-store-uri", f"sqlite:///{tmp}/server.db", "--log-level", "warning"]
        server = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(port)
            for label, (where, spool) in CASES.items():
                destination = f"http://127.0.0.1:{port if where == 'up' else free_port()}"
                home = Path(tmp) / label.replace(" ", "_").replace(",", "")
                env = {**os.environ, "SPANSCOPE_HOME": str(home), "PYTHONPATH": str(ROOT)}
                child_command = [sys.executable, __file__, "--child", destination, str(spool)]
                out = subprocess.run(
                    [*child_command, str(rounds), str(calls)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=900,
                )
                results[label] = json.loads(out.stdout.splitlines()[-1])
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def _wait(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError("the server did not start")


def report(results: dict[str, Any]) -> bool:
    print(f"{'case':<16} {'µs/span':>8} {'max RSS MB':>11} {'exported':>9} {'spooled':>8} ok")
    for label, row in results.items():
        print(
            f"{label:<16} {row['us_per_span']:>8.1f} {row['max_rss_mb']:>11.0f} "
            f"{row['exported']:>9} {row['spooled']:>8} {'yes' if row['valid'] else 'NO'}"
        )
    up_ratio = results["up, spool on"]["us_per_span"] / results["up, spool off"]["us_per_span"]
    down = results["down, spool on"]["us_per_span"]
    print(f"\nspool on / off with the server up: {up_ratio:.2f}x (goal <= {UP_GOAL_RATIO:.2f}x)")
    print(f"server down, spool on: {down:.1f} µs per span (goal < {DOWN_GOAL_US:.0f} µs)")
    return all(row["valid"] for row in results.values())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        destination, spool, rounds, calls = sys.argv[2:6]
        print(json.dumps(child(destination, spool == "True", int(rounds), int(calls))))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (smoke test)")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    args = parser.parse_args()
    results = run(args.quick)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    sys.exit(0 if report(results) else 1)


if __name__ == "__main__":
    main()
