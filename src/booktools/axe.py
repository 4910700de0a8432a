"""An axe-core accessibility audit of the page open in Selenium, and the allow-list of violations the book accepts.

axe-core is the ``axe.min.js`` bundled in the ``selenium-axe-python`` package (installed from requirements.txt),
injected into each page: nothing is downloaded at test time. Every rule axe runs by default (WCAG 2.0-2.2 A and AA
and best practice) runs, plus the rules axe marks experimental (``label-content-name-mismatch`` among them).

Each violating element is one :class:`Finding`. A finding passes only when an entry of the allow-list
(``tests/axe_allowlist.yml``) matches it: same rule id, the page matching the entry's ``page`` glob and axe's CSS
selector for the element matching its ``selector`` glob; every entry gives its ``reason``. Any other finding, of
any impact, fails the browser test, so a new violation cannot slip in.
"""

from __future__ import annotations

import importlib.resources
from collections import Counter, defaultdict
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from distillbook.errors import BookError

IMPACTS = ("critical", "serious", "moderate", "minor")
ENTRY_KEYS = {"rule", "selector", "page", "reason"}

#: Runs axe in the page (after :func:`script` was injected) and returns only what the report needs.
RUN = """
const done = arguments[arguments.length - 1];
const rules = {};
axe.getRules(['experimental']).forEach(rule => { rules[rule.ruleId] = {enabled: true}; });
axe.run(document, {resultTypes: ['violations'], rules: rules}).then(results => done({
  version: axe.version,
  violations: results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.map(String).join(' >>> '), html: n.html.slice(0, 300)})),
  })),
})).catch(error => done({error: String(error)}));
"""


class AllowListError(BookError):
    """The allow-list file is not a list of entries with a rule id and a reason."""


@dataclass(frozen=True)
class Finding:
    """One element of one page that breaks one axe rule."""

    page: str
    rule: str
    impact: str
    target: str
    html: str = ""
    help: str = ""


@dataclass(frozen=True)
class AllowEntry:
    """One accepted violation: a rule id, globs for the page and the element's CSS selector, and why."""

    rule: str
    reason: str
    selector: str = "*"
    page: str = "*"

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule == self.rule
            and fnmatchcase(finding.page, self.page)
            and fnmatchcase(finding.target, self.selector)
        )


def script() -> str:
    """Return the source of the bundled axe-core."""
    return (importlib.resources.files("selenium_axe_python") / "axe-core" / "axe.min.js").read_text("utf-8")


def findings(page: str, result: dict) -> list[Finding]:
    """Return one :class:`Finding` per violating element in what :data:`RUN` returned for ``page``."""
    if "error" in result:
        raise RuntimeError(f"axe-core failed on {page}: {result['error']}")
    return [
        Finding(page, v["id"], v.get("impact") or "minor", node["target"], node.get("html", ""), v.get("help", ""))
        for v in result["violations"]
        for node in v["nodes"]
    ]


def load_allowlist(path: Path) -> list[AllowEntry]:
    """Read the allow-list file; raise :class:`AllowListError` naming the file, entry and problem."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as error:
        raise AllowListError(f"{path}: cannot read the allow-list: {error}") from error
    if not isinstance(entries, list):
        raise AllowListError(f"{path}: expected a list of entries, found {type(entries).__name__}")
    allowed = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: entry {number}"
        if not isinstance(entry, dict):
            raise AllowListError(f"{where}: expected a mapping with rule and reason, found {entry!r}")
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise AllowListError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(ENTRY_KEYS)})")
        for key in ("rule", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise AllowListError(f"{where}: '{key}' must be a non-empty string")
        for key in ("selector", "page"):
            if key in entry and not isinstance(entry[key], str):
                raise AllowListError(f"{where}: '{key}' must be a string (a glob), found {entry[key]!r}")
        allowed.append(AllowEntry(**{key: value.strip() for key, value in entry.items()}))
    return allowed


def split(found: list[Finding], allowlist: list[AllowEntry]) -> tuple[list[Finding], list[Finding], list[AllowEntry]]:
    """Return (findings no entry allows, findings allowed, entries that allowed nothing)."""
    new, allowed, used = [], [], set()
    for finding in found:
        entry = next((e for e in allowlist if e.matches(finding)), None)
        if entry is None:
            new.append(finding)
        else:
            allowed.append(finding)
            used.add(entry)
    return new, allowed, [entry for entry in allowlist if entry not in used]


def counts(found: list[Finding]) -> dict:
    """Count violating elements by impact and by rule (with the number of pages each rule is broken on)."""
    by_impact = Counter(f.impact for f in found)
    pages = defaultdict(set)
    for finding in found:
        pages[(finding.rule, finding.impact)].add(finding.page)
    by_rule = Counter((f.rule, f.impact) for f in found)
    return {
        "elements": len(found),
        "by_impact": {impact: by_impact.get(impact, 0) for impact in IMPACTS},
        "by_rule": [
            {"rule": rule, "impact": impact, "elements": n, "pages": len(pages[(rule, impact)])}
            for (rule, impact), n in sorted(by_rule.items(), key=lambda item: (IMPACTS.index(item[0][1]), item[0][0]))
        ],
    }


def describe(summary: dict) -> str:
    """One line per rule, after a line of totals by impact, from what :func:`counts` returned."""
    impacts = ", ".join(f"{summary['by_impact'][impact]} {impact}" for impact in IMPACTS)
    lines = [f"{summary['elements']} violating elements: {impacts}"]
    lines += [f"    {r['impact']:>8} {r['rule']}: {r['elements']} on {r['pages']} pages" for r in summary["by_rule"]]
    return "\n".join(lines)
