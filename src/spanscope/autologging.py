"""`spanscope.autolog()`: every registered integration whose library is installed, now or
when the library is imported later.

Each integration's own `autolog()` (`spanscope/<name>/__init__.py`) calls
`spanscope.patching.configure_autolog`; this module only chooses which to call, from the
registry (`spanscope.integrations`), and holds the import hook for libraries not imported yet.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

from spanscope.integrations import registered
from spanscope.tracing.state import on_reset

__all__ = ["PENDING", "autolog", "reset"]


class PendingAutologs:
    """Integrations waiting for their library's first import: one instance, `PENDING`.

    By library import name: (integration name, silent, log_traces).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_library: dict[str, tuple[str, bool, bool]] = {}


PENDING = PendingAutologs()


def reset() -> None:
    """Forget pending autologs (also run by `spanscope.tracing.reset()`)."""
    with PENDING.lock:
        PENDING.by_library = {}


on_reset(reset)


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
    pending: dict[str, tuple[str, bool, bool]] = {}
    for integration in registered():
        name, library = integration.name, integration.library
        if name in exclude:
            continue
        if disable or library in sys.modules:
            _enable(name, disable, silent, log_traces)
        elif _installed(library):
            pending[library] = (name, silent, log_traces)
    with PENDING.lock:
        PENDING.by_library = pending
    if pending:
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
        pending = PENDING.by_library.get(fullname)
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
        with PENDING.lock:
            pending = PENDING.by_library.pop(self.library, None)
        if pending is not None:
            name, silent, log_traces = pending
            _enable(name, False, silent, log_traces)


def _install_import_hook() -> None:
    if not any(isinstance(finder, _AutologFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AutologFinder())
