"""Guards: the table of contents and the notebooks agree, and every notebook is committed executed.

nbval compares stored outputs with a fresh run; these checks make sure there is something real to compare.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from booktools.buildcache import WHOLE_PACKAGE_CALLS, notebooks
from distillbook.paths import repository_root

ROOT = repository_root()
NOTEBOOKS = notebooks(ROOT)


def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def _resolve(entry: str) -> Path | None:
    for suffix in ("", ".ipynb", ".md"):
        candidate = ROOT / f"{entry}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def test_every_toc_entry_exists():
    missing = [entry for entry in _toc_files() if _resolve(entry) is None]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {_resolve(entry) for entry in _toc_files()}
    absent = [str(p.relative_to(ROOT)) for p in NOTEBOOKS if p not in listed]
    assert not absent, f"notebooks missing from _toc.yml: {absent}"


def test_toc_is_numbered_in_file_name_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = [e["file"] for part in toc["parts"] for e in part["chapters"] if "appendix" not in e["file"]]
    assert chapters == sorted(chapters)
    assert all(part.get("numbered") for part in toc["parts"] if part.get("caption") == "Chapters")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed(path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: run it top to bottom in a fresh kernel"
    errors = [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} has stored error outputs"
    assert any(cell.outputs for cell in code), f"{path.name} has no outputs for nbval to compare"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_loads_data_by_literal_name(path: Path):
    """buildcache finds each notebook's data by reading `load("name")` calls, so names must be literal.

    A notebook that describes the whole package (the appendix) may load by variable: it depends on every file.
    """
    notebook = nbformat.read(path, as_version=4)
    if any(call in cell.source for cell in notebook.cells for call in WHOLE_PACKAGE_CALLS):
        return
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "load":
                assert node.args and isinstance(node.args[0], ast.Constant), f"{path.name}: load() needs a literal"
        assert "../data" not in cell.source, f"{path.name}: load data through distillbook.data, not by path"


def test_package_code_never_loads_data_itself():
    """Functions take data and return data; only notebooks load, so their dependencies are visible."""
    package = ROOT / "src" / "distillbook"
    for path in package.rglob("*.py"):
        if path.relative_to(package).parts[0] == "data" or path.name == "sources.py":
            continue
        text = path.read_text()
        assert "data.load(" not in text, f"{path.name} loads data; pass the DataFrame in instead"
        assert not any(call in text for call in WHOLE_PACKAGE_CALLS if call != "field_table("), path.name


#: The glue-name prefix of each notebook (COMMON.md): a glued value's name says which page it comes from, so the
#: front page's cross-page references (``{glue:text}`file::name```) read unambiguously.
GLUE_PREFIXES = {
    "01": "kd-",
    "02": "api-",
    "03": "lm-",
    "04": "cost-",
    "05": "ledger-",
    "06": "proof-",
    "07": "policy-",
    "08": "check-",
    "appendix": "appendix-",
    "intro": "front-",
}
GLUE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _glue_names(path: Path) -> list[str]:
    """Return the names of the values a notebook glued, from its stored outputs (MyST-NB's scrapbook metadata)."""
    notebook = nbformat.read(path, as_version=4)
    return [
        output["metadata"]["scrapbook"]["name"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "scrapbook" in output.get("metadata", {})
    ]


def test_glue_prefixes_cover_every_notebook():
    for path in NOTEBOOKS:
        key = path.stem.split("_")[0]
        assert key in GLUE_PREFIXES, f"{path.name}: no glue-name prefix for it in GLUE_PREFIXES (and COMMON.md)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glue_names_follow_the_rule(path: Path):
    """Lowercase letters, digits and dashes, starting with the notebook's prefix (01 `kd-`, ..., intro `front-`)."""
    prefix = GLUE_PREFIXES[path.stem.split("_")[0]]
    names = _glue_names(path)
    wrong = [name for name in names if not (name.startswith(prefix) and GLUE_NAME.fullmatch(name))]
    assert not wrong, f"{path.name}: glue names must match {prefix}<lowercase-words-with-dashes>: {wrong}"
