"""Keep the book's execution cache honest about data and code.

(One module of a little over 300 lines: the stamp, the cache records and the pre-execution share its helpers.)

jupyter-cache decides whether a notebook must run again from a hash of its code cells alone. A changed CSV, a
changed schema or a change to this package would therefore leave stale numbers and figures in the book. Before
every build, :func:`prepare` computes for each notebook a stamp over what its outputs depend on:

- the data files it reads (found statically: every ``load("name")`` call in its code cells, plus the resources
  those point to through foreign keys) and their descriptions in ``datapackage.json`` (with the package-level
  properties such as ``as_of``, but without the ``bytes``/``hash`` of other resources);
- the source files of the book's packages (``distillbook``, ``booktools``, subpackages included) that it imports,
  directly or through their own imports (found statically with :mod:`ast`: every ``import`` statement, lazy ones
  inside functions included, so the scan errs on the side of re-running);
- the figure style ``book.mplstyle`` and the pinned ``requirements.txt``.

A notebook whose stamp differs from the one recorded at the previous build loses its cache record and has its
modification time bumped, so Sphinx reads it again and the build executes it again; other notebooks keep theirs. Notebooks that describe the whole package (they call one of
:data:`WHOLE_PACKAGE_CALLS`) depend on every data file. Run as ``python -m booktools.buildcache``.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import re
from pathlib import Path

import nbformat

from distillbook import data, paths

CACHE_FOLDER = Path("_build") / ".jupyter_cache"
STAMP_FILE = Path("_build") / ".notebook-stamps.json"
LOAD_CALL = re.compile(r"\b(?:load|load_text|verified_path)\(\s*[\"']([A-Za-z0-9_-]+)[\"']")
#: Functions whose output depends on every resource of the data package.
WHOLE_PACKAGE_CALLS = ("validate_all(", "resource_names(", "read_package(", "field_table(")
#: Functions whose output depends on the other notebooks' code (the appendix lists which chapter reads which file).
WHOLE_BOOK_CALLS = ("readers(",)
#: A MyST-NB cross-page glue reference, ``{glue:text}`chapters/01_x.ipynb::key```: its page shows another
#: notebook's stored output, so it must be rebuilt when that output changes (the front page repeats chapters' numbers).
CROSS_PAGE_GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`([^`:]+?)::")
#: The MIME type under which MyST-NB stores a glued text or number.
GLUE_MIME = "application/papermill.record/text/plain"
#: The book's own packages under ``src/``: importing one of their modules makes a notebook depend on its source.
BOOK_PACKAGES = ("distillbook", "booktools")
#: Properties of a resource that describe its file's bytes, which the stamp hashes directly.
FILE_PROPERTIES = ("bytes", "hash")


#: Each chapter's execution budget (seconds, wall time with the kernel's start, on the 2-core machine), by chapter
#: number; other notebooks get the default. `make bench` holds every notebook to its budget, and the build and the
#: test run start the notebooks with the largest budgets first so that two workers finish close together.
BUDGET_SECONDS = {"01": 45, "02": 60, "03": 90, "04": 30, "05": 20, "06": 60, "07": 15, "08": 15}
DEFAULT_BUDGET_SECONDS = 15


def budget_seconds(notebook_path: Path) -> int:
    """Return a notebook's execution budget (:data:`BUDGET_SECONDS`, by the two digits its name starts with)."""
    return BUDGET_SECONDS.get(Path(notebook_path).stem[:2], DEFAULT_BUDGET_SECONDS)


def notebooks(root: Path) -> list[Path]:
    """Return every notebook the book executes: ``chapters/**/*.ipynb`` and any at the root, sorted."""
    found = list((root / "chapters").rglob("*.ipynb")) + list(root.glob("*.ipynb"))
    return sorted(p for p in found if ".ipynb_checkpoints" not in p.parts)


@functools.lru_cache(maxsize=64)
def _read(path: str, modified_ns: int, size: int) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _notebook(notebook_path: Path) -> nbformat.NotebookNode:
    """Read a notebook once per version (one stamp reads each notebook several times); callers must not edit it."""
    status = Path(notebook_path).stat()
    return _read(str(notebook_path), status.st_mtime_ns, status.st_size)


def code_of(notebook_path: Path) -> str:
    """Return the concatenated source of a notebook's code cells."""
    notebook = _notebook(notebook_path)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def markdown_of(notebook_path: Path) -> str:
    """Return the concatenated source of a notebook's markdown cells."""
    notebook = _notebook(notebook_path)
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def glue_sources(notebook_path: Path, root: Path) -> list[Path]:
    """Return the notebooks whose glued values a notebook's markdown shows through cross-page glue, sorted."""
    names = set(CROSS_PAGE_GLUE.findall(markdown_of(notebook_path)))
    found = [(notebook_path.parent / name).resolve() for name in names]
    return sorted(p if p.suffix == ".ipynb" else p.with_suffix(".ipynb") for p in found)


def glued_values(notebook_path: Path) -> dict[str, str]:
    """Return {glue name: stored text} for every number or string glued in an executed notebook."""
    values: dict[str, str] = {}
    for cell in _notebook(notebook_path).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data_, name = output.get("data", {}), output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in data_ and "image/png" not in data_:
                values[name] = data_[GLUE_MIME]
    return values


def data_dependencies(notebook_path: Path, root: Path) -> list[str]:
    """Return the names of the resources a notebook reads, including those reached through foreign keys."""
    code = code_of(notebook_path)
    if any(call in code for call in WHOLE_PACKAGE_CALLS):
        return data.resource_names(root)
    wanted = set(LOAD_CALL.findall(code))
    package = data.read_package(root)
    by_name = {r["name"]: r for r in package["resources"]}
    pending = list(wanted)
    while pending:
        descriptor = by_name.get(pending.pop())
        if descriptor is None:
            continue  # an unknown name fails loudly when the notebook runs; nothing to hash here
        for foreign_key in descriptor.get("schema", {}).get("foreignKeys", []):
            target = foreign_key["reference"].get("resource")
            if target and target not in wanted:
                wanted.add(target)
                pending.append(target)
    return sorted(wanted)


@functools.cache  # each source file is parsed once, not once per notebook importing it
def _imported_names(source: str, module: str = "", is_package: bool = False) -> frozenset[str]:
    """Return every dotted name ``source`` imports, ``from a import b`` giving both ``a`` and ``a.b``.

    ``module`` is the dotted name of the module the source belongs to, to resolve relative imports. Lines that are
    IPython magics or shell escapes (``%``, ``!``) are skipped.
    """
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    names: set[str] = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.split(".") if module else []
                parts = parts if is_package else parts[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(name for name in names if name.split(".")[0] in BOOK_PACKAGES)


def _module_file(name: str, source_root: Path) -> Path | None:
    """Return the file defining dotted module ``name`` under ``source_root`` (``a/b.py`` or ``a/b/__init__.py``)."""
    base = source_root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module (a function, a class), or a module that does not exist


def module_dependencies(notebook_path: Path, root: Path) -> list[Path]:
    """Return the source files of the book's packages a notebook imports, directly or transitively, sorted.

    Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` too, so those count.
    """
    source_root = root / "src"
    pending = list(_imported_names(code_of(notebook_path)))
    found: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix in found:
                continue
            path = _module_file(prefix, source_root)
            if path is None:
                continue
            found[prefix] = path
            pending.extend(_imported_names(path.read_text(encoding="utf-8"), prefix, path.name == "__init__.py"))
    return sorted(set(found.values()))


def _hash_files(digest: hashlib._Hash, files: list[Path], root: Path) -> None:
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")


def stamp(notebook_path: Path, root: Path) -> str:
    """Return a hex digest of everything besides its own code that a notebook's outputs depend on."""
    package = data.read_package(root)
    by_name = {r["name"]: r for r in package["resources"]}
    read = [name for name in data_dependencies(notebook_path, root) if name in by_name]
    data_files = [root / "data" / by_name[name]["path"] for name in read]
    code_files = [
        *module_dependencies(notebook_path, root),
        root / "src" / "distillbook" / "book.mplstyle",
        root / "requirements.txt",
    ]
    digest = hashlib.sha256()
    _hash_files(digest, code_files + data_files, root)
    # The descriptions of what it reads, not the whole datapackage.json: each file's bytes and hash change with
    # that file, so another notebook's data edit must not count here.
    described = {
        "package": {key: value for key, value in package.items() if key != "resources"} if read else {},
        "resources": [
            {key: value for key, value in by_name[name].items() if key not in FILE_PROPERTIES} for name in read
        ],
    }
    digest.update(json.dumps(described, sort_keys=True).encode())
    code = code_of(notebook_path)
    reads_dependencies = any(call in code for call in WHOLE_BOOK_CALLS)
    for other in notebooks(root) if reads_dependencies else []:
        if other != notebook_path:  # only which files the others read, so an edit elsewhere in them does not count
            digest.update(other.relative_to(root).as_posix().encode())
            digest.update(json.dumps(data_dependencies(other, root)).encode())
    for other in glue_sources(notebook_path, root):  # only the values shown, so re-running unchanged does not count
        digest.update(other.relative_to(root.resolve()).as_posix().encode())
        values = glued_values(other) if other.is_file() else {}
        digest.update(json.dumps(values, sort_keys=True).encode())
    return digest.hexdigest()


def check_integrity(root: Path | None = None) -> int:
    """Check every data file's size and sha256 against ``datapackage.json`` before a build; return the count.

    Raises :class:`distillbook.data.DataError` listing every file that differs, so ``make book`` stops before
    executing anything, even when every notebook is cached. (Each ``data.load`` checks them again.)
    """
    root = root or paths.repository_root()
    problems = []
    for name in data.resource_names(root):
        try:
            data.verified_path(name, root)
        except data.DataError as error:
            problems += error.problems
    if problems:
        raise data.DataError(problems)
    return len(data.resource_names(root))


def prepare(root: Path | None = None) -> list[Path]:
    """Drop the cache records of notebooks whose data or code changed; return those notebooks' paths."""
    root = root or paths.repository_root()
    stamp_path = root / STAMP_FILE
    previous = json.loads(stamp_path.read_text()) if stamp_path.is_file() else {}
    current = {p.relative_to(root).as_posix(): stamp(p, root) for p in notebooks(root)}
    changed = [root / name for name, value in current.items() if previous.get(name) != value]
    for notebook_path in changed:
        # Sphinx re-reads only sources whose modification time changed; without this it would keep the old page.
        os.utime(notebook_path)
    cache_path = root / CACHE_FOLDER
    if cache_path.is_dir() and changed:
        from jupyter_cache import get_cache

        cache = get_cache(str(cache_path))
        for notebook_path in changed:
            try:
                record = cache.match_cache_file(str(notebook_path))
            except KeyError:
                continue
            cache.remove_cache(record.pk)
            print(f"buildcache: {notebook_path.relative_to(root)} will run again (its data or code changed)")
    stamp_path.parent.mkdir(parents=True, exist_ok=True)
    stamp_path.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    return changed


def _execute_one(notebook_path: str, timeout_seconds: int) -> tuple[str, str | None, float, str | None]:
    """Execute one notebook as MyST-NB would (in its own folder, errors not allowed); return it as JSON text."""
    from jupyter_cache.executors.utils import single_nb_execution

    print(f"buildcache: executing {Path(notebook_path).name}", flush=True)
    notebook = nbformat.read(notebook_path, as_version=4)
    # shutdown_kernel="immediate": by the time execute returns, every output has arrived; a graceful shutdown only
    # waited for the kernel's interpreter to finish tearing down pandas, matplotlib and the rest (about 0.5 s a
    # notebook: chapter 7's overhead beyond its cells went from 1.3 s to 0.8 s).
    result = single_nb_execution(
        notebook,
        cwd=str(Path(notebook_path).parent),
        timeout=timeout_seconds,
        allow_errors=False,
        shutdown_kernel="immediate",
    )
    if result.err is not None:
        return notebook_path, None, result.time, type(result.err).__name__
    return notebook_path, nbformat.writes(notebook), result.time, None


def execute_missing(root: Path | None = None, workers: int = 2, timeout_seconds: int = 300) -> dict[str, float]:
    """Execute, ``workers`` at a time, every notebook the cache has no record for, and cache the results.

    MyST-NB executes notebooks one after another inside Sphinx; running independent notebooks side by side first
    lets the build use both cores, and the build then finds them in the cache. A notebook that fails here is not
    cached, so the build executes it again and reports the error with its cell. Returns {notebook: seconds}.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = root or paths.repository_root()
    cache = get_cache(str(root / CACHE_FOLDER))
    missing = []
    for notebook_path in notebooks(root):
        try:
            cache.match_cache_file(str(notebook_path))
            continue
        except KeyError:
            pass
        from booktools import testrun  # imports pytest: only when a notebook is not cached

        executed = testrun.adopt(notebook_path, root)  # executed by `make test` from the same inputs
        if executed is None:
            missing.append(str(notebook_path))
            continue
        cache.cache_notebook_bundle(CacheBundleIn(executed, str(notebook_path)), check_validity=False, overwrite=True)
        print(f"buildcache: {notebook_path.relative_to(root).as_posix()} as executed by the test run", flush=True)
    timings: dict[str, float] = {}
    if not missing:
        return timings
    # The heaviest notebooks first (largest budget; a stable sort keeps the book's order among equals).
    missing.sort(key=lambda p: -budget_seconds(Path(p)))
    print(f"buildcache: {len(missing)} notebooks to execute, {max(1, workers)} at a time", flush=True)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_execute_one, path, timeout_seconds) for path in missing]
        for done, future in enumerate(as_completed(futures), start=1):
            path, text, seconds, error = future.result()
            name = Path(path).relative_to(root).as_posix()
            if error is not None:
                print(f"buildcache: {name} failed ({error}); the build will run it again and report the cell")
                continue
            bundle = CacheBundleIn(nbformat.reads(text, as_version=4), path, data={"execution_seconds": seconds})
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)
            timings[name] = seconds
            print(f"buildcache: executed {name} in {seconds:.1f} s ({done} of {len(missing)})", flush=True)
    return timings


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=None)
    parser.add_argument(
        "--execute",
        type=int,
        default=0,
        metavar="WORKERS",
        help="also execute uncached notebooks, WORKERS at a time, before the build",
    )
    arguments = parser.parse_args()
    book_root = arguments.root.resolve() if arguments.root else None
    try:
        check_integrity(book_root)
    except data.DataError as error:
        raise SystemExit(f"buildcache: the data does not match datapackage.json\n{error}") from None
    prepare(book_root)
    if arguments.execute:
        execute_missing(book_root, workers=arguments.execute)
