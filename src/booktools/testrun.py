"""Hand the notebooks ``make test`` just executed to ``make book``, so a fresh clone runs each notebook once, not twice.

``pytest --nbval`` executes every notebook in a fresh kernel and compares each cell's outputs with the committed
ones; the build then executed them all again for its cache, doubling the longest part of ``make test && make book``.
nbval keeps what each cell printed (``IPyNbCell.test_outputs``) but writes nothing, and jupyter-cache cannot take
a notebook from anywhere but its own executor, so this small pytest plugin (loaded by ``-p booktools.testrun`` in
``pyproject.toml``) bridges the two:

- **In the test run:** when every code cell of one of the book's notebooks has run and passed nbval's strict
  comparison, :func:`pytest_sessionfinish` writes that notebook with the outputs of *this* run (not the committed
  ones) to ``_build/.nbval-executed/``, beside a record of what it depended on: the notebook's own bytes, its
  build-cache stamp (:func:`booktools.buildcache.stamp`: the data, code and glued values it reads), the Python
  version and the platform. A notebook with any failed, skipped or deselected cell is not written.
- **In the build:** :func:`adopt` (called by ``python -m booktools.buildcache --execute``) caches such a notebook
  as executed only when every item of that record still matches; anything else is executed as before. Each record
  is used once.

The plugin also orders the run (:func:`run_order`): notebooks first, those with the largest execution budget
(:data:`booktools.buildcache.BUDGET_SECONDS`) first, then the integration tests, then the unit tests, so that
with ``-n 2 --dist loadfile --no-loadscope-reorder`` the longest notebook does not start last and leave one worker
idle (each notebook's cells keep their order). It also registers the ``integration`` marker.

A build after a test run thus shows outputs that were produced on this machine minutes earlier, from the same
notebook, data and code, and that nbval has just compared with the committed notebook.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path

import nbformat
import pytest

#: Where the test run leaves executed notebooks for the build (one ``.ipynb`` and one ``.json`` per notebook).
FOLDER = Path("_build") / ".nbval-executed"


def _record_name(notebook_path: Path, root: Path) -> str:
    return notebook_path.relative_to(root).as_posix().replace("/", "__")


def _environment() -> dict[str, str]:
    return {"python": sys.version, "platform": platform.platform()}


def _describe(notebook_path: Path, root: Path) -> dict[str, object]:
    from booktools import buildcache

    return {
        "notebook_sha256": hashlib.sha256(notebook_path.read_bytes()).hexdigest(),
        "stamp": buildcache.stamp(notebook_path, root),
        **_environment(),
    }


class _Recorder:
    """Collects, in one pytest process, the fresh outputs of every nbval cell that passed."""

    def __init__(self, root: Path):
        self.root = root
        self.started: dict[Path, dict[str, object]] = {}  # notebook -> its record when its first cell ran
        self.outputs: dict[Path, dict[int, list]] = {}  # notebook -> {cell number: outputs of a passed cell}
        self.failed: set[Path] = set()
        from booktools import buildcache

        self.book_notebooks = {p.resolve() for p in buildcache.notebooks(root)}

    def notebook_of(self, item: pytest.Item) -> Path | None:
        if type(item).__name__ != "IPyNbCell" or not hasattr(item, "cell_num"):
            return None
        path = Path(str(item.parent.fspath)).resolve()
        return path if path in self.book_notebooks else None

    def before(self, item: pytest.Item) -> None:
        path = self.notebook_of(item)
        if path is not None and path not in self.started:
            self.started[path] = _describe(path, self.root)

    def after(self, item: pytest.Item, report: pytest.TestReport) -> None:
        path = self.notebook_of(item)
        if path is None:
            return
        if report.when == "call" and report.passed and getattr(item, "test_outputs", None) is not None:
            self.outputs.setdefault(path, {})[item.cell_num] = item.test_outputs
        elif report.failed or report.skipped:
            self.failed.add(path)

    def write(self) -> list[Path]:
        """Write every notebook whose code cells all passed and whose record did not change while it ran."""
        written = []
        for path, record in self.started.items():
            notebook = nbformat.read(path, as_version=4)
            code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
            outputs = self.outputs.get(path, {})
            # nbval numbers code cells from 0 in order, so cell_num k is the k-th code cell.
            if path in self.failed or sorted(outputs) != list(range(len(code))):
                continue
            if _describe(path, self.root) != record:
                continue  # the notebook, its data or its code changed during the run
            for count, index in enumerate(code, start=1):
                cell = notebook.cells[index]
                cell.outputs = [nbformat.from_dict(dict(output)) for output in outputs[count - 1]]
                cell.execution_count = count
                for output in cell.outputs:
                    if output.get("output_type") == "execute_result":
                        output["execution_count"] = count
            folder = self.root / FOLDER
            folder.mkdir(parents=True, exist_ok=True)
            name = _record_name(path, self.root)
            nbformat.write(notebook, folder / f"{name}.ipynb")
            (folder / f"{name}.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
            written.append(path)
        return written


_RECORDER_KEY = pytest.StashKey[_Recorder]()


def run_order(item: pytest.Item) -> tuple[int, int]:
    """Where ``item`` goes in the run: notebooks by budget (largest first), then integration tests, then the rest.

    Integration tests (``@pytest.mark.integration``: each builds a small book, runs a kernel or a subprocess, a few
    seconds apiece) start before the unit tests, so that what is left for the end is many short tests that two
    workers share evenly.
    """
    if type(item).__name__ == "IPyNbCell":
        from booktools import buildcache

        return (0, -buildcache.budget_seconds(Path(str(item.parent.fspath))))
    return (1, 0) if item.get_closest_marker("integration") else (2, 0)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: builds a small book, runs a notebook kernel or a subprocess (seconds, not ms)"
    )
    # Only a strict nbval run proves anything about the outputs; `--nbval-lax` or no nbval records nothing.
    if getattr(config.option, "nbval", False) and not getattr(config.option, "nbval_lax", False):
        from distillbook import paths

        config.stash[_RECORDER_KEY] = _Recorder(paths.repository_root())


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle, which this keeps within each group
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=run_order)  # stable: the cells of one notebook, and the tests of each group, keep their order


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    recorder = item.config.stash.get(_RECORDER_KEY, None)
    if recorder is not None:
        recorder.before(item)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    recorder = item.config.stash.get(_RECORDER_KEY, None)
    if recorder is not None:
        recorder.after(item, outcome.get_result())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = session.config.stash.get(_RECORDER_KEY, None)
    if recorder is not None and not session.shouldfail and not session.shouldstop:
        recorder.write()


def adopt(notebook_path: Path, root: Path):
    """Return the test run's executed copy of ``notebook_path`` if its record still matches, else ``None``.

    The record is removed either way, so each test run's output is used at most once.
    """
    folder = root / FOLDER
    name = _record_name(notebook_path, root)
    record_path, executed_path = folder / f"{name}.json", folder / f"{name}.ipynb"
    if not (record_path.is_file() and executed_path.is_file()):
        return None
    try:
        matches = json.loads(record_path.read_text()) == _describe(notebook_path, root)
        executed = nbformat.read(executed_path, as_version=4) if matches else None
    finally:
        record_path.unlink(missing_ok=True)
        executed_path.unlink(missing_ok=True)
    return executed
