"""`python -m spanscope.testing.fake_llm --port N`: serve until interrupted.

The first line on stdout is the server URL, for scripts and other test suites to read.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from spanscope.testing.fake_llm.server import FakeLLMServer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m spanscope.testing.fake_llm",
        description=(
            "Fake OpenAI, Anthropic, Ollama, Gemini, Cohere, Bedrock, Mistral and Groq APIs"
            " on 127.0.0.1"
            " (offline tests)."
        ),
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--reply", help="the text of every answer (default: echo the prompt)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    server = FakeLLMServer(args.port, reply=args.reply, verbose=args.verbose)
    try:
        server.start()
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(server.url, flush=True)
        for name, value in server.env.items():
            print(f"{name}={value}", file=sys.stderr)
        while not stop.wait(0.5):  # a timed wait, so signals are handled promptly everywhere
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
