"""booktools.check_html, which `make book` runs over the built HTML: it finds broken internal links and anchors,
images without alt text, pages that load anything from the network, and external links that are not https."""

from __future__ import annotations

import pytest

from booktools import check_html

HEAD = '<html><head><link rel="stylesheet" href="_static/book.css"></head><body>'


@pytest.fixture
def site(tmp_path):
    html = tmp_path / "html"
    (html / "chapters").mkdir(parents=True)
    (html / "_static").mkdir()
    (html / "_static" / "book.css").write_text("")
    (html / "index.html").write_text(HEAD + '<a href="chapters/one.html#results">Results</a></body></html>')
    (html / "chapters" / "one.html").write_text(
        HEAD + '<section id="results"><img src="../_static/book.css" alt="A chart of results.">'
        '<a href="#results">here</a> <a href="../index.html">home</a> '
        '<a href="https://www.congress.gov/bill/119th-congress/senate-bill/321">S. 321</a> '
        '<a href="mailto:someone@example.org">mail</a></section></body></html>'
    )
    return html


def _problems(html) -> list[str]:
    return check_html.check(html).problems


def test_a_sound_site_passes_and_external_links_are_listed(site, tmp_path):
    report = check_html.check(site)
    assert report.problems == []
    assert (report.pages, report.internal_links, report.anchors, report.images) == (2, 3, 2, 1)
    assert check_html.main([str(site)]) == 0
    listing = (tmp_path / "external-links.txt").read_text()
    assert "https://www.congress.gov/bill/119th-congress/senate-bill/321\tchapters/one.html" in listing


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="chapters/two.html">x</a>', "points at a missing file"),
        ('<a href="chapters/one.html#no-such-section">x</a>', "no id 'no-such-section' in one.html"),
        ('<a href="#nowhere">x</a>', "no id 'nowhere' in index.html"),
        ('<img src="_static/book.css">', "has no alt text"),
        ('<img src="_static/book.css" alt=" ">', "has no alt text"),
        ('<img src="_images/abc123.png" alt="../_images/abc123.png">', "has a file name for alt text"),
        ('<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>', "from the network"),
        ('<link rel="stylesheet" href="//fonts.example.org/font.css">', "from the network"),
        ('<a href="http://www.example.org/page">x</a>', "external link is not https"),
        ('<a href="https://exa mple.org/">x</a>', "not a well-formed URL"),
        ('<a href="https://localhost/">x</a>', "not a well-formed URL"),
    ],
    ids=lambda value: value if len(value) < 40 else None,
)
def test_each_kind_of_problem_is_reported_with_its_page(site, html, expected):
    (site / "index.html").write_text(HEAD + html + "</body></html>")
    problems = _problems(site)
    assert any(p.startswith("index.html") and expected in p for p in problems), problems
    assert check_html.main([str(site)]) == 1


def test_a_missing_build_is_an_error(tmp_path):
    assert check_html.main([str(tmp_path)]) == 2


def test_the_pdf_edition_may_be_linked_before_it_is_built(site, capsys):
    # The front page links book.pdf, which `make pdf` builds: missing, it is noted, not a broken link; any other
    # missing file, or a PDF link anywhere but the book's root, is still a problem.
    (site / "index.html").write_text(HEAD + '<a href="book.pdf">PDF</a> <a href="other.pdf">x</a></body></html>')
    report = check_html.check(site)
    assert report.not_built == {"book.pdf"}
    assert report.problems == ["index.html: link 'other.pdf' points at a missing file"]
    (site / "chapters" / "one.html").write_text(HEAD + '<a href="book.pdf">PDF</a></body></html>')
    assert "chapters/one.html: link 'book.pdf' points at a missing file" in check_html.check(site).problems
    (site / "book.pdf").write_bytes(b"%PDF-1.7")
    (site / "chapters" / "one.html").write_text(HEAD + "</body></html>")
    (site / "index.html").write_text(HEAD + '<a href="book.pdf">PDF</a></body></html>')
    assert check_html.check(site).not_built == set() and check_html.main([str(site)]) == 0
    assert "not built yet" not in capsys.readouterr().out
