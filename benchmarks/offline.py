"""The benchmarks stay on 127.0.0.1: a guard that refuses any other connection or name lookup."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

__all__ = ["guard_network"]


def guard_network() -> list[str]:
    """Refuse non-loopback connections and name lookups in this process; record attempts."""
    attempts: list[str] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def refuse_remote(what: str, host: Any) -> None:
        try:
            local = host in (None, "", "localhost") or ipaddress.ip_address(host).is_loopback
        except ValueError:
            local = False
        if not local:
            attempts.append(f"{what} {host}")
            raise OSError(f"the benchmark is offline: refused {what} {host}")

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            refuse_remote("connect", address[0])
        return real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        refuse_remote("lookup", host)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    return attempts
