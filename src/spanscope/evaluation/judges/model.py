"""A judge's model: its URI, and one chat call over HTTP (httpx, no provider SDK).

`openai:/<model>` talks to the Chat Completions API (`OPENAI_BASE_URL`, `OPENAI_API_KEY`), and
to any OpenAI-compatible endpoint given a `base_url`; `anthropic:/<model>` to the Messages API
(`ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY`); `ollama:/<model>` to Ollama's OpenAI-compatible
API under `OLLAMA_HOST`. Each HTTP attempt is an LLM span in the judge's trace.
"""

from __future__ import annotations

import atexit
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from spanscope.evaluation.judges.errors import JudgeFailure
from spanscope.exceptions import InvalidArgumentError
from spanscope.tracing.llm import LLMCall, Usage, start_llm_span

if TYPE_CHECKING:
    import httpx

__all__ = ["ACCEPTED_URIS", "ChatModel", "ChatReply", "ModelURI", "parse_model_uri"]

PROVIDERS = ("openai", "anthropic", "ollama")
ACCEPTED_URIS = (
    "openai:/<model> (or any OpenAI-compatible endpoint, with base_url=...), "
    "anthropic:/<model>, ollama:/<model>"
)
_URI = re.compile(r"(?P<provider>[a-z]+):/(?P<model>[^\s/][^\s]*)")
_DEFAULT_BASE = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "ollama": "http://localhost:11434",
}
_ENV = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
    "anthropic": ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"),
    "ollama": ("OLLAMA_HOST", None),
}
_ANTHROPIC_VERSION = "2023-06-01"
_MAX_TOKENS = 1024  # a verdict is short; Anthropic requires a limit
# Statuses worth another try: timeouts, conflicts, rate limits, server errors and overload.
_RETRYABLE = frozenset({408, 409, 429})
_BACKOFF_S = 0.25
_BACKOFF_CAP_S = 4.0


@dataclass(frozen=True, slots=True)
class ModelURI:
    """`provider:/model`, parsed."""

    provider: str
    model: str

    def __str__(self) -> str:
        return f"{self.provider}:/{self.model}"


def parse_model_uri(uri: str) -> ModelURI:
    """The provider and model of a judge's model URI; InvalidArgumentError naming the
    accepted forms otherwise."""
    found = _URI.fullmatch(uri.strip()) if isinstance(uri, str) else None
    if found is None or found["provider"] not in PROVIDERS:
        raise InvalidArgumentError(
            f"a judge's model is a URI: {ACCEPTED_URIS}; e.g. openai:/gpt-4o-mini; got {uri!r}"
        )
    return ModelURI(found["provider"], found["model"])


@dataclass(frozen=True, slots=True)
class ChatReply:
    """The text of a reply, and the response it came in."""

    text: str
    body: dict[str, Any]


class ChatModel:
    """One model behind one endpoint; `complete` sends a chat and retries what is transient.

    The base URL and API key not given are read from the environment at each call.
    """

    def __init__(
        self,
        uri: ModelURI,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        max_retries: int = 2,
        timeout: float = 60.0,
    ) -> None:
        self.uri = uri
        self._base_url = base_url
        self._api_key = api_key
        self._max_retries = max_retries
        self._timeout = timeout

    @property
    def provider(self) -> str:
        return self.uri.provider

    def complete(self, system: str, messages: list[dict[str, str]]) -> ChatReply:
        """The model's reply to `messages` under the `system` prompt, asking for JSON.

        429, 5xx and connection failures are retried (up to max_retries) with a short
        backoff; JudgeFailure("JUDGE_CALL_FAILED") when no attempt succeeds.
        """
        url, headers, body = self._request(system, messages)
        for attempt in range(self._max_retries + 1):
            try:
                return self._attempt(url, headers, body, system, messages)
            except _Transient as exc:
                if attempt == self._max_retries:
                    raise JudgeFailure(
                        "JUDGE_CALL_FAILED",
                        f"{self.uri} failed {attempt + 1} time(s); last: {exc}",
                    ) from exc
                time.sleep(exc.wait_s or _backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _request(
        self, system: str, messages: list[dict[str, str]]
    ) -> tuple[str, dict[str, str], dict[str, Any]]:
        base = self._base()
        key = self._api_key or _env(_ENV[self.provider][1])
        headers = {"content-type": "application/json"}
        if self.provider == "anthropic":
            if key:
                headers["x-api-key"] = key
            headers["anthropic-version"] = _ANTHROPIC_VERSION
            body: dict[str, Any] = {
                "model": self.uri.model,
                "max_tokens": _MAX_TOKENS,
                "system": system,
                "messages": messages,
            }
            return f"{base}/v1/messages", headers, body
        if key:
            headers["authorization"] = f"Bearer {key}"
        body = {
            "model": self.uri.model,
            "messages": [{"role": "system", "content": system}, *messages],
            "response_format": {"type": "json_object"},
        }
        return f"{base}/chat/completions", headers, body

    def _base(self) -> str:
        given = self._base_url or _env(_ENV[self.provider][0])
        if self.provider == "ollama":
            host = given or _DEFAULT_BASE["ollama"]
            if "://" not in host:  # OLLAMA_HOST is often host:port
                host = f"http://{host}"
            # A base URL given outright is the OpenAI-compatible root already.
            return host.rstrip("/") if self._base_url else f"{host.rstrip('/')}/v1"
        return (given or _DEFAULT_BASE[self.provider]).rstrip("/")

    def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any],
        system: str,
        messages: list[dict[str, str]],
    ) -> ChatReply:
        call = start_llm_span(
            f"chat {self.uri.model}",
            provider=self.provider,
            operation="chat",
            inputs=body,
            model=self.uri.model,
        )
        if call is not None:
            call.set_input_messages(messages, system=system)
        try:
            # orjson: a fraction of the stdlib encoder's time, on a call made per row.
            response = _http().post(
                url, headers=headers, content=orjson.dumps(body), timeout=self._timeout
            )
            reply = self._read(response)
        except Exception as exc:
            if call is not None:
                call.end(error=exc)
            if _transport_error(exc):
                raise _Transient(f"{type(exc).__name__}: {exc}") from exc
            raise
        if call is not None:
            _record(call, self.provider, reply)
        return reply

    def _read(self, response: httpx.Response) -> ChatReply:
        try:
            body = orjson.loads(response.content)
        except ValueError:  # orjson.JSONDecodeError is one
            body = None
        if response.status_code >= 400:
            message = f"HTTP {response.status_code}: {_error_message(body, response.text)}"
            if response.status_code in _RETRYABLE or response.status_code >= 500:
                raise _Transient(message, _retry_after(response))
            raise JudgeFailure("JUDGE_CALL_FAILED", f"{self.uri}: {message}")
        if not isinstance(body, dict):
            raise _Transient(f"the response is not a JSON object: {response.text[:200]!r}")
        return ChatReply(_reply_text(self.provider, body), body)


class _Transient(Exception):
    """A failure another attempt may not have (the server's wait, if it said one)."""

    def __init__(self, message: str, wait_s: float | None = None) -> None:
        super().__init__(message)
        self.wait_s = wait_s


_CLIENT: httpx.Client | None = None
_CLIENT_LOCK = threading.Lock()


def _http() -> httpx.Client:
    """One client for every judge: connections (and TLS set-up) are reused across calls and
    judges, which an evaluation runs by the hundred, in parallel."""
    global _CLIENT
    with _CLIENT_LOCK:
        if _CLIENT is None:
            import httpx  # here: importing it costs more than all of spanscope

            _CLIENT = httpx.Client()
            atexit.register(_CLIENT.close)  # its pooled connections close cleanly at exit
        return _CLIENT


def _record(call: LLMCall, provider: str, reply: ChatReply) -> None:
    body = reply.body
    if provider == "anthropic":
        reasons = [body.get("stop_reason")]
        counts = body.get("usage") or {}
        cache_read = _int(counts.get("cache_read_input_tokens"))
        cache_write = _int(counts.get("cache_creation_input_tokens"))
        fresh = _int(counts.get("input_tokens"))
        usage = Usage(
            # Input tokens include cache reads and writes, as the GenAI conventions count them.
            input_tokens=None if fresh is None else fresh + (cache_read or 0) + (cache_write or 0),
            output_tokens=_int(counts.get("output_tokens")),
            cache_read_tokens=cache_read,
            cache_creation_tokens=cache_write,
        )
    else:
        choices = body.get("choices") or [{}]
        reasons = [choices[0].get("finish_reason")]
        counts = body.get("usage") or {}
        usage = Usage(
            input_tokens=_int(counts.get("prompt_tokens")),
            output_tokens=_int(counts.get("completion_tokens")),
            cache_read_tokens=_int(
                (counts.get("prompt_tokens_details") or {}).get("cached_tokens")
            ),
            reasoning_tokens=_int(
                (counts.get("completion_tokens_details") or {}).get("reasoning_tokens")
            ),
        )
    call.set_output_messages(
        [{"role": "assistant", "content": reply.text}],
        [r for r in reasons if isinstance(r, str)],
    )
    call.set_usage(usage)
    model, response_id = body.get("model"), body.get("id")
    call.set_response(
        model if isinstance(model, str) else None,
        response_id if isinstance(response_id, str) else None,
    )
    call.end(outputs=body)


def _reply_text(provider: str, body: dict[str, Any]) -> str:
    if provider == "anthropic":
        blocks = body.get("content") or []
        return "".join(
            str(b.get("text") or "")
            for b in blocks
            if isinstance(b, dict) and b.get("type") == "text"
        )
    choices = body.get("choices") or []
    message = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def _error_message(body: Any, text: str) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    if isinstance(error, str):
        return error
    return text[:200] or "(no body)"


def _transport_error(exc: Exception) -> bool:
    import httpx

    return isinstance(exc, httpx.TransportError)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds <= _BACKOFF_CAP_S else None


def _backoff(attempt: int) -> float:
    base: float = min(_BACKOFF_CAP_S, _BACKOFF_S * 2.0**attempt)
    return base * (0.5 + random.random() / 2)  # jitter: judges in parallel spread out


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _env(name: str | None) -> str | None:
    return (os.environ.get(name) or None) if name else None
