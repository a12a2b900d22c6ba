"""The assessment-search part of StoreConformance: `feedback.<name>` and `expectation.<name>`
filters and `feedback.<name>` ordering, checked against the reference evaluator."""

from __future__ import annotations

import pytest

from spanscope.entities import AssessmentError, AssessmentSource, Expectation, Feedback, Trace
from spanscope.exceptions import InvalidFilterError
from spanscope.search import matches, parse_filter
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_traces import DEFAULT, make_trace

__all__ = ["AssessmentSearchConformance"]

# Each filter with the questions (see _judged_traces) of the traces it finds.
FILTERS: list[tuple[str, set[str]]] = [
    ("feedback.correct = true", {"q-right"}),
    ("feedback.correct = false", {"q-wrong"}),
    ("feedback.correct != true", {"q-wrong"}),
    ("feedback.correct IN (true, false)", {"q-right", "q-wrong"}),
    ("feedback.correct = 1", set()),  # 1 is a number, never a boolean
    ("feedback.correct IS NULL", {"q-score", "q-tone", "q-list", "q-error", "q-plain"}),
    ("feedback.score > 0.5", {"q-score"}),
    ("feedback.score <= 0.9", {"q-score"}),
    ("feedback.score IN (0.9, 'high', true)", {"q-score"}),
    ("feedback.score NOT IN (0.9, 'x')", set()),
    ("feedback.score NOT IN (0.1, 'x')", {"q-score"}),
    ("feedback.tone = 'polite'", {"q-tone"}),
    ("feedback.tone ILIKE 'POL%'", {"q-tone"}),
    ("feedback.tone LIKE 'pol%' AND feedback.score IS NULL", {"q-tone"}),
    ("feedback.labels = 'a'", set()),  # a list compares with nothing
    ("feedback.labels IS NOT NULL", {"q-list"}),
    ("feedback.judge IS NOT NULL", set()),  # an error has no value
    ("feedback.`tool ok` = true", {"q-right"}),  # on a span
    ("expectation.answer = 'Lima'", {"q-right", "q-wrong"}),
    ("expectation.answer = 'Lima' AND feedback.correct = false", {"q-wrong"}),
    (
        "NOT feedback.correct = true",
        {"q-wrong", "q-score", "q-tone", "q-list", "q-error", "q-plain"},
    ),
    (
        "feedback.missing IS NULL",
        {"q-right", "q-wrong", "q-score", "q-tone", "q-list", "q-error", "q-plain"},
    ),
    ("expectation.correct = true", set()),  # the kinds do not mix
]


def _judged_traces(store: TraceStore) -> dict[str, Trace]:
    """Seven traces, each judged differently; keyed by question."""
    traces = {
        q: make_trace(DEFAULT, q, request_time=1_000 + i)
        for i, q in enumerate(
            ["q-right", "q-wrong", "q-score", "q-tone", "q-list", "q-error", "q-plain"]
        )
    }
    store.write_traces(list(traces.values()))

    def tid(question: str) -> str:
        return traces[question].info.trace_id

    human = AssessmentSource("HUMAN", "ann")
    # q-right was judged wrong first, then overridden: only the valid value counts.
    first = store.log_assessment(Feedback(trace_id=tid("q-right"), name="correct", value=False))
    assert first.assessment_id is not None
    store.override_feedback(
        tid("q-right"), first.assessment_id, first.overridden_by(True, "re-checked", human)
    )
    tool_span = traces["q-right"].data.spans[-1].span_id
    store.log_assessment(
        Feedback(trace_id=tid("q-right"), name="tool ok", value=True, span_id=tool_span)
    )
    store.log_assessment(Feedback(trace_id=tid("q-wrong"), name="correct", value=False))
    for question in ("q-right", "q-wrong"):
        store.log_assessment(Expectation(trace_id=tid(question), name="answer", value="Lima"))
    store.log_assessment(Feedback(trace_id=tid("q-score"), name="score", value=0.9))
    store.log_assessment(Feedback(trace_id=tid("q-tone"), name="tone", value="polite"))
    store.log_assessment(Feedback(trace_id=tid("q-list"), name="labels", value=["a", "b"]))
    store.log_assessment(
        Feedback(trace_id=tid("q-error"), name="judge", error=AssessmentError("TimeoutError"))
    )
    return {q: store.get_trace(t.info.trace_id) for q, t in traces.items()}


class AssessmentSearchConformance:
    """Search by feedback and expectations; the same answers as the reference evaluator."""

    def test_filters_by_feedback_and_expectations(self, store: TraceStore) -> None:
        judged = _judged_traces(store)
        question = {t.info.trace_id: q for q, t in judged.items()}
        for filter_string, expected in FILTERS:
            found = store.search_traces([DEFAULT], filter_string, max_results=50)
            assert {question[t.info.trace_id] for t in found} == expected, filter_string
            expr = parse_filter(filter_string)
            assert expr is not None
            by_evaluator = {q for q, t in judged.items() if matches(expr, t)}
            assert by_evaluator == expected, filter_string

    def test_orders_by_a_feedback_value_across_pages(self, store: TraceStore) -> None:
        traces = [make_trace(DEFAULT, f"q{i}", request_time=1_000 + i) for i in range(6)]
        store.write_traces(traces)
        scores = {0: 0.5, 1: 2, 2: -1, 4: 2}  # 3 and 5 have none; 1 and 4 tie
        for i, score in scores.items():
            store.log_assessment(
                Feedback(trace_id=traces[i].info.trace_id, name="score", value=score)
            )
        store.log_assessment(Feedback(trace_id=traces[3].info.trace_id, name="correct", value=True))
        ids = [t.info.trace_id for t in traces]
        for clause, ascending in (("feedback.score DESC", False), ("feedback.score", True)):
            seen: list[str] = []
            token = None
            while True:
                page = store.search_traces(
                    [DEFAULT], order_by=[clause], max_results=2, page_token=token
                )
                seen.extend(t.info.trace_id for t in page)
                token = page.next_page_token
                if token is None:
                    break
            keyed = sorted(
                ids,
                key=lambda t: (scores.get(ids.index(t), float("-inf")), t),
                reverse=not ascending,
            )
            assert seen == keyed, clause
        by_bool = store.search_traces([DEFAULT], order_by=["feedback.correct DESC"])
        assert by_bool[0].info.trace_id == ids[3]

    def test_bad_assessment_filters_say_what_is_accepted(self, store: TraceStore) -> None:
        for bad, message in (
            ("feedback.score < true", "takes a number"),
            ("feedback.score < 'high'", "takes a number"),
            ("feedback.tone LIKE true", "string pattern"),
            ("tags.x = true", "does not take true or false"),
            ("feedback. = true", "missing key"),
            ("feedbak.score = 1", "did you mean feedback.<name>"),
        ):
            with pytest.raises(InvalidFilterError, match=message):
                store.search_traces([DEFAULT], bad)
