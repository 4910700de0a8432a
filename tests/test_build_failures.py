"""The build fails loudly: each way of breaking a page is tried on a tiny book built with the real configuration.

Three tiny books are written into temporary folders with the repository's own ``_config.yml`` and
``references.bib``, and built the way ``make book`` does (``--warningiserror --nitpick --keep-going``), all three at
once (the module fixture starts the builds side by side and waits for them):

- a sound book: a good page beside three pages whose figures lack alt text. It builds with ``-W`` and
  ``booktools.check_html`` (run as ``make book`` runs it) refuses exactly those three pages, not the good one;
- a book with one broken cross-reference, figure reference, citation and document link per page: with
  ``--keep-going`` one build reports all four, each with its page;
- a book whose notebook reads a corrupted data file: the build stops, naming the notebook, the cell by its code
  and the ``DataError`` with its file, row and field, and ships no page with the traceback.

The real tree is never built or touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from distillbook.paths import repository_root

pytestmark = pytest.mark.integration  # each builds a small book with jupyter-book

ROOT = repository_root()
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: The flags of `make book` (Makefile); a build that passes here with them passes there.
BUILD_FLAGS = ["--warningiserror", "--nitpick", "--keep-going", "--quiet"]
PNG = bytes.fromhex(  # a 1x1 grey PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63680000008200815fd1cb3e0000000049454e44ae426082"
)
GOOD_PAGE = (
    "# Fine\n\n(fine)=\n## A section\n\nSee {ref}`fine` and {cite}`source-article`.\n\n"
    "```{figure} figure.png\n:alt: A grey square.\n\nA caption.\n```\n\n$$x^2$$\n"
)
#: page name -> figure markup without alt text. Markdown images get an empty alt; the figure and image directives
#: fall back to the file name, as MyST-NB does for a figure a cell shows without glue: both are refused.
NO_ALT_PAGES = {
    "markdown_image": "![](figure.png)",
    "figure_directive": "```{figure} figure.png\nA caption but no alt text.\n```",
    "image_directive": "```{image} figure.png\n```",
}
#: page name -> (broken markup, what the build must say about it)
BROKEN_PAGES = {
    "ref": ("See {ref}`no-such-label`.", "undefined label: 'no-such-label'"),
    "numref": ("See {numref}`no-such-figure`.", "undefined label"),
    "cite": ("As {cite}`no-such-key-2026` shows.", 'could not find bibtex key "no-such-key-2026"'),
    "doc_link": ("See [the other page](missing_page.md).", "missing_page"),
}


def _notebook(*sources: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# A chapter")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(notebook)


def _tiny_book(root: Path, pages: dict[str, str]) -> Path:
    """Write a book whose chapters are ``pages`` ({file name with suffix: text}) into ``root``."""
    root.mkdir(parents=True)
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, root / name)
    (root / "intro.md").write_text("# A tiny book\n\nBuilt to fail.\n\n```{bibliography}\n```\n")
    entries = "".join(f"- file: chapters/{Path(name).stem}\n" for name in sorted(pages))
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n" + entries)
    (root / "chapters").mkdir()
    for name, text in pages.items():
        (root / "chapters" / name).write_text(text)
    (root / "chapters" / "figure.png").write_bytes(PNG)
    return root


def _start_build(root: Path) -> subprocess.Popen:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.Popen(
        [str(jupyter_book), "build", str(root), *BUILD_FLAGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ, DISTILLBOOK_ROOT=str(root)),
        cwd=root,
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, tuple[Path, int, str]]:
    """Build the three tiny books side by side; return {book: (root, return code, output without colours)}."""
    base = tmp_path_factory.mktemp("books")
    sound = {"page.md": GOOD_PAGE} | {f"{name}.md": f"# No alt\n\n{markup}\n" for name, markup in NO_ALT_PAGES.items()}
    broken = {f"{name}.md": f"# Broken\n\n{markup}\n" for name, (markup, _) in BROKEN_PAGES.items()}
    corrupted = _tiny_book(
        base / "corrupted", {"page.ipynb": _notebook("from distillbook import data", 'sources = data.load("sources")')}
    )
    shutil.copytree(ROOT / "data", corrupted / "data")
    sources = corrupted / "data" / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(",news,", ",gossip,", 1), encoding="utf-8")
    roots = {"sound": _tiny_book(base / "sound", sound), "broken": _tiny_book(base / "broken", broken)}
    roots["corrupted"] = corrupted
    running = {name: _start_build(root) for name, root in roots.items()}
    results = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=600)
        results[name] = (roots[name], process.returncode, ANSI.sub("", output))
    return results


def _check_html(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "booktools.check_html", str(root / "_build" / "html")],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_sound_book_builds_and_the_html_check_refuses_exactly_the_figures_without_alt_text(builds):
    """The control (page.md: nothing broken) builds with -W beside three pages whose figures lack alt text."""
    root, code, output = builds["sound"]
    assert code == 0, output[-3000:]
    html = (root / "_build" / "html" / "chapters" / "page.html").read_text()
    assert "_static/mathjax/tex-mml-chtml.js" in html and "cdn.jsdelivr" not in html
    assert (root / "_build" / "html" / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    checked = _check_html(root)
    assert checked.returncode == 1
    problems = [line for line in checked.stderr.splitlines() if ": image '" in line]
    for name in NO_ALT_PAGES:
        page_problems = [line for line in problems if f"chapters/{name}.html: image '" in line]
        assert page_problems, (name, checked.stderr)
        assert all("has no alt text" in p or "has a file name for alt text" in p for p in page_problems)
    assert not [line for line in checked.stderr.splitlines() if "chapters/page.html" in line], checked.stderr
    assert len(problems) == len(NO_ALT_PAGES), checked.stderr


@pytest.mark.parametrize("name", BROKEN_PAGES)
def test_a_broken_reference_or_citation_fails_the_build_naming_its_page(builds, name):
    _, code, output = builds["broken"]
    assert code != 0, output[-3000:]
    expected = BROKEN_PAGES[name][1]
    lines = [line for line in output.splitlines() if f"{name}.md" in line]
    assert any(expected in line for line in lines), (
        f"{name}: {expected!r} not reported with its page:\n{output[-3000:]}"
    )


def test_a_notebook_that_raises_fails_the_build_naming_notebook_cell_and_the_data_error(builds):
    root, code, output = builds["corrupted"]
    assert code != 0
    assert "chapters/page.ipynb: WARNING: Executing notebook failed" in output, output[-3000:]
    assert "An error occurred while executing the following cell:" in output
    assert 'sources = data.load("sources")' in output  # the cell, by its code
    assert "In[2], line 1" in output
    # Three problems: the edited cell, and the file no longer matching its recorded size and its hash.
    assert "DataError: 3 data problems:" in output, output[-3000:]
    assert "field 'kind': 'gossip' is not one of the allowed values" in output
    assert "data/sources.csv: size is" in output and "data/sources.csv: sha256 hash is sha256:" in output
    assert "run `make data-hash`" in output
    page = root / "_build" / "html" / "chapters" / "page.html"
    assert not page.is_file() or "gossip" not in page.read_text(), "no page may ship with the traceback in it"
