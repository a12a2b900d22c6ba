"""A translator on LiteLLM, routed to an OpenAI-compatible API, streamed, fully offline.

LiteLLM talks HTTP to spanscope's fake OpenAI server on 127.0.0.1.
Run: `python examples/litellm_completion.py` (part of `make demo`).
"""

from __future__ import annotations

import os

# LiteLLM's own switch: use its bundled price map instead of fetching one at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer


class Translator:
    def __init__(self, provider: dict[str, object]) -> None:
        self.provider = provider  # endpoint and key: kept out of the traced inputs

    @spanscope.trace(name="translator", span_type="CHAIN")
    def translate(self, text: str, language: str) -> str:
        spanscope.update_current_trace(user_id="user-litellm", tags={"provider": "litellm"})
        messages = [
            {"role": "system", "content": f"Translate the user's text into {language}."},
            {"role": "user", "content": text},
        ]
        draft = litellm.completion(model="openai/gpt-4o-mini", messages=messages, **self.provider)
        messages += [
            {"role": "assistant", "content": draft.choices[0].message.content},
            {"role": "user", "content": "Make it more formal."},
        ]
        stream = litellm.completion(
            model="openai/gpt-4o-mini",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
            **self.provider,
        )
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def main() -> None:
    spanscope.litellm.autolog()
    with FakeLLMServer(reply="Votre commande a été expédiée.") as server:
        provider = {"api_base": server.openai_base_url, "api_key": "sk-fake", "max_retries": 0}
        answer = Translator(provider).translate("Your order has shipped.", "French")
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
