"""The dataset methods of SqlTraceStore (docs/evaluation.md; rows: store/sql/datasets.py)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

import orjson
from sqlalchemy import Connection, Engine, select

from spanscope.entities.dataset import Dataset, DatasetRecord, DatasetVersion
from spanscope.exceptions import AlreadyExistsError, InvalidArgumentError, NotFoundError
from spanscope.store.base import PagedList
from spanscope.store.sql.datasets import (
    Changes,
    alive_at,
    apply_changes,
    check_dataset_name,
    check_version,
    dataset_from_row,
    delete_dataset_rows,
    held_record_ids,
    json_text,
    merge_changes,
    new_dataset_id,
    read_dataset,
    record_from_row,
    version_from_row,
)
from spanscope.store.sql.engine import write_transaction
from spanscope.store.sql.errors import translated
from spanscope.store.sql.pagination import after_token, decode_token, encode_token
from spanscope.store.sql.rows import experiment_number
from spanscope.store.sql.sanitize import clean_key_values, clean_text
from spanscope.store.sql.schema import dataset_records, dataset_versions, datasets, experiments

__all__ = ["SqlDatasets", "check_max_results"]

MAX_RESULTS = 10_000


class SqlDatasets:
    """Create, read, search, version and delete datasets in SQL."""

    engine: Engine

    def _write(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    @translated
    def create_dataset(
        self, name: str, experiment_id: str | None = None, tags: Mapping[str, str] | None = None
    ) -> Dataset:
        name = check_dataset_name(name)
        if tags is not None and not isinstance(tags, Mapping):
            raise InvalidArgumentError(f"dataset tags are a dict of strings, got {tags!r}")
        clean_tags = clean_key_values({str(k): str(v) for k, v in (tags or {}).items()})
        now = _now_ms()
        dataset_id = new_dataset_id()
        with self._write() as conn:
            number = None
            if experiment_id is not None:
                number = experiment_number(experiment_id)
                found = select(experiments.c.experiment_id).where(
                    experiments.c.experiment_id == number
                )
                if conn.scalar(found) is None:
                    raise NotFoundError(f"no experiment with id {experiment_id!r}")
            taken = select(datasets.c.dataset_id).where(datasets.c.name == name)
            if conn.scalar(taken) is not None:
                raise AlreadyExistsError(f"a dataset named {name!r} already exists")
            conn.execute(
                datasets.insert().values(
                    dataset_id=dataset_id,
                    name=name,
                    experiment_id=number,
                    tags_json=json_text(clean_tags),
                    version=0,
                    record_count=0,
                    next_position=0,
                    created_ms=now,
                    updated_ms=now,
                )
            )
            conn.execute(
                dataset_versions.insert().values(
                    dataset_id=dataset_id,
                    version=0,
                    created_ms=now,
                    record_count=0,
                    added=0,
                    updated=0,
                    removed=0,
                )
            )
        return Dataset(
            dataset_id=dataset_id,
            name=name,
            experiment_id=None if number is None else str(number),
            tags=clean_tags,
            created_ms=now,
            updated_ms=now,
        )

    @translated
    def get_dataset(self, dataset_id: str) -> Dataset:
        with self.engine.connect() as conn:
            return read_dataset(conn, clean_text(str(dataset_id)))

    @translated
    def get_dataset_by_name(self, name: str) -> Dataset | None:
        stmt = select(datasets).where(datasets.c.name == clean_text(str(name)))
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return None if row is None else dataset_from_row(row._mapping)

    @translated
    def search_datasets(
        self,
        experiment_id: str | None = None,
        name_like: str | None = None,
        max_results: int = 100,
        page_token: str | None = None,
    ) -> PagedList[Dataset]:
        check_max_results(max_results)
        keys = [(datasets.c.created_ms, False), (datasets.c.dataset_id, False)]
        stmt = select(datasets).order_by(*(k.desc() for k, _ in keys)).limit(max_results + 1)
        if experiment_id is not None:
            stmt = stmt.where(datasets.c.experiment_id == experiment_number(experiment_id))
        if name_like:
            stmt = stmt.where(datasets.c.name.ilike(clean_text(str(name_like))))
        context = orjson.dumps(["datasets", experiment_id, name_like]).decode()
        if page_token:
            stmt = stmt.where(after_token(keys, decode_token(page_token, context, 2)))
        with self.engine.connect() as conn:
            found = [dataset_from_row(r._mapping) for r in conn.execute(stmt)]
        page = found[:max_results]
        token = None
        if len(found) > max_results:
            token = encode_token([page[-1].created_ms, page[-1].dataset_id], context)
        return PagedList(page, token)

    @translated
    def delete_dataset(self, dataset_id: str) -> None:
        dataset_id = clean_text(str(dataset_id))
        with self._write() as conn:
            read_dataset(conn, dataset_id)
            delete_dataset_rows(conn, dataset_id)

    @translated
    def merge_dataset_records(self, dataset_id: str, records: Sequence[DatasetRecord]) -> Dataset:
        if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Sequence):
            raise InvalidArgumentError(
                f"records are a list of DatasetRecord, got {type(records).__name__}"
            )
        checked = []
        for i, record in enumerate(records):
            if not isinstance(record, DatasetRecord):
                raise InvalidArgumentError(
                    f"record {i} is a {type(record).__name__}, not a DatasetRecord "
                    "(DatasetRecord.from_dict makes one from a dict)"
                )
            checked.append(record.validated())
        dataset_id = clean_text(str(dataset_id))
        with self._write() as conn:
            dataset = read_dataset(conn, dataset_id, lock=True)
            changes = merge_changes(conn, dataset_id, checked)
            if not changes:
                return dataset
            return apply_changes(conn, dataset, changes, _now_ms())

    @translated
    def delete_dataset_records(self, dataset_id: str, record_ids: Sequence[str]) -> Dataset:
        if isinstance(record_ids, (str, bytes)) or not isinstance(record_ids, Sequence):
            raise InvalidArgumentError(
                f"record_ids are a list of record ids, got {type(record_ids).__name__}"
            )
        dataset_id = clean_text(str(dataset_id))
        with self._write() as conn:
            dataset = read_dataset(conn, dataset_id, lock=True)
            removed = held_record_ids(conn, dataset_id, [str(r) for r in record_ids])
            if not removed:
                return dataset
            return apply_changes(conn, dataset, Changes([], [], removed), _now_ms())

    @translated
    def get_dataset_records(
        self,
        dataset_id: str,
        version: int | None = None,
        max_results: int = 1000,
        page_token: str | None = None,
    ) -> PagedList[DatasetRecord]:
        check_max_results(max_results)
        dataset_id = clean_text(str(dataset_id))
        with self.engine.connect() as conn:
            dataset = read_dataset(conn, dataset_id)
            wanted = check_version(dataset, version)
            keys = [(dataset_records.c.position, True)]
            stmt = (
                select(dataset_records)
                .where(dataset_records.c.dataset_id == dataset_id, alive_at(wanted))
                .order_by(dataset_records.c.position)
                .limit(max_results + 1)
            )
            context = f"records:{dataset_id}:{wanted}"
            if page_token:
                stmt = stmt.where(after_token(keys, decode_token(page_token, context, 1)))
            rows = [r._mapping for r in conn.execute(stmt)]
        page = rows[:max_results]
        token = None
        if len(rows) > max_results:
            token = encode_token([page[-1]["position"]], context)
        return PagedList([record_from_row(r) for r in page], token)

    @translated
    def get_dataset_versions(self, dataset_id: str) -> list[DatasetVersion]:
        dataset_id = clean_text(str(dataset_id))
        stmt = (
            select(dataset_versions)
            .where(dataset_versions.c.dataset_id == dataset_id)
            .order_by(dataset_versions.c.version.desc())
        )
        with self.engine.connect() as conn:
            read_dataset(conn, dataset_id)
            return [version_from_row(r._mapping) for r in conn.execute(stmt)]


def check_max_results(max_results: int) -> None:
    if (
        isinstance(max_results, bool)
        or not isinstance(max_results, int)
        or not 1 <= max_results <= MAX_RESULTS
    ):
        raise InvalidArgumentError(
            f"max_results must be an integer from 1 to {MAX_RESULTS}, got {max_results!r}"
        )


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
