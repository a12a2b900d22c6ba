"""`spanscope experiments ...`"""

from __future__ import annotations

import click
from rich.console import Console

from spanscope.cli.render import experiments_table
from spanscope.store.base import all_pages
from spanscope.store.uri import get_store

__all__ = ["experiments"]


@click.group()
def experiments() -> None:
    """List, create, rename and delete experiments."""


@experiments.command("list")
@click.option("--name-like", help="SQL LIKE pattern on the name, e.g. 'bot%'.")
def list_experiments(name_like: str | None) -> None:
    """Experiments with their trace counts and last activity."""
    store = get_store()
    found = all_pages(lambda token: store.search_experiments(name_like, 1000, token))
    Console().print(experiments_table(found))


@experiments.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create an experiment and print its id."""
    click.echo(get_store().create_experiment(name))


@experiments.command("rename")
@click.argument("experiment_id")
@click.argument("new_name")
def rename(experiment_id: str, new_name: str) -> None:
    get_store().rename_experiment(experiment_id, new_name)


@experiments.command("delete")
@click.argument("experiment_id")
@click.confirmation_option(prompt="Delete the experiment and all its traces?")
def delete(experiment_id: str) -> None:
    get_store().delete_experiment(experiment_id)
    click.echo(f"deleted experiment {experiment_id}")
