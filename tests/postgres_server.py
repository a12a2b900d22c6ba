"""A throwaway PostgreSQL server for the test session: initdb + pg_ctl on a free 127.0.0.1 port.

Uses Debian's `postgresql` package. As root (CI), the server runs as the `postgres` system user
the package creates, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["PostgresServer", "postgres_binaries", "running_postgres"]


def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One PostgreSQL server in a temporary folder, started and stopped at will (a test can
    stop it to see what clients do while the database is down, then start it again)."""

    def __init__(self, settings: str = "") -> None:
        """`settings`: more `-c name=value` options for the server."""
        binaries = postgres_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="spanscope-pg-"))
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user="postgres")
        self.data, self.port = self.root / "data", _free_port()
        self.settings = settings
        self.uri = f"postgresql://spanscope@127.0.0.1:{self.port}/spanscope_test"
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "spanscope",
            "--locale=C.UTF-8", "-E", "UTF8",
        )  # fmt: skip
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "spanscope",
                  "spanscope_test")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        if self.settings:
            options += f" {self.settings}"
        log = str(self.root / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop", check=False)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        command = [*prefix, str(self.binaries / program), *args]
        subprocess.run(command, check=check, capture_output=True, timeout=120)


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server; yields a `postgresql://` URI of an empty database; stops it afterwards."""
    server = PostgresServer()
    try:
        yield server.uri
    finally:
        server.remove()
