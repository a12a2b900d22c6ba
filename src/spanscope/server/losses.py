"""Clients' loss reports: the header every SDK sends with its batches, kept per experiment."""

from __future__ import annotations

import logging
import time

from spanscope.constants import CLIENT_LOSSES_HEADER
from spanscope.entities.client_losses import parse_loss_report
from spanscope.store.base import TraceStore

__all__ = ["record_losses"]

_logger = logging.getLogger("spanscope.server")


def record_losses(store: TraceStore, experiment_id: str, header: str | None) -> None:
    """Keep the loss counters a client sent with a batch it delivered to `experiment_id`.

    A missing or malformed header, or a store that cannot keep it now, never fails the batch.
    """
    report = parse_loss_report(header)
    if report is None:
        return
    client_id, totals = report
    try:
        store.record_client_losses(experiment_id, client_id, totals, int(time.time() * 1000))
    except Exception:  # the traces are stored; the report waits for the client's next batch
        _logger.debug("could not keep a client's %s report", CLIENT_LOSSES_HEADER, exc_info=True)
