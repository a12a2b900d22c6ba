"""uvicorn's Config for `spanscope server --workers N`, without the ~40 ms keep-alive stall."""

from __future__ import annotations

import socket

import uvicorn

__all__ = ["NoDelayConfig"]


class NoDelayConfig(uvicorn.Config):
    """uvicorn's Config, binding a listening socket whose protocol is IPPROTO_TCP.

    With several workers uvicorn binds the socket itself, with protocol 0, and asyncio sets
    TCP_NODELAY only on connections of IPPROTO_TCP sockets: every response on a keep-alive
    connection then waited ~40 ms for Nagle's algorithm and the client's delayed ACK.
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(fileno=sock.detach())  # family, type and protocol read back
        tcp.set_inheritable(True)
        return tcp
