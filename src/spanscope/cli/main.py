"""`spanscope` entry point: the command group and error handling."""

from __future__ import annotations

import click

from spanscope.cli.experiments import experiments
from spanscope.cli.server import server
from spanscope.cli.spool import spool
from spanscope.cli.traces import traces
from spanscope.exceptions import SpanscopeError
from spanscope.store.sql.migrate import HEAD_REVISION, upgrade
from spanscope.store.uri import get_tracking_uri, redact_uri, set_tracking_uri

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--tracking-uri",
    envvar="SPANSCOPE_TRACKING_URI",
    help="Store to use: sqlite:///path.db or postgresql://... (default ~/.spanscope).",
)
def cli(tracking_uri: str | None) -> None:
    """spanscope: tracing and observability for GenAI applications."""
    if tracking_uri:
        set_tracking_uri(tracking_uri)


@cli.group()
def db() -> None:
    """Manage the store's database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply schema migrations to the store of the tracking URI."""
    from spanscope.store.sql.engine import make_engine

    uri = get_tracking_uri()
    engine = make_engine(uri)
    try:
        ran = upgrade(engine)
    finally:
        engine.dispose()
    state = "upgraded to" if ran else "already at"
    click.echo(f"{redact_uri(uri)}: schema {state} revision {HEAD_REVISION}")


cli.add_command(traces)
cli.add_command(experiments)
cli.add_command(server)
cli.add_command(spool)


def main() -> None:
    """Run the CLI; spanscope errors become a message and exit status 2, not a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        raise SystemExit(1) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except SpanscopeError as exc:
        click.secho(f"Error: {exc}", err=True, fg="red")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
