"""`python -m spanscope.testing.conformance [integration ...]`: the integration conformance kit
over the registered integrations; prints the table and exits 1 if any check fails."""

from __future__ import annotations

import os
import sys

from spanscope.testing.conformance.integration_table import format_table, run_registry


def main(argv: list[str]) -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline
    results = run_registry(argv or None)
    print(format_table(results))
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
