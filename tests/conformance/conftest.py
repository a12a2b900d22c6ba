"""The integration kit runs DSPy: its disk cache goes to the suite's temporary home."""

from __future__ import annotations

import os

os.environ.setdefault("DSPY_CACHEDIR", os.path.join(os.environ["SPANSCOPE_HOME"], "dspy-cache"))
