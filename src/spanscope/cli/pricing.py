"""`spanscope pricing ...`"""

from __future__ import annotations

import click

from spanscope.store.uri import get_store

__all__ = ["pricing"]


@click.group()
def pricing() -> None:
    """The cost of LLM calls (docs/cost.md)."""


@pricing.command("recompute")
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    help="Experiment id or name (repeatable); every experiment when omitted.",
)
def recompute(experiments: tuple[str, ...]) -> None:
    """Price the stored LLM calls again after the price book changed (a new genai-prices,
    SPANSCOPE_PRICE_BOOK edited). Against a server, its own price book prices them."""
    store = get_store()
    ids: list[str] | None = None
    if experiments:
        ids = []
        for given in experiments:
            found = store.get_experiment_by_name(given)
            ids.append(found.experiment_id if found is not None else given)
    changed = store.recompute_costs(ids)
    click.echo(f"recomputed costs: {changed} trace(s) changed")
