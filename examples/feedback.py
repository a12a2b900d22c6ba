"""A FAQ bot judged three ways: a person's thumbs, a code scorer, and the expected answers.

Each question is traced; a person's thumbs up or down (with a comment) and a code check
(does the answer cite the right fact?) become feedback, the known answers expectations. One
answer is judged wrong at first and corrected later: the override keeps the history. Then the
traces are searched by their judgements. Run: `python examples/feedback.py` (part of
`make demo`); it needs no network and no keys.
"""

from __future__ import annotations

import spanscope
from spanscope import AssessmentSource

FACTS = {
    "refund": "Refunds reach your card within 5 working days.",
    "shipping": "Orders ship within 24 hours.",
    "returns": "Returns are free for 30 days.",
}
# question -> (the expected answer, the person's thumbs, their comment)
QUESTIONS = {
    "How long does a refund take?": (FACTS["refund"], True, None),
    "When do orders ship?": (FACTS["shipping"], False, "too vague: which warehouse?"),
    "Can I return shoes?": (FACTS["returns"], True, None),
}
REVIEWER = AssessmentSource("HUMAN", "ana@example.com")
CHECKER = AssessmentSource("CODE", "cites_fact")


@spanscope.trace(span_type="RETRIEVER")
def retrieve(question: str) -> list[dict[str, object]]:
    words = question.lower()
    return [
        {"page_content": text, "metadata": {"doc_uri": f"kb/{topic}"}, "id": topic}
        for topic, text in FACTS.items()
        if topic.rstrip("s") in words or topic[:4] in words
    ]


@spanscope.trace(span_type="AGENT")
def support_faq(question: str) -> str:
    docs = retrieve(question)
    return str(docs[0]["page_content"]) if docs else "Sorry, I do not know."


def main() -> None:
    for question, (expected, thumbs_up, comment) in QUESTIONS.items():
        answer = support_faq(question)
        trace_id = spanscope.get_last_active_trace_id()
        assert trace_id is not None
        spanscope.log_expectation(trace_id, "expected_answer", expected)
        spanscope.log_feedback(
            trace_id,
            "cites_fact",
            answer == expected,
            rationale="the answer is the knowledge-base sentence"
            if answer == expected
            else "the answer does not quote the knowledge base",
            source=CHECKER,
        )
        spanscope.log_feedback(
            trace_id, "user_satisfaction", thumbs_up, rationale=comment, source=REVIEWER
        )
    # A second look: the shipping answer was fine after all. The first judgement stays as
    # history, no longer valid.
    (shipping,) = spanscope.search_traces(filter_string="feedback.user_satisfaction = false")
    (first,) = shipping.info.search_assessments("user_satisfaction")
    assert first.assessment_id is not None
    spanscope.override_feedback(
        shipping.info.trace_id,
        first.assessment_id,
        True,
        rationale="24 hours is what customers need to know",
        source=AssessmentSource("HUMAN", "lead@example.com"),
    )
    trace = spanscope.get_trace(shipping.info.trace_id)
    print(f"judged {len(QUESTIONS)} answers; the one corrected:\n")
    print(trace.to_text())
    for judged in trace.info.assessments:
        state = "valid" if judged.valid else "overridden"
        print(f"  {judged.kind} {judged.name} = {judged.value!r} ({state})")
    liked = spanscope.search_traces(filter_string="feedback.user_satisfaction = true")
    print(f"\ntraces with a thumbs up: {len(liked)} of {len(QUESTIONS)}")


if __name__ == "__main__":
    main()
