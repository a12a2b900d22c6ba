"""The SQL schema (SQLAlchemy Core). Migrations create it; queries read it from here.

Text a user or a library writes has no length limit on either backend (revision 0005): only ids
and enumerations are bounded. Full-text search keeps no copy of the text (revision 0013, see
fulltext.py): on SQLite `trace_text` is a contentless FTS5 trigram index whose rowids are the
trace rows' rowids, on PostgreSQL trigram indexes on expressions over spans and traces; the
migrations create them with dialect-specific DDL, outside this metadata.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    literal_column,
)

__all__ = [
    "READ_INDEXES",
    "SESSION_USER_INDEXES",
    "SORT_KEYS",
    "TEXT_TABLE",
    "assessments",
    "client_loss_events",
    "client_loss_totals",
    "dataset_records",
    "dataset_versions",
    "datasets",
    "evaluation_items",
    "evaluation_runs",
    "experiments",
    "metadata",
    "metric_dirty_hours",
    "metric_hours",
    "span_log_records",
    "spans",
    "trace_metadata",
    "trace_tags",
    "traces",
]

metadata = MetaData()

TEXT_TABLE = "trace_text"

experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("last_update_time", BigInteger, nullable=False),
    Column("tags", Text, nullable=False, default="{}"),
)

traces = Table(
    "traces",
    metadata,
    Column("trace_id", String(32), primary_key=True),
    Column("experiment_id", Integer, nullable=False),
    Column("request_time", BigInteger, nullable=False),
    Column("execution_duration", BigInteger),
    Column("state", String(20), nullable=False),
    Column("name", Text),
    Column("request_preview", Text),
    Column("response_preview", Text),
    Column("client_request_id", Text),
    Column("session_id", Text),
    Column("user_id", Text),
    Column("input_tokens", BigInteger),
    Column("output_tokens", BigInteger),
    Column("total_tokens", BigInteger),
    Column("metadata_json", Text, nullable=False, default="{}"),
    Column("tags_json", Text, nullable=False, default="{}"),
    # Cost (revision 0009, docs/cost.md): the total in USD for search and sort, and the whole
    # split as JSON; NULL when no LLM call of the trace could be priced.
    Column("cost_total", Float),
    Column("cost_json", Text),
    # The model metrics group the trace under (entities.derivation.trace_model), revision 0011.
    Column("model", Text),
    Index("ix_traces_exp_time", "experiment_id", "request_time", "trace_id"),
    Index("ix_traces_exp_state", "experiment_id", "state", "request_time"),
    Index("ix_traces_exp_name", "experiment_id", "name"),
    Index("ix_traces_exp_session", "experiment_id", "session_id", "request_time"),
    Index("ix_traces_exp_user", "experiment_id", "user_id"),
    Index("ix_traces_client_request", "client_request_id"),
    # Metrics (store/sql/metrics.py): a range of an experiment's traces by time, covering what
    # the dashboard aggregates, so the query reads the index alone.
    Index(
        "ix_traces_exp_metrics",
        "experiment_id",
        "request_time",
        "model",
        "state",
        "execution_duration",
        "input_tokens",
        "output_tokens",
    ),
)


def _missing_as(column: str, value: str) -> Any:
    # The constant in the SQL text, not a parameter: an index on the expression matches a
    # query's only when both spell it alike.
    return func.coalesce(traces.c[column], literal_column(value))


# The traces table's sort keys (store/sql/search.py): never NULL, so keyset comparisons stay
# two-valued; a missing duration, count or cost sorts as -1 (stored ones are never negative),
# a missing name as "".
SORT_KEYS: dict[str, Any] = {
    "timestamp_ms": traces.c.request_time,
    "execution_time_ms": _missing_as("execution_duration", "-1"),
    "cost": _missing_as("cost_total", "-1.0"),
    "input_tokens": _missing_as("input_tokens", "-1"),
    "output_tokens": _missing_as("output_tokens", "-1"),
    "total_tokens": _missing_as("total_tokens", "-1"),
    "name": _missing_as("name", "''"),
    "status": traces.c.state,
    "trace_id": traces.c.trace_id,
    "session_id": _missing_as("session_id", "''"),
    "user_id": _missing_as("user_id", "''"),
}
# The read-indexes revision (0014_read_indexes.py): per sort key, an index in the order the
# traces table pages (experiment, key, trace id as the tie-breaker), so a first page reads 50
# index entries, not every trace of the experiment; the time order has ix_traces_exp_time.
READ_INDEXES = (
    Index(
        "ix_traces_exp_duration",
        traces.c.experiment_id,
        SORT_KEYS["execution_time_ms"],
        traces.c.trace_id,
    ),
    Index("ix_traces_exp_cost", traces.c.experiment_id, SORT_KEYS["cost"], traces.c.trace_id),
    Index(
        "ix_traces_exp_tokens", traces.c.experiment_id, SORT_KEYS["total_tokens"], traces.c.trace_id
    ),
    Index(
        "ix_traces_exp_input_tokens",
        traces.c.experiment_id,
        SORT_KEYS["input_tokens"],
        traces.c.trace_id,
    ),
    Index(
        "ix_traces_exp_output_tokens",
        traces.c.experiment_id,
        SORT_KEYS["output_tokens"],
        traces.c.trace_id,
    ),
    Index("ix_traces_exp_name_order", traces.c.experiment_id, SORT_KEYS["name"], traces.c.trace_id),
    Index("ix_traces_exp_state_order", traces.c.experiment_id, traces.c.state, traces.c.trace_id),
    Index("ix_traces_exp_trace", traces.c.experiment_id, traces.c.trace_id),
)
# Revision 0015 (0015_session_user_sort.py): the same for the session and user sorts.
SESSION_USER_INDEXES = (
    Index(
        "ix_traces_exp_session_order",
        traces.c.experiment_id,
        SORT_KEYS["session_id"],
        traces.c.trace_id,
    ),
    Index(
        "ix_traces_exp_user_order", traces.c.experiment_id, SORT_KEYS["user_id"], traces.c.trace_id
    ),
)

# Metrics rollups (revision 0012, store/sql/metric_rollup.py): per experiment, hour and model,
# what the dashboard aggregates, with the hour's durations sorted (so percentiles stay exact).
# Triggers on `traces` mark each hour a write touches in metric_dirty_hours; a metrics query
# recomputes the dirty hours of its range before it reads.
metric_hours = Table(
    "metric_hours",
    metadata,
    Column("experiment_id", Integer, nullable=False),
    Column("hour", BigInteger, nullable=False),  # request_time // 3,600,000
    Column("model", Text),
    Column("trace_count", BigInteger, nullable=False),
    Column("error_count", BigInteger, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cost", Float),  # NULL when no trace of the cell has a cost
    Column("durations", LargeBinary, nullable=False),  # int64 milliseconds, ascending
    Index("ix_metric_hours_exp_hour", "experiment_id", "hour"),
)

metric_dirty_hours = Table(
    "metric_dirty_hours",
    metadata,
    Column("experiment_id", Integer, nullable=False),
    Column("hour", BigInteger, nullable=False),
    PrimaryKeyConstraint("experiment_id", "hour", name="pk_metric_dirty_hours"),
)

trace_tags = Table(
    "trace_tags",
    metadata,
    Column("trace_id", String(32), nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("trace_id", "key", name="pk_trace_tags"),
    Index("ix_trace_tags_key_value", "key", "value"),
)

trace_metadata = Table(
    "trace_metadata",
    metadata,
    Column("trace_id", String(32), nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("trace_id", "key", name="pk_trace_metadata"),
    Index("ix_trace_metadata_key_value", "key", "value"),
)

spans = Table(
    "spans",
    metadata,
    Column("trace_id", String(32), nullable=False),
    Column("span_id", String(16), nullable=False),
    Column("parent_id", String(16)),
    Column("name", Text, nullable=False),
    Column("span_type", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("start_time_ns", BigInteger, nullable=False),
    Column("end_time_ns", BigInteger),
    Column("duration_ns", BigInteger),
    Column("content", Text, nullable=False),
    # The span's cost in USD (revision 0009); its split is in the content's attributes.
    Column("cost_total", Float),
    PrimaryKeyConstraint("trace_id", "span_id", name="pk_spans"),
    Index("ix_spans_name", "name", "trace_id"),
    Index("ix_spans_type", "span_type", "trace_id"),
    Index("ix_spans_status", "status", "trace_id"),
    Index("ix_spans_duration", "duration_ns"),
    # search_spans (revision 0010): newest first, overall and by type and status; the trailing
    # ids are the keyset's tie-breakers, so a page is read off the index in order.
    Index("ix_spans_start", "start_time_ns", "trace_id", "span_id"),
    Index("ix_spans_type_start", "span_type", "start_time_ns", "trace_id", "span_id"),
    Index(
        "ix_spans_type_status_start",
        "span_type",
        "status",
        "start_time_ns",
        "trace_id",
        "span_id",
    ),
)

# Clients' loss reports (revision 0004): the last cumulative count each client reported per
# experiment and cause, and the increases over time (what "lost in the last 24 h" sums).
client_loss_totals = Table(
    "client_loss_totals",
    metadata,
    Column("experiment_id", Integer, nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("cause", String(32), nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("experiment_id", "client_id", "cause", name="pk_client_loss_totals"),
)

client_loss_events = Table(
    "client_loss_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("experiment_id", Integer, nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("cause", String(32), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_client_loss_events_time", "experiment_id", "at_ms"),
)

# Log records bound to spans (revision 0006, OTLP logs ingest: store/sql/log_records.py): kept
# with their span, which is rebuilt from them when it is written again; `applied` is 0 while the
# span has not arrived (such records are purged after a bound). `content` is the record's JSON.
span_log_records = Table(
    "span_log_records",
    metadata,
    Column("trace_id", String(32), nullable=False),
    Column("span_id", String(16), nullable=False),
    Column("time_ns", BigInteger, nullable=False),
    Column("idx", Integer, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("applied", Integer, nullable=False),
    Column("content", Text, nullable=False),
    PrimaryKeyConstraint("trace_id", "span_id", "time_ns", "idx", name="pk_span_log_records"),
    Index("ix_span_log_records_pending", "applied", "received_at"),
)

# Feedback and expectations (revision 0007). The value is kept as JSON, and typed for search:
# booleans and numbers in value_number (1/0 for booleans), strings in value_text.
assessments = Table(
    "assessments",
    metadata,
    Column("assessment_id", String(64), primary_key=True),
    Column("trace_id", String(32), nullable=False),
    Column("experiment_id", Integer, nullable=False),
    Column("span_id", String(16)),
    Column("name", String(250), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value_json", Text),
    Column("value_type", String(10), nullable=False),
    Column("value_number", Float),
    Column("value_text", Text),
    Column("rationale", Text),
    Column("source_type", String(16), nullable=False),
    Column("source_id", Text, nullable=False),
    Column("metadata_json", Text, nullable=False),
    Column("error_json", Text),
    Column("create_time", BigInteger, nullable=False),
    Column("update_time", BigInteger, nullable=False),
    Column("overrides", String(64)),
    Column("valid", Boolean, nullable=False),
    # A trace's judgements; covers the test of a filter probing them trace by trace.
    Index(
        "ix_assessments_trace", "trace_id", "name", "kind", "valid", "value_type", "value_number"
    ),
    # Search (store/sql/assessment_filters.py): the valid judgements of a name, by value,
    # covering the trace id. value_text stays out of it: a long string would pass the index's
    # entry limit.
    Index(
        "ix_assessments_search", "name", "kind", "valid", "value_type", "value_number", "trace_id"
    ),
)

# Datasets (revision 0008, store/sql/datasets.py). A record's row holds it for the versions
# [version_from, version_to): a change closes the row (version_to) and opens a new one, so any
# past version reads back as the rows alive at it. `position` is the order the record was first
# added in; its row's JSON columns hold inputs, expectations and tags.
datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("name", String(500), nullable=False, unique=True),
    Column("experiment_id", Integer),
    Column("tags_json", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("next_position", Integer, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Index("ix_datasets_created", "created_ms", "dataset_id"),
    Index("ix_datasets_experiment", "experiment_id", "created_ms"),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("dataset_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    PrimaryKeyConstraint("dataset_id", "version", name="pk_dataset_versions"),
)

dataset_records = Table(
    "dataset_records",
    metadata,
    Column("dataset_id", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("version_from", Integer, nullable=False),
    Column("version_to", Integer),
    Column("position", Integer, nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("expectations_json", Text, nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("source_type", String(16), nullable=False),
    Column("source_id", Text),
    Column("created_version", Integer, nullable=False),
    PrimaryKeyConstraint("dataset_id", "record_id", "version_from", name="pk_dataset_records"),
    # A version's records in order: the rows alive at it, by position.
    Index("ix_dataset_records_position", "dataset_id", "position", "version_from"),
)

# Evaluation runs (revision 0008, store/sql/evaluation_runs.py): one row per run, with its
# scorers, metrics and tags as JSON; items keyed by (run_id, position).
evaluation_runs = Table(
    "evaluation_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("experiment_id", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("dataset_id", String(64)),
    Column("dataset_name", Text),
    Column("dataset_version", Integer),
    Column("scorers_json", Text, nullable=False),
    Column("metrics_json", Text, nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger),
    Index("ix_evaluation_runs_experiment", "experiment_id", "created_ms", "run_id"),
    Index("ix_evaluation_runs_dataset", "dataset_id", "created_ms"),
)

evaluation_items = Table(
    "evaluation_items",
    metadata,
    Column("run_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("outputs_json", Text, nullable=False),
    Column("expectations_json", Text, nullable=False),
    Column("trace_id", String(32)),
    Column("scores_json", Text, nullable=False),
    Column("error", Text),
    PrimaryKeyConstraint("run_id", "position", name="pk_evaluation_items"),
)
