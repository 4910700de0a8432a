"""Timelines of dated events: the layout of swimlanes (one lane per actor) and intervals between events.

Shared by the allegations chapter (5), the policy chapter (7) and the front page. Drawing is in
:func:`distillbook.allegations.figures.plot_swimlanes`; this module computes where things go:

- :func:`days_between` returns the whole number of days from one event to another, and refuses when either
  date is known only to the month or year (a day count against a year-only date means nothing);
- :func:`lane_order`, :func:`place_labels` and :func:`swimlane_rows` expose the layout so a caller can choose
  a figure height (:func:`swimlane_height_inches`) and tests can check the placement without drawing.

Everything is deterministic: ties are broken by the row order of the input, never by hashing or timing.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from distillbook.errors import BookError

#: Font size of event labels, in points.
LABEL_FONT_SIZE_PT = 7.0
#: Rough width of one character of the label font, as a fraction of the font size (DejaVu Sans averages about
#: 0.55, capitals more; a little more keeps estimated boxes on the safe side).
CHARACTER_WIDTH_EM = 0.65
#: Height of one label row (or lane baseline) in inches, used to size figures.
ROW_HEIGHT_INCHES = 0.17
#: With ``label_every=False``, labels that would need more rows than this above their lane are left out.
MAX_LABEL_ROWS_WHEN_THINNING = 2
#: Horizontal gap kept between two labels on the same row, in characters.
LABEL_GAP_CHARACTERS = 1.5


class TimelineError(BookError):
    """Events cannot be placed on a timeline (missing column, unknown lane, missing date or id)."""


def _require_columns(events: pd.DataFrame, columns: list[str]) -> None:
    missing = [name for name in columns if name not in events.columns]
    if missing:
        raise TimelineError(f"events has no column(s) {missing}; it has {list(events.columns)}")


def event_dates(events: pd.DataFrame, date_column: str) -> pd.Series:
    dates = pd.to_datetime(events[date_column], errors="coerce")
    missing = dates.isna()
    if missing.any():
        rows = [int(i) for i in np.flatnonzero(missing.to_numpy())]
        raise TimelineError(f"column '{date_column}' has a missing or unreadable date in row(s) {rows}")
    return dates


def days_between(
    events: pd.DataFrame,
    first_id: str,
    second_id: str,
    id_column: str = "event_id",
    date_column: str = "date",
    precision_column: str = "date_precision",
) -> int:
    """Return the number of days from event ``first_id`` to event ``second_id`` (an int, in days).

    Positive when the second event is later, negative when it is earlier, 0 on the same day. Raises
    :class:`TimelineError` if an id is absent or appears more than once, its date is missing, or (when
    ``events`` has a ``precision_column``) either date is known only to the month or the year.
    """
    _require_columns(events, [id_column, date_column])
    found = {}
    for event_id in (first_id, second_id):
        rows = events.loc[events[id_column] == event_id]
        if len(rows) == 0:
            raise TimelineError(f"no event with {id_column} '{event_id}'")
        if len(rows) > 1:
            raise TimelineError(f"{id_column} '{event_id}' appears {len(rows)} times; ids must be unique")
        if precision_column in rows.columns and str(rows[precision_column].iloc[0]) != "day":
            precision = rows[precision_column].iloc[0]
            raise TimelineError(f"event '{event_id}' is dated to the {precision} only: no day count from it")
        found[event_id] = event_dates(rows, date_column).iloc[0]
    return int((found[second_id].normalize() - found[first_id].normalize()).days)


def lane_order(events: pd.DataFrame, lane_column: str = "actor", date_column: str = "date") -> list[str]:
    """Return the lanes (distinct values of ``lane_column``) ordered by their earliest event, ties by name."""
    _require_columns(events, [lane_column, date_column])
    first = pd.DataFrame({"lane": events[lane_column].astype(str), "date": event_dates(events, date_column)})
    first = first.groupby("lane", sort=True)["date"].min().reset_index()
    return first.sort_values(["date", "lane"], kind="mergesort")["lane"].tolist()


def _label_width_days(label: str, days_per_inch: float) -> float:
    characters = len(label) + LABEL_GAP_CHARACTERS
    return characters * CHARACTER_WIDTH_EM * LABEL_FONT_SIZE_PT / 72.0 * days_per_inch


def check_lanes(events: pd.DataFrame, lanes: list[str] | None, lane_column: str, date_column: str) -> list[str]:
    if lanes is None:
        return lane_order(events, lane_column, date_column)
    lanes = [str(lane) for lane in lanes]
    if len(set(lanes)) != len(lanes):
        raise TimelineError(f"lanes repeats a name: {lanes}")
    unknown = sorted(set(events[lane_column].astype(str)) - set(lanes))
    if unknown:
        raise TimelineError(f"events have {lane_column} {unknown}, which are not in lanes {lanes}")
    return lanes


def x_limits(dates: pd.Series) -> tuple[float, float]:
    """Return the x-axis limits (matplotlib date numbers, days) with a margin of 3% (at least 10 days)."""
    numbers = mdates.date2num(dates.to_numpy())
    low, high = float(np.min(numbers)), float(np.max(numbers))
    margin = max(0.03 * (high - low), 10.0)
    return low - margin, high + margin


def place_labels(
    events: pd.DataFrame,
    width_inches: float,
    lanes: list[str] | None = None,
    label_column: str = "label",
    date_column: str = "date",
    lane_column: str = "actor",
    label_every: bool = True,
) -> pd.DataFrame:
    """Return where each event's label goes: one row per input row, in input order.

    Columns: ``lane`` (name), ``lane_index`` (0 = top lane), ``x`` (matplotlib date number, days), ``row``
    (label row above the lane's baseline, 1 = nearest; 0 = no label), ``ha`` ("left" if the label starts at
    the event, "right" if it ends there, near the right edge), ``label``. Labels in one lane are placed
    greedily in date order on the lowest row where their estimated width (from their length and
    ``width_inches``, the width of the plot area) overlaps no earlier label. With ``label_every=False``,
    labels that would need more than :data:`MAX_LABEL_ROWS_WHEN_THINNING` rows are left out (row 0); empty
    labels are never drawn.
    """
    if not width_inches > 0:
        raise TimelineError(f"width_inches must be positive, got {width_inches}")
    _require_columns(events, [label_column, date_column, lane_column])
    if len(events) == 0:
        raise TimelineError("events is empty: there is nothing to place")
    lanes = check_lanes(events, lanes, lane_column, date_column)
    dates = event_dates(events, date_column)
    x_low, x_high = x_limits(dates)
    days_per_inch = (x_high - x_low) / width_inches
    labels = events[label_column].astype("string").fillna("").astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "lane": events[lane_column].astype(str).to_numpy(),
            "x": mdates.date2num(dates.to_numpy()),
            "label": labels,
            "position": np.arange(len(events)),
        }
    )
    frame["lane_index"] = frame["lane"].map({lane: i for i, lane in enumerate(lanes)})
    frame["row"] = 0
    frame["ha"] = "left"
    ordered = frame.sort_values(["lane_index", "x", "position"], kind="mergesort")
    # Per (lane, row): label boxes (start, end) and the x of leader lines passing through that row.
    boxes: dict[tuple[int, int], list[tuple[float, float]]] = {}
    leaders: dict[tuple[int, int], list[float]] = {}
    for index, event in ordered.iterrows():
        if not event["label"].strip():
            continue
        lane, x = event["lane_index"], event["x"]
        width = _label_width_days(event["label"], days_per_inch)
        start, end, ha = x, x + width, "left"
        if end > x_high:  # flip labels that would run off the right edge
            start, end, ha = x - width, x, "right"
        row = _free_row(boxes, leaders, lane, start, end, x)
        if not label_every and row > MAX_LABEL_ROWS_WHEN_THINNING:
            continue
        boxes.setdefault((lane, row), []).append((start, end))
        for below in range(1, row):
            leaders.setdefault((lane, below), []).append(x)
        frame.loc[index, ["row", "ha"]] = [row, ha]
    return frame[["lane", "lane_index", "x", "row", "ha", "label"]].reset_index(drop=True)


def _free_row(
    boxes: dict[tuple[int, int], list[tuple[float, float]]],
    leaders: dict[tuple[int, int], list[float]],
    lane: int,
    start: float,
    end: float,
    x: float,
) -> int:
    """Return the lowest row (1, 2, ...) where a label box [start, end] overlaps no other box or leader line.

    Prefer rows whose leader line (at ``x``, from the baseline up) crosses no lower label; if every row up to
    the highest used one is ruled out by that, accept a crossing rather than stack labels without end.
    """

    def box_fits(row: int) -> bool:
        if any(start < b_end and b_start < end for b_start, b_end in boxes.get((lane, row), [])):
            return False
        return not any(start <= leader <= end for leader in leaders.get((lane, row), []))

    def leader_clear(row: int) -> bool:
        return not any(b_start <= x <= b_end for b_start, b_end in boxes.get((lane, row), []))

    highest = max([row for (lane_index, row) in boxes if lane_index == lane], default=0) + 1
    row = 1
    while row <= highest:
        if box_fits(row):
            return row
        if not leader_clear(row):
            break  # every higher row's leader would cross this row's label
        row += 1
    row = 1
    while not box_fits(row):
        row += 1
    return row


def lane_baselines(placed: pd.DataFrame, n_lanes: int) -> list[float]:
    """Return the y of each lane's baseline (top lane highest); each lane is 1 + its label rows tall."""
    rows_per_lane = placed.groupby("lane_index")["row"].max().reindex(range(n_lanes), fill_value=0)
    baselines, top = [], 0.0
    for rows in rows_per_lane:
        top -= int(rows) + 1
        baselines.append(top + 0.5)
    return baselines


def swimlane_rows(
    events: pd.DataFrame,
    width_inches: float,
    lanes: list[str] | None = None,
    label_column: str = "label",
    date_column: str = "date",
    lane_column: str = "actor",
    label_every: bool = True,
) -> int:
    """Return the number of rows (lane baselines plus label rows) the swimlane plot needs, an int."""
    placed = place_labels(events, width_inches, lanes, label_column, date_column, lane_column, label_every)
    n_lanes = len(check_lanes(events, lanes, lane_column, date_column))
    rows_per_lane = placed.groupby("lane_index")["row"].max().reindex(range(n_lanes), fill_value=0)
    return int(rows_per_lane.sum() + n_lanes)


def swimlane_height_inches(rows: int, margin_inches: float = 0.8) -> float:
    """Return a figure height (inches) that gives each of ``rows`` rows room for one line of label text."""
    return round(rows * ROW_HEIGHT_INCHES + margin_inches, 2)
