"""The fluent dataset API (`spanscope.datasets`): versioned records to evaluate on, in the store of
the tracking URI (docs/evaluation.md)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.evaluation.records import to_records
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import PagedList, TraceStore, all_pages
from spanscope.store.uri import get_store
from spanscope.tracing.export.queue import flush
from spanscope.tracing.processor import current_experiment_id

__all__ = [
    "EvaluationDataset",
    "create_dataset",
    "delete_dataset",
    "get_dataset",
    "search_datasets",
]

_FLUSH_TIMEOUT_S = 30.0
_PAGE = 1000


class EvaluationDataset:
    """A dataset in the store: its records at one version, and the methods that change it.

    `records` are those of `version`; `merge_records` and `delete_records` make a new version
    and move this object to it. A dataset got with `version=` is pinned to that version and
    read-only.
    """

    def __init__(self, dataset: Dataset, store: TraceStore, pinned: int | None = None) -> None:
        self._dataset = dataset
        self._store = store
        self._pinned = pinned
        self._records: list[DatasetRecord] | None = None

    @property
    def dataset_id(self) -> str:
        return self._dataset.dataset_id

    @property
    def name(self) -> str:
        return self._dataset.name

    @property
    def experiment_id(self) -> str | None:
        return self._dataset.experiment_id

    @property
    def tags(self) -> dict[str, str]:
        return dict(self._dataset.tags)

    @property
    def version(self) -> int:
        return self._dataset.version if self._pinned is None else self._pinned

    @property
    def records(self) -> list[DatasetRecord]:
        """The records of this version, in the order they were first added."""
        if self._records is None:
            self._records = _all_records(self._store, self.dataset_id, self.version)
        return list(self._records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[DatasetRecord]:
        return iter(self.records)

    def merge_records(self, records: Any) -> EvaluationDataset:
        """Add records: a list of dicts `{inputs, expectations, tags, source}`, a pandas
        DataFrame, or traces (inputs from each root span, expectations from the trace's
        expectations). A record whose inputs the dataset holds already is updated instead
        (its expectations and tags merged). Returns this dataset, at its new version."""
        self._writable("merge_records")
        flush(_FLUSH_TIMEOUT_S)
        made = to_records(records, self._store)
        self._moved(self._store.merge_dataset_records(self.dataset_id, made))
        return self

    def delete_records(self, record_ids: Sequence[str]) -> EvaluationDataset:
        """Remove records by `record_id`; returns this dataset, at its new version."""
        self._writable("delete_records")
        if isinstance(record_ids, str):
            raise InvalidArgumentError("delete_records takes a list of record ids")
        self._moved(self._store.delete_dataset_records(self.dataset_id, list(record_ids)))
        return self

    def versions(self) -> list[DatasetVersion]:
        """Every version, newest first."""
        return self._store.get_dataset_versions(self.dataset_id)

    def at_version(self, version: int) -> EvaluationDataset:
        """This dataset as it was at `version` (read-only)."""
        if not any(v.version == version for v in self.versions()):
            raise NotFoundError(f"dataset {self.name!r} has no version {version!r}")
        return EvaluationDataset(self._dataset, self._store, pinned=int(version))

    def to_df(self) -> Any:
        """The records as a pandas DataFrame: record_id, inputs, expectations, tags, source."""
        try:
            import pandas as pd
        except ImportError:
            raise InvalidArgumentError(
                "to_df() needs pandas: pip install 'spanscope[pandas]'"
            ) from None
        return pd.DataFrame(
            [
                {
                    "record_id": r.record_id,
                    "inputs": r.inputs,
                    "expectations": r.expectations,
                    "tags": r.tags,
                    "source_type": r.source_type,
                    "source_id": r.source_id,
                }
                for r in self.records
            ],
            columns=["record_id", "inputs", "expectations", "tags", "source_type", "source_id"],
        )

    def to_entity(self) -> Dataset:
        return self._dataset

    def _writable(self, what: str) -> None:
        if self._pinned is not None:
            raise InvalidArgumentError(
                f"{what}: this dataset is pinned to version {self._pinned} and read-only; "
                f"use get_dataset({self.name!r}) for the latest"
            )

    def _moved(self, dataset: Dataset) -> None:
        if dataset.version != self._dataset.version:
            self._records = None
        self._dataset = dataset

    def __repr__(self) -> str:
        return (
            f"EvaluationDataset(name={self.name!r}, dataset_id={self.dataset_id!r}, "
            f"version={self.version}, records={self._dataset.record_count})"
        )


def create_dataset(
    name: str, experiment_id: str | None = None, tags: Mapping[str, str] | None = None
) -> EvaluationDataset:
    """Create an empty dataset (version 0) in the current experiment, or in `experiment_id`."""
    store = get_store()
    experiment = current_experiment_id() if experiment_id is None else str(experiment_id)
    return EvaluationDataset(store.create_dataset(name, experiment, dict(tags or {})), store)


def get_dataset(name_or_id: str, version: int | None = None) -> EvaluationDataset:
    """A dataset by name or id, at its latest version or at `version` (read-only)."""
    store = get_store()
    dataset = _find(store, name_or_id)
    found = EvaluationDataset(dataset, store)
    return found if version is None else found.at_version(version)


def search_datasets(
    experiment_id: str | None = None,
    name_like: str | None = None,
    max_results: int = 100,
    page_token: str | None = None,
) -> PagedList[EvaluationDataset]:
    """Datasets, newest first: all of them, or one experiment's; `name_like` is a
    case-insensitive LIKE pattern (`'%faq%'`)."""
    store = get_store()
    page = store.search_datasets(experiment_id, name_like, max_results, page_token)
    return PagedList([EvaluationDataset(d, store) for d in page], page.next_page_token)


def delete_dataset(name_or_id: str) -> None:
    """Delete a dataset and its versions; the evaluation runs that used it are kept."""
    store = get_store()
    store.delete_dataset(_find(store, name_or_id).dataset_id)


def _find(store: TraceStore, name_or_id: str) -> Dataset:
    if not isinstance(name_or_id, str) or not name_or_id:
        raise InvalidArgumentError(f"a dataset is named by its name or id, got {name_or_id!r}")
    by_name = store.get_dataset_by_name(name_or_id)
    if by_name is not None:
        return by_name
    try:
        return store.get_dataset(name_or_id)
    except NotFoundError:
        raise NotFoundError(f"no dataset named or with id {name_or_id!r}") from None


def _all_records(store: TraceStore, dataset_id: str, version: int) -> list[DatasetRecord]:
    return all_pages(lambda token: store.get_dataset_records(dataset_id, version, _PAGE, token))
