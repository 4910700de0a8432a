"""`make book` skips the build only when no file of the book changed since the last build that passed."""

from __future__ import annotations

from pathlib import Path

from booktools import uptodate

STAMP = Path(".venv/.installed")


def _book(root: Path) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "chapters" / "01.ipynb").write_text("{}")
    (root / "data").mkdir()
    (root / "data" / "prices.csv").write_text("a,b\n1,2\n")
    (root / ".venv").mkdir()
    (root / STAMP).write_text("lock-hash\n")
    return root


def _built(root: Path) -> None:
    """What a passing build leaves: the HTML, and the inputs noted at its start kept at its end."""
    assert uptodate.main(["--root", str(root), "--begin", str(STAMP)]) == 0
    (root / "_build" / "html").mkdir(parents=True, exist_ok=True)
    (root / "_build" / "html" / "index.html").write_text("<html></html>")
    assert uptodate.main(["--root", str(root), "--record"]) == 0


def test_a_passed_build_is_current_until_any_input_changes(tmp_path):
    root = _book(tmp_path)
    assert not uptodate.is_current(root, STAMP), "never built"
    _built(root)
    assert uptodate.is_current(root, STAMP)
    # What builds, tests and tools write is not an input.
    for written in ("_build/.jupyter_cache/x", "src/__pycache__/m.pyc", ".venv-3.13/lib/x", ".git/index"):
        (root / written).parent.mkdir(parents=True, exist_ok=True)
        (root / written).write_text("anything")
    assert uptodate.is_current(root, STAMP)
    (root / "data" / "prices.csv").write_text("a,b\n1,3\n")
    assert not uptodate.is_current(root, STAMP)


def test_a_new_file_a_new_environment_or_missing_html_means_a_build(tmp_path):
    root = _book(tmp_path)
    _built(root)
    (root / "chapters" / "02.ipynb").write_text("{}")
    assert not uptodate.is_current(root, STAMP)
    _built(root)
    (root / STAMP).write_text("another lock\n")
    assert not uptodate.is_current(root, STAMP)
    _built(root)
    (root / "_build" / "html" / "index.html").unlink()
    assert not uptodate.is_current(root, STAMP)


def test_a_failed_build_or_an_edit_during_the_build_is_not_taken_as_current(tmp_path):
    root = _book(tmp_path)
    _built(root)
    # A build starts and fails (no --record): the old record is gone, so the next make builds again.
    uptodate.main(["--root", str(root), "--begin", str(STAMP)])
    assert not uptodate.is_current(root, STAMP)
    # A file edited after the build began counts as changed, though the build then passes.
    uptodate.main(["--root", str(root), "--begin", str(STAMP)])
    (root / "chapters" / "01.ipynb").write_text('{"edited": true}')
    uptodate.main(["--root", str(root), "--record"])
    assert not uptodate.is_current(root, STAMP)
