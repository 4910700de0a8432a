"""The PDF edition (`make pdf`, which runs these checks itself): every chapter title is in it as a heading, every
figure of the single-page HTML build is embedded as an image of the same pixel size, and no page is blank.

Skipped, with the reason, when the PDF has not been built (a plain `make test` does not build it; CI runs
`make pdf`, which builds it and then runs this file).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from PIL import Image

from distillbook.paths import repository_root

ROOT = repository_root()
PDF = ROOT / "_build" / "pdf" / "book.pdf"
#: The single-page edition's root page (its index.html only redirects there).
HTML = ROOT / "_build" / "singlehtml" / f"{yaml.safe_load((ROOT / '_toc.yml').read_text())['root']}.html"
#: The page footer booktools.pdf prints on every page; a page with nothing but it is blank.
FOOTER = re.compile(r"Copying the Teacher · \d+ / \d+")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PDF.is_file() or not HTML.is_file(), reason="the PDF edition is not built (run `make pdf`)"),
]


def _normal(text: str) -> str:
    """Text as compared: Unicode-normalised (ligatures split), hyphenation and all whitespace removed, lower case.

    All whitespace goes, not just runs of it: where a long heading wraps, Chromium's bookmark joins the two lines
    without a space ("throughits API"), and the page text may break a line anywhere.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "", text)
    return re.sub(r"\s+", "", text).casefold()


def _toc_files() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [toc["root"]]

    def walk(chapters):
        for entry in chapters or []:
            if "file" in entry:
                entries.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    found = []
    for entry in entries:
        found += [p for p in (ROOT / f"{entry}.ipynb", ROOT / f"{entry}.md") if p.is_file()][:1]
    return found


def chapter_titles() -> dict[str, str]:
    """{file: its first level-one heading}, from the sources the book is built from."""
    titles = {}
    for path in _toc_files():
        if path.suffix == ".ipynb":
            cells = nbformat.read(path, as_version=4).cells
            text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
        else:
            text = path.read_text()
        heading = re.search(r"^# (.+)$", text, flags=re.MULTILINE)
        assert heading, f"{path.name} has no level-one heading"
        titles[path.name] = re.sub(r"[*_`]", "", heading.group(1)).strip()
    return titles


@pytest.fixture(scope="module")
def reader():
    from pypdf import PdfReader

    assert PDF.stat().st_mtime >= HTML.stat().st_mtime, "the PDF is older than the HTML it prints: run `make pdf`"
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def page_texts(reader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def _page_images(page) -> list[tuple[int, int, int]]:
    """(object id, width, height) of every image drawn on a page, looking inside form XObjects too."""
    found = []

    def walk(resources, seen):
        xobjects = (resources or {}).get("/XObject") or {}
        for name in xobjects:
            reference = xobjects.raw_get(name)
            key = getattr(reference, "idnum", id(reference))
            if key in seen:
                continue
            seen.add(key)
            xobject = xobjects[name].get_object()
            if xobject.get("/Subtype") == "/Image":
                found.append((key, int(xobject["/Width"]), int(xobject["/Height"])))
            elif xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"), seen)

    walk(page.get("/Resources"), set())
    return found


def html_figures() -> list[tuple[str, int, int]]:
    """(source, width, height) in pixels of every image in the single-page book's article."""
    soup = BeautifulSoup(HTML.read_text(), "html.parser")
    article = soup.find("article") or soup
    figures = []
    for img in article.find_all("img"):
        source = img["src"]
        assert not source.startswith(("http:", "https:", "data:")), f"unexpected image source {source[:60]}"
        with Image.open(HTML.parent / source) as image:
            figures.append((source, *image.size))
    return figures


def _outline(reader) -> list[str]:
    """The PDF's bookmarks (booktools.pdf has Chromium make one for each heading), normalised."""
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(_normal(item.title))

    walk(reader.outline)
    return titles


def test_every_chapter_title_is_in_the_pdf(reader, page_texts):
    """Each title is in the text and is a heading (a bookmark), not just a line of the table of contents."""
    text, outline = _normal("\n".join(page_texts)), _outline(reader)
    missing = [
        f"{name}: {title}"
        for name, title in chapter_titles().items()
        if _normal(title) not in text or not any(_normal(title) in entry for entry in outline)
    ]
    assert not missing, f"chapter titles missing from {PDF.name} (text or bookmarks): {missing}"


def test_every_figure_is_embedded(reader):
    figures = html_figures()
    assert figures, "the single-page HTML build has no images; the figure check would prove nothing"
    drawn = {}
    for page in reader.pages:
        for key, width, height in _page_images(page):
            drawn[key] = (width, height)
    wanted = Counter((w, h) for _, w, h in figures)
    embedded = Counter(drawn.values())
    short = {size: n - embedded[size] for size, n in wanted.items() if embedded[size] < n}
    names = [source for source, w, h in figures if (w, h) in short]
    assert not short, f"{len(names)} of {len(figures)} figures not embedded at full size in the PDF: {names}"


def test_no_page_is_blank(reader, page_texts):
    blank = [n + 1 for n, (page, text) in enumerate(zip(reader.pages, page_texts, strict=True))
             if not FOOTER.sub("", text).strip() and not _page_images(page)]  # fmt: skip
    assert len(reader.pages) > len(chapter_titles()), "fewer pages than chapters"
    assert not blank, f"blank pages in {PDF.name}: {blank}"
