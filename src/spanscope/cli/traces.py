"""`spanscope traces search | tail | get | delete`"""

from __future__ import annotations

import contextlib

import click
import orjson
from rich.console import Console
from rich.progress import Progress

from spanscope.cli.render import span_tree, traces_table
from spanscope.cli.tail import TraceTail, follow
from spanscope.exceptions import NotFoundError
from spanscope.store.base import TraceStore
from spanscope.store.uri import get_store

__all__ = ["traces"]

_DELETE_CHUNK = 500


@click.group()
def traces() -> None:
    """Search, show and delete traces."""


def _experiment_id(store: TraceStore, experiment: str) -> str:
    """An experiment given by name or id."""
    found = store.get_experiment_by_name(experiment)
    if found is not None:
        return found.experiment_id
    try:
        return store.get_experiment(experiment).experiment_id
    except NotFoundError:
        raise NotFoundError(f"no experiment named {experiment!r}, nor with that id") from None


@traces.command("search")
@click.option("--experiment", "-e", default="0", show_default=True, help="Name or id.")
@click.option("--filter", "-f", "filter_string", help="Filter language, see docs/search.md.")
@click.option("--order-by", "-o", multiple=True, help="e.g. 'timestamp_ms DESC' (repeatable).")
@click.option("--max-results", "-n", default=25, show_default=True, type=int)
@click.option("--page-token", help="Token printed after the previous page.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def search(
    experiment: str,
    filter_string: str | None,
    order_by: tuple[str, ...],
    max_results: int,
    page_token: str | None,
    as_json: bool,
) -> None:
    """Find traces of an experiment."""
    store = get_store()
    page = store.search_traces(
        [_experiment_id(store, experiment)],
        filter_string,
        list(order_by) or None,
        max_results,
        page_token,
        include_spans=as_json,
    )
    if as_json:
        for trace in page:
            click.echo(trace.to_json())
        return
    console = Console()
    console.print(traces_table(page))
    if page.next_page_token:
        console.print(f"next page: --page-token {page.next_page_token}", style="dim")


@traces.command("tail")
@click.option("--experiment", "-e", default="0", show_default=True, help="Name or id.")
@click.option("--filter", "-f", "filter_string", help="Only traces matching this filter.")
@click.option(
    "--lines", "-n", default=10, show_default=True, type=int, help="Newest traces shown first."
)
@click.option("--interval", default=1.0, show_default=True, type=float, help="Seconds per poll.")
@click.option("--timeout", type=float, help="Stop after this many seconds (default: Ctrl-C).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of text.")
def tail(
    experiment: str,
    filter_string: str | None,
    lines: int,
    interval: float,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Follow new and running traces: a line when a trace appears, grows and ends."""
    if interval <= 0:
        raise click.BadParameter("must be a positive number of seconds", param_hint="--interval")
    store = get_store()
    follower = TraceTail(store, _experiment_id(store, experiment), filter_string)
    with contextlib.suppress(KeyboardInterrupt):
        follow(
            follower,
            lines,
            interval,
            timeout,
            lambda event: click.echo(event.json() if as_json else event.line()),
        )


@traces.command("get")
@click.argument("trace_id")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON.")
def get(trace_id: str, as_json: bool) -> None:
    """Show one trace as a span tree."""
    trace = get_store().get_trace(trace_id)
    if as_json:
        click.echo(orjson.dumps(trace.to_dict(), option=orjson.OPT_INDENT_2).decode())
    else:
        Console().print(span_tree(trace))


@traces.command("delete")
@click.option("--experiment", "-e", required=True, help="Name or id.")
@click.option("--trace-id", "trace_ids", multiple=True, help="Repeatable.")
@click.option("--older-than-ms", type=int, help="Delete traces older than this many ms.")
@click.option("--max-traces", type=int, help="Delete at most this many, oldest first.")
def delete(
    experiment: str,
    trace_ids: tuple[str, ...],
    older_than_ms: int | None,
    max_traces: int | None,
) -> None:
    """Delete traces by id, by age, or the oldest N."""
    store = get_store()
    experiment_id = _experiment_id(store, experiment)
    deleted = 0
    with Progress(transient=True) as progress:
        if trace_ids:
            task = progress.add_task("deleting", total=len(trace_ids))
            for start in range(0, len(trace_ids), _DELETE_CHUNK):
                chunk = list(trace_ids[start : start + _DELETE_CHUNK])
                deleted += store.delete_traces(experiment_id, trace_ids=chunk)
                progress.update(task, advance=len(chunk))
        else:
            if older_than_ms is None and max_traces is None:
                raise click.UsageError("give --trace-id, --older-than-ms or --max-traces")
            task = progress.add_task("deleting", total=max_traces)
            while max_traces is None or deleted < max_traces:
                limit = (
                    _DELETE_CHUNK
                    if max_traces is None
                    else min(_DELETE_CHUNK, max_traces - deleted)
                )
                count = store.delete_traces(experiment_id, None, older_than_ms, limit)
                deleted += count
                progress.update(task, advance=count)
                if count < limit:
                    break
    click.echo(f"deleted {deleted} trace(s)")
    if trace_ids and deleted < len(trace_ids):
        raise NotFoundError(f"{len(trace_ids) - deleted} of the given trace ids were not found")
