"""Chromium for the browser tests: Debian's build, never a downloaded one, and axe-core from npm."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

__all__ = ["ARGS", "AXE", "SCREENSHOTS", "WCAG_TAGS", "axe_violations", "check_page", "launch",
           "require"]


def require(path: Path, what: str) -> None:
    """Skip on a developer machine without ``path``; fail in CI, where scripts/test installs it."""
    if path.exists():
        return
    message = f"{what} is missing ({path}); scripts/test installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def launch() -> Iterator[Browser]:
    require(CHROMIUM, "Chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core in the page (evaluated through the DevTools protocol, so the page's CSP
    stays as it is) with every <details> opened, and return the violations."""
    require(AXE, "axe-core")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))",
        WCAG_TAGS)
    return result


def check_page(page: Page, name: str, width: int, failures: dict[str, object],
               screenshot: bool = True) -> None:
    """The checks every page type gets at every width: no sideways scrolling, a screenshot
    in docs/screenshots, and axe-core (violations go to ``failures`` under name@width)."""
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"{name} scrolls sideways at {width}px"
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    violations = axe_violations(page)
    if violations:
        failures[f"{name}@{width}"] = violations
