"""How LangChain finds spanscope's handler: one configure hook per process, and the switch."""

from __future__ import annotations

import contextvars
from typing import Any

from langchain_core.tracers.context import register_configure_hook

from spanscope.langchain import _switch
from spanscope.langchain._callback import SpanscopeCallbackHandler
from spanscope.patching import CallHooks, safe_patch

__all__ = ["HANDLER", "enable"]

HANDLER = SpanscopeCallbackHandler()
"""The one handler, attached by LangChain to every run from the first `autolog()` on."""

# The handler is the variable's *default*: LangChain reads it when configuring each run, so it
# is found in every thread and task (plain threads start with an empty context, where a value
# set with ContextVar.set would be missing), and users pass nothing per call.
_HANDLER_VAR: contextvars.ContextVar[SpanscopeCallbackHandler | None] = contextvars.ContextVar(
    "spanscope_langchain_handler", default=HANDLER
)
register_configure_hook(_HANDLER_VAR, inheritable=True)


class _On(CallHooks):
    """Makes the patched `_switch.is_active` answer True."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return True

    def after(self, state: Any, result: Any) -> bool:
        return True


def enable() -> None:
    safe_patch("langchain", _switch, "is_active", _On())
