"""spanscope.datasets: records from dicts, DataFrames and searched traces; de-duplication by inputs;
a new version per change; old versions read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import spanscope
from spanscope.datasets import (
    DatasetRecord,
    create_dataset,
    delete_dataset,
    get_dataset,
    search_datasets,
)
from spanscope.entities.dataset import record_key


@pytest.fixture(autouse=True)
def _store(tmp_path: Path) -> None:
    spanscope.set_tracking_uri(f"sqlite:///{tmp_path}/eval.db")
    spanscope.set_experiment("geo")


@spanscope.trace(span_type="AGENT")
def capital(country: str) -> str:
    return {"France": "Paris", "Peru": "Cusco"}.get(country, "?")


def test_records_from_dicts_are_deduplicated_by_inputs_and_versioned() -> None:
    ds = create_dataset("geo-questions", tags={"team": "geo"})
    assert (ds.version, ds.records, ds.experiment_id) == (
        0,
        [],
        spanscope.get_experiment_by_name("geo").experiment_id,  # type: ignore[union-attr]
    )
    ds.merge_records(
        [
            {"inputs": {"country": "France"}, "expectations": {"answer": "Paris"}},
            {"inputs": {"country": "Peru"}, "expectations": {"answer": "Lima"}, "tags": {"t": "1"}},
        ]
    )
    assert ds.version == 1
    assert [r.inputs for r in ds.records] == [{"country": "France"}, {"country": "Peru"}]
    # The same inputs again (any key order) update the record in place: expectations merged.
    ds.merge_records(
        [{"inputs": {"country": "Peru"}, "expectations": {"continent": "South America"}}]
    )
    assert ds.version == 2
    peru = ds.records[1]
    assert peru.expectations == {"answer": "Lima", "continent": "South America"}
    assert peru.record_id == record_key({"country": "Peru"})
    assert peru.tags == {"t": "1"}
    # Merging what is already held changes nothing and makes no version.
    ds.merge_records([{"inputs": {"country": "France"}, "expectations": {"answer": "Paris"}}])
    assert ds.version == 2
    ds.delete_records([peru.record_id])
    assert (ds.version, len(ds.records)) == (3, 1)

    assert [v.version for v in ds.versions()] == [3, 2, 1, 0]
    first = get_dataset("geo-questions", version=1)
    assert [r.expectations for r in first.records] == [{"answer": "Paris"}, {"answer": "Lima"}]
    with pytest.raises(spanscope.InvalidArgumentError, match="pinned to version 1"):
        first.merge_records([{"inputs": {"country": "Chile"}}])
    with pytest.raises(spanscope.NotFoundError, match="no version 9"):
        get_dataset("geo-questions", version=9)
    assert get_dataset(ds.dataset_id).name == "geo-questions"
    assert get_dataset("geo-questions").version == 3


def test_records_from_a_dataframe() -> None:
    frame = pd.DataFrame(
        {
            "inputs": [{"country": "France"}, {"country": "Peru"}, {"country": "France"}],
            "expectations": [{"answer": "Paris"}, {"answer": "Lima"}, {"answer": "Paris!"}],
        }
    )
    ds = create_dataset("from-frame").merge_records(frame)
    # The repeated France row merges into the first: one version, two records.
    assert ds.version == 1
    assert [(r.inputs["country"], r.expectations["answer"]) for r in ds.records] == [
        ("France", "Paris!"),
        ("Peru", "Lima"),
    ]
    assert list(ds.to_df().columns) == [
        "record_id",
        "inputs",
        "expectations",
        "tags",
        "source_type",
        "source_id",
    ]


def test_records_from_searched_traces_take_root_inputs_and_expectations() -> None:
    for country in ("France", "Peru", "Chile"):
        capital(country)
        trace_id = spanscope.get_last_active_trace_id()
        assert trace_id is not None
        spanscope.log_feedback(trace_id, "correct", country == "France")
        if country == "Peru":
            spanscope.log_expectation(trace_id, "answer", "Lima")
    wrong = spanscope.search_traces(filter_string="feedback.correct = false")
    assert len(wrong) == 2
    ds = create_dataset("failures").merge_records(wrong)
    by_country = {r.inputs["country"]: r for r in ds.records}
    assert set(by_country) == {"Peru", "Chile"}
    assert by_country["Peru"].expectations == {"answer": "Lima"}
    assert by_country["Peru"].source_type == "TRACE"
    assert by_country["Peru"].source_id in {t.trace_id for t in wrong}
    # Traces searched without their spans are read back for their inputs.
    light = spanscope.search_traces(filter_string="feedback.correct = false", include_spans=False)
    again = create_dataset("failures-light").merge_records(light)
    assert {r.inputs["country"] for r in again.records} == {"Peru", "Chile"}
    # A DataFrame from search_traces works too.
    frame = spanscope.search_traces(filter_string="feedback.correct = true", return_type="pandas")
    assert [r.inputs for r in create_dataset("wins").merge_records(frame).records] == [
        {"country": "France"}
    ]


def test_search_and_delete() -> None:
    create_dataset("alpha")
    create_dataset("beta")
    spanscope.set_experiment("other")
    create_dataset("gamma")
    assert {d.name for d in search_datasets()} == {"alpha", "beta", "gamma"}
    geo = spanscope.get_experiment_by_name("geo")
    assert geo is not None
    assert {d.name for d in search_datasets(experiment_id=geo.experiment_id)} == {"alpha", "beta"}
    assert [d.name for d in search_datasets(name_like="%AM%")] == ["gamma"]
    delete_dataset("beta")
    assert {d.name for d in search_datasets()} == {"alpha", "gamma"}
    with pytest.raises(spanscope.NotFoundError, match="beta"):
        get_dataset("beta")


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([{"expectations": {"a": 1}}], "record 0: a dataset record needs 'inputs'"),
        ([{"inputs": {}}], "record 0: a dataset record's inputs must be a non-empty dict"),
        ([{"inputs": "France"}], "inputs must be a non-empty dict of named values, got str"),
        (
            [{"inputs": {"a": 1}, "expected": 2}],
            r"unknown dataset record field\(s\) \['expected'\]",
        ),
        ([{"inputs": {"a": 1}, "expectations": [1]}], "expectations must be a dict"),
        ([{"inputs": {"a": 1}, "tags": {"a": 1}}], "tags must be a dict of strings"),
        ([42], "cannot make a dataset record from int"),
        ({"inputs": {"a": 1}}, "cannot make dataset records from dict"),
        ("France", "cannot make dataset records from str"),
    ],
)
def test_bad_records_are_refused_and_change_nothing(records: object, message: str) -> None:
    ds = create_dataset("strict").merge_records([{"inputs": {"a": 0}}])
    with pytest.raises(spanscope.InvalidArgumentError, match=message):
        ds.merge_records(records)
    assert get_dataset("strict").version == 1


def test_a_taken_name_is_refused() -> None:
    create_dataset("once")
    with pytest.raises(spanscope.InvalidArgumentError, match="once"):
        create_dataset("once")


def test_record_objects_merge_too() -> None:
    ds = create_dataset("objects").merge_records(
        [DatasetRecord({"q": "x"}, {"a": "y"}, source_type="HUMAN", source_id="ana")]
    )
    (record,) = ds.records
    assert (record.source_type, record.source_id, record.created_version) == ("HUMAN", "ana", 1)
