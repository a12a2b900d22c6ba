"""The assessments part of StoreConformance: feedback and expectations on traces and spans."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.entities import (
    Assessment,
    AssessmentError,
    AssessmentSource,
    Expectation,
    Feedback,
)
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_traces import DEFAULT, UNKNOWN_TRACE_ID, make_trace

__all__ = ["AssessmentConformance"]


class AssessmentConformance:
    """Log, read, update, override and delete assessments; bad input changes nothing."""

    def test_feedback_and_expectations_round_trip(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        span = trace.data.spans[-1]
        human = AssessmentSource("HUMAN", "ann@example.com")
        logged = [
            store.log_assessment(
                Feedback(trace_id=tid, name="correct", value=False, rationale="wrong city")
            ),
            store.log_assessment(Feedback(trace_id=tid, name="score", value=0.75, source=human)),
            store.log_assessment(Feedback(trace_id=tid, name="tone", value="polite")),
            store.log_assessment(Feedback(trace_id=tid, name="labels", value=["a", "b"])),
            store.log_assessment(
                Feedback(trace_id=tid, name="tool ok", value=True, span_id=span.span_id)
            ),
            store.log_assessment(
                Feedback(trace_id=tid, name="judge", error=AssessmentError("TimeoutError", "x"))
            ),
            store.log_assessment(
                Expectation(trace_id=tid, name="answer", value={"city": "Lima", "n": [1, 2]})
            ),
        ]
        for stored in logged:
            assert stored.assessment_id is not None and stored.assessment_id.startswith("a-")
            assert stored.create_time_ms is not None and stored.valid
            assert store.get_assessment(tid, stored.assessment_id) == stored
        found = store.get_trace(tid).info.assessments
        assert [a.to_dict() for a in found] == [a.to_dict() for a in logged]
        expectation = found[-1]
        assert (expectation.kind, expectation.source.to_dict()["source_type"]) == (
            "expectation",
            "HUMAN",
        )
        assert found[1].source == human
        assert found[4].span_id == span.span_id
        (listed,) = store.search_traces([DEFAULT], include_spans=False)
        assert [a.assessment_id for a in listed.info.assessments] == [
            a.assessment_id for a in logged
        ]

    def test_update_changes_what_it_may_and_merges_metadata(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        first = store.log_assessment(
            Feedback(trace_id=tid, name="score", value=1, metadata={"judge": "v1", "run": "7"})
        )
        assert first.assessment_id is not None
        changed = store.update_assessment(
            tid,
            first.assessment_id,
            {"value": 3, "rationale": "re-read", "metadata": {"judge": "v2"}},
        )
        assert (changed.value, changed.rationale) == (3, "re-read")
        assert changed.metadata == {"judge": "v2", "run": "7"}
        assert changed.source == first.source and changed.create_time_ms == first.create_time_ms
        assert store.get_assessment(tid, first.assessment_id) == changed
        refused: list[dict[str, Any]] = [
            {"source": {"source_type": "HUMAN"}},
            {"span_id": "0" * 16},
            {"value": {}},
        ]
        for bad in refused:
            with pytest.raises(InvalidArgumentError):
                store.update_assessment(tid, first.assessment_id, bad)
        assert store.get_assessment(tid, first.assessment_id) == changed

    def test_override_keeps_history_and_delete_restores_it(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        old = store.log_assessment(Feedback(trace_id=tid, name="correct", value=False))
        assert old.assessment_id is not None
        new = store.override_feedback(
            tid,
            old.assessment_id,
            old.overridden_by(True, "it was right", AssessmentSource("HUMAN", "bob")),
        )
        assert (new.value, new.overrides, new.valid) == (True, old.assessment_id, True)
        history = store.get_trace(tid).info
        assert [a.valid for a in history.assessments] == [False, True]
        assert [a.assessment_id for a in history.search_assessments("correct")] == [
            new.assessment_id
        ]
        assert new.assessment_id is not None
        store.delete_assessment(tid, new.assessment_id)
        (restored,) = store.get_trace(tid).info.assessments
        assert (restored.assessment_id, restored.valid) == (old.assessment_id, True)
        store.delete_assessment(tid, "a-" + "0" * 32)  # unknown: a no-op
        expectation = store.log_assessment(Expectation(trace_id=tid, name="answer", value="x"))
        assert expectation.assessment_id is not None
        with pytest.raises(InvalidArgumentError, match="only a feedback"):
            store.override_feedback(
                tid,
                expectation.assessment_id,
                Feedback(trace_id=tid, name="answer", value="y"),
            )

    def test_bad_assessments_are_refused_and_store_nothing(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        with pytest.raises(NotFoundError):
            store.log_assessment(Feedback(trace_id=UNKNOWN_TRACE_ID, name="x", value=True))
        with pytest.raises(NotFoundError):
            store.get_assessment(tid, "a-" + "0" * 32)
        bad: list[Assessment] = [
            Feedback(trace_id=tid, name="", value=True),
            Feedback(trace_id=tid, name="x", value={"not": "allowed"}),
            Feedback(trace_id=tid, name="x", value=float("nan")),
            Feedback(trace_id=tid, name="x"),  # neither a value nor an error
            Expectation(trace_id=tid, name="x", value=None),
            Feedback(trace_id=tid, name="x", value=True, span_id="short"),
        ]
        for assessment in bad:
            with pytest.raises(InvalidArgumentError):
                store.log_assessment(assessment)
        assert store.get_trace(tid).info.assessments == []

    def test_deleting_a_trace_deletes_its_assessments(self, store: TraceStore) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        stored = store.log_assessment(Feedback(trace_id=tid, name="correct", value=True))
        assert stored.assessment_id is not None
        assert store.delete_traces(DEFAULT, trace_ids=[tid]) == 1
        store.write_traces([trace])  # the same trace again: nothing of the old judgement
        assert store.get_trace(tid).info.assessments == []
        with pytest.raises(NotFoundError):
            store.get_assessment(tid, stored.assessment_id)

    def test_summary_counts_valid_assessments_per_name(self, store: TraceStore) -> None:
        traces = [make_trace(DEFAULT, f"q{i}") for i in range(4)]
        store.write_traces(traces)
        ids = [t.info.trace_id for t in traces]
        for tid, ok in zip(ids, (True, True, False, True), strict=True):
            store.log_assessment(Feedback(trace_id=tid, name="correct", value=ok))
        first = store.log_assessment(Feedback(trace_id=ids[0], name="score", value=1))
        assert first.assessment_id is not None
        store.override_feedback(ids[0], first.assessment_id, first.overridden_by(4, None, None, {}))
        store.log_assessment(Feedback(trace_id=ids[1], name="score", value=2))
        for tid, said in zip(ids[:3], ("polite", "curt", "polite"), strict=True):
            store.log_assessment(Feedback(trace_id=tid, name="tone", value=said))
        store.log_assessment(Feedback(trace_id=ids[3], name="tone", error=AssessmentError("E")))
        store.log_assessment(Expectation(trace_id=ids[0], name="answer", value={"a": 1}))
        summary = {(s.name, s.kind): s for s in store.summarize_assessments(DEFAULT)}
        assert set(summary) == {
            ("correct", "feedback"),
            ("score", "feedback"),
            ("tone", "feedback"),
            ("answer", "expectation"),
        }
        correct = summary["correct", "feedback"]
        assert (correct.count, correct.value_type, correct.pass_rate) == (4, "boolean", 0.75)
        score = summary["score", "feedback"]  # the overridden 1 does not count
        assert (score.count, score.value_type, score.mean) == (2, "number", 3.0)
        tone = summary["tone", "feedback"]
        assert (tone.count, tone.value_type, tone.values, tone.errors) == (
            4,
            "string",
            {"polite": 2, "curt": 1},
            1,
        )
        answer = summary["answer", "expectation"]
        assert (answer.count, answer.value_type, answer.mean) == (1, "other", None)
        empty = store.create_experiment("no judgements yet")
        assert store.summarize_assessments(empty) == []
        with pytest.raises(NotFoundError):
            store.summarize_assessments("987654")
