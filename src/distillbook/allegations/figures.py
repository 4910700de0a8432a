"""Figures of the allegations chapter and the shared swimlane timeline; every one is ``plot_x(data, ax) -> ax``.

Layout (where labels go, how tall a figure must be) is computed in :mod:`distillbook.allegations.timeline`;
these functions only draw. Colours come from :mod:`distillbook.style`.
"""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import pandas as pd
from matplotlib.axes import Axes

from distillbook import style
from distillbook.allegations.ledger import require
from distillbook.allegations.timeline import (
    LABEL_FONT_SIZE_PT,
    check_lanes,
    event_dates,
    lane_baselines,
    place_labels,
    x_limits,
)


def _axes_width_inches(ax: Axes) -> float:
    return float(ax.get_position().width * ax.figure.get_figwidth())


def plot_swimlanes(
    events: pd.DataFrame,
    ax: Axes,
    lanes: list[str] | None = None,
    label_column: str = "label",
    date_column: str = "date",
    lane_column: str = "actor",
    colours: dict[str, str] | None = None,
    label_every: bool = True,
) -> Axes:
    """Draw a swimlane timeline on ``ax`` and return ``ax``.

    One horizontal lane per value of ``lane_column`` (``lanes`` gives their order, top first, and may include
    lanes with no events; by default lanes are ordered by their first event). Each event is a marker at its
    date, coloured by ``colours[lane]`` if given, else :func:`distillbook.style.colour`. Labels from
    ``label_column`` (keep them short; empty ones are not drawn) sit above the lane on stacked rows with a
    thin leader line, so that they do not overlap (see :func:`place_labels`; ``label_every=False`` drops
    labels that would need many rows). The x axis is dates with years shown. Size the figure with
    :func:`swimlane_rows` and :func:`swimlane_height_inches` before calling.
    """
    lanes = check_lanes(events, lanes, lane_column, date_column)
    colours = dict(colours or {})
    lane_colours = {lane: colours[lane] if lane in colours else style.colour(lane) for lane in lanes}
    placed = place_labels(events, _axes_width_inches(ax), lanes, label_column, date_column, lane_column, label_every)
    baselines = lane_baselines(placed, len(lanes))
    x_low, x_high = x_limits(event_dates(events, date_column))
    for lane_index, (lane, y) in enumerate(zip(lanes, baselines, strict=True)):
        ax.axhline(y, color=lane_colours[lane], linewidth=0.8, alpha=0.35, zorder=1)
        mine = placed[placed["lane_index"] == lane_index]
        ax.scatter(mine["x"], [y] * len(mine), s=28, color=lane_colours[lane], zorder=3, edgecolor="white")
        for event in mine.itertuples():
            if event.row == 0:
                continue
            y_text = y + event.row
            ax.plot([event.x, event.x], [y, y_text - 0.25], color=lane_colours[lane], linewidth=0.5, zorder=2)
            ax.text(event.x, y_text, event.label, ha=event.ha, va="center", fontsize=LABEL_FONT_SIZE_PT)
    ax.set_yticks(baselines, lanes)
    for tick, lane in zip(ax.get_yticklabels(), lanes, strict=True):
        tick.set_color(lane_colours[lane])
    bottom = baselines[-1] - 0.5 if baselines else -1.0
    ax.set_ylim(bottom, 0.0)
    ax.set_xlim(x_low, x_high)
    span_years = (x_high - x_low) / 365.25
    if span_years >= 4:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, math.ceil(span_years / 12))))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    else:
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Date (year)" if span_years >= 4 else "Date (month, year)")
    return ax


def plot_campaign_volumes(shares: pd.DataFrame, ax: Axes) -> Axes:
    """Draw alleged exchanges per company as horizontal bars on a log axis, with shares; return ``ax``.

    ``shares`` is the output of :func:`distillbook.allegations.ledger.campaign_shares`, optionally with a
    ``reference`` column (a dataset size, same value in every row) and ``reference_label``: a vertical dotted
    line marks it, named in the legend. Each bar is labelled with its share of the sum (percent).
    """
    require(shares, ["accused_company", "exchanges", "share_percent"], "shares")
    order = shares.sort_values("exchanges", kind="mergesort")
    colours = [style.colour(c) for c in order["accused_company"]]
    ax.barh(order["accused_company"], order["exchanges"], color=colours)
    for y, (value, share) in enumerate(zip(order["exchanges"], order["share_percent"], strict=True)):
        ax.text(value * 1.1, y, f"over {value:,.0f} ({share:.1f}% of sum)", va="center", fontsize=8)
    if "reference" in shares.columns:
        label = str(shares["reference_label"].iloc[0])
        ax.axvline(
            shares["reference"].iloc[0], color=style.colour("DeepSeek"), linestyle=":", linewidth=1.5, label=label
        )
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(order["exchanges"].min() / 3, order["exchanges"].max() * 20)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("Exchanges with Claude (as alleged; log scale)")
    ax.grid(axis="y", visible=False)
    return ax


def plot_per_account(table: pd.DataFrame, ax: Axes) -> Axes:
    """Draw what each allegation implies per account: one horizontal bar per row, log axis; return ``ax``.

    ``table`` has columns label (the bar's name), accuser (its colour), per_account and unit (requests,
    exchanges...), and optionally per (what the accuser counts: "account" by default, or "user"). Each bar is
    labelled with its value and unit.
    """
    require(table, ["label", "accuser", "per_account", "unit"], "table")
    per = table["per"] if "per" in table.columns else pd.Series("account", index=table.index)
    ax.barh(table["label"], table["per_account"], color=[style.colour(a) for a in table["accuser"]])
    for y, (value, unit, whom) in enumerate(zip(table["per_account"], table["unit"], per, strict=True)):
        ax.text(value * 1.15, y, f"{value:,.0f} {unit} per {whom}", va="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(table["per_account"].min() / 3, table["per_account"].max() * 30)
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("Volume per account implied by the accuser's own figures (log scale)")
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    return ax
