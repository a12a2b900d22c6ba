"""Two versions of a FAQ bot evaluated on one dataset, with code scorers and an LLM judge.

The dataset holds the questions and the expected facts. Version 1 answers from a small knowledge
base; version 2 "improves" retrieval and breaks one answer. Each version runs over the dataset
(every answer traced), is scored by code (exact fact, answer length, the retriever was used) and
by an LLM judge, and is stored as an evaluation run: compare them in the UI (Evaluations tab).

The judge's model is the fake OpenAI server on 127.0.0.1 with a scripted verdict (does the
answer state the expected fact?), so this runs offline with no keys. With a real model, drop the
server and use `model="openai:/gpt-4o-mini"`. Run: `python examples/evaluation.py` (part of
`make demo`).
"""

from __future__ import annotations

import json
import re
from typing import Any

import spanscope
from spanscope import judges, scorers
from spanscope.testing.fake_llm import FakeLLMServer

FACTS = {
    "refund": "Refunds reach your card within 5 working days.",
    "shipping": "Orders ship within 24 hours.",
    "returns": "Returns are free for 30 days.",
    "warranty": "Every device has a two-year warranty.",
}
QUESTIONS = {
    "How long does a refund take?": "refund",
    "When do orders ship?": "shipping",
    "Can I return shoes?": "returns",
    "Is my phone under warranty?": "warranty",
}
DATASET = "faq-questions"


@spanscope.trace(span_type="RETRIEVER")
def retrieve(question: str, strict: bool) -> list[dict[str, object]]:
    words = question.lower()
    topics = [t for t in FACTS if t.rstrip("s") in words or (not strict and t[:3] in words)]
    # Strict retrieval falls back to the most read page when no topic matches.
    topics = topics or ["returns"]
    return [
        {"page_content": FACTS[topic], "metadata": {"doc_uri": f"kb/{topic}"}, "id": topic}
        for topic in topics
    ]


@spanscope.trace(span_type="AGENT")
def faq_bot_v1(question: str) -> str:
    docs = retrieve(question, strict=False)
    return str(docs[0]["page_content"])


@spanscope.trace(span_type="AGENT")
def faq_bot_v2(question: str) -> str:
    # "Stricter" retrieval: fewer loose matches, but "ship" no longer finds "shipping".
    docs = retrieve(question, strict=True)
    return str(docs[0]["page_content"])


@spanscope.scorer
def states_fact(outputs: str, expectations: dict[str, Any]) -> bool:
    return bool(expectations["fact"] in outputs)


@spanscope.scorer
def concise(outputs: str) -> bool:
    return len(outputs.split()) <= 12


def scripted_verdict(prompt: str) -> str:
    """The fake judge model: 'yes' when the answer states the expected fact."""
    answer = re.search(r"Answer: (.*)", prompt)
    expected = re.search(r'"fact": "([^"]*)"', prompt)
    agrees = bool(answer and expected and expected.group(1) in answer.group(1))
    rationale = "states the expected fact" if agrees else "does not state the expected fact"
    return json.dumps({"result": "yes" if agrees else "no", "rationale": rationale})


def main() -> None:
    dataset = spanscope.datasets.create_dataset(DATASET, tags={"owner": "support"})
    dataset.merge_records(
        [
            {"inputs": {"question": q}, "expectations": {"fact": FACTS[topic]}}
            for q, topic in QUESTIONS.items()
        ]
    )
    with FakeLLMServer(reply=scripted_verdict) as server:
        judge = judges.make_judge(
            name="answers_question",
            instructions=(
                "Question: {{ inputs }}\nAnswer: {{ outputs }}\nExpected: {{ expectations }}\n"
                "Does the answer state the expected fact?"
            ),
            model="openai:/gpt-4o-mini",
            base_url=server.openai_base_url,
            api_key="sk-fake",
        )
        checks = [states_fact, concise, scorers.latency_budget(max_ms=2000), judge]
        results = [
            spanscope.evaluate(dataset, checks, predict_fn=app, name=f"faq-bot {version}")
            for version, app in (("v1", faq_bot_v1), ("v2", faq_bot_v2))
        ]
    for result in results:
        print(result)
    before, after = (result.items for result in results)
    regressed = [
        new
        for old, new in zip(before, after, strict=True)
        if old.scores["states_fact"].value and not new.scores["states_fact"].value
    ]
    print(f"regressed in v2: {[row.inputs['question'] for row in regressed]}\n")
    for row in regressed:
        print(spanscope.get_trace(row.trace_id).to_text())


if __name__ == "__main__":
    main()
