"""Run in a virtualenv holding spanscope alone: import and autolog() work without any of the
integrated libraries, whichever integrations the registry lists."""

from __future__ import annotations

import importlib.util
import tempfile

import spanscope
from spanscope.integrations import registered


def _installed(library: str) -> bool:
    try:
        return importlib.util.find_spec(library) is not None
    except ModuleNotFoundError:  # a dotted name whose parent package is not installed
        return False


present = [i.library for i in registered() if _installed(i.library)]
assert not present, f"these integrated libraries should not be installed here: {present}"
spanscope.autolog()  # skips every integration whose library is missing
for integration in registered():
    assert getattr(spanscope, integration.name).INTEGRATION is integration


@spanscope.trace
def ping() -> str:
    return "pong"


assert ping() == "pong"
spanscope.set_tracking_uri(f"sqlite:///{tempfile.mkdtemp()}/bare.db")
names = ", ".join(i.name for i in registered())
print(f"bare install: import spanscope and autolog() work without the libraries of {names}")
