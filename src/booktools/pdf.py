"""The PDF edition: the single-page HTML build printed to PDF by Debian's headless Chromium (`make pdf`).

    python -m booktools.pdf _build/singlehtml/index.html _build/pdf/book.pdf --copy-to _build/html

Selenium drives ``/usr/bin/chromium`` through ``/usr/bin/chromedriver`` (Debian's packages; Selenium is given
both paths, so it never looks for a driver of its own). The page is opened from the file system with every host
name unresolvable, so nothing is fetched; the MathJax the book serves itself typesets the formulas. Printing waits
until the page has loaded, MathJax has finished typesetting (``MathJax.startup.promise``), every image has decoded
and the web fonts are ready, and then fails if a formula is still raw TeX or an image did not load. A print style
sheet hides the site's navigation (sidebars, header, search, previous/next links) and the toggles of hidden code,
and lets wide tables and code wrap instead of scrolling. Chromium's DevTools command ``Page.printToPDF`` writes A4 pages with page numbers.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from distillbook.errors import BookError

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .header-article, .prev-next-area,
.bd-footer, .bd-footer-article, .bd-footer-content, .search-button-field, .theme-switch-button, .skip-link,
.headerlink, .copybtn, .toggle-button, .sidebar-toggle, .bd-search, footer { display: none !important; }
details.above-input { display: none !important; }  /* "Show code cell source": hidden code stays hidden */
.bd-main, .bd-content, .bd-article-container, .bd-page-width, .bd-container, .bd-container__inner, .bd-article {
  max-width: none !important; width: 100% !important; padding: 0 !important; margin: 0 !important; }
html, body { background: white !important; }
.output_area, .cell_output, .output, div.highlight, pre, .table-wrapper, .pst-scrollable-table-container {
  overflow: visible !important; max-height: none !important; }
pre { white-space: pre-wrap !important; word-break: break-word; }
table { font-size: 8.5pt; page-break-inside: auto; }
tr, img, figure, .math, mjx-container[display="true"] { page-break-inside: avoid; break-inside: avoid; }
img { max-width: 100% !important; height: auto !important; }
h1, h2, h3 { page-break-after: avoid; break-after: avoid; }
section > h1 { page-break-before: always; break-before: page; }
section:first-of-type > h1 { page-break-before: auto; break-before: auto; }
"""

#: Resolves once MathJax has typeset the page (or at once when the page has no MathJax), then reports the state.
WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
const mathjax = window.MathJax && window.MathJax.startup ? window.MathJax.startup.promise : Promise.resolve();
const images = Array.from(document.images).map(img => img.decode().catch(() => null));
Promise.all([mathjax, document.fonts.ready, ...images]).then(() => done({
  mathjax: Boolean(window.MathJax && window.MathJax.startup),
  formulas: document.querySelectorAll("mjx-container").length,
  raw_tex: Array.from(document.querySelectorAll(".math")).filter(e => !e.querySelector("mjx-container")).length,
  images: document.images.length,
  broken_images: Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
}), error => done({error: String(error)}));
"""


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"#]+)"', flags=re.IGNORECASE)


class PdfError(BookError):
    """The PDF edition could not be printed (no browser, a page that did not finish, or bad output)."""


@dataclass(frozen=True)
class PrintReport:
    html: Path
    pdf: Path
    formulas: int
    images: int
    seconds: float


def _driver(timeout_seconds: int):
    for needed, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not needed.is_file():
            raise PdfError(f"{needed} not found: install Debian's {package} (`make chromium` as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--allow-file-access-from-files",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no host name resolves: nothing can be fetched
        "--window-size=1100,1400",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(timeout_seconds)
    driver.set_script_timeout(timeout_seconds)
    return driver


def follow_redirect(html: Path) -> Path:
    """The page ``html`` stands for: Jupyter Book's singlehtml ``index.html`` only redirects to the root page."""
    if not html.is_file():
        raise PdfError(f"{html} not found: build the single-page edition first (`make pdf` does)")
    target = REDIRECT.search(html.read_text(errors="replace")[:2000])
    return follow_redirect(html.parent / target.group(1)) if target else html


def print_to_pdf(html: Path, pdf: Path, timeout_seconds: int = 180) -> PrintReport:
    """Print the page ``html`` to ``pdf`` once formulas, images and fonts are ready; return what it contained."""
    html = follow_redirect(html.resolve())
    started = time.perf_counter()
    driver = _driver(timeout_seconds)
    try:
        driver.get(html.as_uri())
        driver.execute_script(
            "const s = document.createElement('style'); s.media = 'print'; s.textContent = arguments[0];"
            "document.head.appendChild(s);",
            PRINT_CSS,
        )
        state = driver.execute_async_script(WAIT_FOR_PAGE)
        if "error" in state:
            raise PdfError(f"{html}: the page did not finish rendering: {state['error']}")
        if state["raw_tex"]:
            raise PdfError(f"{html}: {state['raw_tex']} formulas were not typeset by MathJax")
        if state["broken_images"]:
            raise PdfError(f"{html}: images did not load: {state['broken_images'][:5]}")
        printed = driver.execute_cdp_cmd(
            "Page.printToPDF",
            {
                "printBackground": True,
                "generateDocumentOutline": True,  # PDF bookmarks from the headings
                "preferCSSPageSize": True,
                "displayHeaderFooter": True,
                "headerTemplate": "<span></span>",
                "footerTemplate": (
                    '<div style="font-size:8pt;width:100%;text-align:center;color:#555">'
                    'Copying the Teacher · <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
                ),
            },
        )
    finally:
        driver.quit()
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(base64.b64decode(printed["data"]))
    return PrintReport(html, pdf, state["formulas"], state["images"], time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the single-page HTML build's index.html")
    parser.add_argument("pdf", type=Path, help="where to write the PDF")
    parser.add_argument("--copy-to", type=Path, help="also copy the PDF into this folder if it exists (the HTML book)")
    arguments = parser.parse_args(argv)
    print(f"pdf: printing {arguments.html} with headless Chromium (waiting for MathJax, images and fonts)", flush=True)
    try:
        report = print_to_pdf(arguments.html, arguments.pdf)
    except PdfError as error:
        print(f"pdf: {error}", file=sys.stderr)
        return 1
    size_mib = report.pdf.stat().st_size / 2**20
    print(
        f"pdf: wrote {report.pdf} from {report.html.name} ({size_mib:.1f} MiB; {report.images} images, {report.formulas} formulas) "
        f"in {report.seconds:.1f} s"
    )
    if arguments.copy_to is not None and arguments.copy_to.is_dir():
        shutil.copy2(report.pdf, arguments.copy_to / report.pdf.name)
        print(f"pdf: copied it to {arguments.copy_to / report.pdf.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
