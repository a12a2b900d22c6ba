"""Revision 0008 on a database an older spanscope made: the dataset and evaluation run tables
are created, and what the database held stays."""

from __future__ import annotations

from sqlalchemy import inspect, text

from spanscope.entities.dataset import DatasetRecord
from spanscope.entities.evaluation_run import EvaluationRun
from spanscope.store.sql.migrate import HEAD_REVISION, current_revision
from spanscope.store.sql.store import SqlTraceStore
from tests.store.factory import make_trace

_NEW_TABLES = [
    "evaluation_items",
    "evaluation_runs",
    "dataset_records",
    "dataset_versions",
    "datasets",
]


def test_upgrading_from_0007_creates_the_evaluation_tables(store: SqlTraceStore) -> None:
    trace = make_trace("0")
    store.write_traces([trace])
    with store.engine.begin() as conn:
        for table in _NEW_TABLES:
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    assert not set(_NEW_TABLES) & set(inspect(store.engine).get_table_names())
    upgraded = SqlTraceStore(store.uri)
    try:
        assert current_revision(upgraded.engine) == HEAD_REVISION
        assert set(_NEW_TABLES) <= set(inspect(upgraded.engine).get_table_names())
        assert upgraded.get_trace(trace.info.trace_id).info.trace_id == trace.info.trace_id
        dataset = upgraded.create_dataset("after upgrade", "0")
        merged = upgraded.merge_dataset_records(dataset.dataset_id, [DatasetRecord({"q": "hi"})])
        run = upgraded.create_evaluation_run(
            EvaluationRun("", "0", "first", dataset_id=dataset.dataset_id)
        )
        assert (merged.version, run.dataset_version) == (1, 1)
    finally:
        upgraded.close()
