"""`spanscope spool ...`: what waits in the spool, and delivering it now."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.table import Table

from spanscope.store.uri import redact_uri
from spanscope.tracing.export.delivery import Delivery
from spanscope.tracing.export.destinations import open_destination
from spanscope.tracing.spool import Spool

__all__ = ["spool"]


@click.group()
def spool() -> None:
    """Traces kept for destinations that could not take them (SPANSCOPE_HOME/spool)."""


@spool.command("status")
def status() -> None:
    """What waits in the spool, by destination."""
    found = Spool()
    rows = found.status()
    if not rows:
        click.echo(f"the spool at {found.path} is empty")
        return
    table = Table(title=f"spool: {found.path}")
    for column in ("destination", "batches", "traces", "spans", "bytes", "oldest"):
        table.add_column(column, justify="left" if column == "destination" else "right")
    for row in rows:
        age = "" if row.oldest is None else f"{time.time() - row.oldest:.0f} s ago"
        table.add_row(
            _readable(row.destination),
            str(row.batches),
            str(row.traces),
            str(row.spans),
            str(row.bytes),
            age,
        )
    Console().print(table)


@spool.command("flush")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to keep trying, at most.")
def flush(timeout: float) -> None:
    """Deliver what waits in the spool now. Exits 1 if some could not be delivered."""
    found = Spool()
    delivery = Delivery(found, min(timeout, 10.0))
    deadline = time.monotonic() + timeout
    delivered = 0
    try:
        while time.monotonic() < deadline:
            delivered += delivery.replay(deadline, open_destination)
            if not found.destinations():
                break
            delivery.wait_until_up(deadline)
        left = sum(row.traces for row in found.status())
    finally:
        found.close()
    click.echo(f"delivered {delivered} trace(s) from the spool; {left} left")
    if left:
        raise SystemExit(1)


def _readable(destination: str) -> str:
    kind, _, where = destination.partition(":")
    return f"{kind}:{redact_uri(where)}"
