"""Check the built HTML book: internal links and anchors, alt text, nothing loaded from the network; list external links.

Run after every build (`make book` does): ``python -m booktools.check_html [_build/html]``. It reads every page and
fails, listing each problem with its page, when

- an internal link (``<a href>``) points at a file that does not exist, or at an ``#anchor`` that is not an ``id``
  (or ``name``) in the target page;
- an image has no alt text, or alt text that is only a file name (what MyST-NB writes for an unglued figure);
- a page loads a script, style sheet or image from the network (it would not show offline, from the file system);
- an external link is not a well-formed ``https://`` URL (plain ``http://`` included).

External links are not fetched (CI has no network); they are listed with the pages that cite them in
``external-links.txt`` beside the HTML folder. Uses only the standard library, so the browser test can reuse it.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: Folders Sphinx writes that are not pages a reader navigates.
SKIPPED_FOLDERS = {"_sources", "_static", "_images", "_downloads"}
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
FILE_NAME_ALT = re.compile(r"^[\w./-]*\.(png|jpe?g|gif|svg|webp)$", re.I)


@dataclass
class Page:
    """What one HTML page contains: its anchors, links, images and the resources it loads."""

    path: Path
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str | None]] = field(default_factory=list)  # (src, alt or None when absent)
    resources: list[str] = field(default_factory=list)  # script src, stylesheet href, img src, iframe src


class _Parser(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for key in ("id", "name") if tag in ("a", "span", "div", "section") else ("id",):
            if attributes.get(key):
                self.page.ids.add(attributes[key])
        if tag == "a" and attributes.get("href") is not None:
            self.page.links.append(attributes["href"])
        elif tag == "img":
            src = attributes.get("src") or ""
            self.page.images.append((src, attributes.get("alt")))
            self.page.resources.append(src)
        elif tag in ("script", "iframe", "source") and attributes.get("src"):
            self.page.resources.append(attributes["src"])
        elif tag == "link" and "stylesheet" in (attributes.get("rel") or "").split() and attributes.get("href"):
            self.page.resources.append(attributes["href"])


def parse(path: Path) -> Page:
    """Return the :class:`Page` read from one HTML file."""
    page = Page(path)
    parser = _Parser(page)
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return page


def pages(html_root: Path) -> list[Path]:
    """Return every HTML page of the built book, sorted, leaving out Sphinx's source and static folders."""
    found = []
    for path in sorted(html_root.rglob("*.html")):
        if not SKIPPED_FOLDERS & set(path.relative_to(html_root).parts[:-1]):
            found.append(path)
    return found


def is_external(url: str) -> bool:
    """Return whether ``url`` leaves the book (has a scheme other than file/data, or starts with //)."""
    parts = urlsplit(url)
    return url.startswith("//") or parts.scheme not in ("", "file", "data", "javascript", "blob", "about")


def external_problem(url: str) -> str | None:
    """Return why ``url`` is not a well-formed https link to cite, or None when it is fine."""
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return None
    if parts.scheme != "https":
        return f"external link is not https: {url}"
    if not parts.hostname or not HOST.match(parts.hostname) or any(c.isspace() for c in url):
        return f"external link is not a well-formed URL: {url}"
    return None


#: Files at the root of the HTML book that another target builds: a link to one is not broken when it has not been
#: built yet, only noted (the front page links the PDF edition, which `make pdf` writes and `make book` copies in).
OPTIONAL_FILES = {"book.pdf": "make pdf"}


@dataclass
class Report:
    """What :func:`check` found: counts, problems (one line each) and external links by the pages citing them."""

    pages: int = 0
    internal_links: int = 0
    anchors: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)
    external: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    not_built: set[str] = field(default_factory=set)


def resolve(page_path: Path, href: str, html_root: Path) -> tuple[Path, str]:
    """Return (target file, anchor) for an internal ``href`` found on ``page_path``."""
    parts = urlsplit(href)
    if parts.scheme == "file":
        target = Path(unquote(parts.path))
    elif parts.path:
        target = (page_path.parent / unquote(parts.path)).resolve()
    else:
        target = page_path
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def check(html_root: Path) -> Report:
    """Check every page under ``html_root``; return a :class:`Report` (its ``problems`` empty when all is well)."""
    html_root = html_root.resolve()
    report = Report()
    parsed: dict[Path, Page] = {}

    def page_of(path: Path) -> Page:
        if path not in parsed:
            parsed[path] = parse(path)
        return parsed[path]

    for path in pages(html_root):
        page = page_of(path.resolve())
        name = path.relative_to(html_root).as_posix()
        report.pages += 1
        for href in page.links:
            if urlsplit(href).scheme in ("javascript", "data"):
                continue
            if is_external(href):
                report.external[href].add(name)
                continue
            report.internal_links += 1
            target, anchor = resolve(path, href, html_root)
            if not target.is_file() and target.parent == html_root and target.name in OPTIONAL_FILES:
                report.not_built.add(target.name)
                continue
            if not target.is_file():
                report.problems.append(f"{name}: link '{href}' points at a missing file")
                continue
            if anchor and target.suffix == ".html":
                report.anchors += 1
                if anchor not in page_of(target.resolve()).ids:
                    report.problems.append(f"{name}: link '{href}': no id '{anchor}' in {target.name}")
        for src, alt in page.images:
            report.images += 1
            if alt is None or not alt.strip():
                report.problems.append(f"{name}: image '{src}' has no alt text")
            elif FILE_NAME_ALT.match(alt.strip()):
                report.problems.append(f"{name}: image '{src}' has a file name for alt text; give it a description")
        for url in page.resources:
            if is_external(url):
                report.problems.append(f"{name}: loads '{url}' from the network; the page must work offline")
    for url, cited_on in report.external.items():
        problem = external_problem(url)
        if problem:
            report.problems.append(f"{', '.join(sorted(cited_on))}: {problem}")
    return report


def write_external_links(report: Report, path: Path) -> None:
    """Write one line per external link: the URL, then the pages that link to it (not fetched: CI is offline)."""
    lines = [f"{url}\t{' '.join(sorted(cited_on))}" for url, cited_on in sorted(report.external.items())]
    header = "# External links in the built book (not fetched: the build runs offline). URL<TAB>pages\n"
    path.write_text(header + "".join(line + "\n" for line in lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--external-links", type=Path, help="report file (default: beside the HTML folder)")
    arguments = parser.parse_args(argv)
    if not (arguments.html / "index.html").is_file():
        print(f"check_html: no built book at {arguments.html} (run `make book` first)", file=sys.stderr)
        return 2
    report = check(arguments.html)
    listing = arguments.external_links or arguments.html.parent / "external-links.txt"
    write_external_links(report, listing)
    print(
        f"check_html: {report.pages} pages, {report.internal_links} internal links ({report.anchors} to anchors), "
        f"{report.images} images with alt text checked, {len(report.external)} external links listed in {listing}"
    )
    for name in sorted(report.not_built):
        print(f"check_html: note: {name} is linked but not built yet (`{OPTIONAL_FILES[name]}` builds it)")
    if report.problems:
        print(f"check_html: {len(report.problems)} problems:", file=sys.stderr)
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
