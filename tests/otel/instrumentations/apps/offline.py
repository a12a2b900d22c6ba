"""No network for the programs under test: name lookups and connections to anything but this
machine fail, and every attempt is written down so a test can assert there was none.

The apps here import this module before any instrumentation package, so a package that tries
to phone home (usage telemetry, a cloud exporter, a prompt registry) is caught, not served.
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["guard", "install"]

_LOCAL_NAMES = frozenset({"localhost", ""})


def _local(host: object) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def guard(setattr_: Callable[[Any, str, Any], None]) -> list[str]:
    """Patch name lookups and connections with `setattr_`; returns the list of refused hosts."""
    refused: list[str] = []
    getaddrinfo = socket.getaddrinfo
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex

    def checked_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _local(host):
            refused.append(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    def _check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            refused.append(f"connect {address!r}")
            raise OSError(f"offline test: no connection to {address!r}")

    def checked_connect(sock: socket.socket, address: Any) -> None:
        _check(sock, address)
        connect(sock, address)

    def checked_connect_ex(sock: socket.socket, address: Any) -> int:
        _check(sock, address)
        return connect_ex(sock, address)

    setattr_(socket, "getaddrinfo", checked_getaddrinfo)
    setattr_(socket.socket, "connect", checked_connect)
    setattr_(socket.socket, "connect_ex", checked_connect_ex)
    return refused


def install(report: Path) -> None:
    """Guard this process; at its very end, write the refused hosts to `report` as JSON."""
    refused = guard(setattr)
    # Registered before any package loads, so it runs after their exit handlers too.
    atexit.register(lambda: report.write_text(json.dumps(refused)))
