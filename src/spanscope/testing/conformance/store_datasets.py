"""The datasets part of StoreConformance: versioned records, de-duplicated by their inputs."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from spanscope.entities.dataset import Dataset, DatasetRecord, record_key
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import TraceStore
from spanscope.testing.conformance.store_traces import DEFAULT, all_pages

__all__ = ["DatasetConformance"]

UNKNOWN_DATASET_ID = "d-" + "0" * 32


def records_of(store: TraceStore, dataset_id: str, version: int | None = None) -> list[Any]:
    """(inputs, expectations, tags) of each record of a version, in order."""
    found = all_pages(
        lambda token: store.get_dataset_records(dataset_id, version, page_token=token)
    )
    return [(r.inputs, r.expectations, r.tags) for r in found]


class DatasetConformance:
    """Create, find, merge into, version, read back and delete datasets."""

    def test_create_get_find_and_delete(self, store: TraceStore) -> None:
        created = store.create_dataset("golden", DEFAULT, tags={"team": "support"})
        assert isinstance(created, Dataset) and created.dataset_id
        assert (created.name, created.experiment_id, created.tags) == (
            "golden",
            DEFAULT,
            {"team": "support"},
        )
        assert (created.version, created.record_count) == (0, 0)
        assert created.created_ms > 0
        assert store.get_dataset(created.dataset_id) == created
        assert store.get_dataset_by_name("golden") == created
        assert store.get_dataset_by_name("GOLDEN") is None
        assert store.get_dataset_by_name("nothing") is None
        loose = store.create_dataset("loose")
        assert loose.experiment_id is None and loose.tags == {}
        assert [d.name for d in store.search_datasets()] == ["loose", "golden"]
        assert [d.name for d in store.search_datasets(experiment_id=DEFAULT)] == ["golden"]
        assert [d.name for d in store.search_datasets(name_like="GOL%")] == ["golden"]
        store.delete_dataset(created.dataset_id)
        with pytest.raises(NotFoundError):
            store.get_dataset(created.dataset_id)
        assert store.get_dataset_by_name("golden") is None
        assert [d.name for d in store.search_datasets()] == ["loose"]
        with pytest.raises(NotFoundError):
            store.delete_dataset(created.dataset_id)

    def test_names_are_unique_and_non_blank(self, store: TraceStore) -> None:
        first = store.create_dataset("golden")
        with pytest.raises(InvalidArgumentError, match="golden"):
            store.create_dataset("golden")
        with pytest.raises(InvalidArgumentError):
            store.create_dataset("   ")
        assert [d.dataset_id for d in store.search_datasets()] == [first.dataset_id]
        store.delete_dataset(first.dataset_id)
        assert store.create_dataset("golden").dataset_id != first.dataset_id

    def test_unknown_ids(self, store: TraceStore) -> None:
        with pytest.raises(NotFoundError):
            store.create_dataset("orphan", experiment_id="987654321")
        assert store.get_dataset_by_name("orphan") is None
        unknown = UNKNOWN_DATASET_ID
        record = DatasetRecord({"q": "hi"})
        for call in (
            lambda: store.get_dataset(unknown),
            lambda: store.merge_dataset_records(unknown, [record]),
            lambda: store.delete_dataset_records(unknown, ["x"]),
            lambda: store.get_dataset_records(unknown),
            lambda: store.get_dataset_versions(unknown),
        ):
            with pytest.raises(NotFoundError):
                call()

    def test_merge_deduplicates_by_inputs_whatever_their_key_order(self, store: TraceStore) -> None:
        dataset = store.create_dataset("dedup")
        merged = store.merge_dataset_records(
            dataset.dataset_id,
            [
                DatasetRecord({"question": "refund?", "lang": "en"}, {"answer": "5 days"}),
                DatasetRecord({"lang": "en", "question": "refund?"}, tags={"src": "chat"}),
                DatasetRecord({"question": "hours?", "lang": "en"}),
            ],
        )
        assert (merged.version, merged.record_count) == (1, 2)
        (first, second) = all_pages(
            lambda token: store.get_dataset_records(dataset.dataset_id, page_token=token)
        )
        assert first.record_id == record_key({"lang": "en", "question": "refund?"})
        assert (first.expectations, first.tags) == ({"answer": "5 days"}, {"src": "chat"})
        assert second.inputs == {"question": "hours?", "lang": "en"}
        again = store.merge_dataset_records(
            dataset.dataset_id, [DatasetRecord({"lang": "en", "question": "hours?"})]
        )
        assert (again.version, again.record_count) == (1, 2)

    def test_merge_merges_expectations_and_tags(self, store: TraceStore) -> None:
        dataset = store.create_dataset("merging")
        inputs = {"q": "capital of Peru?"}
        store.merge_dataset_records(
            dataset.dataset_id,
            [DatasetRecord(inputs, {"answer": "Lima", "sources": ["wiki"]}, {"a": "1", "b": "1"})],
        )
        updated = store.merge_dataset_records(
            dataset.dataset_id,
            [
                DatasetRecord(
                    inputs,
                    {"answer": "Lima, Peru"},
                    {"b": "2"},
                    source_type="TRACE",
                    source_id="f" * 32,
                )
            ],
        )
        assert (updated.version, updated.record_count) == (2, 1)
        (record,) = store.get_dataset_records(dataset.dataset_id)
        assert record.expectations == {"answer": "Lima, Peru", "sources": ["wiki"]}
        assert record.tags == {"a": "1", "b": "2"}
        assert (record.source_type, record.source_id) == ("TRACE", "f" * 32)
        assert (record.created_version, record.updated_version) == (1, 2)

    def test_every_change_is_a_version_and_old_versions_read_back(self, store: TraceStore) -> None:
        dataset = store.create_dataset("versions")
        did = dataset.dataset_id
        one, two, three = ({"q": "one"}, {"q": "two"}, {"q": "three"})
        assert (
            store.merge_dataset_records(did, [DatasetRecord(one), DatasetRecord(two)]).version == 1
        )
        assert store.merge_dataset_records(did, [DatasetRecord(two, {"a": 2})]).version == 2
        # Nothing changes: no version.
        assert store.merge_dataset_records(did, [DatasetRecord(one)]).version == 2
        assert store.merge_dataset_records(did, []).version == 2
        assert store.delete_dataset_records(did, ["no-such-record"]).version == 2
        removed = store.delete_dataset_records(did, [record_key(one), "no-such-record"])
        assert (removed.version, removed.record_count) == (3, 1)
        added = store.merge_dataset_records(did, [DatasetRecord(three), DatasetRecord(one)])
        assert (added.version, added.record_count) == (4, 3)
        assert store.get_dataset(did).version == 4
        assert records_of(store, did, 0) == []
        assert records_of(store, did, 1) == [(one, {}, {}), (two, {}, {})]
        assert records_of(store, did, 2) == [(one, {}, {}), (two, {"a": 2}, {})]
        assert records_of(store, did, 3) == [(two, {"a": 2}, {})]
        # A record removed and added again comes after those held meanwhile.
        latest: list[Any] = [(two, {"a": 2}, {}), (three, {}, {}), (one, {}, {})]
        assert records_of(store, did, 4) == records_of(store, did) == latest
        versions = store.get_dataset_versions(did)
        assert [(v.version, v.record_count) for v in versions] == [
            (4, 3),
            (3, 1),
            (2, 2),
            (1, 2),
            (0, 0),
        ]
        assert [(v.added, v.updated, v.removed) for v in versions] == [
            (2, 0, 0),
            (0, 0, 1),
            (0, 1, 0),
            (2, 0, 0),
            (0, 0, 0),
        ]
        assert all(a.created_ms >= b.created_ms for a, b in itertools.pairwise(versions))

    def test_records_keep_the_order_they_were_first_added_in(self, store: TraceStore) -> None:
        dataset = store.create_dataset("ordered")
        did = dataset.dataset_id
        questions = [f"question {i:02d}" for i in range(12)]
        store.merge_dataset_records(did, [DatasetRecord({"q": q}) for q in questions[:6]])
        store.merge_dataset_records(did, [DatasetRecord({"q": q}) for q in questions[6:]])
        # Updating a record keeps its place.
        store.merge_dataset_records(did, [DatasetRecord({"q": questions[0]}, {"a": "x"})])
        first = store.get_dataset_records(did, max_results=5)
        assert len(first) == 5 and first.next_page_token is not None
        walked = all_pages(
            lambda token: store.get_dataset_records(did, max_results=5, page_token=token)
        )
        assert [r.inputs["q"] for r in walked] == questions
        assert walked[0].expectations == {"a": "x"}
        old = all_pages(
            lambda token: store.get_dataset_records(did, 1, max_results=4, page_token=token)
        )
        assert [r.inputs["q"] for r in old] == questions[:6]

    def test_search_datasets_pages_newest_first(self, store: TraceStore) -> None:
        names = [f"set-{i}" for i in range(7)]
        for name in names:
            store.create_dataset(name)
        first = store.search_datasets(max_results=3)
        assert len(first) == 3 and first.next_page_token is not None
        walked = all_pages(lambda token: store.search_datasets(max_results=3, page_token=token))
        assert [d.name for d in walked] == names[::-1]
        with pytest.raises(InvalidArgumentError):
            store.search_datasets(max_results=0)
        with pytest.raises(InvalidArgumentError):
            store.search_datasets(page_token="garbage!")

    def test_bad_input_is_refused_and_changes_nothing(self, store: TraceStore) -> None:
        dataset = store.create_dataset("strict")
        did = dataset.dataset_id
        store.merge_dataset_records(did, [DatasetRecord({"q": "kept"})])
        for bad in (
            DatasetRecord({}),
            DatasetRecord({"q": "x"}, tags={"n": 1}),  # type: ignore[dict-item]
            DatasetRecord({"q": "x"}, source_type="ROBOT"),
        ):
            with pytest.raises(InvalidArgumentError):
                store.merge_dataset_records(did, [DatasetRecord({"q": "new"}), bad])
        assert store.get_dataset(did).version == 1
        assert records_of(store, did) == [({"q": "kept"}, {}, {})]
        with pytest.raises(InvalidArgumentError):
            store.get_dataset_records(did, version=-1)
        with pytest.raises(NotFoundError):
            store.get_dataset_records(did, version=2)
        with pytest.raises(InvalidArgumentError):
            store.get_dataset_records(did, page_token="garbage!")
        with pytest.raises(InvalidArgumentError):
            store.get_dataset_records(did, max_results=0)
