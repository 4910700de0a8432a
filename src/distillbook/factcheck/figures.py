"""Figures of the fact-check, one signature for all: ``plot_x(data, ax) -> ax``."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import pandas as pd

from distillbook import style
from distillbook.factcheck.rule import VERDICTS

VERDICT_COLOURS = {
    "matches": style.PALETTE["bluish_green"],
    "differs": style.PALETTE["vermillion"],
    "misattributed": style.PALETTE["orange"],
    "cannot be checked": style.PALETTE["grey"],
}
#: Axis labels per unit of a gap panel (the unit as article_claims writes it).
UNIT_LABELS = {
    "days": "Days between the two events",
    "USD": "US dollars",
    "USD per million tokens": "US dollars per million tokens",
    "percent": "Percent",
    "Elo rating": "Codeforces rating",
    "times": "Times cheaper",
    "exchanges": "Exchanges",
    "accounts": "Accounts",
}


def plot_verdicts(data: pd.DataFrame, ax: plt.Axes) -> plt.Axes:
    """Draw horizontal stacked bars of verdict counts per row of ``data`` (from ``verdict_counts(..., by=...)``)."""
    left = pd.Series(0, index=data.index)
    for verdict in VERDICTS:
        if verdict not in data:
            continue
        ax.barh(data.index, data[verdict], left=left, color=VERDICT_COLOURS[verdict], label=verdict, edgecolor="white")
        for y, (start, width) in enumerate(zip(left, data[verdict], strict=True)):
            if width > 0:
                ax.text(start + width / 2, y, str(int(width)), ha="center", va="center", color="white", fontsize=8)
        left = left + data[verdict]
    ax.invert_yaxis()
    ax.set_xlabel("Claims in the article (count)")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    return ax


def plot_gaps(data: pd.DataFrame, ax: plt.Axes) -> plt.Axes:
    """Draw, for claims in one unit (rows of ``gap_table`` sharing ``unit``), the values the article's wording
    allows (grey band, an arrow when open upward), the article's figure (black tick) and the source's value (dot,
    coloured by verdict), on an axis in that unit; a log axis when the values span more than a factor of 20.

    Raises ValueError if ``data`` mixes units: day counts and dollars must never share an axis.
    """
    units = data["unit"].unique()
    if len(units) != 1:
        raise ValueError(f"plot_gaps draws one unit per axis, got {list(units)}")
    finite = pd.concat([data["article_value"], data["source_value"], data["allowed_low"]])
    top = max(finite.max(), data["allowed_high"].replace(math.inf, float("nan")).max(skipna=True) or 0)
    log = finite.min() > 0 and top / finite.min() > 20
    reach = top * (3 if log else 1.15)
    for y, row in enumerate(data.itertuples()):
        high = min(row.allowed_high, reach)
        ax.plot([row.allowed_low, high], [y, y], color=style.PALETTE["grey"], linewidth=7, alpha=0.35,
                solid_capstyle="butt")  # fmt: skip
        if math.isinf(row.allowed_high):
            ax.annotate("", xy=(reach, y), xytext=(high * (0.7 if log else 0.95), y),
                        arrowprops={"arrowstyle": "->", "color": style.PALETTE["grey"]})  # fmt: skip
        ax.plot(row.article_value, y, "|", color="black", markersize=12, markeredgewidth=1.5)
        ax.plot(row.source_value, y, "o", color=VERDICT_COLOURS[row.verdict], markersize=7)
    if log:
        ax.set_xscale("log")
    millions = top >= 1_000_000  # '5.3' on an axis labelled in millions, not an offset such as '1e6'
    if millions:
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda x, _: f"{x / 1e6:,.2f}".rstrip("0").rstrip(".")))
    if not log:
        ax.xaxis.set_major_locator(mticker.MaxNLocator(6))
    ax.set_yticks(range(len(data)), [f"{r.claim_id} {r.short_label}" for r in data.itertuples()])
    ax.set_ylim(len(data) - 0.5, -0.5)
    label = UNIT_LABELS.get(units[0], units[0]) + (", millions" if millions else "")
    ax.set_xlabel(label + (" (log scale)" if log else ""))
    ax.grid(axis="y", visible=False)
    return ax
