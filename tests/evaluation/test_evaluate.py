"""spanscope.evaluate: predict_fn over a dataset, scoring existing traces, the stored run and its
items, feedback on the traces, errors that never abort a run, parallel == serial, Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import spanscope
from spanscope import Feedback
from spanscope.constants import EvaluationKey
from spanscope.datasets import create_dataset
from spanscope.entities import EvaluationRunStatus, SpanStatusCode
from spanscope.store.uri import get_store
from tests.outline import outline

CAPITALS = {"France": "Paris", "Peru": "Lima", "Chile": "Santiago", "Japan": "Tokyo"}


@pytest.fixture(autouse=True)
def _store(tmp_path: Path) -> None:
    spanscope.set_tracking_uri(f"sqlite:///{tmp_path}/eval.db")
    spanscope.set_experiment("geo")


@spanscope.trace(span_type="TOOL")
def lookup(country: str) -> str:
    if country == "Atlantis":
        raise LookupError("no such country")
    return CAPITALS.get(country, "Paris") if country != "Peru" else "Cusco"


def geo_app(country: str) -> str:
    return f"The capital is {lookup(country)}."


@spanscope.scorer
def exact(outputs: str, expectations: dict[str, Any]) -> bool:
    return outputs == f"The capital is {expectations['answer']}."


@spanscope.scorer(name="length")
def length(outputs: str) -> int:
    return len(outputs)


@spanscope.scorer
def explained(outputs: str, expectations: dict[str, Any]) -> Feedback:
    found = expectations["answer"] in outputs
    return Feedback(value=found, rationale="names the capital" if found else "wrong capital")


def _dataset(name: str = "geo-questions") -> Any:
    return create_dataset(name).merge_records(
        [{"inputs": {"country": c}, "expectations": {"answer": a}} for c, a in CAPITALS.items()]
    )


def test_predict_fn_over_a_dataset_traces_scores_and_stores_the_run() -> None:
    ds = _dataset()
    result = spanscope.evaluate(ds, [exact, length, explained], predict_fn=geo_app, name="v1")

    run = get_store().get_evaluation_run(result.run_id)
    assert (run.name, run.status, run.dataset_name, run.dataset_version, run.item_count) == (
        "v1",
        EvaluationRunStatus.FINISHED,
        "geo-questions",
        1,
        4,
    )
    assert [(s.name, s.kind) for s in run.scorers] == [
        ("exact", "CODE"),
        ("length", "CODE"),
        ("explained", "CODE"),
    ]
    assert run.metrics == result.metrics
    assert (result.metrics["exact"].pass_rate, result.metrics["exact"].count) == (0.75, 4)
    assert result.metrics["explained"].pass_rate == 0.75
    assert result.metrics["length"].mean == pytest.approx(
        sum(len(geo_app(c)) for c in CAPITALS) / 4
    )
    assert result.metrics["length"].pass_rate is None

    # One trace per record: the app under a root named after predict_fn, tagged with the run.
    traces = spanscope.search_traces(
        filter_string=f"tags.`{EvaluationKey.RUN_ID}` = '{result.run_id}'"
    )
    assert len(traces) == 4
    by_country = {t.data.root.inputs["country"]: t for t in traces}
    peru = by_country["Peru"]
    assert outline(peru) == ["geo_app [CHAIN]", "  lookup [TOOL]"]
    assert peru.data.root.outputs == "The capital is Cusco."
    feedback = {a.name: a for a in peru.info.assessments}
    assert set(feedback) == {"exact", "length", "explained"}
    assert (feedback["exact"].value, feedback["exact"].source.source_type) == (False, "CODE")
    assert feedback["exact"].source.source_id == "exact"
    assert feedback["explained"].rationale == "wrong capital"
    assert feedback["length"].metadata[EvaluationKey.RUN_ID] == result.run_id

    # The rows: stored, in the dataset's order, pointing at the traces and their feedback.
    items = list(get_store().get_evaluation_items(result.run_id))
    assert [i.inputs["country"] for i in items] == list(CAPITALS)
    assert [i.record_id for i in items] == [r.record_id for r in ds.records]
    peru_item = items[1]
    assert peru_item.trace_id == peru.trace_id
    assert peru_item.outputs == "The capital is Cusco."
    assert peru_item.expectations == {"answer": "Lima"}
    assert peru_item.scores["exact"].value is False
    assert peru_item.scores["exact"].assessment_id == feedback["exact"].assessment_id

    frame = result.result_df
    assert list(frame["exact"]) == [True, False, True, True]
    assert list(frame["explained/rationale"])[1] == "wrong capital"
    assert list(frame["trace_id"]) == [i.trace_id for i in items]
    assert [r.run_id for r in get_store().search_evaluation_runs(run.experiment_id)] == [
        result.run_id
    ]


def test_existing_traces_are_scored_without_new_traces() -> None:
    for country in CAPITALS:
        with spanscope.start_span("geo_app", "AGENT", inputs={"country": country}) as span:
            span.set_outputs(geo_app(country))
            trace_id = span.trace_id
        assert trace_id is not None
        spanscope.log_expectation(trace_id, "answer", CAPITALS[country])
    traces = spanscope.search_traces()
    result = spanscope.evaluate(traces, [exact, length])

    assert len(spanscope.search_traces(max_results=100)) == 4
    assert result.metrics["exact"].pass_rate == 0.75
    assert result.run.dataset_id is None
    wrong = spanscope.search_traces(filter_string="feedback.exact = false")
    assert [t.data.root.inputs for t in wrong] == [{"country": "Peru"}]
    # A dataset made from traces, evaluated without predict_fn, scores those same traces.
    ds = create_dataset("from-traces").merge_records(traces)
    again = spanscope.evaluate(ds, [exact], name="again")
    assert {i.trace_id for i in again.items} == {t.trace_id for t in traces}
    assert again.run.dataset_version == 1
    peru = spanscope.get_trace(wrong[0].trace_id)
    assert [a.value for a in peru.info.assessments if a.name == "exact"] == [False, False]


def test_rows_with_outputs_and_no_trace_get_one() -> None:
    result = spanscope.evaluate(
        [
            {
                "inputs": {"country": "Peru"},
                "outputs": "The capital is Lima.",
                "expectations": {"answer": "Lima"},
            },
        ],
        [exact],
    )
    (item,) = result.items
    trace = spanscope.get_trace(item.trace_id)  # type: ignore[arg-type]
    assert (trace.data.root.inputs, trace.data.root.outputs) == (  # type: ignore[union-attr]
        {"country": "Peru"},
        "The capital is Lima.",
    )
    assert [a.value for a in trace.info.assessments] == [True]


@spanscope.scorer
def fragile(outputs: str) -> bool:
    if "Tokyo" in outputs:
        raise ValueError("cannot judge Tokyo")
    return True


def test_failures_become_errors_not_an_aborted_run() -> None:
    ds = create_dataset("with-atlantis").merge_records(
        [
            {"inputs": {"country": c}, "expectations": {"answer": "?"}}
            for c in ("Japan", "Atlantis", "Chile")
        ]
    )
    result = spanscope.evaluate(ds, [fragile, length], predict_fn=geo_app)

    assert result.run.status is EvaluationRunStatus.FINISHED
    assert (result.metrics["fragile"].count, result.metrics["fragile"].errors) == (1, 2)
    assert (result.metrics["length"].count, result.metrics["length"].errors) == (2, 1)
    japan, atlantis, chile = result.items
    assert japan.scores["fragile"].error == "ValueError: cannot judge Tokyo"
    assert japan.scores["length"].value == len("The capital is Tokyo.")
    assert atlantis.error == "LookupError: no such country"
    assert atlantis.scores["fragile"].error == "predict_fn failed: LookupError: no such country"
    # The failed prediction is traced like any other, with its error.
    trace = spanscope.get_trace(atlantis.trace_id)  # type: ignore[arg-type]
    assert trace.data.root.status.status_code is SpanStatusCode.ERROR  # type: ignore[union-attr]
    (stored,) = [
        a
        for a in spanscope.get_trace(japan.trace_id).info.assessments  # type: ignore[arg-type]
        if a.name == "fragile"
    ]
    assert stored.error is not None and stored.error.error_code == "ValueError"
    assert chile.scores["fragile"].value is True


def _comparable(result: Any) -> list[Any]:
    return [
        (
            i.position,
            i.record_id,
            i.inputs,
            i.outputs,
            {n: (s.value, s.rationale, s.error) for n, s in i.scores.items()},
        )
        for i in result.items
    ]


def test_parallel_runs_give_the_same_results_as_serial() -> None:
    ds = create_dataset("many").merge_records(
        [
            {"inputs": {"country": c}, "expectations": {"answer": CAPITALS.get(c, "Paris")}}
            for c in [*CAPITALS, "Atlantis", *(f"Land {n}" for n in range(40))]
        ]
    )
    serial = spanscope.evaluate(ds, [exact, length, fragile], predict_fn=geo_app, max_workers=1)
    parallel = spanscope.evaluate(ds, [exact, length, fragile], predict_fn=geo_app, max_workers=6)
    assert _comparable(serial) == _comparable(parallel)
    assert serial.metrics == parallel.metrics
    assert len({i.trace_id for i in parallel.items}) == 45


def test_rows_are_logged_a_batch_at_a_time_while_the_rest_still_run() -> None:
    logged_when_last_ran: list[int] = []

    @spanscope.scorer
    def counts_logged(inputs: dict[str, str]) -> bool:
        if inputs["country"] == "Land 39":
            found = spanscope.search_traces(filter_string="feedback.counts_logged = true")
            logged_when_last_ran.append(len(found))
        return True

    ds = create_dataset("batches").merge_records(
        [{"inputs": {"country": f"Land {n}"}} for n in range(40)]
    )
    result = spanscope.evaluate(ds, [counts_logged], predict_fn=geo_app, max_workers=1)
    # One worker logs 16 rows a batch: two batches were stored before the last row was scored.
    assert logged_when_last_ran == [32]
    assert result.metrics["counts_logged"].count == 40
    stored = spanscope.search_traces(filter_string="feedback.counts_logged = true", max_results=50)
    assert len(stored) == 40


def test_interrupting_keeps_what_was_scored() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def impatient(country: str) -> str:
        with lock:
            seen.append(country)
        if country == "Land 20":
            raise KeyboardInterrupt
        return geo_app(country)

    ds = create_dataset("interrupted").merge_records(
        [
            {"inputs": {"country": f"Land {n}"}, "expectations": {"answer": "Paris"}}
            for n in range(40)
        ]
    )
    with pytest.raises(KeyboardInterrupt):
        spanscope.evaluate(ds, [exact], predict_fn=impatient, max_workers=1, name="stopped")
    geo = spanscope.get_experiment_by_name("geo")
    assert geo is not None
    (run,) = get_store().search_evaluation_runs(geo.experiment_id)
    assert (run.name, run.status) == ("stopped", EvaluationRunStatus.INTERRUPTED)
    items = list(get_store().get_evaluation_items(run.run_id))
    # Every row finished before the interrupt was scored and kept, the one raising it was not
    # (the row queued after it may have finished meanwhile: kept too).
    kept = [i.inputs["country"] for i in items]
    assert kept[:20] == [f"Land {n}" for n in range(20)]
    assert kept[20:] in ([], ["Land 21"]), kept
    assert set(kept) <= set(seen)
    assert run.metrics["exact"].count == len(kept)
    assert all(i.scores["exact"].assessment_id for i in items)


def test_ctrl_c_while_scoring_keeps_the_rows_scored_before_it() -> None:
    main = threading.main_thread().ident
    assert main is not None

    released = threading.Event()

    @spanscope.scorer
    def slow_to_judge(inputs: dict[str, str]) -> bool:
        if inputs["country"] == "Land 20":
            signal.pthread_kill(main, signal.SIGINT)  # the user presses Ctrl-C
            # A slow judge: still running when evaluate returns, which does not wait for it.
            released.wait(30)
        return True

    ds = create_dataset("ctrl-c").merge_records(
        [{"inputs": {"country": f"Land {n}"}} for n in range(40)]
    )
    try:
        with pytest.raises(KeyboardInterrupt):
            spanscope.evaluate(ds, [slow_to_judge], predict_fn=geo_app, max_workers=1)
    finally:
        released.set()
    geo = spanscope.get_experiment_by_name("geo")
    assert geo is not None
    (run,) = get_store().search_evaluation_runs(geo.experiment_id)
    assert run.status is EvaluationRunStatus.INTERRUPTED
    items = list(get_store().get_evaluation_items(run.run_id))
    # The whole first chunk, and the second's rows scored before the interrupt.
    assert [i.position for i in items] == list(range(20))
    assert run.metrics["slow_to_judge"].count == 20
    judged = spanscope.search_traces(filter_string="feedback.slow_to_judge = true", max_results=100)
    assert len(judged) == 20


# The calls below are wrong on purpose: their types too.
_untyped_evaluate: Any = spanscope.evaluate


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: _untyped_evaluate([], [exact]), "is empty"),
        (lambda: _untyped_evaluate("France", [exact]), "takes a dataset"),
        (lambda: _untyped_evaluate([{"inputs": {"c": 1}}], [exact]), "no trace and no outputs"),
        (
            lambda: _untyped_evaluate([{"inputs": {"c": 1}, "bogus": 1}], [exact], geo_app),
            r"unknown key\(s\) \['bogus'\]",
        ),
        (
            lambda: _untyped_evaluate([{"inputs": "x"}], [exact], geo_app),
            "'inputs' must be a dict",
        ),
        (lambda: _untyped_evaluate([{"inputs": {"c": 1}}], exact, geo_app), "a non-empty list"),
        (
            lambda: _untyped_evaluate([{"inputs": {"c": 1}}], [exact, exact], geo_app),
            "two scorers are named 'exact'",
        ),
        (lambda: _untyped_evaluate([{"inputs": {"c": 1}}], [42], geo_app), "is not a scorer"),
        (
            lambda: _untyped_evaluate([{"inputs": {"c": 1}}], [exact], "geo_app"),
            "predict_fn must be callable",
        ),
        (
            lambda: _untyped_evaluate([{"inputs": {"c": 1}}], [exact], geo_app, max_workers=0),
            "max_workers must be a positive int",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(call: Any, message: str) -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match=message):
        call()
    experiment = spanscope.get_experiment_by_name("geo")
    assert experiment is not None
    assert list(get_store().search_evaluation_runs(experiment.experiment_id)) == []
    assert list(spanscope.search_traces()) == []


def test_plain_functions_are_scorers_too() -> None:
    def shouts(outputs: str) -> bool:
        return outputs.isupper()

    result = spanscope.evaluate([{"inputs": {"country": "Peru"}, "outputs": "LIMA"}], [shouts])
    assert result.metrics["shouts"].pass_rate == 1.0


@spanscope.trace(span_type="AGENT")
def traced_app(country: str) -> str:
    return geo_app(country)


@spanscope.trace(span_type="AGENT")
async def async_app(country: str) -> str:
    return geo_app(country)


@pytest.mark.parametrize("app", [traced_app, async_app], ids=["sync", "async"])
def test_a_traced_predict_fn_makes_the_row_trace_itself(app: Any) -> None:
    result = spanscope.evaluate(_dataset(), [exact], predict_fn=app)
    assert result.metrics["exact"].pass_rate == 0.75
    traces = spanscope.search_traces(
        filter_string=f"tags.`{EvaluationKey.RUN_ID}` = '{result.run_id}'"
    )
    assert len(traces) == 4
    for trace in traces:
        assert outline(trace) == [f"{app.__name__} [AGENT]", "  lookup [TOOL]"]
        (item,) = [i for i in result.items if i.trace_id == trace.trace_id]
        assert trace.info.metadata[EvaluationKey.RECORD_ID] == item.record_id
        assert trace.data.root.outputs == item.outputs


def test_stored_runs_are_listed_and_read_back() -> None:
    ds = _dataset()
    first = spanscope.evaluate(ds, [exact], predict_fn=geo_app, name="first")
    second = spanscope.evaluate(ds, [exact, length], predict_fn=traced_app, name="second")
    spanscope.evaluate([{"inputs": {"country": "Peru"}, "outputs": "x"}], [length], name="loose")

    assert [r.name for r in spanscope.search_evaluation_runs()] == ["loose", "second", "first"]
    assert [r.name for r in spanscope.search_evaluation_runs(dataset="geo-questions")] == [
        "second",
        "first",
    ]
    again = spanscope.get_evaluation_run(second.run_id)
    assert again.run == second.run
    assert _comparable(again) == _comparable(second)
    assert list(again.result_df["exact"]) == list(second.result_df["exact"])
    assert first.run_id != second.run_id
    with pytest.raises(spanscope.NotFoundError):
        spanscope.get_evaluation_run("r-nope")


def test_scorers_reading_the_trace_get_the_row_trace() -> None:
    def quiet_app(country: str) -> str:
        return "I do not know" if country == "Japan" else geo_app(country)

    result = spanscope.evaluate(
        _dataset(), [spanscope.scorers.tool_called("lookup"), length], predict_fn=quiet_app
    )
    called = {i.inputs["country"]: i.scores["tool_called_lookup"].value for i in result.items}
    assert called == {"France": True, "Peru": True, "Chile": True, "Japan": False}
    japan = next(i for i in result.items if i.inputs["country"] == "Japan")
    assert japan.scores["tool_called_lookup"].rationale is not None
