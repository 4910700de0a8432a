"""distillbook.memo: a shared result is computed once, loaded after, and never read across a change of code or data."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd

from distillbook import memo, paths

CALLS: list[int] = []


@memo.shared
def _expensive(values: np.ndarray, scale: float) -> tuple[float, pd.DataFrame]:
    CALLS.append(1)
    return float(values.sum() * scale), pd.DataFrame({"value": values * scale})


def _book(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copy(paths.repository_root() / "data" / "datapackage.json", tmp_path / "data")
    monkeypatch.setenv(paths.ROOT_ENVIRONMENT_VARIABLE, str(tmp_path))
    CALLS.clear()
    return tmp_path


def test_the_first_call_computes_and_later_calls_load_the_same_result(tmp_path, monkeypatch):
    _book(tmp_path, monkeypatch)
    values = np.linspace(0.0, 1.0, 7) / 3
    first = _expensive(values, 2.0)
    second = _expensive(values, 2.0)
    assert len(CALLS) == 1
    assert first[0] == second[0]
    pd.testing.assert_frame_equal(first[1], second[1], check_exact=True)
    assert list((tmp_path / memo.FOLDER).iterdir()) == [tmp_path / memo.FOLDER / memo.code_digest(tmp_path)]


def test_other_arguments_are_computed(tmp_path, monkeypatch):
    _book(tmp_path, monkeypatch)
    _expensive(np.ones(3), 2.0)
    _expensive(np.ones(3), 3.0)
    _expensive(np.ones(4), 2.0)
    assert len(CALLS) == 3


def test_turned_off_every_call_computes(tmp_path, monkeypatch):
    _book(tmp_path, monkeypatch)
    monkeypatch.setenv(memo.ENVIRONMENT_VARIABLE, "0")
    _expensive(np.ones(3), 2.0)
    _expensive(np.ones(3), 2.0)
    assert len(CALLS) == 2 and not (tmp_path / memo.FOLDER).exists()


def test_a_data_or_lock_change_gives_a_new_store(tmp_path, monkeypatch):
    root = _book(tmp_path, monkeypatch)
    before = memo.code_digest(root)
    (root / "requirements.txt").write_text("numpy==0\n")
    after_lock = memo.code_digest(root)
    package = root / "data" / "datapackage.json"
    package.write_text(package.read_text().replace('"as_of"', '"as_of" ', 1))
    assert len({before, after_lock, memo.code_digest(root)}) == 3


def test_the_digest_covers_every_module_of_the_package(tmp_path, monkeypatch):
    """A module edited anywhere in distillbook (not just the decorated function's) changes the digest."""
    copy = tmp_path / "distillbook"
    shutil.copytree(paths.repository_root() / "src" / "distillbook", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(memo, "__file__", str(copy / "memo.py"))
    before = memo.code_digest(paths.repository_root())
    helper = copy / "distillation" / "training.py"
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert memo.code_digest(paths.repository_root()) != before
