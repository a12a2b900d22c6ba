"""The one place where spanscope changes a library: patches, framework hooks, error guards.

- `safe_patch` / `revert` / `CallHooks` (patch.py): wrap a library's function so tracing
  happens around the original call, and restore the exact original;
- `register` / `parent_for` / `Activation` / `Step` (hooks.py): add a framework's own callback
  so that `revert` removes it again, and nest and end framework spans right;
- `guarded` / `call_guarded` / `await_traced` (guards.py): an integration's own errors never
  reach the user's call;
- `Integration` / `configure_autolog` (integration.py): what an integration declares about
  itself, and how its `autolog()` turns it on and off.
"""

from spanscope.patching.guards import await_traced, call_guarded, guarded
from spanscope.patching.hooks import Activation, Parent, Step, parent_for, register
from spanscope.patching.integration import Integration, configure_autolog
from spanscope.patching.patch import PATCHES, SKIP, CallHooks, is_patched, reset, revert, safe_patch

__all__ = [
    "PATCHES",
    "SKIP",
    "Activation",
    "CallHooks",
    "Integration",
    "Parent",
    "Step",
    "await_traced",
    "call_guarded",
    "configure_autolog",
    "guarded",
    "is_patched",
    "parent_for",
    "register",
    "reset",
    "revert",
    "safe_patch",
]
