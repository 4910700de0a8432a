"""distillbook.memo: a shared result is computed once, loaded after, and never read across a change of code or data."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.parametrize("value", ["0", "off", "False", "no"])
def test_turned_off_every_call_computes(tmp_path, monkeypatch, value):
    _book(tmp_path, monkeypatch)
    monkeypatch.setenv(memo.ENVIRONMENT_VARIABLE, value)
    _expensive(np.ones(3), 2.0)
    _expensive(np.ones(3), 2.0)
    assert len(CALLS) == 2 and not (tmp_path / memo.FOLDER).exists()


def test_an_edit_between_two_calls_in_one_process_is_computed_again(tmp_path, monkeypatch):
    """The digest is taken at every call: a running kernel never reads a result stored before an edit."""
    root = _book(tmp_path, monkeypatch)
    _expensive(np.ones(3), 2.0)
    package = root / "data" / "datapackage.json"
    package.write_text(package.read_text().replace('"as_of"', '"as_of" ', 1))
    _expensive(np.ones(3), 2.0)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    _expensive(np.ones(3), 2.0)
    assert len(CALLS) == 3


@pytest.mark.filterwarnings("error")
def test_a_store_that_cannot_be_written_or_read_means_computing_and_prints_nothing(tmp_path, monkeypatch, capfd):
    root = _book(tmp_path, monkeypatch)
    (root / "_build").write_text("a file where the store's folder should be")
    assert _expensive(np.ones(3), 2.0)[0] == 6.0
    (root / "_build").unlink()
    _expensive(np.ones(3), 2.0)
    stored = memo.result_path(_expensive.__wrapped__, (np.ones(3), 2.0), {}, root)
    stored.write_bytes(stored.read_bytes()[:20])  # truncated
    assert _expensive(np.ones(3), 2.0)[0] == 6.0
    assert len(CALLS) == 3
    assert capfd.readouterr() == ("", "")
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no partial file left behind


def test_a_data_version_or_thread_change_gives_a_new_store(tmp_path, monkeypatch):
    root = _book(tmp_path, monkeypatch)
    before = memo.code_digest(root)
    package = root / "data" / "datapackage.json"
    package.write_text(package.read_text().replace('"as_of"', '"as_of" ', 1))
    after_data = memo.code_digest(root)
    monkeypatch.setattr(memo, "_version", lambda name: "0.0" if name == "numpy" else "1.0")
    after_versions = memo.code_digest(root)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    assert len({before, after_data, after_versions, memo.code_digest(root)}) == 4


def test_the_digest_covers_every_module_of_the_package(tmp_path, monkeypatch):
    """A module edited anywhere in distillbook (not just the decorated function's) changes the digest."""
    copy = tmp_path / "distillbook"
    shutil.copytree(paths.repository_root() / "src" / "distillbook", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(memo, "__file__", str(copy / "memo.py"))
    before = memo.code_digest(paths.repository_root())
    helper = copy / "distillation" / "training.py"
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert memo.code_digest(paths.repository_root()) != before


def test_array_key_follows_contents_dtype_and_shape_not_identity():
    values = np.arange(6.0)
    assert memo.array_key(values) == memo.array_key(values.copy())
    assert memo.array_key(values) != memo.array_key(values.astype(np.float32))
    assert memo.array_key(values) != memo.array_key(values.reshape(2, 3))
    changed = values.copy()
    changed[-1] = np.nextafter(changed[-1], 10.0)  # one bit
    assert memo.array_key(values) != memo.array_key(changed)
    assert memo.array_key(None) is None


def test_recent_keeps_the_most_recently_used_and_computes_the_rest():
    recent, computed = memo.Recent(2), []

    def get(key):
        return recent.get(key, lambda: computed.append(key) or key * 10)

    assert [get(1), get(2), get(1), get(3)] == [10, 20, 10, 30]  # 3 pushes out 2, the least recently used
    assert get(1) == 10 and get(2) == 20
    assert computed == [1, 2, 3, 2] and len(recent) == 2
    recent.clear()
    assert len(recent) == 0
