"""The fluent API over the tracking URI: traces written by the SDK are found again."""

from __future__ import annotations

from pathlib import Path

import pytest

import spanscope
from spanscope.store.uri import get_store


@spanscope.trace(span_type="TOOL")
def lookup(order_id: str) -> dict[str, str]:
    return {"order_id": order_id, "status": "refunded"}


@spanscope.trace(span_type="AGENT")
def bot(question: str, env: str = "prod", session: str = "s-1") -> str:
    spanscope.update_current_trace(tags={"env": env}, session_id=session, user_id="u-7")
    return f"{question} -> {lookup('A-1')['status']}"


def test_tracking_uri_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPANSCOPE_TRACKING_URI")
    monkeypatch.setenv("SPANSCOPE_HOME", str(tmp_path / "home"))
    assert spanscope.get_tracking_uri() == f"sqlite:///{tmp_path}/home/spanscope.db"
    monkeypatch.setenv("SPANSCOPE_TRACKING_URI", str(tmp_path / "env.db"))
    assert spanscope.get_tracking_uri() == f"sqlite:///{tmp_path}/env.db"
    spanscope.set_tracking_uri("sqlite:///" + str(tmp_path / "set.db"))
    assert spanscope.get_tracking_uri().endswith("set.db")
    with pytest.raises(spanscope.InvalidArgumentError, match="unsupported tracking URI"):
        spanscope.set_tracking_uri("mysql://x")
    with pytest.raises(spanscope.InvalidArgumentError, match="empty"):
        spanscope.set_tracking_uri(" ")


def test_default_home_store_gets_traces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPANSCOPE_TRACKING_URI")
    monkeypatch.setenv("SPANSCOPE_HOME", str(tmp_path / "home"))
    bot("hi")
    assert spanscope.flush()
    assert (tmp_path / "home" / "spanscope.db").exists()
    assert len(spanscope.search_traces()) == 1


def test_sdk_traces_are_searchable_after_flush(tmp_path: Path) -> None:
    spanscope.set_tracking_uri(tmp_path / "app.db")
    experiment = spanscope.set_experiment("support-bot")
    assert spanscope.set_experiment("support-bot").experiment_id == experiment.experiment_id
    bot("where is my refund?")
    bot("shipping?", env="dev", session="s-2")
    spanscope.flush()
    found = spanscope.search_traces(filter_string="tags.env = 'prod' AND span.type = 'TOOL'")
    assert len(found) == 1
    trace = found[0]
    assert trace.info.experiment_id == experiment.experiment_id
    assert [s.name for s in trace.data.spans] == ["bot", "lookup"]
    assert spanscope.get_trace(trace.info.trace_id) == trace
    by_name = spanscope.search_traces(experiment_names=["support-bot"], order_by=["name ASC"])
    assert len(by_name) == 2
    assert spanscope.search_traces(experiment_ids=["0"]) == []
    sessions = spanscope.search_sessions()
    assert sorted(s.session_id for s in sessions) == ["s-1", "s-2"]
    spanscope.set_trace_tag(trace.info.trace_id, "reviewed", "yes")
    assert spanscope.get_trace(trace.info.trace_id).info.tags["reviewed"] == "yes"
    spanscope.delete_trace_tag(trace.info.trace_id, "reviewed")
    assert spanscope.delete_traces(experiment.experiment_id, trace_ids=[trace.info.trace_id]) == 1
    assert len(spanscope.search_traces()) == 1


def test_pandas_return_type(tmp_path: Path) -> None:
    spanscope.set_tracking_uri(tmp_path / "app.db")
    bot("hi")
    frame = spanscope.search_traces(return_type="pandas")
    assert list(frame["name"]) == ["bot"]
    assert frame["tags"][0] == {"env": "prod"}
    assert frame["token_usage"][0] is None
    assert len(frame["spans"][0]) == 2
    assert frame.attrs["next_page_token"] is None
    with pytest.raises(spanscope.InvalidArgumentError, match="return_type"):
        spanscope.search_traces(return_type="polars")  # type: ignore[arg-type]


def test_experiment_api_and_errors(tmp_path: Path) -> None:
    spanscope.set_tracking_uri(tmp_path / "app.db")
    experiment_id = spanscope.create_experiment("evals", tags={"team": "ml"})
    assert spanscope.get_experiment(experiment_id).tags == {"team": "ml"}
    assert spanscope.get_experiment_by_name("evals") is not None
    assert [e.name for e in spanscope.search_experiments()] == ["Default", "evals"]
    spanscope.set_experiment(experiment_id=experiment_id)
    bot("hi")
    assert spanscope.search_experiments()[1].trace_count == 1
    spanscope.delete_experiment(experiment_id)
    bot("after delete goes to the default experiment")
    assert len(spanscope.search_traces(experiment_ids=["0"])) == 1
    with pytest.raises(spanscope.NotFoundError, match="no experiment named 'nope'"):
        spanscope.search_traces(experiment_names=["nope"])
    with pytest.raises(spanscope.InvalidArgumentError, match="lists of strings"):
        spanscope.search_traces(experiment_ids="0")
    with pytest.raises(spanscope.InvalidArgumentError, match="experiment_name or experiment_id"):
        spanscope.set_experiment()
    with pytest.raises(spanscope.NotFoundError):
        spanscope.set_experiment(experiment_id="77")
    with pytest.raises(spanscope.InvalidFilterError):
        spanscope.search_traces(filter_string="tags.env == 'x'")


@pytest.mark.internal_errors
def test_traces_of_a_deleted_experiment_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spanscope.set_tracking_uri(tmp_path / "app.db")
    experiment = spanscope.set_experiment("short-lived")
    spanscope.tracing.configure(export_interval_s=60)

    @spanscope.trace
    def work() -> int:
        return 1

    work()
    get_store().delete_experiment(experiment.experiment_id)  # behind the SDK's back
    spanscope.flush()
    assert spanscope.tracing.stats().traces_dropped_export_error == 1
    assert any("no experiment with id" in r.getMessage() for r in caplog.records)


def test_experiment_named_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spanscope.set_tracking_uri(tmp_path / "env.db")
    uri = spanscope.get_tracking_uri()
    monkeypatch.setenv("SPANSCOPE_TRACKING_URI", uri)
    monkeypatch.setenv("SPANSCOPE_EXPERIMENT_NAME", "team-a")
    spanscope.tracing.reset()  # the environment is read as a program starts
    assert spanscope.get_experiment_by_name("team-a") is None  # created at the first trace
    bot("hi")
    spanscope.flush()
    team_a = spanscope.get_experiment_by_name("team-a")
    assert team_a is not None
    [trace] = spanscope.search_traces(experiment_names=["team-a"])
    assert trace.info.experiment_id == team_a.experiment_id

    # SPANSCOPE_EXPERIMENT_ID wins over the name; set_experiment() wins over both.
    other = spanscope.create_experiment("by-id")
    monkeypatch.setenv("SPANSCOPE_EXPERIMENT_ID", other)
    spanscope.tracing.reset()
    bot("by id")
    monkeypatch.delenv("SPANSCOPE_EXPERIMENT_ID")
    spanscope.tracing.reset()
    chosen = spanscope.set_experiment("chosen")
    bot("chosen")
    spanscope.flush()
    assert len(spanscope.search_traces(experiment_ids=[other])) == 1
    assert len(spanscope.search_traces(experiment_ids=[chosen.experiment_id])) == 1
    assert len(spanscope.search_traces(experiment_names=["team-a"])) == 1

    # A name the store refuses: said once, and the traces go to the default experiment.
    monkeypatch.setenv("SPANSCOPE_EXPERIMENT_NAME", "x" * 501)
    spanscope.tracing.reset()
    with caplog.at_level("WARNING", "spanscope"):
        bot("default")
        bot("default again")
    spanscope.flush()
    assert caplog.text.count("SPANSCOPE_EXPERIMENT_NAME") == 1
    assert "at most 500 characters" in caplog.text
    assert len(spanscope.search_traces(experiment_ids=["0"])) == 2
