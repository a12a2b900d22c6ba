"""autolog() imports the price history on the caller's thread, before any traced call runs.

Pricing first runs on the export thread; importing genai-prices there imports httpx2, which the
openai client looks up in `sys.modules` on each request: a user's request on another thread
could meet the half-imported module and fail. A fresh interpreter shows the order.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("genai_prices")

SCRIPT = """
import json, sys
import spanscope
before = {name: name in sys.modules for name in ("genai_prices", "httpx2")}
spanscope.openai.autolog()
after = {name: name in sys.modules for name in ("genai_prices", "httpx2")}
print(json.dumps({"before": before, "after": after}))
"""


def test_autolog_loads_the_price_history_on_the_callers_thread() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == {"genai_prices": False, "httpx2": False}
    assert seen["after"]["genai_prices"] is True
