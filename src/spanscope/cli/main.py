"""`spanscope` entry point: the command group and error handling.

Exit statuses (docs/store.md): 0 done; 1 aborted (a declined confirmation, Ctrl-C; `spool flush`
also exits 1 when traces are left undelivered); 2 a usage error (a bad filter, argument or
option, an unknown experiment or trace); 3 the store is unavailable (database unreachable, disk
full, locked...). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from spanscope.cli.evaluate import evaluate_command
from spanscope.cli.experiments import experiments
from spanscope.cli.pricing import pricing
from spanscope.cli.server import server
from spanscope.cli.spool import spool
from spanscope.cli.traces import traces
from spanscope.exceptions import SpanscopeError, StorageUnavailableError
from spanscope.store.sql.errors import database_errors
from spanscope.store.sql.migrate import HEAD_REVISION, upgrade
from spanscope.store.uri import get_tracking_uri, redact_uri, set_tracking_uri

__all__ = ["EXIT_ABORTED", "EXIT_UNAVAILABLE", "EXIT_USAGE", "cli", "main", "run"]

EXIT_ABORTED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3
_EPILOG = (
    "Exit status: 0 done, 1 aborted (or traces left in the spool by spool flush), 2 usage error "
    "(bad filter, argument, unknown experiment or trace), 3 store unavailable (try again later)."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=_EPILOG)
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
    with database_errors():
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
cli.add_command(evaluate_command)
cli.add_command(pricing)


def run(args: Sequence[str] | None = None) -> int:
    """Run the CLI on `args` (default: the command line); returns the exit status. Errors are
    one line on stderr (see the module docstring for the statuses)."""
    try:
        result = cli.main(
            args=None if args is None else list(args), prog_name="spanscope", standalone_mode=False
        )
    except click.exceptions.Abort:
        return _fail("Aborted!", EXIT_ABORTED)
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        return _fail(f"Error: {_one_line(exc.format_message())}{hint}", EXIT_USAGE)
    except click.ClickException as exc:
        return _fail(f"Error: {_one_line(exc.format_message())}", exc.exit_code)
    except StorageUnavailableError as exc:
        return _fail(f"Error: {_one_line(str(exc))}", EXIT_UNAVAILABLE)
    except SpanscopeError as exc:
        return _fail(f"Error: {_one_line(str(exc))}", EXIT_USAGE)
    return result if isinstance(result, int) else 0


def main() -> None:
    """The `spanscope` command."""
    sys.exit(run())


def _fail(message: str, status: int) -> int:
    click.secho(message, err=True, fg="red")
    return status


def _one_line(message: str) -> str:
    """The first line of a message (a filter error's caret lines follow it)."""
    lines = message.strip().splitlines()
    return lines[0] if lines else "unknown error"


if __name__ == "__main__":
    main()
