"""`spanscope.evaluate`: run inputs through the app (or take logged traces), score every row with
code scorers and LLM judges, log the scores as feedback and keep the run (docs/evaluation.md)."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from spanscope.constants import EvaluationKey
from spanscope.entities.assessment import Assessment, AssessmentError, Feedback
from spanscope.entities.evaluation_run import (
    EvaluationItem,
    EvaluationRun,
    EvaluationRunStatus,
    Score,
    ScoreMetrics,
)
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.evaluation.progress import progress_bar
from spanscope.evaluation.result import EvaluationResult
from spanscope.evaluation.rows import DatasetRef, Row, rows_of
from spanscope.evaluation.scorer import Scorer, scorer
from spanscope.exceptions import InvalidArgumentError, NotFoundError
from spanscope.store.base import TraceStore
from spanscope.store.uri import get_store
from spanscope.tracing.context import CURRENT_SPAN, observe_roots
from spanscope.tracing.export.queue import flush
from spanscope.tracing.fluent import is_traced, start_span, tag_trace
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.processor import current_experiment_id

__all__ = ["DEFAULT_MAX_WORKERS", "evaluate"]

logger = logging.getLogger("spanscope")

DEFAULT_MAX_WORKERS = 8
_FLUSH_TIMEOUT_S = 60.0
# Scored rows are logged in batches of this many per worker (their traces flushed once); when
# scorers read the rows' traces, rows go through in such chunks: predicted, flushed, scored.
# An interrupt keeps every row scored before it.
_CHUNK_PER_WORKER = 16
# Rows handed to the pool ahead of the workers: none idles while a finished row is collected.
_QUEUED_PER_WORKER = 2
_SIGNAL_CHECK_S = 0.1
T = TypeVar("T")
R = TypeVar("R")
# A row's prediction (trace id, outputs, error) and its scoring (the row, the feedback to log).
_Predicted = tuple[str | None, Any, str | None]
_Scored = tuple[EvaluationItem, list[Feedback]]


def evaluate(
    data: Any,
    scorers: Sequence[Scorer | Callable[..., Any]],
    predict_fn: Callable[..., Any] | None = None,
    name: str | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    *,
    experiment_id: str | None = None,
    tags: dict[str, str] | None = None,
    progress: bool | None = None,
) -> EvaluationResult:
    """Score `data` with `scorers` and keep the run.

    `data`: a dataset (`spanscope.datasets`), a pandas DataFrame or list of dicts with `inputs`
    (and `expectations`; `outputs` or `trace` when there is no `predict_fn`), or traces.
    With `predict_fn` each row's inputs are passed to it as keyword arguments, traced (each row
    gets a trace, tagged with the run id); without it the rows' traces are scored. Each score is
    logged as feedback on the row's trace, named after the scorer (or the Feedback's own name),
    with source CODE or LLM_JUDGE. Rows run on `max_workers` threads; a progress bar shows on a
    terminal (`progress=`). Ctrl-C stops the run: what was scored is kept (status INTERRUPTED).
    """
    chosen = _scorers(scorers)
    if predict_fn is not None and not callable(predict_fn):
        raise InvalidArgumentError(f"predict_fn must be callable, got {type(predict_fn).__name__}")
    if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
        raise InvalidArgumentError(f"max_workers must be a positive int, got {max_workers!r}")
    flush(_FLUSH_TIMEOUT_S)
    store = get_store()
    rows, dataset = rows_of(data, store, predict_fn is not None)
    run = store.create_evaluation_run(
        _new_run(experiment_id, name, predict_fn, dataset, chosen, len(rows), tags)
    )
    evaluation = _Evaluation(store, run, chosen, predict_fn)
    items: list[EvaluationItem] = []
    status = EvaluationRunStatus.FAILED
    show = progress if progress is not None else _interactive()
    pool = ThreadPoolExecutor(max_workers, "spanscope-evaluate")
    try:
        with progress_bar(len(rows), run.name, show) as advance:
            items += evaluation.evaluate(rows, pool, max_workers, advance)
        status = EvaluationRunStatus.FINISHED
    except KeyboardInterrupt:
        status = EvaluationRunStatus.INTERRUPTED
        raise
    finally:
        # Interrupted: rows still running are not waited for (a judge call may take a minute).
        pool.shutdown(wait=status is EvaluationRunStatus.FINISHED, cancel_futures=True)
        items += evaluation.saved_on_interrupt
        finished = store.finish_evaluation_run(run.run_id, status, _metrics(items, chosen))
        if status is not EvaluationRunStatus.FINISHED:
            logger.warning(
                "spanscope: evaluation run %s %s after %d of %d rows; what was scored is kept",
                run.run_id,
                status.value.lower(),
                len(items),
                len(rows),
            )
    return EvaluationResult(finished, items)


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C while a phase ran: carries what had finished (None for the rest)."""

    def __init__(self, done: list[Any]) -> None:
        super().__init__()
        self.done = done


class _Evaluation:
    def __init__(
        self,
        store: TraceStore,
        run: EvaluationRun,
        scorers: list[Scorer],
        predict_fn: Callable[..., Any] | None,
    ) -> None:
        self.store = store
        self.run = run
        self.scorers = scorers
        self.predict_fn = predict_fn
        self.reads_traces = any("trace" in s.parameters for s in scorers)
        self.saved_on_interrupt: list[EvaluationItem] = []

    def evaluate(
        self,
        rows: list[Row],
        pool: ThreadPoolExecutor,
        workers: int,
        advance: Callable[[int], None],
    ) -> list[EvaluationItem]:
        batch = workers * _CHUNK_PER_WORKER
        if self.reads_traces and any(self._predicts(r) for r in rows):
            items: list[EvaluationItem] = []
            for chunk in _chunks(rows, batch):
                try:
                    items += self._chunk(chunk, pool, advance)
                except KeyboardInterrupt:
                    self.saved_on_interrupt = items + self.saved_on_interrupt
                    raise
            return items
        return self._streamed(rows, pool, workers, batch, advance)

    def _predicts(self, row: Row) -> bool:
        return self.predict_fn is not None or row.trace is None

    def _streamed(
        self,
        rows: list[Row],
        pool: ThreadPoolExecutor,
        workers: int,
        batch: int,
        advance: Callable[[int], None],
    ) -> list[EvaluationItem]:
        """Each row predicted and scored in one task, the pool kept busy throughout: finished
        rows are logged a batch at a time (their traces flushed first) while others run."""
        context = contextvars.copy_context()
        waiting = iter(rows)
        running: dict[Future[_Scored], int] = {}  # each task, and its row's position
        finished: list[_Scored] = []
        items: list[EvaluationItem] = []

        def top_up() -> None:
            for row in itertools.islice(waiting, workers * _QUEUED_PER_WORKER - len(running)):
                running[pool.submit(context.copy().run, _detached, self._row, row)] = row.position

        try:
            top_up()
            while running:
                # A timed wait: a signal landing just before the wait blocks is not lost
                # (Ctrl-C is handled within _SIGNAL_CHECK_S).
                done, _ = wait(running, _SIGNAL_CHECK_S, FIRST_COMPLETED)
                if not done:
                    continue
                for future in sorted(done, key=running.__getitem__):
                    finished.append(future.result())
                    del running[future]
                advance(len(done))
                top_up()
                if len(finished) >= batch:  # whole batches: the rest waits for the next
                    items += self._flushed_and_logged(finished[:batch])
                    finished = finished[batch:]
        except KeyboardInterrupt:
            # The rows finished by then are kept (not one that raised it).
            finished += [
                f.result() for f in running if f.done() and not f.cancelled() and not f.exception()
            ]
            self.saved_on_interrupt = items + self._flushed_and_logged(finished)
            raise
        return items + self._flushed_and_logged(finished)

    def _row(self, row: Row) -> _Scored:
        predicted = self._predict(row) if self._predicts(row) else None
        return self._score(row, predicted)

    def _flushed_and_logged(self, scored: list[_Scored]) -> list[EvaluationItem]:
        if any(item.trace_id is not None for item, _ in scored):
            flush(_FLUSH_TIMEOUT_S)  # their traces stored before feedback is logged on them
        scored.sort(key=lambda s: s[0].position)
        return self._log(scored)

    def _chunk(
        self, rows: list[Row], pool: ThreadPoolExecutor, advance: Callable[[int], None]
    ) -> list[EvaluationItem]:
        """Scorers read the rows' traces: the chunk is predicted and its traces stored first."""
        made = [r for r in rows if self._predicts(r)]
        outcomes = _gather(pool, self._predict, made)
        predicted = {row.position: outcome for row, outcome in zip(made, outcomes, strict=True)}
        if made:
            flush(_FLUSH_TIMEOUT_S)

        def score(row: Row) -> _Scored:
            scored = self._score(row, predicted.get(row.position))
            advance(1)
            return scored

        try:
            scored = _gather(pool, score, rows)
        except _Interrupted as stop:
            self.saved_on_interrupt = self._log([s for s in stop.done if s is not None])
            raise
        return self._log(scored)

    def _predict(self, row: Row) -> _Predicted:
        """Run the row through predict_fn (or record its given outputs) as a new trace, tagged
        with the run: its id, the outputs and the error predict_fn raised. A @spanscope.trace
        predict_fn makes the trace itself; any other runs under a span of its own."""
        fn = self.predict_fn
        roots: list[LiveSpan] = []
        outputs: Any = None
        error: str | None = None

        def adopt(root: LiveSpan) -> None:
            if not roots:
                tag_trace(
                    root,
                    {EvaluationKey.RUN_ID: self.run.run_id},
                    {EvaluationKey.RECORD_ID: row.record_id},
                )
            roots.append(root)

        try:
            if fn is not None and is_traced(fn):
                with observe_roots(adopt):
                    outputs = _called(fn, row.inputs)
            else:
                label = getattr(fn, "__name__", "predict") if fn is not None else "outputs"
                with start_span(label, SpanType.CHAIN, inputs=row.inputs) as span:
                    if isinstance(span, LiveSpan):
                        adopt(span)
                    outputs = row.outputs if fn is None else _called(fn, row.inputs)
                    span.set_outputs(outputs)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        return (roots[0].trace_id if roots else None), outputs, error

    def _score(self, row: Row, predicted: _Predicted | None) -> _Scored:
        trace: Trace | None = row.trace
        trace_id = trace.trace_id if trace is not None else None
        error: str | None = None
        if predicted is not None:
            trace_id, outputs, error = predicted
            # Read back only for scorers that look at the trace: the rest need just its id.
            trace = self._stored(trace_id) if self.reads_traces else None
        else:
            root = trace.data.root if trace is not None else None
            outputs = row.outputs if row.has_outputs else (root.outputs if root else None)
        item = EvaluationItem(
            position=row.position,
            record_id=row.record_id,
            inputs=row.inputs,
            outputs=outputs,
            expectations=row.expectations,
            trace_id=trace_id,
            error=error,
        )
        feedbacks: list[Feedback] = []
        for chosen in self.scorers:
            if error is not None:
                item.scores[chosen.name] = Score(error=f"predict_fn failed: {error}")
                continue
            feedbacks += chosen.score(
                inputs=row.inputs, outputs=outputs, expectations=row.expectations, trace=trace
            )
        for feedback in feedbacks:
            failure = feedback.error
            item.scores[feedback.name] = Score(
                value=feedback.value,
                rationale=feedback.rationale,
                error=None if failure is None else _error_text(failure),
            )
        return item, feedbacks

    def _stored(self, trace_id: str | None) -> Trace | None:
        if trace_id is None:
            return None
        try:
            return self.store.get_trace(trace_id)
        except NotFoundError:
            return None

    def _log(self, scored: list[_Scored]) -> list[EvaluationItem]:
        """Log the scores as feedback on the rows' traces, then the rows themselves."""
        batch: list[tuple[Score, Feedback]] = []
        for item, feedbacks in scored:
            if item.trace_id is None:
                continue  # sampled out or not stored: the row keeps its scores
            for feedback in feedbacks:
                feedback.trace_id = item.trace_id
                feedback.metadata = {**feedback.metadata, EvaluationKey.RUN_ID: self.run.run_id}
                batch.append((item.scores[feedback.name], feedback))
        stored = self._logged([feedback for _, feedback in batch])
        for (score, _), logged in zip(batch, stored, strict=False):
            score.assessment_id = logged.assessment_id if logged is not None else None
        items = [item for item, _ in scored]
        if items:
            self.store.log_evaluation_items(self.run.run_id, items)
        return items

    def _logged(self, feedbacks: list[Feedback]) -> list[Assessment | None]:
        if not feedbacks:
            return []
        try:
            return list(self.store.log_assessments(feedbacks))
        except NotFoundError:
            pass  # some trace is not in this store: log the others one by one
        stored: list[Assessment | None] = []
        for feedback in feedbacks:
            try:
                stored.append(self.store.log_assessment(feedback))
            except NotFoundError as exc:
                logger.warning("spanscope: a score could not be logged as feedback: %s", exc)
                stored.append(None)
        return stored


def _error_text(error: AssessmentError) -> str:
    return f"{error.error_code}: {error.error_message}" if error.error_message else error.error_code


def _metrics(items: list[EvaluationItem], scorers: list[Scorer]) -> dict[str, ScoreMetrics]:
    """Per score name, in the scorers' order first: a scorer's own name may name no score
    (its Feedbacks named otherwise), then it has no metrics."""
    names = [s.name for s in scorers]
    for item in items:
        names += [n for n in item.scores if n not in names]
    scored = [
        (name, [item.scores[name] for item in items if name in item.scores]) for name in names
    ]
    return {name: ScoreMetrics.of(scores) for name, scores in scored if scores}


def _new_run(
    experiment_id: str | None,
    name: str | None,
    predict_fn: Callable[..., Any] | None,
    dataset: DatasetRef | None,
    scorers: list[Scorer],
    rows: int,
    tags: dict[str, str] | None,
) -> EvaluationRun:
    label = getattr(predict_fn, "__name__", "predict") if predict_fn is not None else "traces"
    return EvaluationRun(
        run_id="",
        experiment_id=current_experiment_id() if experiment_id is None else str(experiment_id),
        name=name or f"{label} {time.strftime('%Y-%m-%d %H:%M:%S')}",
        dataset_id=dataset.dataset_id if dataset else None,
        dataset_name=dataset.name if dataset else None,
        dataset_version=dataset.version if dataset else None,
        scorers=[s.spec() for s in scorers],
        item_count=rows,
        tags=dict(tags or {}),
    )


def _scorers(scorers: Any) -> list[Scorer]:
    if isinstance(scorers, (Scorer, str)) or callable(scorers) or not scorers:
        raise InvalidArgumentError(
            "evaluate(scorers=...) takes a non-empty list of scorers (@spanscope.scorer "
            "functions, spanscope.scorers.*, spanscope.judges.*)"
        )
    chosen: list[Scorer] = []
    for given in scorers:
        if isinstance(given, Scorer):
            chosen.append(given)
        elif callable(given):
            chosen.append(scorer(given))
        else:
            raise InvalidArgumentError(
                f"{given!r} is not a scorer: decorate a function with @spanscope.scorer"
            )
    names = [s.name for s in chosen]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidArgumentError(
            f"two scorers are named {repeated[0]!r}: give each a distinct name "
            "(@spanscope.scorer(name=...))"
        )
    return chosen


def _gather(pool: ThreadPoolExecutor, fn: Callable[[T], R], rows: list[T]) -> list[R]:
    """`fn` over `rows` on the pool, results in order; each task runs in a copy of the
    caller's context outside any span, so every row's trace is a root."""
    context = contextvars.copy_context()
    futures: list[Future[R]] = [pool.submit(context.copy().run, _detached, fn, row) for row in rows]
    try:
        return [f.result() for f in futures]
    except KeyboardInterrupt:
        for f in futures:
            f.cancel()
        done = [f.result() if f.done() and not f.cancelled() else None for f in futures]
        raise _Interrupted(done) from None


def _detached(fn: Callable[[T], R], row: T) -> R:
    CURRENT_SPAN.set(None)
    return fn(row)


def _called(fn: Callable[..., Any], inputs: dict[str, Any]) -> Any:
    outputs = fn(**inputs)
    if inspect.isawaitable(outputs):
        outputs = asyncio.run(_awaited(outputs))
    return outputs


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _interactive() -> bool:
    import sys

    return sys.stderr.isatty()
