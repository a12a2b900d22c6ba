"""Turning integrations on and off: each `<lib>.autolog()` and `spanscope.autolog()`.

An integration's `autolog()` calls `configure_autolog(name, patch, ...)`: the previous patches
of that integration are reverted first (so calling autolog again re-applies, never doubles),
then `patch()` applies new ones with `spanscope.patching.safe_patch`. `spanscope.autolog()` turns
on every integration whose library is installed, and those imported later as well.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from spanscope.patching import revert
from spanscope.tracing.safety import is_strict, logger
from spanscope.tracing.state import STATE

__all__ = ["INTEGRATIONS", "autolog", "configure_autolog"]

# spanscope integration module -> the library it traces (its top-level import name).
INTEGRATIONS: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "litellm": "litellm",
    "langchain": "langchain_core",
    "llama_index": "llama_index.core",  # llama_index is a namespace package: no loader to hook
    "dspy": "dspy",
}


def configure_autolog(
    name: str, patch: Callable[[], None], disable: bool, silent: bool, log_traces: bool
) -> None:
    """Apply (or, with `disable` or not `log_traces`, remove) the patches of integration `name`."""
    revert(name)
    if silent:
        STATE.silent_integrations.add(name)
    else:
        STATE.silent_integrations.discard(name)
    if disable or not log_traces:
        return
    try:
        patch()
    except Exception as exc:
        revert(name)
        if is_strict():
            raise
        if not silent:
            logger.warning(
                "spanscope: %s autolog could not be enabled (%s: %s); calls are not traced",
                name,
                type(exc).__name__,
                exc,
            )


def autolog(
    disable: bool = False,
    silent: bool = False,
    log_traces: bool = True,
    exclude: Sequence[str] = (),
) -> None:
    """Turn on every integration whose library is installed, now or when it is imported later.

    Libraries that are not installed are skipped silently; `exclude` names integrations to
    leave alone (e.g. `["litellm"]`).
    """
    chosen = [name for name in INTEGRATIONS if name not in exclude]
    STATE.autolog_pending = {}
    for name in chosen:
        library = INTEGRATIONS[name]
        if importlib.util.find_spec(f"spanscope.{name}") is None:
            continue  # an integration this version does not ship
        if disable or library in sys.modules:
            _enable(name, disable, silent, log_traces)
        elif _installed(library):
            STATE.autolog_pending[library] = (name, silent, log_traces)
    if STATE.autolog_pending:
        _install_import_hook()


def _installed(library: str) -> bool:
    try:
        return importlib.util.find_spec(library) is not None
    except ModuleNotFoundError:  # a dotted name whose parent package is not installed
        return False


def _enable(name: str, disable: bool, silent: bool, log_traces: bool) -> None:
    module = importlib.import_module(f"spanscope.{name}")
    module.autolog(disable=disable, silent=silent, log_traces=log_traces)


class _AutologFinder(importlib.abc.MetaPathFinder):
    """Enables a pending integration right after its library is first imported."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        pending = STATE.autolog_pending.get(fullname)
        if pending is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _AutologLoader(spec.loader, fullname)
                return spec
        return None


class _AutologLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader, library: str) -> None:
        self.loader = loader
        self.library = library

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        pending = STATE.autolog_pending.pop(self.library, None)
        if pending is not None:
            name, silent, log_traces = pending
            _enable(name, False, silent, log_traces)


def _install_import_hook() -> None:
    if not any(isinstance(finder, _AutologFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AutologFinder())
