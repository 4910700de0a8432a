"""The build fails loudly: each way of breaking a page is tried on a tiny book built with the real configuration.

Each test writes a one-page book into a temporary folder with the repository's own ``_config.yml``,
``references.bib``, builds it the way ``make book`` does (``--warningiserror --nitpick``) and then
runs ``booktools.check_html`` on the output, as ``make book`` does. The real tree is never built or touched.
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

ROOT = repository_root()
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: The flags of `make book` (Makefile); a build that passes here with them passes there.
BUILD_FLAGS = ["--warningiserror", "--nitpick", "--keep-going", "--quiet"]
PNG = bytes.fromhex(  # a 1x1 grey PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63680000008200815fd1cb3e0000000049454e44ae426082"
)


def _tiny_book(root: Path, page: str, suffix: str = ".md") -> Path:
    """Write a book whose only chapter is ``page`` (markdown text, or a notebook when ``suffix`` is .ipynb)."""
    for name in ("_config.yml", "references.bib"):
        shutil.copy(ROOT / name, root / name)
    (root / "intro.md").write_text("# A tiny book\n\nOne page, built to fail.\n\n```{bibliography}\n```\n")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: chapters/page\n")
    (root / "chapters").mkdir()
    if suffix == ".md":
        (root / "chapters" / "page.md").write_text(page)
    else:
        (root / "chapters" / "page.ipynb").write_text(page)
    (root / "chapters" / "figure.png").write_bytes(PNG)
    return root


def _build(root: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, DISTILLBOOK_ROOT=str(root))
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return subprocess.run(
        [str(jupyter_book), "build", str(root), *BUILD_FLAGS],
        capture_output=True,
        text=True,
        env=environment,
        cwd=root,
        check=False,
    )


def _check_html(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "booktools.check_html", str(root / "_build" / "html")],
        capture_output=True,
        text=True,
        check=False,
    )


def _notebook(*sources: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# A chapter")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return nbformat.writes(notebook)


def test_a_good_tiny_book_builds_and_passes_the_html_check(tmp_path):
    """The control: the same tiny book, with nothing broken, builds with -W and passes check_html."""
    page = "# Fine\n\n(fine)=\n## A section\n\nSee {ref}`fine` and {cite}`source-article`.\n\n"
    page += "```{figure} figure.png\n:alt: A grey square.\n\nA caption.\n```\n\n$$x^2$$\n"
    root = _tiny_book(tmp_path, page)
    built = _build(root)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    checked = _check_html(root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    html = (root / "_build" / "html" / "chapters" / "page.html").read_text()
    assert "_static/mathjax/tex-mml-chtml.js" in html and "cdn.jsdelivr" not in html
    assert (root / "_build" / "html" / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()


def test_a_notebook_that_raises_fails_the_build_naming_notebook_and_cell(tmp_path):
    page = _notebook("x = 6 * 7", "raise ValueError('deliberately broken second cell')")
    root = _tiny_book(tmp_path, page, suffix=".ipynb")
    built = _build(root)
    output = ANSI.sub("", built.stdout + built.stderr)
    assert built.returncode != 0
    assert "chapters/page.ipynb: WARNING: Executing notebook failed" in output, output[-3000:]
    assert "An error occurred while executing the following cell:" in output
    assert "raise ValueError('deliberately broken second cell')" in output  # the cell, by its code
    assert "In[2], line 1" in output and "ValueError: deliberately broken second cell" in output
    assert (
        not (root / "_build" / "html" / "chapters" / "page.html").is_file()
        or "deliberately" not in (root / "_build" / "html" / "chapters" / "page.html").read_text()
    ), "no page may ship with the traceback in it"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See {ref}`no-such-label`.", "undefined label: 'no-such-label'"),
        ("See {numref}`no-such-figure`.", "undefined label"),
        ("As {cite}`no-such-key-2026` shows.", 'could not find bibtex key "no-such-key-2026"'),
        ("See [the other page](missing_page.md).", "missing_page"),
    ],
    ids=["ref", "numref", "cite", "doc-link"],
)
def test_a_broken_reference_or_citation_fails_the_build(tmp_path, text, expected):
    root = _tiny_book(tmp_path, f"# Broken\n\n{text}\n")
    built = _build(root)
    output = built.stdout + built.stderr
    assert built.returncode != 0, output[-3000:]
    assert expected in output, output[-3000:]
    assert "page.md" in output


@pytest.mark.parametrize(
    "figure",
    ["![](figure.png)", "```{figure} figure.png\nA caption but no alt text.\n```", "```{image} figure.png\n```"],
    ids=["markdown-image", "figure-directive", "image-directive"],
)
def test_a_figure_without_alt_text_fails_the_html_check(tmp_path, figure):
    root = _tiny_book(tmp_path, f"# A figure\n\n{figure}\n")
    built = _build(root)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    checked = _check_html(root)
    assert checked.returncode == 1
    assert "chapters/page.html: image '" in checked.stderr
    # Markdown images get an empty alt; the figure and image directives fall back to the file name, as MyST-NB
    # does for a figure a cell shows without glue: both are refused.
    assert "has no alt text" in checked.stderr or "has a file name for alt text" in checked.stderr


def test_a_corrupted_data_file_fails_the_build_with_the_data_error(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    sources = tmp_path / "data" / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(",news,", ",gossip,", 1), encoding="utf-8")
    page = _notebook("from distillbook import data", 'sources = data.load("sources")')
    root = _tiny_book(tmp_path, page, suffix=".ipynb")
    built = _build(root)
    output = ANSI.sub("", built.stdout + built.stderr)
    assert built.returncode != 0
    assert "chapters/page.ipynb: WARNING: Executing notebook failed" in output
    assert "DataError: 1 data problem:" in output, output[-3000:]
    assert "field 'kind': 'gossip' is not one of the allowed values" in output
