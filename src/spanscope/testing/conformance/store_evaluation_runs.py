"""The evaluation runs part of StoreConformance: runs, their rows, and scores logged at once."""

from __future__ import annotations

import pytest

from spanscope.entities import Feedback
from spanscope.entities.dataset import DatasetRecord
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    Score,
    ScoreMetrics,
    ScorerSpec,
)
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_traces import (
    DEFAULT,
    UNKNOWN_TRACE_ID,
    all_pages,
    make_trace,
)

__all__ = ["EvaluationRunConformance"]

UNKNOWN_RUN_ID = "r-" + "0" * 32


def item(position: int, record_id: str, correct: bool | None, **fields: object) -> EvaluationItem:
    scores = {} if correct is None else {"correct": Score(correct, rationale="checked")}
    return EvaluationItem(position, record_id, scores=scores, **fields)  # type: ignore[arg-type]


class EvaluationRunConformance:
    """Create, fill, finish, list and delete evaluation runs; log scores in one batch."""

    def test_create_get_and_list_runs(self, store: TraceStore) -> None:
        dataset = store.create_dataset("golden", DEFAULT)
        store.merge_dataset_records(dataset.dataset_id, [DatasetRecord({"q": "hi"})])
        first = store.create_evaluation_run(
            EvaluationRun(
                "",
                DEFAULT,
                "baseline",
                dataset_id=dataset.dataset_id,
                scorers=[ScorerSpec("correct"), ScorerSpec("polite", "LLM_JUDGE", "openai:/m")],
                tags={"model": "small"},
                created_ms=1_000,
            )
        )
        assert first.run_id and first.status is EvaluationRunStatus.RUNNING
        # The dataset's name and latest version are filled in.
        assert (first.dataset_name, first.dataset_version) == ("golden", 1)
        assert first.created_ms == 1_000 and first.finished_ms is None
        assert store.get_evaluation_run(first.run_id) == first
        loose = store.create_evaluation_run(
            EvaluationRun("run-given-id", DEFAULT, "on traces", created_ms=2_000)
        )
        assert loose.run_id == "run-given-id" and loose.dataset_id is None
        fresh = store.create_evaluation_run(EvaluationRun("", DEFAULT, "now"))
        assert fresh.created_ms > 2_000
        assert [r.name for r in store.search_evaluation_runs(DEFAULT)] == [
            "now",
            "on traces",
            "baseline",
        ]
        by_dataset = store.search_evaluation_runs(DEFAULT, dataset_id=dataset.dataset_id)
        assert [r.run_id for r in by_dataset] == [first.run_id]
        other = store.create_experiment("other")
        assert store.search_evaluation_runs(other) == []
        walked = all_pages(
            lambda token: store.search_evaluation_runs(DEFAULT, max_results=2, page_token=token)
        )
        assert [r.run_id for r in walked] == [fresh.run_id, loose.run_id, first.run_id]
        with pytest.raises(InvalidArgumentError):
            store.create_evaluation_run(EvaluationRun("run-given-id", DEFAULT, "again"))
        with pytest.raises(InvalidArgumentError):
            store.search_evaluation_runs(DEFAULT, page_token="garbage!")

    def test_unknown_ids(self, store: TraceStore) -> None:
        with pytest.raises(NotFoundError):
            store.create_evaluation_run(EvaluationRun("", "987654321", "lost"))
        with pytest.raises(NotFoundError):
            store.create_evaluation_run(
                EvaluationRun("", DEFAULT, "lost", dataset_id="d-" + "0" * 32)
            )
        assert store.search_evaluation_runs(DEFAULT) == []
        with pytest.raises(NotFoundError):
            store.search_evaluation_runs("987654321")
        for call in (
            lambda: store.get_evaluation_run(UNKNOWN_RUN_ID),
            lambda: store.get_evaluation_items(UNKNOWN_RUN_ID),
            lambda: store.log_evaluation_items(UNKNOWN_RUN_ID, [item(0, "x", True)]),
            lambda: store.finish_evaluation_run(UNKNOWN_RUN_ID, EvaluationRunStatus.FINISHED, {}),
            lambda: store.delete_evaluation_run(UNKNOWN_RUN_ID),
        ):
            with pytest.raises(NotFoundError):
                call()

    def test_items_replace_by_position_and_page(self, store: TraceStore) -> None:
        run = store.create_evaluation_run(EvaluationRun("", DEFAULT, "rows"))
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        store.log_evaluation_items(
            run.run_id,
            [
                item(
                    0,
                    "rec-a",
                    True,
                    inputs={"q": "a"},
                    outputs={"answer": "A"},
                    expectations={"answer": "A"},
                    trace_id=tid,
                ),
                item(1, "rec-b", False),
                item(2, "rec-c", None, error="predict_fn raised ValueError: boom"),
            ],
        )
        assert store.get_evaluation_run(run.run_id).item_count == 3
        store.log_evaluation_items(run.run_id, [item(1, "rec-b", True), item(3, "rec-d", True)])
        rows = all_pages(
            lambda token: store.get_evaluation_items(run.run_id, max_results=2, page_token=token)
        )
        assert [(r.position, r.record_id) for r in rows] == [
            (0, "rec-a"),
            (1, "rec-b"),
            (2, "rec-c"),
            (3, "rec-d"),
        ]
        assert rows[0].to_dict() == {
            "position": 0,
            "record_id": "rec-a",
            "inputs": {"q": "a"},
            "outputs": {"answer": "A"},
            "expectations": {"answer": "A"},
            "trace_id": tid,
            "scores": {
                "correct": {
                    "value": True,
                    "rationale": "checked",
                    "error": None,
                    "assessment_id": None,
                }
            },
            "error": None,
        }
        assert rows[1].scores["correct"].value is True  # replaced
        assert rows[2].error == "predict_fn raised ValueError: boom" and rows[2].scores == {}
        assert store.get_evaluation_run(run.run_id).item_count == 4
        with pytest.raises(InvalidArgumentError):
            store.get_evaluation_items(run.run_id, page_token="garbage!")

    def test_finish_records_status_and_metrics(self, store: TraceStore) -> None:
        run = store.create_evaluation_run(EvaluationRun("", DEFAULT, "finishing"))
        scores = [Score(True), Score(False), Score(True), Score(error="judge timed out")]
        metrics = {"correct": ScoreMetrics.of(scores), "tone": ScoreMetrics.of([Score("calm")])}
        finished = store.finish_evaluation_run(run.run_id, EvaluationRunStatus.FINISHED, metrics)
        assert finished.status is EvaluationRunStatus.FINISHED
        assert finished.finished_ms is not None and finished.finished_ms >= run.created_ms
        assert finished.metrics == metrics
        assert finished.metrics["correct"].pass_rate == pytest.approx(2 / 3)
        assert store.get_evaluation_run(run.run_id) == finished
        with pytest.raises(InvalidArgumentError):
            store.finish_evaluation_run(run.run_id, "DONE?", {})  # type: ignore[arg-type]
        assert store.get_evaluation_run(run.run_id) == finished

    def test_delete_run_and_experiment_cascade(self, store: TraceStore) -> None:
        eid = store.create_experiment("evaluated")
        doomed = store.create_evaluation_run(EvaluationRun("", eid, "doomed"))
        store.log_evaluation_items(doomed.run_id, [item(0, "rec", True)])
        kept = store.create_evaluation_run(EvaluationRun("", DEFAULT, "kept"))
        dropped = store.create_evaluation_run(EvaluationRun("", DEFAULT, "dropped"))
        store.delete_evaluation_run(dropped.run_id)
        with pytest.raises(NotFoundError):
            store.get_evaluation_run(dropped.run_id)
        with pytest.raises(NotFoundError):
            store.get_evaluation_items(dropped.run_id)
        store.delete_experiment(eid)
        with pytest.raises(NotFoundError):
            store.get_evaluation_run(doomed.run_id)
        with pytest.raises(NotFoundError):
            store.get_evaluation_items(doomed.run_id)
        assert [r.run_id for r in store.search_evaluation_runs(DEFAULT)] == [kept.run_id]

    def test_deleting_a_dataset_keeps_its_runs(self, store: TraceStore) -> None:
        dataset = store.create_dataset("short-lived", DEFAULT)
        store.merge_dataset_records(dataset.dataset_id, [DatasetRecord({"q": "hi"})])
        store.merge_dataset_records(dataset.dataset_id, [DatasetRecord({"q": "bye"})])
        run = store.create_evaluation_run(
            EvaluationRun("", DEFAULT, "on v1", dataset_id=dataset.dataset_id, dataset_version=1)
        )
        assert run.dataset_version == 1
        with pytest.raises(NotFoundError):
            store.create_evaluation_run(
                EvaluationRun("", DEFAULT, "v9", dataset_id=dataset.dataset_id, dataset_version=9)
            )
        store.delete_dataset(dataset.dataset_id)
        kept = store.get_evaluation_run(run.run_id)
        assert (kept.dataset_name, kept.dataset_version) == ("short-lived", 1)
        assert [r.run_id for r in store.search_evaluation_runs(DEFAULT)] == [run.run_id]

    def test_log_assessments_in_one_batch(self, store: TraceStore) -> None:
        traces = [make_trace(DEFAULT), make_trace(DEFAULT)]
        store.write_traces(traces)
        first, second = (t.info.trace_id for t in traces)
        batch = [
            Feedback(trace_id=first, name="correct", value=True),
            Feedback(trace_id=second, name="correct", value=False, rationale="wrong"),
            Feedback(trace_id=first, name="relevance", value=0.5),
        ]
        stored = store.log_assessments(batch)
        assert [(a.trace_id, a.name, a.value) for a in stored] == [
            (a.trace_id, a.name, a.value) for a in batch
        ]
        assert all(a.assessment_id and a.create_time_ms for a in stored)
        assert len({a.assessment_id for a in stored}) == 3
        on_first = store.get_trace(first).info.assessments
        assert [a.to_dict() for a in on_first] == [stored[0].to_dict(), stored[2].to_dict()]
        assert store.log_assessments([]) == []

    def test_log_assessments_stores_nothing_when_a_trace_is_unknown(
        self, store: TraceStore
    ) -> None:
        trace = make_trace(DEFAULT)
        store.write_traces([trace])
        tid = trace.info.trace_id
        batch = [
            Feedback(trace_id=tid, name="correct", value=True),
            Feedback(trace_id=UNKNOWN_TRACE_ID, name="correct", value=False),
        ]
        with pytest.raises(NotFoundError, match=UNKNOWN_TRACE_ID):
            store.log_assessments(batch)
        with pytest.raises(InvalidArgumentError):
            store.log_assessments(
                [
                    Feedback(trace_id=tid, name="correct", value=True),
                    Feedback(trace_id=tid, name="bad", value={"not": "a feedback value"}),
                ]
            )
        assert store.get_trace(tid).info.assessments == []
