"""What a judge says to its model: the instructions filled in, the system prompt asking for
a JSON verdict, and the correction after a reply that could not be read."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from spanscope.entities.document import Document
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.entities.tree_text import children_by_parent
from spanscope.evaluation.judges.errors import JudgeFailure
from spanscope.evaluation.judges.verdict import ResultType
from spanscope.evaluation.scorer import PARAMETERS
from spanscope.exceptions import InvalidArgumentError

__all__ = [
    "Renderer",
    "Template",
    "correction",
    "render_documents",
    "render_trace",
    "render_value",
    "system_prompt",
]

Renderer = Callable[[Any], str]

_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# Each value in a prompt is cut at this many characters: a huge trace must not take the
# whole context window (or the bill).
MAX_VALUE_CHARS = 40_000


class Template:
    """A judge's instructions: text naming {{ inputs }}, {{ outputs }}, {{ expectations }}
    and/or {{ trace }}, filled in per row."""

    def __init__(self, instructions: str) -> None:
        if not isinstance(instructions, str) or not instructions.strip():
            raise InvalidArgumentError("a judge's instructions are a non-empty string")
        named = [m.strip() for m in _VARIABLE.findall(instructions)]
        unknown = sorted({n for n in named if n not in PARAMETERS})
        if unknown:
            raise InvalidArgumentError(
                f"a judge's instructions may name {_accepted()} only; "
                f"got {', '.join('{{ ' + n + ' }}' for n in unknown)}"
            )
        if not named:
            raise InvalidArgumentError(
                f"a judge's instructions must name at least one of {_accepted()}"
            )
        self.text = instructions
        self.variables = tuple(p for p in PARAMETERS if p in named)

    def fill(self, row: Mapping[str, Any], renderers: Mapping[str, Renderer]) -> str:
        """The instructions with each variable replaced by its rendered value."""
        rendered = {
            name: _cut(renderers.get(name, _default(name))(row.get(name)))
            for name in self.variables
        }
        return _VARIABLE.sub(lambda m: rendered[m.group(1).strip()], self.text)


def system_prompt(result_type: ResultType) -> str:
    return (
        "You are a careful, impartial judge of the work of an AI application. Follow the "
        "instructions in the next message and judge only by them.\n"
        "Reply with a single JSON object and nothing else, of the form\n"
        f'{{"result": <{result_type.describe()}>, "rationale": "<why, in one to three '
        'sentences>"}'
    )


def reminder(result_type: ResultType) -> str:
    """Appended to the instructions: the verdict's form again, where the model reads last."""
    return (
        f'\n\nAnswer with a JSON object {{"result": ..., "rationale": ...}} where "result" '
        f"is {result_type.describe()}."
    )


def correction(problem: str, result_type: ResultType) -> str:
    return (
        f"Your reply could not be used: {problem}\n"
        'Reply again with only a JSON object {"result": ..., "rationale": ...} where "result" '
        f"is {result_type.describe()}."
    )


def render_value(value: Any) -> str:
    """A string as is; anything else as indented JSON; None as "(none)"."""
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def render_trace(trace: Any) -> str:
    """A trace as nested JSON spans (name, type, inputs, outputs, error, children)."""
    if not isinstance(trace, Trace):
        return render_value(trace)
    children = children_by_parent(trace.spans)

    def node(span: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"name": span.name, "type": span.span_type}
        if span.inputs is not None:
            out["inputs"] = span.inputs
        if span.outputs is not None:
            out["outputs"] = span.outputs
        if span.status.description:
            out["error"] = span.status.description
        kids = children.get(span.span_id, [])
        if kids:
            out["children"] = [node(kid) for kid in kids]
        return out

    return render_value([node(root) for root in children.get(None, [])])


def render_documents(trace: Any) -> str:
    """The documents the trace's RETRIEVER spans returned, numbered; JudgeFailure
    (MISSING_JUDGE_INPUT) when there are none."""
    if not isinstance(trace, Trace):
        raise JudgeFailure("MISSING_JUDGE_INPUT", "this judge reads a trace, and the row has none")
    documents: list[str] = []
    for span in trace.search_spans(span_type=SpanType.RETRIEVER):
        outputs = span.outputs if isinstance(span.outputs, list) else []
        for item in outputs:
            documents.append(_document_text(item, len(documents) + 1))
    if not documents:
        raise JudgeFailure(
            "MISSING_JUDGE_INPUT", "the trace has no RETRIEVER span that returned documents"
        )
    return "\n\n".join(documents)


def required(what: str) -> Renderer:
    """A renderer that refuses an empty value (MISSING_JUDGE_INPUT) instead of judging it."""

    def render(value: Any) -> str:
        if value is None or value == {} or value == "":
            raise JudgeFailure("MISSING_JUDGE_INPUT", f"this judge needs {what}; the row has none")
        return render_value(value)

    return render


def _document_text(item: Any, number: int) -> str:
    if isinstance(item, Mapping) and "page_content" in item:
        document = Document.from_dict(dict(item))
        source = document.metadata.get("doc_uri") or document.id
        head = f"[{number}]" + (f" ({source})" if source else "")
        return f"{head}\n{document.page_content}"
    return f"[{number}]\n{render_value(item)}"


def _default(name: str) -> Renderer:
    return render_trace if name == "trace" else render_value


def _cut(text: str) -> str:
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return text[:MAX_VALUE_CHARS] + f"\n[... cut: {len(text) - MAX_VALUE_CHARS} more characters]"


def _accepted() -> str:
    return ", ".join("{{ " + p + " }}" for p in PARAMETERS)
