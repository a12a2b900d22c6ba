"""What an integration declares about itself, and how its `autolog()` turns it on and off.

Each integration package (`spanscope/<name>/__init__.py`) declares one `Integration` and an
`autolog()` that calls `configure_autolog`. The registry (`spanscope.integrations`) lists the
packages; `spanscope.autolog()`, the public API, the docs index and the bare-install check
derive from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from spanscope.patching.patch import revert
from spanscope.safety import is_strict, logger, set_silenced

__all__ = ["Integration", "configure_autolog"]


@dataclass(frozen=True, slots=True)
class Integration:
    """One integration: `spanscope.<name>` traces the library imported as `library`.

    `distribution` is the library's package name on PyPI (for its version), `min_version` the
    oldest version it is tested with, and `kind` how it hooks in: "patch" (wraps the library's
    functions), "callback" (registers the framework's own callback or handler) or "native"
    (plugs into the library's own tracing). `records` says in a few words what its spans hold
    (the integrations index shows it).
    """

    name: str
    library: str
    distribution: str
    min_version: str
    kind: Literal["patch", "callback", "native"]
    records: str = ""

    def installed_version(self) -> str | None:
        """The installed version of the library, or None when it is not installed."""
        from importlib import metadata  # (and the email package): only when autolog runs

        try:
            return metadata.version(self.distribution)
        except metadata.PackageNotFoundError:
            return None

    def supports(self, version: str) -> bool:
        """Whether `version` is at least `min_version` (release numbers compared)."""
        return _release(version) >= _release(self.min_version)


def configure_autolog(
    integration: Integration,
    patch: Callable[[], None],
    disable: bool,
    silent: bool,
    log_traces: bool,
) -> None:
    """Apply (or, with `disable` or not `log_traces`, remove) the patches of `integration`.

    The previous patches are reverted first, so calling autolog again re-applies, never
    doubles. A library older than `min_version` gets a warning, and is traced anyway.
    """
    name = integration.name
    revert(name)
    set_silenced(name, silent)
    if disable or not log_traces:
        return
    version = integration.installed_version()
    if version is not None and not integration.supports(version) and not silent:
        logger.warning(
            "spanscope: %s autolog supports %s >= %s, found %s; tracing may be incomplete",
            name,
            integration.distribution,
            integration.min_version,
            version,
        )
    # Imported here: `import spanscope` stays free of the price history.
    from spanscope.pricing.bundled import preload

    preload()
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


def _release(version: str) -> tuple[int, ...]:
    """The leading release numbers of a version string ("1.60.2rc1" -> (1, 60, 2))."""
    numbers = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(numbers)
