"""A data change re-executes exactly the notebooks that read it, and the rebuilt page shows the new value."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from booktools import buildcache
from distillbook import data
from distillbook.paths import repository_root

ROOT = repository_root()


def _notebook(path: Path, code: str, markdown: str = "# A page") -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell(markdown), nbformat.v4.new_code_cell(code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


@pytest.fixture
def small_book(book_copy: Path) -> Path:
    """A two-chapter book on a copy of the data: one chapter reads `sources`, the other reads nothing."""
    code = textwrap.dedent(
        """
        from distillbook import data, glue
        sources = data.load("sources")
        glue.text("first_title", sources.loc[0, "title"])
        """
    )
    _notebook(book_copy / "chapters" / "01_reads.ipynb", code, "# Reads\n\nTitle: {glue:text}`first_title`")
    _notebook(book_copy / "chapters" / "02_pure.ipynb", "print(6 * 7)", "# Pure")
    (book_copy / "intro.md").write_text("# Small book\n")
    (book_copy / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: chapters/01_reads\n- file: chapters/02_pure\n"
    )
    (book_copy / "_config.yml").write_text(
        "title: Small\nonly_build_toc_files: true\nexecute:\n  execute_notebooks: cache\n"
        "  cache: _build/.jupyter_cache\n  allow_errors: false\n"
    )
    return book_copy


def test_dependencies_are_found_statically(small_book):
    reads = small_book / "chapters" / "01_reads.ipynb"
    pure = small_book / "chapters" / "02_pure.ipynb"
    assert buildcache.data_dependencies(reads, small_book) == ["sources"]
    assert buildcache.data_dependencies(pure, small_book) == []


def test_a_data_change_changes_only_the_readers_stamp(small_book):
    first = buildcache.prepare(small_book)
    assert len(first) == 2, "with no record every notebook counts as changed"
    assert buildcache.prepare(small_book) == []
    sources = small_book / "data" / "sources.csv"
    sources.write_text(sources.read_text().replace("memo to Congress", "memo to the Senate"))
    assert data.refresh_hashes(small_book) == ["sources"]  # an intended edit, recorded as `make data-hash` does
    assert [p.name for p in buildcache.prepare(small_book)] == ["01_reads.ipynb"]


#: The smallest Sphinx configuration with MyST-NB's cached execution, which is what the cache behaviour under test
#: belongs to (jupyter-book runs the same MyST-NB; the real configuration is built in test_build_failures.py).
CONF = """
extensions = ["myst_nb"]
root_doc = "intro"
exclude_patterns = ["_build", "data", "src"]
nb_execution_mode = "cache"
nb_execution_cache_path = "_build/.jupyter_cache"
html_theme = "basic"
"""


def _build(book_root: Path) -> str:
    (book_root / "conf.py").write_text(CONF)
    environment = dict(os.environ, DISTILLBOOK_ROOT=str(book_root))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(book_root), str(book_root / "_build" / "html")],
        capture_output=True,
        text=True,
        env=environment,
        cwd=book_root,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return (book_root / "_build" / "html" / "chapters" / "01_reads.html").read_text()


@pytest.mark.integration
def test_rebuild_after_a_data_change_shows_the_new_value(small_book, monkeypatch):
    from jupyter_cache import get_cache

    monkeypatch.setenv("DISTILLBOOK_ROOT", str(small_book))
    buildcache.prepare(small_book)
    data.load("sources", root=small_book)  # validated here, once, so the kernel need not import frictionless
    assert "memo to Congress" in _build(small_book)
    sources = small_book / "data" / "sources.csv"
    sources.write_text(sources.read_text().replace("memo to Congress", "memo to the Senate"))
    assert data.refresh_hashes(small_book) == ["sources"]
    data.load("sources", root=small_book)
    # Without buildcache, jupyter-cache would serve the stale page: its record still matches the notebook, whose
    # code did not change, and MyST-NB's cache mode shows whatever record matches. That is the bug guarded here.
    reads = small_book / "chapters" / "01_reads.ipynb"
    assert get_cache(str(small_book / buildcache.CACHE_FOLDER)).match_cache_file(str(reads))
    changed = buildcache.prepare(small_book)
    assert [p.name for p in changed] == ["01_reads.ipynb"]
    page = _build(small_book)
    assert "memo to the Senate" in page and "memo to Congress" not in page
    stamps = json.loads((small_book / buildcache.STAMP_FILE).read_text())
    assert set(stamps) == {"chapters/01_reads.ipynb", "chapters/02_pure.ipynb"}
    shutil.rmtree(small_book / "_build")


def test_pages_that_read_other_notebooks_depend_only_on_what_they_read(small_book):
    """The appendix depends on which files chapters read, the front page on the values they glued."""
    _notebook(small_book / "appendix.ipynb", "from distillbook import appendix\nappendix.readers([])")
    _notebook(small_book / "front.ipynb", "print(1)", "# Front\n\n{glue:text}`chapters/02_pure.ipynb::answer`")
    buildcache.prepare(small_book)
    pure = small_book / "chapters" / "02_pure.ipynb"
    _notebook(pure, "print(6 * 9)", "# Pure")  # new code (jupyter-cache's business), same files read, nothing glued
    assert buildcache.prepare(small_book) == []
    _notebook(pure, 'from distillbook import data\ndata.load("sources")', "# Pure")  # now reads a file
    assert sorted(p.name for p in buildcache.prepare(small_book)) == ["02_pure.ipynb", "appendix.ipynb"]


def test_a_page_showing_another_pages_glue_follows_that_value(small_book):
    """A cross-page glue reference makes a page depend on the referenced notebook's stored glued values only."""
    front = small_book / "front.ipynb"
    _notebook(front, "print(1)", "# Front\n\nAnswer: {glue:text}`chapters/02_pure.ipynb::answer:.0f`")
    pure = small_book / "chapters" / "02_pure.ipynb"
    assert buildcache.glue_sources(front, small_book) == [pure.resolve()]
    buildcache.prepare(small_book)

    def glue_output(value: str) -> None:
        notebook = nbformat.read(pure, as_version=4)
        notebook.cells[1].outputs = [
            nbformat.v4.new_output(
                "display_data",
                data={buildcache.GLUE_MIME: value},
                metadata={"scrapbook": {"name": "answer", "mime_prefix": "application/papermill.record/"}},
            )
        ]
        nbformat.write(notebook, pure)

    glue_output("42")
    assert [p.name for p in buildcache.prepare(small_book)] == ["front.ipynb"]
    assert buildcache.prepare(small_book) == []
    glue_output("43")
    assert [p.name for p in buildcache.prepare(small_book)] == ["front.ipynb"]


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_a_notebook_depends_on_the_modules_it_imports_transitively(small_book):
    """Imports are followed through modules and subpackages (relative imports included), nothing else counts."""
    _package(
        small_book,
        {
            "distillbook/__init__.py": '"""The package."""\n',
            "distillbook/data.py": "from distillbook import paths\n",
            "distillbook/paths.py": "import os\n",
            "distillbook/glue.py": "",
            "distillbook/unused.py": "X = 1\n",
            "distillbook/topic/__init__.py": "",
            "distillbook/topic/model.py": "from .maths import mean\n\ndef fit():\n    from ..style import apply\n",
            "distillbook/topic/maths.py": "def mean(x):\n    return sum(x) / len(x)\n",
            "distillbook/topic/figures.py": "",
            "distillbook/style.py": "",
        },
    )
    _notebook(small_book / "chapters" / "02_pure.ipynb", "from distillbook.topic import model\nmodel.fit()")
    reads = small_book / "chapters" / "01_reads.ipynb"
    pure = small_book / "chapters" / "02_pure.ipynb"

    def names(path):
        return sorted(
            p.relative_to(small_book / "src").as_posix() for p in buildcache.module_dependencies(path, small_book)
        )

    assert names(reads) == [
        "distillbook/__init__.py",
        "distillbook/data.py",
        "distillbook/glue.py",
        "distillbook/paths.py",
    ]
    assert names(pure) == [
        "distillbook/__init__.py",
        "distillbook/style.py",
        "distillbook/topic/__init__.py",
        "distillbook/topic/maths.py",
        "distillbook/topic/model.py",
    ]
    buildcache.prepare(small_book)
    (small_book / "src" / "distillbook" / "unused.py").write_text("X = 2\n")
    (small_book / "src" / "distillbook" / "topic" / "figures.py").write_text("Y = 2\n")
    assert buildcache.prepare(small_book) == [], "modules no notebook imports change no stamp"
    (small_book / "src" / "distillbook" / "topic" / "maths.py").write_text("def mean(x):\n    return 0\n")
    assert [p.name for p in buildcache.prepare(small_book)] == ["02_pure.ipynb"], "a subpackage module it imports"
    (small_book / "src" / "distillbook" / "paths.py").write_text("import sys\n")
    assert [p.name for p in buildcache.prepare(small_book)] == ["01_reads.ipynb"], "imported through data.py"


def test_another_resources_hash_in_datapackage_json_does_not_count(small_book):
    """Each file's bytes and hash live in datapackage.json; a change there for an unread file re-runs nothing."""
    buildcache.prepare(small_book)
    package_path = small_book / "data" / "datapackage.json"
    package = json.loads(package_path.read_text())
    for descriptor in package["resources"]:
        if descriptor["name"] == "claims":
            descriptor["hash"] = "sha256:" + "0" * 64
    package_path.write_text(json.dumps(package))
    assert buildcache.prepare(small_book) == []
    package["as_of"] = "2099-01-01"  # a package-level property counts for every reader of data
    package_path.write_text(json.dumps(package))
    assert [p.name for p in buildcache.prepare(small_book)] == ["01_reads.ipynb"]


def test_a_build_starts_by_checking_every_data_files_hash(small_book):
    assert buildcache.check_integrity(small_book) == len(data.resource_names(small_book))
    claims = small_book / "data" / "claims.csv"
    claims.write_bytes(claims.read_bytes()[: claims.stat().st_size // 2])
    with pytest.raises(data.DataError, match=r"data/claims\.csv: size is \d+ bytes, datapackage.json expects"):
        buildcache.check_integrity(small_book)


def _nbval(book_root: Path) -> subprocess.CompletedProcess:
    """``pytest --nbval`` on a small book's notebooks, as ``make test`` runs it (with the hand-over plugin)."""
    environment = dict(os.environ, DISTILLBOOK_ROOT=str(book_root))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "booktools.testrun", "--nbval", "-p", "no:randomly",
         "-p", "no:cacheprovider", "chapters"],
        capture_output=True, text=True, env=environment, cwd=book_root, check=False,
    )  # fmt: skip


@pytest.mark.integration
def test_the_build_takes_the_test_runs_executions_only_while_their_inputs_are_unchanged(book_copy, monkeypatch):
    from booktools import testrun

    monkeypatch.setenv("DISTILLBOOK_ROOT", str(book_copy))
    chapters = book_copy / "chapters"
    _notebook(chapters / "01_reads.ipynb", 'from distillbook import data\nprint(data.verified_path("sources").name)')
    _notebook(chapters / "02_pure.ipynb", "print(6 * 7)")
    _notebook(chapters / "03_fails.ipynb", "raise ValueError('no')")
    result = _nbval(book_copy)
    assert result.returncode == 1, result.stdout[-2000:]  # 03_fails fails; the other two pass
    written = sorted(p.name for p in (book_copy / testrun.FOLDER).glob("*.json"))
    assert written == ["chapters__01_reads.ipynb.json", "chapters__02_pure.ipynb.json"]
    # Between the test run and the build, the data 01_reads reads changes: only 02_pure may be taken.
    sources = book_copy / "data" / "sources.csv"
    sources.write_text(sources.read_text().replace("memo to Congress", "memo to the Senate"))
    data.refresh_hashes(book_copy)
    assert testrun.adopt(chapters / "01_reads.ipynb", book_copy) is None
    pure = testrun.adopt(chapters / "02_pure.ipynb", book_copy)
    assert pure.cells[1].outputs[0]["text"] == "42\n"  # this run's own output (the committed notebook has none)
    assert testrun.adopt(chapters / "02_pure.ipynb", book_copy) is None, "each record is used once"
