"""axe-core, loaded into a Playwright page from the project's node_modules (never a CDN).

`npm ci` at the repository root installs it; on a developer's machine without it the tests that
need it skip with that instruction, and `.ci/run` (which fails on skips) installs it first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, the office's target; best-practice rules (landmarks, heading order) too.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def require_axe() -> Path:
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` at the repository root")
    return AXE


def violations(page: Any) -> list[str]:
    """The serious and critical violations on the page as it stands, one line each.

    The page's context must be made with `bypass_csp=True`: the site's Content-Security-Policy
    rightly refuses the script tag that carries axe-core in."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require_axe()))
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary
                    .replace(/\\s+/g, ' ').slice(0, 200)),
            }));
        }""",
        TAGS,
    )
    return [
        f"{page.url} [{v['impact']}] {v['id']}: {' | '.join(v['nodes'])}"
        for v in found
        if v["impact"] in BLOCKING
    ]
