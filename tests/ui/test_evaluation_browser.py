"""Evaluation in the web UI: datasets with their records and versions, traces added to a dataset
from the traces table, evaluation runs with their metrics, and two runs compared side by side
down to the trace of the record that regressed. A real server over a store seeded through its
own API with traces made by the real SDK."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

import spanscope
from spanscope.entities.assessment import AssessmentSource, Expectation, Feedback
from spanscope.entities.dataset import record_from_trace
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    Score,
    ScoreMetrics,
    ScorerSpec,
)
from spanscope.server.settings import ServerSettings
from spanscope.store.base import TraceStore
from spanscope.store.sql.store import SqlTraceStore
from spanscope.testing import capture_traces
from tests.live_server import server_thread
from tests.ui.conftest import _skip_reason

QUESTIONS = [
    "How do I reset my password?",
    "Can I get a refund after 30 days?",
    "Do you ship to Canada?",
]
# The candidate run gets the refund question wrong: the baseline answered it correctly.
REGRESSED = QUESTIONS[1]
ANSWERS = {
    "baseline": {
        QUESTIONS[0]: "Use the reset link on the sign-in page.",
        QUESTIONS[1]: "Refunds are possible within 60 days.",
        QUESTIONS[2]: "We do not ship to Canada yet.",
    },
    "candidate": {
        QUESTIONS[0]: "Use the reset link on the sign-in page.",
        QUESTIONS[1]: "No, refunds end after 14 days.",
        QUESTIONS[2]: "Yes, we ship to Canada.",
    },
}
CORRECT = {
    "baseline": {QUESTIONS[0]: True, QUESTIONS[1]: True, QUESTIONS[2]: False},
    "candidate": {QUESTIONS[0]: True, QUESTIONS[1]: False, QUESTIONS[2]: False},
}
# The third answer got more concise: an improvement, not a regression.
CONCISE = {
    "baseline": {QUESTIONS[0]: 4.0, QUESTIONS[1]: 5.0, QUESTIONS[2]: 3.0},
    "candidate": {QUESTIONS[0]: 4.0, QUESTIONS[1]: 5.0, QUESTIONS[2]: 4.0},
}


@dataclass
class EvalSeed:
    experiment_id: str
    dataset_id: str
    # question -> trace id, per run; the logged production traces the dataset came from
    run_traces: dict[str, dict[str, str]]
    run_ids: dict[str, str]
    source_traces: dict[str, str]
    # traces of the experiment not in any dataset, for "add to dataset"
    loose_traces: list[str]


def _traces(store: TraceStore, experiment_id: str, answers: dict[str, str]) -> list[str]:
    """One trace of the bot per question (in order), stored in the experiment."""

    @spanscope.trace(name="support_answer", span_type="AGENT")
    def support_answer(question: str) -> str:
        return answers[question]

    with capture_traces() as captured:
        for question in answers:
            support_answer(question)
    for trace in captured.traces:
        trace.info.experiment_id = experiment_id
    store.write_traces(captured.traces)
    return [t.info.trace_id for t in captured.traces]


def seed_evaluation(store: TraceStore) -> EvalSeed:
    experiment_id = store.create_experiment("faq-eval")
    # Production traces with the expected answer logged on them: the dataset's sources.
    source_ids = _traces(store, experiment_id, ANSWERS["baseline"])
    for trace_id, question in zip(source_ids, QUESTIONS, strict=True):
        expected = ANSWERS["baseline"][question] if CORRECT["baseline"][question] else "We do."
        store.log_assessment(
            Expectation(
                trace_id=trace_id,
                name="expected_response",
                value=expected,
                source=AssessmentSource("HUMAN", "ann"),
            )
        )
    loose = _traces(
        store,
        experiment_id,
        {"Where is my order?": "It ships tomorrow.", "Is there a student discount?": "No."},
    )

    dataset = store.create_dataset("faq-golden", experiment_id=experiment_id)
    sources = [record_from_trace(store.get_trace(t)) for t in source_ids]
    # Two versions: the first two questions, then the third.
    store.merge_dataset_records(dataset.dataset_id, sources[:2])
    dataset = store.merge_dataset_records(dataset.dataset_id, sources[2:])
    records = {r.inputs["question"]: r for r in sources}

    run_traces: dict[str, dict[str, str]] = {}
    run_ids: dict[str, str] = {}
    for index, name in enumerate(["baseline", "candidate"]):
        trace_ids = dict(zip(QUESTIONS, _traces(store, experiment_id, ANSWERS[name]), strict=True))
        run_traces[name] = trace_ids
        run = store.create_evaluation_run(
            EvaluationRun(
                run_id="",
                experiment_id=experiment_id,
                name=name,
                dataset_id=dataset.dataset_id,
                dataset_name=dataset.name,
                dataset_version=dataset.version,
                scorers=[
                    ScorerSpec("correct", "LLM_JUDGE", "openai:/gpt-4o-mini"),
                    ScorerSpec("concise"),
                ],
                created_ms=1_700_000_000_000 + index * 60_000,
            )
        )
        run_ids[name] = run.run_id
        items = []
        for position, question in enumerate(QUESTIONS):
            scores = {}
            for scorer, values in (("correct", CORRECT), ("concise", CONCISE)):
                logged = store.log_assessment(
                    Feedback(
                        trace_id=trace_ids[question],
                        name=scorer,
                        value=values[name][question],
                        source=AssessmentSource(
                            "LLM_JUDGE" if scorer == "correct" else "CODE", scorer
                        ),
                    )
                )
                scores[scorer] = Score(values[name][question], assessment_id=logged.assessment_id)
            items.append(
                EvaluationItem(
                    position=position,
                    record_id=records[question].record_id,
                    inputs=records[question].inputs,
                    outputs=ANSWERS[name][question],
                    expectations=records[question].expectations,
                    trace_id=trace_ids[question],
                    scores=scores,
                )
            )
        store.log_evaluation_items(run.run_id, items)
        metrics = {
            scorer: ScoreMetrics.of(item.scores[scorer] for item in items)
            for scorer in ("correct", "concise")
        }
        store.finish_evaluation_run(run.run_id, EvaluationRunStatus.FINISHED, metrics)
    return EvalSeed(
        experiment_id,
        dataset.dataset_id,
        run_traces,
        run_ids,
        dict(zip(QUESTIONS, source_ids, strict=True)),
        loose,
    )


Server = tuple[str, EvalSeed]


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    store = SqlTraceStore(f"sqlite:///{tmp_path_factory.mktemp('eval-ui')}/eval.db")
    seeded = seed_evaluation(store)
    with server_thread(ServerSettings(store.uri), store) as url:
        yield url, seeded
    store.close()


def test_compare_two_runs_shows_the_regression_and_opens_its_trace(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    page.locator(".tabs").get_by_role("link", name="Evaluations").click()
    page.wait_for_url(f"**/experiments/{seeded.experiment_id}/evaluations")
    runs = page.locator("[data-testid=runs-table] tbody tr")
    expect(runs).to_have_count(2)
    # Newest first; each run's pass rate and mean, and the dataset version it used.
    expect(runs.first).to_contain_text("candidate")
    candidate = page.locator(f"tr[data-run-id='{seeded.run_ids['candidate']}']")
    baseline = page.locator(f"tr[data-run-id='{seeded.run_ids['baseline']}']")
    expect(baseline.locator("td[data-score=correct]")).to_have_text("66.7%")
    expect(candidate.locator("td[data-score=correct]")).to_have_text("33.3%")
    expect(baseline.locator("td[data-score=concise]")).to_have_text("4")
    expect(candidate.locator("td[data-score=concise]")).to_have_text("4.333")
    expect(candidate).to_contain_text("faq-golden v2")
    expect(candidate).to_contain_text("FINISHED")
    # The trend of each score across the two runs.
    trend = page.get_by_test_id("score-trends").locator("[data-score=correct] svg")
    expect(trend).to_have_attribute("aria-label", "66.7%, 33.3%")
    screenshot("evaluation-runs")

    compare = page.get_by_role("button", name="Compare")
    expect(compare).to_be_disabled()
    page.get_by_label("Select candidate").check()
    page.get_by_label("Select baseline").check()
    compare.click()
    # The older run is the baseline, whatever order they were picked in.
    page.wait_for_url(
        re.compile(f"runs={seeded.run_ids['baseline']},{seeded.run_ids['candidate']}")
    )

    aggregates = page.get_by_test_id("compare-aggregates")
    correct = aggregates.locator("tr[data-score=correct]")
    expect(correct.locator("td").nth(1)).to_contain_text("66.7%")
    cand_cell = correct.locator(f"td[data-run-id='{seeded.run_ids['candidate']}']")
    expect(cand_cell.locator(".aggregate-value")).to_have_text("33.3%")
    expect(cand_cell.locator(".delta")).to_have_text("\u221233.3 pp")  # a minus sign
    expect(cand_cell.locator(".delta")).to_have_class(re.compile(r"\bregressed\b"))
    concise = aggregates.locator("tr[data-score=concise]")
    concise_delta = concise.locator(f"td[data-run-id='{seeded.run_ids['candidate']}'] .delta")
    expect(concise_delta).to_have_text("+0.333")
    expect(concise_delta).to_have_class(re.compile(r"\bimproved\b"))

    rows = page.locator("[data-testid=compare-rows] tbody tr")
    expect(rows).to_have_count(3)
    expect(page.get_by_test_id("regression-count")).to_have_text("1 of 3 records regressed")
    regressed = page.locator("[data-testid=compare-rows] tr[data-regressed=true]")
    expect(regressed).to_have_count(1)
    expect(regressed).to_contain_text(REGRESSED)
    expect(regressed).to_have_class(re.compile(r"\bregressed\b"))
    cell = regressed.locator(f"td[data-run-id='{seeded.run_ids['candidate']}']")
    expect(cell).to_have_attribute("data-regressions", "correct")
    expect(cell.locator(".run-score[data-score=correct]")).to_have_class(
        re.compile(r"\bregressed\b")
    )
    expect(cell).to_contain_text(ANSWERS["candidate"][REGRESSED])
    # The third answer got more concise: an improvement, not a regression.
    improved = rows.filter(has_text=QUESTIONS[2])
    expect(improved).to_have_attribute("data-regressed", "false")
    expect(improved.locator(".run-score.improved[data-score=concise]")).to_have_count(1)
    screenshot("evaluation-compare")

    page.get_by_label("Regressions only").check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(REGRESSED)

    trace_id = seeded.run_traces["candidate"][REGRESSED]
    cell.get_by_role("link", name=ANSWERS["candidate"][REGRESSED]).click()
    page.wait_for_url(f"**/traces/{trace_id}")
    summary = page.get_by_test_id("trace-summary")
    expect(summary).to_contain_text("support_answer")
    expect(summary.get_by_test_id("assessment").filter(has_text="correct")).to_contain_text("no")

    # Back on the compare page, the baseline can be switched to the other run: measured
    # against the candidate, the baseline's third answer is less concise.
    page.go_back()
    page.get_by_label("Baseline run").select_option(seeded.run_ids["candidate"])
    expect(page.get_by_test_id("regression-count")).to_have_text("1 of 3 records regressed")
    regressed_now = page.locator("[data-testid=compare-rows] tr[data-regressed=true]")
    expect(regressed_now).to_contain_text(QUESTIONS[2])


def test_datasets_page_shows_records_and_versions(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    page.locator(".tabs").get_by_role("link", name="Datasets").click()
    row = page.locator(f"[data-testid=datasets-table] tr[data-dataset-id='{seeded.dataset_id}']")
    expect(row).to_contain_text("faq-golden")
    expect(row.locator("td.num").nth(0)).to_have_text("v2")
    expect(row.locator("td.num").nth(1)).to_have_text("3")
    row.get_by_role("link", name="faq-golden").click()
    page.wait_for_url(f"**/datasets/{seeded.dataset_id}")

    records = page.locator("[data-testid=records-table] tbody tr")
    expect(records).to_have_count(3)
    expect(page.get_by_test_id("record-count")).to_have_text("3 record(s) in v2")
    first = records.filter(has_text=QUESTIONS[0])
    expect(first).to_contain_text(ANSWERS["baseline"][QUESTIONS[0]])  # its expectation
    source = seeded.source_traces[QUESTIONS[0]]
    expect(first.locator(f"a[href='/traces/{source}']")).to_be_visible()
    screenshot("dataset-records")

    # Version 1 held the first two questions only.
    picker = page.get_by_label("Dataset version")
    options = picker.locator("option").all_inner_texts()
    assert [o.split(" · ")[0] for o in options] == ["v2 (latest)", "v1", "v0"]
    picker.select_option("1")
    expect(records).to_have_count(2)
    expect(page.get_by_test_id("record-count")).to_have_text("2 record(s) in v1")
    assert "version=1" in page.url
    expect(page.get_by_test_id("records-table")).not_to_contain_text(QUESTIONS[2])

    first.locator(f"a[href='/traces/{source}']").click()
    page.wait_for_url(f"**/traces/{source}")
    expect(page.get_by_test_id("trace-summary")).to_contain_text("support_answer")


def test_selected_traces_go_into_a_new_then_an_existing_dataset(
    seeded_server: Server, page: Any, screenshot: Any
) -> None:
    url, seeded = seeded_server
    first, second = seeded.loose_traces
    page.goto(f"{url}/experiments/{seeded.experiment_id}/traces")
    page.get_by_label(f"Select {first}").check()
    page.locator("summary", has_text="Add to dataset").click()
    page.get_by_label("Dataset to add to").select_option(label="New dataset…")
    page.get_by_label("New dataset name").fill("orders")
    page.get_by_role("button", name="Add 1 trace").click()
    notice = page.get_by_test_id("dataset-added")
    expect(notice).to_contain_text("Added 1 trace to orders: version 1, 1 record.")
    expect(page.get_by_label(f"Select {first}")).not_to_be_checked()

    [orders] = httpx.get(f"{url}/api/v1/datasets", params={"name": "orders"}).json()["datasets"]
    assert orders["experiment_id"] == seeded.experiment_id

    # Both traces into the existing dataset: the one already there is not added twice.
    page.get_by_label(f"Select {first}").check()
    page.get_by_label(f"Select {second}").check()
    page.locator("summary", has_text="Add to dataset").click()
    page.get_by_label("Dataset to add to").select_option(orders["dataset_id"])
    screenshot("traces-add-to-dataset")
    page.get_by_role("button", name="Add 2 traces").click()
    expect(notice).to_contain_text("Added 2 traces to orders: version 2, 2 records.")

    versions = httpx.get(f"{url}/api/v1/datasets/{orders['dataset_id']}/versions").json()
    assert [(v["version"], v["record_count"], v["added"]) for v in versions["versions"]] == [
        (2, 2, 1),
        (1, 1, 1),
        (0, 0, 0),
    ]
    records = httpx.get(f"{url}/api/v1/datasets/{orders['dataset_id']}/records").json()
    assert [(r["inputs"]["question"], r["source"]) for r in records["records"]] == [
        ("Where is my order?", {"type": "TRACE", "id": first}),
        ("Is there a student discount?", {"type": "TRACE", "id": second}),
    ]

    notice.get_by_role("link", name="orders").click()
    page.wait_for_url(f"**/datasets/{orders['dataset_id']}")
    rows = page.locator("[data-testid=records-table] tbody tr")
    expect(rows).to_have_count(2)

    # Removing a record makes version 3; version 2 still holds it.
    page.get_by_label("Select record Where is my order?").check()
    page.get_by_role("button", name="Remove 1 record").click()
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("record-count")).to_have_text("1 record(s) in v3")
    page.get_by_label("Dataset version").select_option("2")
    expect(rows).to_have_count(2)
    # A past version is read only: no record can be chosen to remove.
    expect(page.get_by_label("Select record Where is my order?")).to_have_count(0)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete dataset").click()
    page.wait_for_url(f"**/experiments/{seeded.experiment_id}/datasets")
    expect(page.get_by_test_id("datasets-table")).to_contain_text("faq-golden")
    expect(page.get_by_test_id("datasets-table")).not_to_contain_text("orders")
    gone = httpx.get(f"{url}/api/v1/datasets/{orders['dataset_id']}")
    assert gone.status_code == 404
