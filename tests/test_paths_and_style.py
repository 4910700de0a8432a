"""The package finds the book from anywhere, and the figure theme is the committed one."""

from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest

from distillbook import glue, paths, style


def test_root_is_found_from_the_package_and_can_be_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.ROOT_ENVIRONMENT_VARIABLE, raising=False)
    assert (paths.repository_root() / "_toc.yml").is_file()
    assert paths.data_dir() == paths.repository_root() / "data"
    monkeypatch.setenv(paths.ROOT_ENVIRONMENT_VARIABLE, str(tmp_path))
    assert paths.repository_root() == tmp_path.resolve()


def test_apply_sets_the_colour_blind_safe_cycle():
    style.apply()
    cycle = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle[:3] == ["#0072B2", "#E69F00", "#009E73"]
    assert mpl.rcParams["axes.spines.top"] is False


def test_the_palette_is_written_once_in_style_py():
    """book.mplstyle holds no colour; apply() takes the cycle and the grid colour from style.py."""
    text = style.STYLE_FILE.read_text()
    settings = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    hex_colour = re.compile(r"(?<![0-9A-Za-z])#?[0-9A-Fa-f]{6}(?![0-9A-Za-z])")
    assert not [line for line in settings if hex_colour.search(line) or "color" in line.split(":")[0]], settings
    style.apply()
    cycle = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.upper() for c in style.CYCLE]
    assert set(style.CYCLE) <= set(style.PALETTE.values())
    assert mpl.colors.to_hex(mpl.rcParams["grid.color"]).upper() == style.GRID_COLOUR.upper()


def test_every_condition_has_a_palette_colour():
    assert set(style.CONDITION_COLOURS.values()) <= set(style.PALETTE.values())
    assert style.condition_colour("teacher") == style.PALETTE["black"]
    with pytest.raises(KeyError, match="known"):
        style.condition_colour("nobody")


def test_every_actor_has_a_distinct_palette_colour():
    colours = list(style.ACTOR_COLOURS.values())
    assert len(set(colours)) == len(colours)
    assert set(colours) <= set(style.PALETTE.values())
    with pytest.raises(KeyError, match="known"):
        style.colour("Nobody")


def test_glue_number_rounds_and_refuses_nan():
    assert glue.rounded(2.345, digits=1) == 2.3
    assert glue.rounded(9.6) == 10 and isinstance(glue.rounded(9.6), int)
    assert glue.number("x", 2.345, digits=1) == 2.3
    with pytest.raises(ValueError, match="cannot glue 'z'"):
        glue.number("z", float("nan"))


def test_glue_figure_closes_the_figure():
    figure = plt.figure()
    glue.figure("fig", figure)
    assert not plt.fignum_exists(figure.number)


def test_tables_have_stable_html_and_checked_names():
    import pandas as pd

    frame = pd.DataFrame({"a": ["x", "y"]})
    first, second = glue.table(frame, "t-1").to_html(), frame.copy().pipe(glue.table, "t-1").to_html()
    assert first == second and "T_t-1" in first
    with pytest.raises(ValueError, match="letters, digits"):
        glue.table(frame, "bad name")
