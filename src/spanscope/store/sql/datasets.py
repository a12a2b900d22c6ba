"""Datasets in SQL: the rows of `datasets`, `dataset_versions` and `dataset_records`.

A record's row holds it for the versions [version_from, version_to); version v reads the rows
with version_from <= v < version_to (or version_to NULL: still current). A change closes the
current row at the new version and opens another, so every past version can be read back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, RowMapping, and_, delete, insert, or_, select, update

from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.search.stored_text import replace_unstorable, replace_unstorable_json
from spanscope.store.sql.schema import dataset_records, dataset_versions, datasets

__all__ = [
    "Changes",
    "alive_at",
    "apply_changes",
    "current_records",
    "dataset_from_row",
    "new_dataset_id",
    "read_dataset",
    "record_from_row",
    "version_from_row",
]

_CHUNK = 500


def new_dataset_id() -> str:
    """ "d-" and 32 hex characters, the first 16 the time in ns (ids sort by creation)."""
    return f"d-{time.time_ns():016x}{os.urandom(8).hex()}"


def read_dataset(conn: Connection, dataset_id: str, lock: bool = False) -> Dataset:
    """The dataset; NotFoundError for an unknown id. `lock` holds its row until the
    transaction ends (PostgreSQL; a SQLite write transaction holds the whole database)."""
    stmt = select(datasets).where(datasets.c.dataset_id == dataset_id)
    if lock:
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFoundError(f"no dataset with id {dataset_id!r}")
    return dataset_from_row(row._mapping)


def dataset_from_row(row: RowMapping) -> Dataset:
    experiment = row["experiment_id"]
    return Dataset(
        dataset_id=row["dataset_id"],
        name=row["name"],
        experiment_id=None if experiment is None else str(experiment),
        tags=orjson.loads(row["tags_json"]),
        version=int(row["version"]),
        record_count=int(row["record_count"]),
        created_ms=int(row["created_ms"]),
        updated_ms=int(row["updated_ms"]),
    )


def version_from_row(row: RowMapping) -> DatasetVersion:
    return DatasetVersion(
        version=int(row["version"]),
        created_ms=int(row["created_ms"]),
        record_count=int(row["record_count"]),
        added=int(row["added"]),
        updated=int(row["updated"]),
        removed=int(row["removed"]),
    )


def record_from_row(row: RowMapping) -> DatasetRecord:
    return DatasetRecord(
        inputs=orjson.loads(row["inputs_json"]),
        expectations=orjson.loads(row["expectations_json"]),
        tags=orjson.loads(row["tags_json"]),
        source_type=row["source_type"],
        source_id=row["source_id"],
        record_id=row["record_id"],
        created_version=int(row["created_version"]),
        updated_version=int(row["version_from"]),
    )


def alive_at(version: int) -> Any:
    """The condition of the record rows that make up `version`."""
    return and_(
        dataset_records.c.version_from <= version,
        or_(dataset_records.c.version_to.is_(None), dataset_records.c.version_to > version),
    )


@dataclass(slots=True)
class _Current:
    record: DatasetRecord
    position: int


def current_records(
    conn: Connection, dataset_id: str, record_ids: Sequence[str]
) -> dict[str, _Current]:
    """The current rows of these records (those the latest version holds), by record id."""
    found: dict[str, _Current] = {}
    for chunk in _chunks(record_ids):
        stmt = select(dataset_records).where(
            dataset_records.c.dataset_id == dataset_id,
            dataset_records.c.version_to.is_(None),
            dataset_records.c.record_id.in_(chunk),
        )
        for row in conn.execute(stmt):
            mapping = row._mapping
            found[mapping["record_id"]] = _Current(record_from_row(mapping), mapping["position"])
    return found


@dataclass(slots=True)
class Changes:
    """What one call changes: records added, records replaced (old position kept), and the ids
    of records removed."""

    added: list[DatasetRecord]
    updated: list[tuple[DatasetRecord, int]]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def merge_changes(conn: Connection, dataset_id: str, records: Iterable[DatasetRecord]) -> Changes:
    """What merging `records` (validated, in order) into the dataset's latest version changes."""
    incoming: dict[str, DatasetRecord] = {}
    for record in records:
        held = incoming.get(record.record_id)
        incoming[record.record_id] = record if held is None else held.merged_with(record)
    current = current_records(conn, dataset_id, list(incoming))
    changes = Changes([], [], [])
    for record_id, record in incoming.items():
        old = current.get(record_id)
        if old is None:
            changes.added.append(record)
            continue
        merged = old.record.merged_with(record)
        if not merged.same_content(old.record):
            changes.updated.append((merged, old.position))
    return changes


def apply_changes(conn: Connection, dataset: Dataset, changes: Changes, now_ms: int) -> Dataset:
    """Write `changes` as the dataset's next version; returns the dataset at it."""
    version = dataset.version + 1
    closing = [r.record_id for r, _ in changes.updated] + list(changes.removed)
    for chunk in _chunks(closing):
        conn.execute(
            update(dataset_records)
            .where(
                dataset_records.c.dataset_id == dataset.dataset_id,
                dataset_records.c.version_to.is_(None),
                dataset_records.c.record_id.in_(chunk),
            )
            .values(version_to=version)
        )
    start = int(
        conn.scalar(
            select(datasets.c.next_position).where(datasets.c.dataset_id == dataset.dataset_id)
        )
        or 0
    )
    rows = [
        _record_row(dataset.dataset_id, record, version, position, record.created_version)
        for record, position in changes.updated
    ]
    rows += [
        _record_row(dataset.dataset_id, record, version, start + i, version)
        for i, record in enumerate(changes.added)
    ]
    if rows:
        conn.execute(insert(dataset_records), rows)
    count = dataset.record_count + len(changes.added) - len(changes.removed)
    conn.execute(
        insert(dataset_versions).values(
            dataset_id=dataset.dataset_id,
            version=version,
            created_ms=now_ms,
            record_count=count,
            added=len(changes.added),
            updated=len(changes.updated),
            removed=len(changes.removed),
        )
    )
    conn.execute(
        update(datasets)
        .where(datasets.c.dataset_id == dataset.dataset_id)
        .values(
            version=version,
            record_count=count,
            next_position=start + len(changes.added),
            updated_ms=now_ms,
        )
    )
    dataset.version, dataset.record_count, dataset.updated_ms = version, count, now_ms
    return dataset


def held_record_ids(conn: Connection, dataset_id: str, record_ids: Sequence[str]) -> list[str]:
    """Those of `record_ids` the latest version holds, each once, in the order given."""
    held = set(current_records(conn, dataset_id, list(dict.fromkeys(record_ids))))
    return [r for r in dict.fromkeys(record_ids) if r in held]


def delete_dataset_rows(conn: Connection, dataset_id: str) -> None:
    for table in (dataset_records, dataset_versions, datasets):
        conn.execute(delete(table).where(table.c.dataset_id == dataset_id))


def check_version(dataset: Dataset, version: int | None) -> int:
    """The version to read (the latest when None); InvalidArgumentError for a value that is
    no version number, NotFoundError for one the dataset never had."""
    if version is None:
        return dataset.version
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise InvalidArgumentError(f"a dataset version is a non-negative integer, got {version!r}")
    if version > dataset.version:
        raise NotFoundError(
            f"dataset {dataset.name!r} has no version {version}; its latest is {dataset.version}"
        )
    return version


def check_dataset_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"a dataset name is a non-empty string, got {name!r}")
    if len(name) > 500:
        raise InvalidArgumentError(f"dataset names are at most 500 characters, got {len(name)}")
    return replace_unstorable(name)


def _record_row(
    dataset_id: str, record: DatasetRecord, version: int, position: int, created: int | None
) -> dict[str, Any]:
    return {
        "dataset_id": dataset_id,
        "record_id": record.record_id,
        "version_from": version,
        "version_to": None,
        "position": position,
        "inputs_json": json_text(record.inputs),
        "expectations_json": json_text(record.expectations),
        "tags_json": json_text(record.tags),
        "source_type": record.source_type,
        "source_id": None if record.source_id is None else replace_unstorable(record.source_id),
        "created_version": version if created is None else created,
    }


def json_text(value: Any) -> str:
    return replace_unstorable_json(orjson.dumps(value).decode())


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
