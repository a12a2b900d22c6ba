"""An axe-core accessibility scan of the page in the browser tests.

axe-core comes from the UI's node_modules (a devDependency of ui/), injected from disk: the
scan needs no network.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[2] / "ui" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now (every rule axe runs by default)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "async () => await axe.run(document, { resultTypes: ['violations'] })"
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violated rule: impact, rule, help, and where (up to five elements)."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {target}: {node['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_no_serious_violations(page: Any, context: str = "") -> None:
    """Fail, listing them, when axe finds serious or critical violations on the page."""
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run `npm ci` in ui/ (make ui)")
    serious = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    where = f" on {context or page.url}"
    assert not serious, f"accessibility violations{where}:\n{describe(serious)}"


@contextmanager
def scan_page(
    browser: Any, console: Any, *, dark: bool = False, console_errors: bool = False
) -> Iterator[Any]:
    """A page whose Content-Security-Policy is bypassed (axe goes in as an inline script),
    preferring dark if asked; page errors (and, with `console_errors`, console errors) are
    collected, and none may be left unexpected when it closes."""
    options: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "bypass_csp": True}
    if dark:
        options["color_scheme"] = "dark"
    context = browser.new_context(**options)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.on("pageerror", lambda error: console.errors.append(f"page error: {error}"))
    if console_errors:
        opened.on(
            "console",
            lambda m: console.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
    yield opened
    context.close()
    assert console.unexpected() == [], "errors in the browser console"
