"""Write the TypeScript copies of spanscope's reserved keys from `spanscope.constants`.

Two modules are generated: ui/src/lib/keys.ts (the web UI) and
libs/typescript/core/src/constants.ts (the TypeScript SDK). The tables below map their exported
names to the Python constants; every value comes from Python. Run from anywhere:
`python scripts/generate_keys.py` (or `make keys`). With `--check` it writes nothing and exits 1
when a file differs from what it would write. `--root DIR` reads and writes DIR's copies instead
of this repository's (the tests check a stale copy that way).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

ROOT = Path(__file__).resolve().parent.parent
# This checkout's constants, even when the environment has another spanscope installed.
sys.path.insert(0, str(ROOT / "src"))

from spanscope import constants as c  # noqa: E402
from spanscope.entities.span_type import SpanType  # noqa: E402

COMMAND = "python scripts/generate_keys.py"
HEADER = (
    "// Generated from spanscope/constants.py by scripts/generate_keys.py: do not edit by hand.\n"
    "// Change the Python constants (or the script's tables), then run `make keys`.\n"
)
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")

Value: TypeAlias = str | int


class KeysError(ValueError):
    """A table or a constant the generator cannot print as prettier would."""


def _require(ok: bool, message: str) -> None:
    # Not assert: the checks must hold under `python -O` too.
    if not ok:
        raise KeysError(message)


@dataclass(frozen=True)
class Field:
    """One property of an exported object: `name: value`."""

    name: str
    value: Value
    doc: str | None = None


@dataclass(frozen=True)
class Export:
    """`export const name = value;`, or an object of fields `as const`."""

    name: str
    value: Value | tuple[Field, ...]
    doc: str | None = None


@dataclass(frozen=True)
class Module:
    """A generated file: its intro comment, then groups of exports separated by blank lines."""

    path: str
    intro: str
    groups: tuple[tuple[Export, ...], ...]
    # Prettier's printWidth where the file lives: a longer line would be reformatted by it.
    print_width: int


def mirror(
    cls: type, exclude: Sequence[str] = (), docs: Mapping[str, str] | None = None
) -> tuple[Field, ...]:
    """Every constant of a Python class, same names and order (keys added there flow through)."""
    fields = []
    for name, value in vars(cls).items():
        if name.startswith("_") or name in exclude:
            continue
        _require(isinstance(value, str), f"{cls.__name__}.{name} is not a string")
        fields.append(Field(name, value, (docs or {}).get(name)))
    unknown = {*exclude, *(docs or {})} - {*vars(cls)}
    _require(not unknown, f"{cls.__name__} has no {sorted(unknown)}")
    return tuple(fields)


K = c.SpanAttributeKey

UI_KEYS = Module(
    path="ui/src/lib/keys.ts",
    intro="// Reserved keys the UI reads.\n",
    print_width=100,
    groups=(
        (
            Export(
                "GenAI",
                (
                    Field("inputMessages", K.GEN_AI_INPUT_MESSAGES),
                    Field("outputMessages", K.GEN_AI_OUTPUT_MESSAGES),
                    Field("systemInstructions", K.GEN_AI_SYSTEM_INSTRUCTIONS),
                    Field("toolDefinitions", K.GEN_AI_TOOL_DEFINITIONS),
                    Field("provider", K.GEN_AI_PROVIDER),
                    Field("requestModel", K.GEN_AI_REQUEST_MODEL),
                    Field("responseModel", K.GEN_AI_RESPONSE_MODEL),
                    Field("finishReasons", K.GEN_AI_FINISH_REASONS),
                    Field("inputTokens", K.GEN_AI_INPUT_TOKENS),
                    Field("outputTokens", K.GEN_AI_OUTPUT_TOKENS),
                    Field("cacheReadTokens", K.GEN_AI_CACHE_READ_TOKENS),
                    Field("cacheCreationTokens", K.GEN_AI_CACHE_CREATION_TOKENS),
                ),
            ),
        ),
        (Export("SpanKey", (Field("cost", K.COST),)),),
        (
            Export(
                "TraceMeta",
                (
                    Field("session", c.TraceMetadataKey.SESSION),
                    Field("user", c.TraceMetadataKey.USER),
                    Field("tokenUsage", c.TraceMetadataKey.TOKEN_USAGE),
                ),
            ),
        ),
        (
            Export(
                "Exception",
                (
                    Field("event", c.ExceptionEventKey.EVENT_NAME),
                    Field("type", c.ExceptionEventKey.TYPE),
                    Field("message", c.ExceptionEventKey.MESSAGE),
                    Field("stacktrace", c.ExceptionEventKey.STACKTRACE),
                ),
            ),
        ),
    ),
)

SDK_CONSTANTS = Module(
    path="libs/typescript/core/src/constants.ts",
    intro=(
        "/**\n"
        " * Reserved keys and environment variables, the same as the Python SDK's\n"
        " * (`spanscope.constants`): spans written here are stored exactly like Python ones.\n"
        " */\n"
    ),
    print_width=80,
    groups=(
        (
            Export(
                "SpanAttributeKey",
                # The TS SDK traces no tools of its own yet, so it has no use for the tool name.
                mirror(
                    K,
                    exclude=("GEN_AI_TOOL_NAME",),
                    docs={
                        "TRACE_METADATA": "On the root span: the trace's metadata"
                        " (read back as trace metadata by the server)."
                    },
                ),
                "Span attribute keys spanscope writes."
                " Chat and usage keys follow OpenTelemetry GenAI.",
            ),
        ),
        (
            Export(
                "TraceAttributeKey",
                mirror(c.TraceAttributeKey),
                "Trace-level attributes of the root span, read back as trace metadata by the"
                " server.",
            ),
        ),
        (
            Export(
                "ExperimentHeader",
                mirror(c.ExperimentHeader),
                "Headers of the OTLP ingest endpoint that route spans to an experiment.",
            ),
        ),
        (
            Export(
                "ExceptionEventKey",
                mirror(c.ExceptionEventKey),
                "The OpenTelemetry exception event convention.",
            ),
        ),
        (Export("SpanType", mirror(SpanType), "Span types; any other string is allowed too."),),
        (
            Export(
                "SCOPE_NAME",
                c.SCOPE_NAME,
                "The instrumentation scope of spanscope's spans: the server does not record it.",
            ),
            Export("OTLP_TRACES_PATH", c.OTLP_TRACES_PATH),
            Export("STREAM_CHUNK_EVENT", c.STREAM_CHUNK_EVENT),
            Export("MAX_CHUNK_EVENTS", c.MAX_CHUNK_EVENTS),
        ),
        (
            Export(
                "Env",
                (
                    Field("TRACKING_URI", c.ENV_TRACKING_URI),
                    Field("TRACKING_TOKEN", c.ENV_TRACKING_TOKEN),
                    Field("EXPERIMENT_ID", c.ENV_EXPERIMENT_ID),
                    Field("EXPERIMENT_NAME", c.ENV_EXPERIMENT_NAME),
                    Field("TRACING_DISABLED", c.ENV_TRACING_DISABLED),
                    Field("STRICT", c.ENV_STRICT),
                    Field("QUEUE_SIZE", c.ENV_QUEUE_SIZE),
                    Field("BATCH_SIZE", c.ENV_BATCH_SIZE),
                    Field("EXPORT_INTERVAL_MS", c.ENV_EXPORT_INTERVAL_MS),
                    Field("MAX_VALUE_BYTES", c.ENV_MAX_VALUE_BYTES),
                ),
                "Environment variables (the Python SDK's names).",
            ),
        ),
    ),
)

MODULES = (UI_KEYS, SDK_CONSTANTS)


def _literal(value: Value) -> str:
    # bool is an int too, and would print as Python's True.
    _require(type(value) in (str, int), f"{value!r} is not a string or an integer")
    return json.dumps(value)


def _doc(doc: str | None, indent: str) -> list[str]:
    return [] if doc is None else [f"{indent}/** {doc} */"]


def _export(export: Export, width: int) -> list[str]:
    _require(bool(_IDENTIFIER.fullmatch(export.name)), f"{export.name} is not an identifier")
    lines = _doc(export.doc, "")
    if not isinstance(export.value, tuple):
        code = f"export const {export.name} = {_literal(export.value)};"
        _require(len(code) <= width, f"prettier would wrap {code!r}")
        return [*lines, code]
    lines.append(f"export const {export.name} = {{")
    for field in export.value:
        # Plain identifiers only: prettier would quote or unquote other keys.
        ok = bool(_IDENTIFIER.fullmatch(field.name))
        _require(ok, f"{export.name}.{field.name} is not an identifier")
        code = f"  {field.name}: {_literal(field.value)},"
        # Prettier leaves a long comment alone but would wrap a long line of code.
        _require(len(code) <= width, f"prettier would wrap {code!r}")
        lines += [*_doc(field.doc, "  "), code]
    lines.append("} as const;")
    return lines


def render(module: Module) -> str:
    """The file's text, as prettier would print it."""
    groups = (
        "\n".join(line for e in group for line in _export(e, module.print_width))
        for group in module.groups
    )
    return HEADER + "\n" + module.intro + "\n" + "\n\n".join(groups) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a file is stale"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository holding the generated files"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    # Everything is rendered before anything is written: a bad table leaves the files alone.
    rendered = [(module.path, render(module).encode()) for module in MODULES]
    stale = []
    for path, data in rendered:
        target = root / path
        # Bytes, not text: a newline translated on the way in or out is a difference too.
        if target.is_file() and target.read_bytes() == data:
            continue
        shown = path if root == ROOT else str(target)
        if args.check:
            stale.append(shown)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"wrote {shown}")
    for shown in stale:
        print(f"{shown} is stale: it differs from spanscope/constants.py", file=sys.stderr)
    if stale:
        print(f"run `{COMMAND}` (or `make keys`) and commit the result", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
