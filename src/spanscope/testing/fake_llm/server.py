"""FakeLLMServer: fake OpenAI, Anthropic, Ollama, Gemini, Cohere, Bedrock, Mistral and Groq APIs
on one port of 127.0.0.1."""

from __future__ import annotations

import threading
from types import TracebackType

from spanscope.testing.fake_llm.conversation import ReplyFn
from spanscope.testing.fake_llm.handler import HOST, FakeHTTPServer
from spanscope.testing.fake_llm.state import Failure, ServerState
from spanscope.testing.fake_llm.wire import RecordedRequest

__all__ = ["FakeLLMServer"]


class FakeLLMServer:
    """Serves the OpenAI, Anthropic, Ollama, Gemini, Cohere, Bedrock, Mistral and Groq HTTP APIs
    with deterministic answers.

    Point the real SDKs at it: `OpenAI(base_url=server.openai_base_url)`,
    `Anthropic(base_url=server.anthropic_base_url)`, `ollama.Client(host=server.ollama_host)`,
    `genai.Client(api_key=..., http_options={"base_url": server.gemini_base_url})`,
    `cohere.ClientV2(api_key=..., base_url=server.cohere_base_url)`,
    `boto3.client("bedrock-runtime", endpoint_url=server.bedrock_base_url, ...)`,
    `Mistral(api_key=..., server_url=server.mistral_base_url)`,
    `groq.Groq(api_key=..., base_url=server.groq_base_url)`.
    It binds 127.0.0.1 only (port 0: a free port) and serves from a background thread.

    `reply` fixes the text of every text answer (a string, or a function of the last user
    message); by default the answer echoes the last user message ("You said: ...").
    """

    def __init__(
        self, port: int = 0, *, reply: str | ReplyFn | None = None, verbose: bool = False
    ) -> None:
        self._requested_port = port
        self._verbose = verbose
        self._state = ServerState(reply)
        self._httpd: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeLLMServer:
        """Bind and start serving (OSError if the port is taken); returns self."""
        if self._httpd is not None:
            raise RuntimeError("FakeLLMServer is already running")
        httpd = FakeHTTPServer(self._requested_port, self._state, verbose=self._verbose)
        # A short poll interval keeps stop() fast.
        thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = f"fake-llm-{httpd.server_port}"
        thread.start()
        self._httpd, self._thread = httpd, thread
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; calling it again does nothing."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()  # also waits for the connection threads
        if thread is not None:
            thread.join()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running: call start() or use `with`")
        return self._httpd.server_port

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`"""
        return f"http://{HOST}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """`http://127.0.0.1:PORT/v1`, the `base_url` of `openai.OpenAI`."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The `base_url` of `anthropic.Anthropic` (the SDK adds `/v1/messages`)."""
        return self.url

    @property
    def ollama_host(self) -> str:
        """The `host` of `ollama.Client`, and the value for `OLLAMA_HOST`."""
        return self.url

    @property
    def gemini_base_url(self) -> str:
        """The `base_url` of `google.genai.Client`'s http options, and the value for
        `GOOGLE_GEMINI_BASE_URL` (the SDK adds `/v1beta/models/...`)."""
        return self.url

    @property
    def cohere_base_url(self) -> str:
        """The `base_url` of `cohere.ClientV2`, and the value for `CO_API_URL` (the SDK adds
        `/v2/chat`, ...)."""
        return self.url

    @property
    def bedrock_base_url(self) -> str:
        """The `endpoint_url` of `boto3.client("bedrock-runtime", ...)` (botocore adds
        `/model/{modelId}/...`)."""
        return self.url

    @property
    def mistral_base_url(self) -> str:
        """The `server_url` of `mistralai.Mistral` (the SDK adds `/v1/chat/completions`)."""
        return f"{self.url}/mistral"

    @property
    def groq_base_url(self) -> str:
        """The `base_url` of `groq.Groq`, and the value for `GROQ_BASE_URL` (the SDK adds
        `/openai/v1/...`)."""
        return self.url

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point the SDKs (and litellm) at this server."""
        return {
            "OPENAI_BASE_URL": self.openai_base_url,
            "OPENAI_API_KEY": "sk-fake",
            "ANTHROPIC_BASE_URL": self.anthropic_base_url,
            "ANTHROPIC_API_KEY": "sk-ant-fake",
            "OLLAMA_HOST": self.ollama_host,
            "OLLAMA_API_BASE": self.ollama_host,
            "GOOGLE_GEMINI_BASE_URL": self.gemini_base_url,
            "GEMINI_API_KEY": "gemini-fake",
            "CO_API_URL": self.cohere_base_url,
            "CO_API_KEY": "co-fake",
            "GROQ_BASE_URL": self.groq_base_url,
            "GROQ_API_KEY": "gsk-fake",
            "MISTRAL_API_KEY": "mistral-fake",
        }

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        return self._state.requests

    @property
    def last_request(self) -> RecordedRequest:
        """The latest request; LookupError if none arrived yet."""
        requests = self._state.requests
        if not requests:
            raise LookupError("the fake LLM server has not received any request yet")
        return requests[-1]

    def fail_next(self, failure: Failure = 500, times: int = 1) -> None:
        """Make the next `times` API calls fail with this HTTP status (or "stream")."""
        self._state.fail_next(failure, times)

    def reset(self) -> None:
        """Forget recorded requests, queued failures and cached prompt prefixes."""
        self._state.reset()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<FakeLLMServer {where}>"
