"""evaluate() with a spanscope server as the tracking URI: the same run, rows and feedback as on
the server's own store."""

from __future__ import annotations

import pytest

import spanscope
from spanscope.datasets import create_dataset
from spanscope.store.sql.store import SqlTraceStore


@spanscope.trace(span_type="AGENT")
def echo(text: str) -> str:
    return text.upper()


@spanscope.scorer
def shouted(inputs: dict[str, str], outputs: str) -> bool:
    return outputs == inputs["text"].upper() and inputs["text"] != "b"


def test_evaluate_through_a_server(server_url: str, backend: SqlTraceStore) -> None:
    spanscope.set_tracking_uri(server_url)
    experiment = spanscope.set_experiment("remote-eval")
    ds = create_dataset("letters").merge_records(
        [{"inputs": {"text": t}, "expectations": {"n": i}} for i, t in enumerate("abc")]
    )
    result = spanscope.evaluate(ds, [shouted], predict_fn=echo, name="remote")

    run = backend.get_evaluation_run(result.run_id)
    assert (run.name, run.dataset_name, run.dataset_version) == ("remote", "letters", 1)
    assert run.metrics["shouted"].pass_rate == pytest.approx(2 / 3)
    items = list(backend.get_evaluation_items(result.run_id))
    assert [i.outputs for i in items] == ["A", "B", "C"]
    for item in items:
        trace = backend.get_trace(item.trace_id)  # type: ignore[arg-type]
        (feedback,) = trace.info.assessments
        assert feedback.assessment_id == item.scores["shouted"].assessment_id
        assert feedback.value is (item.outputs != "B")
    assert [d.name for d in backend.search_datasets(experiment.experiment_id)] == ["letters"]
