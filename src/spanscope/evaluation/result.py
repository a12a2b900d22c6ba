"""What `spanscope.evaluate` returns."""

from __future__ import annotations

from typing import Any

from spanscope.entities.evaluation_run import EvaluationItem, EvaluationRun, ScoreMetrics
from spanscope.exceptions import InvalidArgumentError

__all__ = ["EvaluationResult"]


class EvaluationResult:
    """An evaluation's stored run, its metrics by score name and its rows.

    `metrics["correct"].pass_rate`, `.mean`, `.count`, `.errors`; `result_df` has one row per
    record (trace_id, inputs, outputs, expectations, error) and per score a `<name>` value
    column and a `<name>/rationale` column.
    """

    def __init__(self, run: EvaluationRun, items: list[EvaluationItem]) -> None:
        self.run = run
        self.items = sorted(items, key=lambda item: item.position)

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def metrics(self) -> dict[str, ScoreMetrics]:
        return dict(self.run.metrics)

    @property
    def result_df(self) -> Any:
        try:
            import pandas as pd
        except ImportError:
            raise InvalidArgumentError(
                "result_df needs pandas: pip install 'spanscope[pandas]' (result.items has the "
                "same rows)"
            ) from None
        names = list(self.run.metrics)
        rows = []
        for item in self.items:
            row: dict[str, Any] = {
                "record_id": item.record_id,
                "trace_id": item.trace_id,
                "inputs": item.inputs,
                "outputs": item.outputs,
                "expectations": item.expectations,
                "error": item.error,
            }
            for name in names:
                score = item.scores.get(name)
                row[name] = None if score is None else score.value
                row[f"{name}/rationale"] = None if score is None else score.rationale
                row[f"{name}/error"] = None if score is None else score.error
            rows.append(row)
        columns = ["record_id", "trace_id", "inputs", "outputs", "expectations", "error"]
        for name in names:
            columns += [name, f"{name}/rationale", f"{name}/error"]
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}: {_summary(m)}" for name, m in self.run.metrics.items())
        return (
            f"EvaluationResult(run_id={self.run_id!r}, status={self.run.status}, "
            f"rows={len(self.items)}, metrics={{{shown}}})"
        )


def _summary(metrics: ScoreMetrics) -> str:
    if metrics.pass_rate is not None:
        return f"pass_rate={metrics.pass_rate:.2f}"
    if metrics.mean is not None:
        return f"mean={metrics.mean:.3g}"
    return f"count={metrics.count}"
