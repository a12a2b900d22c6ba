"""Running the `spanscope` command in process, as the console script does (exit status, stdout
and stderr), for the CLI tests and the reliability tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from click.testing import CliRunner

from spanscope.cli.main import run


class Outcome(NamedTuple):
    status: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], stdin: str = "") -> Outcome:
    """`spanscope *args` with `stdin`; returns what the console script would exit with."""
    with CliRunner().isolation(input=stdin) as (stdout, stderr, _):
        status = run(args)
        return Outcome(status, stdout.getvalue().decode(), stderr.getvalue().decode())
