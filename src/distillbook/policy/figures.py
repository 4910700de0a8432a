"""Figures of the policy chapter; every one is ``plot_x(data, ax) -> ax``."""

from __future__ import annotations

import itertools

import pandas as pd
from matplotlib.axes import Axes

from distillbook import style
from distillbook.allegations import figures as allegation_figures
from distillbook.policy.model import DROPPED, PIPELINE_STAGES


def plot_pipeline(history: pd.DataFrame, ax: Axes) -> Axes:
    """Draw how far each bill got: one row per bill, one column per stage; return ``ax``.

    Filled markers are stages reached, joined by a line; open grey markers are stages not reached; an "X"
    after the last stage marks a bill that was dropped. The date of the furthest stage (and of dropping) is written
    beside it. Bills are ordered by introduction date, earliest at the top; bills the article does not name
    are marked in their label. ``history`` is the output of :func:`distillbook.policy.model.stage_history`.
    """
    colour = style.colour("Congress")
    bills = history.drop_duplicates("bill_id").sort_values(["date_introduced", "bill_id"], kind="mergesort")
    order = bills[["bill_id", "label", "act", "named_in_article"]]
    ticks = []
    for y, (bill, label) in enumerate(zip(order.itertuples(index=False), order["label"], strict=True)):
        mine = history[(history["bill_id"] == bill.bill_id) & (history["rank"] >= 0)]
        ax.scatter(
            range(len(PIPELINE_STAGES)),
            [y] * len(PIPELINE_STAGES),
            s=40,
            facecolor="white",
            edgecolor=style.PALETTE["grey"],
            linewidth=0.8,
            zorder=2,
        )
        ranks = mine["rank"].tolist()
        for start, end in itertools.pairwise(ranks):
            # Dotted where stages were skipped (an NDAA amendment goes to the floor without a committee).
            ax.plot(
                [start, end],
                [y, y],
                color=colour,
                linewidth=2.0,
                zorder=1,
                linestyle="-" if end - start == 1 else ":",
            )
        ax.scatter(mine["rank"], [y] * len(mine), s=40, color=colour, zorder=3)
        last = mine.iloc[-1]
        text = f"{last['date']:%Y-%m-%d}"
        dropped = history[(history["bill_id"] == bill.bill_id) & (history["stage"] == DROPPED)]
        if not dropped.empty:
            ax.scatter([last["rank"] + 0.5], [y], marker="X", s=60, color=style.PALETTE["grey"], zorder=3)
            text += f"; dropped {dropped['date'].iloc[0]:%Y-%m-%d}"
        ax.text(last["rank"] + 0.12, y - 0.34, text, va="center", fontsize=7.5)
        suffix = "" if bill.named_in_article else " (not in article)"
        ticks.append(f"{label} {bill.act}{suffix}")
    ax.set_yticks(range(len(order)), ticks)
    ax.set_ylim(len(order) - 0.4, -0.6)
    ax.set_xticks(range(len(PIPELINE_STAGES)), [s.replace(" ", "\n", 1) for s in PIPELINE_STAGES])
    ax.set_xlim(-0.4, len(PIPELINE_STAGES) - 0.2)
    ax.set_xlabel("Furthest legislative stage evidenced (stage; date of the furthest stage beside it)")
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    return ax


def plot_regulates(counts: pd.DataFrame, ax: Axes) -> Axes:
    """Draw stacked horizontal bars of measures (count) by what they regulate, split at a date; return ``ax``.

    ``counts`` is the output of :func:`distillbook.policy.model.regulates_counts` (columns before, on or after,
    total); measures dated before the split are drawn in the Congress colour, later ones in the Executive colour.
    """
    left = pd.Series(0, index=counts.index)
    for column, key in (("before", "Congress"), ("on or after", "Executive")):
        ax.barh(counts.index, counts[column], left=left, color=style.colour(key), label=column, height=0.6)
        left = left + counts[column]
    for y, total in enumerate(counts["total"]):
        ax.text(total + 0.1, y, str(int(total)), va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("Measures (count of bill vehicles and executive actions)")
    ax.set_ylabel("What the measure regulates")
    ax.set_xlim(0, counts["total"].max() + 1)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", title="dated, relative to the article")
    return ax


def plot_policy_timeline(
    events: pd.DataFrame, ax: Axes, lanes: list[str], marks: dict[str, pd.Timestamp] | None = None
) -> Axes:
    """Draw ``events`` (from :func:`policy_timeline`) as swimlanes, plus dashed vertical lines; return ``ax``.

    A thin wrapper around :func:`distillbook.allegations.figures.plot_swimlanes` (lane column "lane"; both executive lanes
    in the Executive colour). ``marks`` maps a short text to a date drawn as a dashed grey line across all
    lanes, with the text written upwards beside its foot (e.g. the article's date).
    """
    executive = style.colour("Executive")
    colours = {lane: executive for lane in lanes if lane.startswith("Executive")}
    allegation_figures.plot_swimlanes(events, ax, lanes=lanes, lane_column="lane", colours=colours)
    bottom = ax.get_ylim()[0]
    for text, date in (marks or {}).items():
        ax.axvline(pd.Timestamp(date), color=style.PALETTE["grey"], linestyle="--", linewidth=0.9, zorder=0)
        # Vertical text beside its line, so marks a couple of weeks apart do not overwrite each other.
        ax.text(
            pd.Timestamp(date),
            bottom + 0.15,
            f"{text} ",
            fontsize=7,
            color=style.PALETTE["grey"],
            va="bottom",
            ha="right",
            rotation=90,
        )
    return ax
