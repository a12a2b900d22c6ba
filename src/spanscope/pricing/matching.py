"""Model names as spans report them, turned into the names a price book knows.

Libraries and gateways name one model many ways: a provider prefix (`openai/gpt-4o-mini`
from LiteLLM and routers), a dated snapshot (`gpt-4o-mini-2024-07-18`,
`claude-3-5-sonnet-20241022`), a Bedrock model id (`us.anthropic.claude-3-5-sonnet-20241022-v2:0`).
`candidates` lists the (name, provider) pairs to try, the most specific first.
"""

from __future__ import annotations

import re

__all__ = ["candidates", "undated"]

# Bedrock's cross-region inference profiles put a region before the vendor.
_BEDROCK_REGION = re.compile(r"^(?:us|eu|apac|global|us-gov|ca|jp|au)\.")
_BEDROCK_ID = re.compile(
    r"^(?P<vendor>anthropic|meta|amazon|cohere|mistral|ai21|deepseek|openai|qwen|writer)\."
    r"(?P<model>.+?)(?:-v\d+(?::\d+)?)?(?::\d+)?$"
)
_DATE_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8})$")


def candidates(model: str, provider: str | None) -> list[tuple[str, str | None]]:
    """(model, provider hint) pairs to look up, in order, without repeats."""
    name = model.strip().lower()
    hint = provider.strip().lower() if provider else None
    found: list[tuple[str, str | None]] = [(name, hint)]
    if "/" in name:
        prefix, _, rest = name.rpartition("/")
        found += [(rest, prefix.split("/")[0]), (rest, hint)]
        name = rest
    bare = _BEDROCK_REGION.sub("", name)
    bedrock = _BEDROCK_ID.match(bare)
    if bedrock is not None:
        found += [(name, "aws.bedrock"), (bedrock["model"], bedrock["vendor"])]
    unique: list[tuple[str, str | None]] = []
    for pair in found:
        if pair not in unique:
            unique.append(pair)
    return unique


def undated(name: str) -> str:
    """A snapshot's name without its date (`gpt-4o-mini-2024-07-18` -> `gpt-4o-mini`)."""
    return _DATE_SUFFIX.sub("", name)
