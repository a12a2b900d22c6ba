"""ADK's own plugin system, driven for spanscope: one plugin every Runner gets.

A Runner calls its plugins around each run, agent invocation, model call and tool call (see
`_recorder.py` for what becomes of them). ADK has no process-wide plugin registry: autolog
wraps `Runner.run_async` (which `Runner.run` and `run_debug` call too), so each runner that
runs gets the one plugin first in its plugin list, beside the application's plugins, before
its first run; runners made before autolog are traced too. The plugin never returns a value
(ADK would take one as a short circuit) and never raises; it stays in a runner's list while
autolog is off, idle.
"""

from __future__ import annotations

from typing import Any

from google.adk.plugins.base_plugin import BasePlugin
from google.adk.runners import Runner

from spanscope.google_adk._recorder import Recorder
from spanscope.patching import SKIP, CallHooks, is_patched, safe_patch
from spanscope.tracing.state import STATE

__all__ = ["NAME", "PLUGIN", "SpanscopePlugin", "install"]

NAME = "google_adk"


def _active() -> bool:
    return STATE.enabled and is_patched(NAME)


class SpanscopePlugin(BasePlugin):
    """Hands each of ADK's plugin callbacks to spanscope's recorder."""

    def __init__(self) -> None:
        super().__init__(name="spanscope")
        self.recorder = Recorder(_active)

    async def before_run_callback(self, *, invocation_context: Any) -> None:
        self.recorder.before_run(invocation_context)

    async def after_run_callback(self, *, invocation_context: Any) -> None:
        self.recorder.after_run(invocation_context)

    async def on_run_error_callback(self, *, invocation_context: Any, error: Exception) -> None:
        self.recorder.after_run(invocation_context, error)

    async def on_event_callback(self, *, invocation_context: Any, event: Any) -> None:
        self.recorder.event(invocation_context, event)

    async def before_agent_callback(self, *, agent: Any, callback_context: Any) -> None:
        self.recorder.before_agent(agent, callback_context)

    async def after_agent_callback(self, *, agent: Any, callback_context: Any) -> None:
        self.recorder.after_agent(agent, callback_context)

    async def on_agent_error_callback(
        self, *, agent: Any, callback_context: Any, error: Exception
    ) -> None:
        self.recorder.after_agent(agent, callback_context, error)

    async def before_model_callback(self, *, callback_context: Any, llm_request: Any) -> None:
        self.recorder.before_model(callback_context, llm_request)

    async def after_model_callback(self, *, callback_context: Any, llm_response: Any) -> None:
        self.recorder.after_model(callback_context, llm_response)

    async def on_model_error_callback(
        self, *, callback_context: Any, llm_request: Any, error: Exception
    ) -> None:
        self.recorder.model_error(callback_context, error)

    async def before_tool_callback(self, *, tool: Any, tool_args: Any, tool_context: Any) -> None:
        self.recorder.before_tool(tool, tool_args, tool_context)

    async def after_tool_callback(
        self, *, tool: Any, tool_args: Any, tool_context: Any, result: Any
    ) -> None:
        self.recorder.after_tool(tool_context, result)

    async def on_tool_error_callback(
        self, *, tool: Any, tool_args: Any, tool_context: Any, error: BaseException
    ) -> None:
        self.recorder.after_tool(tool_context, error=error)


PLUGIN = SpanscopePlugin()
"""The one plugin every runner gets: one per process, so re-enabling autolog never gives a
runner a second one."""


class _RunnerRun(CallHooks):
    """Put the plugin first in the runner's plugin list before it runs (once)."""

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        manager = getattr(args[0], "plugin_manager", None) if args else None
        plugins = getattr(manager, "plugins", None)
        if isinstance(plugins, list) and not any(p is PLUGIN for p in plugins):
            # First, so its spans hold what the other plugins do, and it sees every step
            # (the first plugin returning a value stops the others).
            plugins.insert(0, PLUGIN)
        return SKIP


def install() -> None:
    safe_patch(NAME, Runner, "run_async", _RunnerRun())
