"""Sphinx extension: accessibility fixes to markup that docutils and MyST-NB write (``sphinx.extra_extensions``).

The browser test's axe-core audit (:mod:`booktools.axe`) found, in HTML that no template of the book controls:

- the references page's citations: docutils writes ``<div role="list">`` around entries with DPUB-ARIA's
  ``role="doc-biblioentry"``, which DPUB-ARIA 1.1 deprecates; a list without list items is axe's one critical
  violation (``aria-required-children``), plus ``aria-deprecated-role`` and ``aria-allowed-role`` on each entry.
  Entries get ``role="listitem"``, as DPUB-ARIA 1.1 advises;
- MyST-NB's "Show code cell source" toggles: ``<summary aria-label="Toggle hidden content">`` names the control
  differently from what it shows (axe: ``label-content-name-mismatch``, serious). The label is dropped, so the
  control is named by its visible text.

Theme templates are overridden in ``_templates/`` instead, and the theme's own scripts are followed up by
``_static/a11y.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: importing Sphinx takes a while, and the tests import this module
    from sphinx.application import Sphinx

#: (what docutils or MyST-NB writes, what the page gets instead)
REPLACEMENTS = (
    ('role="doc-biblioentry"', 'role="listitem"'),
    ('<summary aria-label="Toggle hidden content">', "<summary>"),
)


def fix_body(html: str) -> str:
    """Return a page body with :data:`REPLACEMENTS` applied."""
    for old, new in REPLACEMENTS:
        html = html.replace(old, new)
    return html


def _fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if isinstance(context.get("body"), str):
        context["body"] = fix_body(context["body"])


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", _fix_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
