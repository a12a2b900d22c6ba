"""Shape parity with the TypeScript SDK: the same LLM calls, traced by Python autolog and
by the TypeScript wrappers, are stored as equal span trees once normalised.

The calls, the normalisation rules and the expected trees live in one golden file,
`tests/golden/shape_parity.json`, which the TypeScript suite checks as well
(`libs/typescript/tests/src/parity.test.ts`). `SPANSCOPE_UPDATE_GOLDEN=1` rewrites it from
this test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import spanscope
import spanscope.anthropic
import spanscope.google_genai
import spanscope.langchain
import spanscope.openai
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.fake_llm.fixtures import fake_llm

openai = pytest.importorskip("openai")
anthropic = pytest.importorskip("anthropic")
genai = pytest.importorskip("google.genai")

__all__ = ["fake_llm"]

GOLDEN = Path(__file__).parent / "golden" / "shape_parity.json"
TIME_ATTRIBUTES = ("spanscope.span.time_to_first_token_ns",)


def normalize_trace(trace: dict[str, Any]) -> dict[str, Any]:
    """A stored trace (REST JSON) without ids, times and nulls (see `_rules` in the golden)."""
    depth = _depths(trace["data"]["spans"])
    spans = sorted(
        trace["data"]["spans"],
        key=lambda s: (s["start_time_ns"], depth[s["span_id"]], s["span_id"]),
    )
    index = {span["span_id"]: i for i, span in enumerate(spans)}
    info = trace["info"]
    canonical: dict[str, Any] = _canonical(
        {
            "info": {
                "name": info.get("name"),
                "state": info.get("state"),
                "request_preview": _preview(info.get("request_preview")),
                "response_preview": _preview(info.get("response_preview")),
                "metadata": {k: _maybe_json(v) for k, v in (info.get("metadata") or {}).items()},
                "tags": info.get("tags") or {},
            },
            "spans": [
                {
                    "parent": index.get(span["parent_id"]) if span["parent_id"] else None,
                    "name": span["name"],
                    "span_type": span["span_type"],
                    "status": span["status"],
                    "inputs": span["inputs"],
                    "outputs": span["outputs"],
                    "attributes": {
                        k: ("<ns>" if k in TIME_ATTRIBUTES else v)
                        for k, v in span["attributes"].items()
                    },
                    "events": [
                        {"name": e["name"], "attributes": e["attributes"]} for e in span["events"]
                    ],
                }
                for span in spans
            ],
        }
    )
    return canonical


def _depths(spans: list[dict[str, Any]]) -> dict[str, int]:
    """Each span's depth (a root 0): of two spans started in the same tick, the parent first."""
    parents = {span["span_id"]: span["parent_id"] for span in spans}
    depth = {}
    for span in spans:
        level, parent = 0, span["parent_id"]
        while parent in parents and level < len(spans):
            level, parent = level + 1, parents[parent]
        depth[span["span_id"]] = level
    return depth


def _preview(value: Any) -> Any:
    """A preview; dropped when it is JSON text cut at the preview limit (where the cut falls
    depends on how each client orders keys and writes nulls; the spans are compared whole)."""
    decoded = _maybe_json(value)
    cut = isinstance(decoded, str) and decoded[:1] in ("{", "[") and decoded.endswith("...")
    return None if cut else decoded


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _canonical(value: Any) -> Any:
    """Null-valued keys dropped (pydantic dumps every optional field, the JS clients return
    the wire JSON), keys sorted."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _openai_call(server: FakeLLMServer, request: dict[str, Any]) -> None:
    with openai.OpenAI(base_url=server.openai_base_url, api_key="sk-fake", max_retries=0) as c:
        c.chat.completions.create(**request)


def _anthropic_call(server: FakeLLMServer, request: dict[str, Any]) -> None:
    with anthropic.Anthropic(
        base_url=server.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        for _ in c.messages.create(**request):
            pass


def _google_genai_call(server: FakeLLMServer, request: dict[str, Any]) -> None:
    # The SDK's typed parameters (the JS client's request is the same JSON, camelCased):
    # stored inputs are their snake_case dump, as the TypeScript wrapper records its own.
    types = genai.types
    client = genai.Client(api_key="fake-key", http_options={"base_url": server.gemini_base_url})
    client.models.generate_content(
        model=request["model"],
        contents=[types.Content.model_validate(c) for c in request["contents"]],
        config=types.GenerateContentConfig.model_validate(request["config"]),
    )


def _langchain_call(server: FakeLLMServer, request: dict[str, Any]) -> None:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    # The LangChain tree alone: the TypeScript handler does not nest the openai client's span.
    spanscope.openai.autolog(disable=True)
    prompt = ChatPromptTemplate.from_messages(
        [("system", request["system"]), ("human", "{question}")]
    )
    model = ChatOpenAI(
        model=request["model"],
        base_url=server.openai_base_url,
        api_key=SecretStr("sk-fake"),
        max_retries=0,
    )
    (prompt | model | StrOutputParser()).invoke({"question": request["question"]})


CALLS: dict[str, Callable[[FakeLLMServer, dict[str, Any]], None]] = {
    "openai_chat_tool_call": _openai_call,
    "anthropic_streamed_message": _anthropic_call,
    "google_genai_function_call": _google_genai_call,
    "langchain_prompt_model_parser": _langchain_call,  # last: it turns openai autolog off
}


def test_python_traces_match_the_golden_file(fake_llm: FakeLLMServer) -> None:
    golden = json.loads(GOLDEN.read_text())
    spanscope.openai.autolog()
    spanscope.anthropic.autolog()
    spanscope.google_genai.autolog()
    spanscope.langchain.autolog()
    stored: dict[str, Any] = {}
    for name, make_call in CALLS.items():
        make_call(fake_llm, golden["calls"][name]["request"])
        trace_id = spanscope.get_last_active_trace_id()
        assert trace_id is not None
        stored[name] = trace_id
    assert spanscope.flush(timeout=30)
    actual = {
        name: normalize_trace(spanscope.get_trace(trace_id).to_dict())
        for name, trace_id in stored.items()
    }
    if os.environ.get("SPANSCOPE_UPDATE_GOLDEN"):
        for name, trace in actual.items():
            golden["calls"][name]["expected"] = trace
        GOLDEN.write_text(json.dumps(golden, indent=2, ensure_ascii=False) + "\n")
    for name, trace in actual.items():
        assert trace == golden["calls"][name]["expected"], name


def test_normalisation_removes_only_what_the_rules_name() -> None:
    trace = {
        "info": {"name": "n", "state": "OK", "trace_id": "t", "request_time": 5,
                 "request_preview": "{\"a\": null, \"b\": 1}", "response_preview": "{\"a\": 1, ...",
                 "metadata": {"k": "[1]"}, "tags": {}},
        "data": {"spans": [
            {"span_id": "0", "parent_id": "a", "start_time_ns": 1, "name": "child",
             "span_type": "LLM", "status": {"code": "OK", "message": ""}, "inputs": None,
             "outputs": {"x": None, "y": [None]}, "attributes": {TIME_ATTRIBUTES[0]: 7},
             "events": [{"name": "e", "timestamp_ns": 3, "attributes": {"v": 1}}]},
            {"span_id": "a", "parent_id": None, "start_time_ns": 1, "name": "root",
             "span_type": "CHAIN", "status": {"code": "OK", "message": ""}, "inputs": {"q": 1},
             "outputs": None, "attributes": {}, "events": []},
        ]},
    }  # fmt: skip
    normalized = normalize_trace(trace)
    assert normalized["info"] == {
        "metadata": {"k": [1]},
        "name": "n",
        "request_preview": {"b": 1},
        "state": "OK",
        "tags": {},
    }
    assert [s["name"] for s in normalized["spans"]] == ["root", "child"]
    assert normalized["spans"][1]["parent"] == 0
    assert normalized["spans"][1]["outputs"] == {"y": [None]}  # nulls in lists are data
    assert normalized["spans"][1]["attributes"] == {TIME_ATTRIBUTES[0]: "<ns>"}
    assert normalized["spans"][1]["events"] == [{"attributes": {"v": 1}, "name": "e"}]
