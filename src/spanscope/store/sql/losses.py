"""Clients' loss reports in SQL: cumulative totals per (experiment, client, cause), and the
increases over time, which `client_losses` sums for a window."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, delete, func, select

from spanscope.entities.client_losses import ClientLosses
from spanscope.store.sql.schema import client_loss_events, client_loss_totals

__all__ = ["delete_losses", "read_losses", "record_losses"]


def record_losses(
    conn: Connection, experiment: int, client_id: str, totals: Mapping[str, int], at_ms: int
) -> None:
    """Keep a client's cumulative counts; the increase since its last report becomes an event.

    A total below the last one (a client id reused after a restart) counts in full.
    """
    previous = dict(
        conn.execute(
            select(client_loss_totals.c.cause, client_loss_totals.c.total).where(
                client_loss_totals.c.experiment_id == experiment,
                client_loss_totals.c.client_id == client_id,
            )
        ).all()
    )
    events = []
    for cause, total in totals.items():
        before = previous.get(cause)
        increase = total - before if before is not None and total >= before else total
        if increase > 0:
            events.append(
                {
                    "experiment_id": experiment,
                    "client_id": client_id,
                    "cause": cause,
                    "count": increase,
                    "at_ms": at_ms,
                }
            )
        if before is None:
            conn.execute(
                client_loss_totals.insert().values(
                    experiment_id=experiment,
                    client_id=client_id,
                    cause=cause,
                    total=total,
                    updated_at=at_ms,
                )
            )
        elif before != total:
            conn.execute(
                client_loss_totals.update()
                .where(
                    client_loss_totals.c.experiment_id == experiment,
                    client_loss_totals.c.client_id == client_id,
                    client_loss_totals.c.cause == cause,
                )
                .values(total=total, updated_at=at_ms)
            )
    if events:
        conn.execute(client_loss_events.insert(), events)


def read_losses(conn: Connection, experiment: int, since_ms: int) -> ClientLosses:
    window = (
        client_loss_events.c.experiment_id == experiment,
        client_loss_events.c.at_ms >= since_ms,
    )
    by_cause = dict(
        conn.execute(
            select(client_loss_events.c.cause, func.sum(client_loss_events.c.count))
            .where(*window)
            .group_by(client_loss_events.c.cause)
        ).all()
    )
    clients = conn.scalar(
        select(func.count(func.distinct(client_loss_events.c.client_id))).where(*window)
    )
    return ClientLosses(
        experiment_id=str(experiment),
        since_ms=since_ms,
        by_cause={str(k): int(v) for k, v in by_cause.items()},
        clients=int(clients or 0),
    )


def delete_losses(conn: Connection, experiment: int) -> None:
    for table in (client_loss_events, client_loss_totals):
        conn.execute(delete(table).where(table.c.experiment_id == experiment))
