"""The guard the instrumentation tests rely on to prove nothing leaves the machine."""

from __future__ import annotations

import socket

import pytest

from tests.otel.instrumentations.apps import offline


def test_lookups_and_connections_off_this_machine_are_refused_and_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refused = offline.guard(monkeypatch.setattr)
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("telemetry.example.invalid", 443)
    # TEST-NET-1: refused before any packet is sent.
    with socket.socket() as sock, pytest.raises(OSError, match="offline test"):
        sock.connect(("192.0.2.1", 443))
    assert refused == ["lookup 'telemetry.example.invalid'", "connect ('192.0.2.1', 443)"]


def test_this_machine_stays_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    refused = offline.guard(monkeypatch.setattr)
    assert socket.getaddrinfo("localhost", 80)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()):
            pass
    assert refused == []
