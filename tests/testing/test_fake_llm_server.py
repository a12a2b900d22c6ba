"""The fake server itself: lifecycle, HTTP details, recording, triggers, the CLI entry point."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from spanscope.testing.fake_llm import FakeLLMServer, RecordedRequest
from spanscope.testing.fake_llm.conversation import Turn, answer, count_tokens, split_pieces
from spanscope.testing.fake_llm.embeddings import fake_vector
from spanscope.testing.fake_llm.schema import example_for_schema

CHAT = {"model": "gpt-x", "messages": [{"role": "user", "content": "hello there"}]}
SRC = Path(__file__).resolve().parents[2] / "src"


def _post(
    connection: http.client.HTTPConnection,
    path: str,
    body: Any,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    connection.request("POST", path, data, {"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def test_lifecycle_and_urls() -> None:
    server = FakeLLMServer()
    assert repr(server) == "<FakeLLMServer stopped>"
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    with server:
        assert server.running
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.openai_base_url == server.url + "/v1"
        assert server.anthropic_base_url == server.ollama_host == server.url
        assert server.env["OPENAI_BASE_URL"] == server.openai_base_url
        assert server.env["OLLAMA_HOST"] == server.url
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert b"running" in response.read()
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        port = server.port
    assert repr(server) == "<FakeLLMServer stopped>"
    server.stop()  # a second stop does nothing
    # The port is free again: a new server can take it.
    with FakeLLMServer(port) as again:
        assert again.port == port


def test_stop_closes_idle_keep_alive_connections() -> None:
    server = FakeLLMServer().start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    status, _, _ = _post(connection, "/v1/chat/completions", CHAT)
    assert status == 200
    server.stop()  # returns although the connection is still open on the client side
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _post(connection, "/v1/chat/completions", CHAT)
    connection.close()


def test_keep_alive_serves_json_and_chunked_streams_on_one_connection(
    fake_llm: FakeLLMServer,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
    try:
        status, headers, body = _post(connection, "/v1/chat/completions", CHAT)
        assert status == 200 and headers["content-length"] == str(len(body))
        local = connection.sock.getsockname()
        stream = {**CHAT, "stream": True}
        status, headers, body = _post(connection, "/v1/chat/completions", stream)
        assert headers["transfer-encoding"] == "chunked"
        assert headers["content-type"].startswith("text/event-stream")
        assert body.endswith(b"data: [DONE]\n\n")
        status, headers, body = _post(connection, "/api/chat", {"model": "m", "messages": []})
        assert headers["content-type"] == "application/x-ndjson"
        assert json.loads(body.splitlines()[-1])["done"] is True
        assert connection.sock.getsockname() == local  # still the first connection
    finally:
        connection.close()


def test_chunked_request_bodies_are_read(fake_llm: FakeLLMServer) -> None:
    payload = json.dumps(CHAT).encode()
    with socket.create_connection(("127.0.0.1", fake_llm.port), timeout=5) as sock:
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "Connection: close\r\n\r\n"
        )
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (payload[:10], payload[10:]))
        sock.sendall(head.encode() + chunks + b"0\r\n\r\n")
        received = b""
        while data := sock.recv(65536):
            received += data
    assert received.startswith(b"HTTP/1.1 200")
    assert b"You said: hello there" in received
    assert fake_llm.last_request.body == CHAT


def test_requests_are_recorded_and_reset(fake_llm: FakeLLMServer) -> None:
    fake_llm.reset()
    with pytest.raises(LookupError):
        _ = fake_llm.last_request
    connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
    try:
        _post(
            connection,
            "/v1/messages?beta=true",
            {"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
            {"X-Custom": "1"},
        )
    finally:
        connection.close()
    [request] = fake_llm.requests
    assert isinstance(request, RecordedRequest)
    assert request.method == "POST" and request.path == "/v1/messages"
    assert request.query == {"beta": "true"}
    assert request.headers["x-custom"] == "1"
    assert request.json["model"] == "c"
    fake_llm.reset()
    assert fake_llm.requests == []


@pytest.mark.parametrize(
    ("path", "body", "status", "fragment"),
    [
        ("/v1/nope", CHAT, 404, b'"message":"Unknown route: POST /v1/nope"'),
        ("/v1/chat/completions", b"{not json", 400, b"not valid JSON"),
        ("/v1/chat/completions", {"model": "m"}, 400, b"missing required parameter: 'messages'"),
        ("/v1/messages", {"model": "m", "messages": []}, 400, b'"type":"invalid_request_error"'),
        ("/api/chat", {"messages": []}, 400, b'{"error":"missing required parameter'),
        ("/v1/embeddings", {"model": "m", "input": []}, 400, b"non-empty"),
        ("/v1/responses", {"model": "m", "input": "x", "max_output_tokens": "9"}, 400, b"integer"),
    ],
)
def test_bad_requests_get_the_provider_error_shape(
    fake_llm: FakeLLMServer, path: str, body: Any, status: int, fragment: bytes
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
    try:
        got, _, content = _post(connection, path, body)
    finally:
        connection.close()
    assert got == status
    assert fragment in content


def test_error_triggers_and_queued_failures(fake_llm: FakeLLMServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
    try:
        status, headers, body = _post(
            connection, "/v1/chat/completions", {**CHAT, "model": "error-429"}
        )
        assert status == 429 and headers["retry-after"] == "1"
        assert json.loads(body)["error"]["code"] == "rate_limit_exceeded"
        status, _, body = _post(connection, "/v1/messages", {"model": "x"}, {"x-fake-error": "529"})
        assert status == 529
        assert json.loads(body)["error"]["type"] == "overloaded_error"
        status, _, body = _post(connection, "/api/generate", {"model": "openai/error-500"})
        assert (status, json.loads(body)) == (500, {"error": json.loads(body)["error"]})
        fake_llm.fail_next(503, times=2)
        assert _post(connection, "/v1/chat/completions", CHAT)[0] == 503
        assert _post(connection, "/v1/chat/completions", CHAT)[0] == 503
        assert _post(connection, "/v1/chat/completions", CHAT)[0] == 200
    finally:
        connection.close()
    with pytest.raises(ValueError, match="400-599"):
        fake_llm.fail_next(200)


def test_answers_are_deterministic(fake_llm: FakeLLMServer) -> None:
    bodies, dates = [], []
    for _ in range(2):
        connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=5)
        try:
            _, headers, body = _post(connection, "/v1/chat/completions", {**CHAT, "stream": True})
            bodies.append(body)
            dates.append(headers["date"])
        finally:
            connection.close()
    assert bodies[0] == bodies[1]
    # Not the clock's: an SDK that quotes the headers in its errors (Cohere) repeats them exactly.
    assert dates == ["Thu, 01 Jan 2026 00:00:00 GMT"] * 2
    assert fake_vector("a") == fake_vector("a") != fake_vector("b")
    assert abs(sum(v * v for v in fake_vector("a", 64)) - 1) < 1e-5


def test_reply_option_sets_the_answer_text() -> None:
    with FakeLLMServer(reply=lambda prompt: prompt.upper()) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            body = json.loads(_post(connection, "/v1/chat/completions", CHAT)[2])
        finally:
            connection.close()
    assert body["choices"][0]["message"]["content"] == "HELLO THERE"


def test_conversation_rules() -> None:
    assert split_pieces("a  b c ") == ["a", "  b", " c "]
    assert "".join(split_pieces(' {"a": 1}\n')) == ' {"a": 1}\n'
    assert count_tokens("one two", "three") == 3
    assert answer(Turn("hi")).text == "You said: hi"
    assert answer(Turn("")).text == "Hello from the fake server."
    cut = answer(Turn("a b c d", max_tokens=2))
    assert (cut.text, cut.finish) == ("You said:", "length")
    stop = answer(Turn("x", stop=(":",)))
    assert (stop.text, stop.finish, stop.stop_sequence) == ("You said", "stop_sequence", ":")


def test_schema_examples_follow_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "when": {"type": "string", "format": "date"},
            "count": {"type": "integer", "minimum": 3},
            "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "number"}]},
            "kind": {"enum": ["a", "b"]},
            "flag": {"type": ["boolean", "null"]},
        },
        "$defs": {"Tag": {"type": "object", "properties": {"label": {"const": "x"}}}},
    }
    assert example_for_schema(schema) == {
        "name": "example",
        "when": "2026-01-01",
        "count": 3,
        "tags": [{"label": "x"}],
        "maybe": 1.5,
        "kind": "a",
        "flag": True,
    }
    recursive = {
        "$ref": "#/$defs/N",
        "$defs": {"N": {"type": "object", "properties": {"child": {"$ref": "#/$defs/N"}}}},
    }
    assert isinstance(example_for_schema(recursive), dict)  # terminates


def test_module_entry_point_serves_until_terminated() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen(
        [sys.executable, "-m", "spanscope.testing.fake_llm", "--port", "0", "--reply", "pong"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(
            url + "/v1/chat/completions",
            json.dumps(CHAT).encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.loads(response.read())["choices"][0]["message"]["content"] == "pong"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
        assert "OPENAI_BASE_URL=" + url + "/v1" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_importing_spanscope_does_not_import_the_fake_servers() -> None:
    code = (
        "import sys, spanscope, spanscope.testing; print(any('fake_llm' in m for m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.strip() == "False"


def test_module_entry_point_reports_a_taken_port(capsys: pytest.CaptureFixture[str]) -> None:
    from spanscope.testing.fake_llm.__main__ import main

    with FakeLLMServer() as taken:
        port = taken.port
        assert main(["--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_concurrent_clients(fake_llm: FakeLLMServer) -> None:
    def ask(number: int) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", fake_llm.port, timeout=10)
        try:
            body = {"model": "m", "messages": [{"role": "user", "content": f"n{number}"}]}
            stream = {**body, "stream": True}
            assert _post(connection, "/v1/chat/completions", stream)[0] == 200
            reply = json.loads(_post(connection, "/v1/chat/completions", body)[2])
        finally:
            connection.close()
        return str(reply["choices"][0]["message"]["content"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(24)))
    assert answers == [f"You said: n{number}" for number in range(24)]
