"""`spanscope evaluate FILE`: run a Python file's predict_fn and scorers over a dataset."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from spanscope.entities.evaluation_run import EvaluationRun
from spanscope.evaluation.datasets import get_dataset
from spanscope.evaluation.runner import DEFAULT_MAX_WORKERS, evaluate
from spanscope.evaluation.scorer import Scorer
from spanscope.exceptions import InvalidArgumentError
from spanscope.tracing.store_fluent import set_experiment

__all__ = ["evaluate_command", "metrics_table"]


@click.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", "dataset_name", required=True, help="Dataset name or id to run over.")
@click.option("--version", type=int, help="Dataset version (default: the latest).")
@click.option(
    "--predict",
    default="predict_fn",
    show_default=True,
    help="Name of the function in FILE each record's inputs are passed to.",
)
@click.option(
    "--scorers",
    "scorers_name",
    default="scorers",
    show_default=True,
    help="Name of the list of scorers in FILE.",
)
@click.option("--experiment", help="Experiment name for the run and its traces (created if new).")
@click.option("--name", "run_name", help="Name of the evaluation run.")
@click.option("--workers", type=int, default=DEFAULT_MAX_WORKERS, show_default=True)
def evaluate_command(
    file: Path,
    dataset_name: str,
    version: int | None,
    predict: str,
    scorers_name: str,
    experiment: str | None,
    run_name: str | None,
    workers: int,
) -> None:
    """Evaluate FILE's predict_fn with its scorers over a dataset; prints the metrics.

    FILE defines `predict_fn(**inputs)` and `scorers = [...]` (other names with --predict and
    --scorers). The run is stored with its dataset version and listed in the UI.
    """
    namespace = runpy.run_path(str(file), run_name="__spanscope_evaluate__")
    predict_fn = _named(namespace, predict, file, "function")
    scorers = _named(namespace, scorers_name, file, "list of scorers")
    if not callable(predict_fn):
        raise InvalidArgumentError(f"{predict} in {file} is not a function")
    if isinstance(scorers, Scorer) or callable(scorers):
        scorers = [scorers]
    if experiment:
        set_experiment(experiment_name=experiment)
    dataset = get_dataset(dataset_name, version)
    result = evaluate(dataset, scorers, predict_fn, name=run_name, max_workers=workers)
    Console().print(metrics_table(result.run))


def metrics_table(run: EvaluationRun) -> Table:
    table = Table(title=f"{run.name}  ({run.run_id}, {run.status})")
    for column in ("score", "count", "errors", "pass rate", "mean"):
        table.add_column(column, justify="left" if column == "score" else "right")
    for name, metrics in run.metrics.items():
        table.add_row(
            name,
            str(metrics.count),
            str(metrics.errors),
            "" if metrics.pass_rate is None else f"{metrics.pass_rate:.1%}",
            "" if metrics.mean is None else f"{metrics.mean:.3g}",
        )
    return table


def _named(namespace: dict[str, Any], name: str, file: Path, what: str) -> Any:
    if name not in namespace:
        raise InvalidArgumentError(f"{file} defines no {what} named {name!r}")
    return namespace[name]
