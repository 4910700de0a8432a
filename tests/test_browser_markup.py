"""Accessible markup the book writes itself: tables without empty header cells (glue.table) and the fixes
booktools.a11y applies to what docutils and MyST-NB write (the browser test's axe audit checks the built pages)."""

from __future__ import annotations

import re

import pandas as pd

from booktools import a11y
from distillbook import glue


def _headers(html: str) -> list[str]:
    return re.findall(r"<th[^>]*>(.*?)</th>", html)


def test_tables_can_show_a_named_index_as_columns_and_never_an_empty_header():
    frame = pd.DataFrame({"size": [30, 60], "hard": [0.8, 0.9]}).set_index("size")
    frame.columns.name = "condition"
    html = glue.table(frame, "t-2", index=True).to_html()
    assert _headers(html) == ["size", "hard"]
    assert ">30<" in html
    assert _headers(glue.table(frame, "t-2").to_html()) == ["hard"]  # by default the index is left out


def test_tables_leave_out_an_unnamed_index():
    html = glue.table(pd.DataFrame({"a": ["x"]}, index=[7]), "t-3").to_html()
    assert _headers(html) == ["a"] and ">7<" not in html


def test_tables_show_only_the_named_levels_of_an_index():
    frame = pd.DataFrame({"k": ["a", "b"], "v": [1, 2]}).set_index("k", append=True)
    assert _headers(glue.table(frame, "t-4", index=True).to_html()) == ["k", "v"]


def test_citations_become_list_items_and_toggles_are_named_by_their_text():
    body = (
        '<div role="list" class="citation-list">\n<div class="citation" id="id1" role="doc-biblioentry">'
        '<summary aria-label="Toggle hidden content">\n<p class="collapsed">Show code cell source</p>'
    )
    fixed = a11y.fix_body(body)
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert "<summary>\n<p" in fixed and "aria-label" not in fixed
    assert a11y.fix_body(fixed) == fixed
