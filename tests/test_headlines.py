"""The front page reads what the chapters glued, exactly."""

from __future__ import annotations

import pytest

from distillbook import headlines
from distillbook.paths import repository_root

CHAPTER_1 = repository_root() / "chapters" / "01_what_is_distillation.ipynb"


def test_reads_numbers_and_strings_but_not_figures():
    values = headlines.glued_values(CHAPTER_1)
    assert isinstance(values["kd-teacher-accuracy"], float)
    assert isinstance(values["kd-temperature-grid"], str)
    assert "kd-learning-curve" not in values


def test_missing_name_is_a_clear_error():
    with pytest.raises(KeyError, match=r"01_what_is_distillation\.ipynb glues no value named 'nope'"):
        headlines.headline(CHAPTER_1, "nope")
