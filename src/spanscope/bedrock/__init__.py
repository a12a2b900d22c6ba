"""Tracing Amazon Bedrock Runtime through boto3: `spanscope.bedrock.autolog()`."""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="bedrock",
    library="boto3",
    distribution="boto3",
    min_version="1.44",
    kind="patch",
    records=(
        "bedrock-runtime converse (and streams), invoke_model (and streams): the chat with"
        " tool use and results, system prompt, tools, usage with cache tokens"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace every Bedrock Runtime model call made through boto3 (sync: boto3 has no async).

    Each `converse`, `converse_stream`, `invoke_model` and `invoke_model_with_response_stream`
    of a `bedrock-runtime` client, made before or after this call, becomes one CHAT_MODEL span
    with the conversation (tool use and tool results included), system prompt, tool
    definitions, model id, token usage (cache reads and writes included) and stop reason.
    Streams are traced in place: the caller reads the same `EventStream`, and the span ends
    when it is exhausted, closed, dropped or fails. Other AWS services are left alone.
    Calling it again re-applies the patch (never doubles it); `disable=True` restores
    botocore's own method; `silent=True` mutes spanscope's warnings about its own errors;
    `log_traces=False` records nothing.
    """
    import boto3  # noqa: F401  (fails early and clearly when boto3 is not installed)

    from spanscope.bedrock._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
