"""`spanscope evaluate FILE --dataset NAME`: a file's predict_fn and scorers over a dataset."""

from __future__ import annotations

from pathlib import Path

from spanscope.entities.dataset import DatasetRecord
from spanscope.store.sql.store import SqlTraceStore
from tests.cli.cli_helpers import run_cli

APP = """
import spanscope


def predict_fn(country):
    return {"France": "Paris"}.get(country, "Lyon")


@spanscope.scorer
def exact(outputs, expectations):
    return outputs == expectations["answer"]


scorers = [exact]
"""


def test_evaluate_a_file_over_a_dataset(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/cli.db"
    store = SqlTraceStore(uri)
    dataset = store.create_dataset("geo")
    store.merge_dataset_records(
        dataset.dataset_id,
        [
            *(
                DatasetRecord({"country": c}, {"answer": a}).validated()
                for c, a in (("France", "Paris"), ("Peru", "Lima"))
            )
        ],
    )
    app = tmp_path / "app_eval.py"
    app.write_text(APP, encoding="utf-8")

    out = run_cli(
        [
            "--tracking-uri",
            uri,
            "evaluate",
            str(app),
            "--dataset",
            "geo",
            "--experiment",
            "geo-bot",
            "--name",
            "nightly",
        ]
    )
    assert out.status == 0, out.stderr
    assert "nightly" in out.stdout and "exact" in out.stdout and "50.0%" in out.stdout
    geo_bot = store.get_experiment_by_name("geo-bot")
    assert geo_bot is not None
    (run,) = store.search_evaluation_runs(geo_bot.experiment_id)
    assert (run.name, run.dataset_name, run.dataset_version) == ("nightly", "geo", 1)
    assert run.metrics["exact"].pass_rate == 0.5

    missing = run_cli(["--tracking-uri", uri, "evaluate", str(app), "--dataset", "nope"])
    assert missing.status == 2 and "nope" in missing.stderr
    wrong = run_cli(
        ["--tracking-uri", uri, "evaluate", str(app), "--dataset", "geo", "--predict", "absent"]
    )
    assert wrong.status == 2 and "defines no function named 'absent'" in wrong.stderr
    store.close()
