"""`make demo`: fill a "demo" experiment by running every example, then serve it in the UI.

    python examples/demo.py               # seed .spanscope-home/demo.db, serve on 127.0.0.1:5000
    python examples/demo.py --no-serve    # seed only
    python examples/demo.py --port 5050   # another port (the next free one if it is taken)

Each example runs in its own interpreter, as a user would run it, with the tracking URI and
the experiment set through the environment. The store starts empty on every run.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import spanscope
from spanscope.store.sql.store import SqlTraceStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
DEMO_DB = ROOT / ".spanscope-home" / "demo.db"
EXPERIMENT_NAME = "demo"
_PORT_ATTEMPTS = 20


@dataclass(frozen=True)
class ExampleRun:
    """One example's run: its script, exit status and output."""

    path: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class SeedResult:
    """The demo experiment and the example runs that filled it."""

    tracking_uri: str
    experiment_id: str
    runs: list[ExampleRun]

    @property
    def failed(self) -> list[ExampleRun]:
        return [run for run in self.runs if not run.ok]


def example_scripts() -> list[Path]:
    """Every runnable example (all of examples/*.py but this script)."""
    return sorted(p for p in EXAMPLES_DIR.glob("*.py") if p.name != Path(__file__).name)


def seed(
    db_path: Path = DEMO_DB, scripts: Sequence[Path] | None = None, jobs: int = 2
) -> SeedResult:
    """Start `db_path` afresh, create the demo experiment, and run the examples into it."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    uri = f"sqlite:///{db_path}"
    # A store of its own, closed at once: a cached one would outlive the file deleted above.
    store = SqlTraceStore(uri)
    try:
        experiment_id = store.create_experiment(EXPERIMENT_NAME, {"source": "make demo"})
    finally:
        store.close()
    env = {
        **os.environ,
        "SPANSCOPE_TRACKING_URI": uri,
        "SPANSCOPE_EXPERIMENT_ID": experiment_id,
        "SPANSCOPE_HOME": str(db_path.parent),
        # LiteLLM's own switch: its bundled price map, no fetch at import.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }

    def run(path: Path) -> ExampleRun:
        done = subprocess.run(
            [sys.executable, str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        return ExampleRun(path, done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = list(pool.map(run, example_scripts() if scripts is None else scripts))
    return SeedResult(uri, experiment_id, runs)


def free_port(host: str, wanted: int) -> int:
    """`wanted` if nothing listens there, else the next free port (a notice says so)."""
    for port in range(wanted, wanted + _PORT_ATTEMPTS):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        if port != wanted:
            print(f"Port {wanted} on {host} is taken (another server?); using port {port}.")
        return port
    raise SystemExit(
        f"Ports {wanted}-{wanted + _PORT_ATTEMPTS - 1} on {host} are all taken: "
        "stop the other server or pass --port."
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--db", type=Path, default=DEMO_DB, help="the demo SQLite file")
    parser.add_argument("--no-serve", action="store_true", help="seed only")
    args = parser.parse_args(argv)

    print(f"Running {len(example_scripts())} examples into {args.db} ...")
    result = seed(args.db)
    for run in result.runs:
        print(f"  {'ok    ' if run.ok else 'FAILED'} {run.path.name}")
    for run in result.failed:
        print(f"\n{run.path.name} exited with {run.returncode}:\n{run.stderr[-3000:]}")
    if result.failed:
        raise SystemExit(1)
    spanscope.set_tracking_uri(result.tracking_uri)
    count = len(spanscope.search_traces([result.experiment_id], max_results=1000))
    print(f"The {EXPERIMENT_NAME!r} experiment holds {count} traces.")
    if args.no_serve:
        return
    port = free_port(args.host, args.port)
    print(f"\nOpen http://{args.host}:{port}/experiments/{result.experiment_id}/traces\n")
    sys.stdout.flush()
    # The server replaces this process, so Ctrl-C stops it directly.
    server = [sys.executable, "-m", "spanscope.cli.main", "server"]
    options = ["--host", args.host, "--port", str(port), "--backend-store-uri", result.tracking_uri]
    os.execv(sys.executable, server + options)


if __name__ == "__main__":
    main()
