"""Glue computed numbers and figures into the book's prose (MyST-NB ``glue``), rounded so outputs are stable."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from myst_nb import glue as _myst_glue


def rounded(value: float, digits: int = 0) -> float | int:
    """Return ``value`` rounded to ``digits`` decimals, as an ``int`` when ``digits`` is 0; refuse NaN."""
    if value != value:
        raise ValueError("cannot round NaN: a glued number must be a number")
    return int(round(value)) if digits == 0 else round(float(value), digits)  # noqa: RUF046 (numpy scalars)


def number(name: str, value: float, digits: int = 0) -> float | int:
    """Glue ``value`` rounded to ``digits`` decimals (an ``int`` when ``digits`` is 0); return what was glued.

    Rounding before gluing keeps the stored output identical across machines, so nbval can compare it strictly.
    In prose use ``{glue:text}`name:,.0f``` or similar to format it. End a cell with something other than this
    call, or its return value is shown as the cell's output.
    """
    try:
        value_glued = rounded(value, digits)
    except ValueError:
        raise ValueError(f"cannot glue '{name}': the value is NaN") from None
    _myst_glue(name, value_glued, display=False)
    return value_glued


def text(name: str, value: str) -> str:
    """Glue a string (a formatted number with its unit, a date, a name) without displaying it; return it."""
    _myst_glue(name, str(value), display=False)
    return str(value)


def figure(name: str, figure: Figure) -> None:
    """Glue ``figure`` under ``name`` without showing it in place, then close it.

    Place it in the prose with a ``{glue:figure}`` directive that gives the caption, the ``:alt:`` text and a
    ``:name:`` for cross-references; the book's checks fail on a figure without alt text.
    """
    _myst_glue(name, figure, display=False)
    plt.close(figure)


def table(frame: pd.DataFrame, name: str, index: bool = False):
    """Return ``frame`` as a pandas Styler without the index, left-aligned, whose HTML is the same every run.

    pandas gives each Styler a random id unless one is set; ``name`` (letters, digits, dashes) is used instead,
    so stored notebook outputs compare equal under nbval. Use a different name for each table in the book.
    Works in a chain: ``frame.pipe(glue.table, "costs-phases")``. With ``index=True`` the index's named levels
    (``frame.set_index("Study")``, a pivot table's rows) are shown as the first columns, under their names. Either
    way every header cell has text, unlike pandas' own display of a named index, whose second header row of empty
    cells screen readers announce as blank headers (axe: empty-table-header).
    """
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ValueError(f"table name '{name}' must be letters, digits and dashes")
    named = [level for level in frame.index.names if level is not None]
    if index and named:
        frame = frame.reset_index(level=named)
    return frame.style.hide(axis="index").set_uuid(name).set_properties(**{"text-align": "left"})
