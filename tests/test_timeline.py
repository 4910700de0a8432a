"""Swimlane timelines: day counts checked by hand, label placement without overlap, clear errors."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from distillbook import style
from distillbook.allegations import figures, tables, timeline


def _events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3", "E4", "E5"],
            "date": pd.to_datetime(["2015-03-09", "2026-02-12", "2026-02-23", "2026-02-24", "2026-01-15"]),
            "actor": ["researchers", "OpenAI", "Anthropic", "Anthropic", "Executive"],
            "label": ["Hinton", "Memo", "Report (page)", "Report (article)", ""],
        }
    )


def test_days_between_matches_a_hand_count():
    events = _events()
    # 12 Feb -> 23 Feb 2026: 11 days; 15 Jan -> 12 Feb: 16 + 12 = 28 days.
    assert timeline.days_between(events, "E2", "E3") == 11
    assert timeline.days_between(events, "E5", "E2") == 28
    assert timeline.days_between(events, "E3", "E2") == -11
    assert timeline.days_between(events, "E3", "E3") == 0
    assert isinstance(timeline.days_between(events, "E2", "E4"), int)


def test_days_between_accepts_string_dates_and_other_columns():
    events = pd.DataFrame({"id": ["a", "b"], "when": ["2024-02-28", "2024-03-01"]})
    assert timeline.days_between(events, "a", "b", id_column="id", date_column="when") == 2  # leap year


def test_days_between_errors_name_the_problem():
    events = _events()
    with pytest.raises(timeline.TimelineError, match="no event with event_id 'E9'"):
        timeline.days_between(events, "E1", "E9")
    twice = pd.concat([events, events.iloc[[1]]])
    with pytest.raises(timeline.TimelineError, match="appears 2 times"):
        timeline.days_between(twice, "E1", "E2")
    with pytest.raises(timeline.TimelineError, match="no column"):
        timeline.days_between(events, "E1", "E2", date_column="when")
    missing = events.assign(date=[None, "2026-02-12", None, None, None])
    with pytest.raises(timeline.TimelineError, match="missing or unreadable date"):
        timeline.days_between(missing, "E1", "E2")


def test_lane_order_follows_first_event_then_name():
    assert timeline.lane_order(_events()) == ["researchers", "Executive", "OpenAI", "Anthropic"]


def test_labels_on_one_row_never_overlap_and_empty_labels_are_skipped():
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-06-01"]),
            "actor": ["OpenAI"] * 4,
            "label": ["a long label here", "another long one", "third", ""],
        }
    )
    placed = timeline.place_labels(events, width_inches=6.0)
    assert placed["row"].tolist()[:3] == [1, 2, 3]  # three close events stack on three rows
    assert placed["row"].iloc[3] == 0  # empty label: not drawn
    thinned = timeline.place_labels(events, width_inches=6.0, label_every=False)
    assert thinned["row"].tolist() == [1, 2, 0, 0]  # beyond MAX_LABEL_ROWS_WHEN_THINNING rows: dropped
    assert timeline.swimlane_rows(events, width_inches=6.0) == 1 + 3


def test_far_apart_labels_share_the_first_row_and_late_labels_flip_left():
    events = pd.DataFrame(
        {
            "date": pd.to_datetime(["2015-01-01", "2026-12-01"]),
            "actor": ["researchers"] * 2,
            "label": ["x", "a label too long for the margin"],
        }
    )
    placed = timeline.place_labels(events, width_inches=6.0)
    assert placed["row"].tolist() == [1, 1]
    assert placed["ha"].tolist() == ["left", "right"]


def test_placement_is_deterministic_and_in_input_order():
    events = _events()
    first = timeline.place_labels(events, width_inches=5.0)
    second = timeline.place_labels(events.copy(), width_inches=5.0)
    pd.testing.assert_frame_equal(first, second)
    assert first["label"].tolist() == events["label"].tolist()


def test_plot_swimlanes_draws_lanes_colours_and_year_ticks():
    style.apply()
    events = _events()
    lanes = ["researchers", "Executive", "OpenAI", "Anthropic", "Congress"]  # Congress: an empty lane
    fig, ax = plt.subplots(figsize=(7, 3))
    returned = figures.plot_swimlanes(events, ax, lanes=lanes, colours={"OpenAI": "#123456"})
    assert returned is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == lanes
    colours = {t.get_text(): t.get_color() for t in ax.get_yticklabels()}
    assert colours["OpenAI"] == "#123456" and colours["Anthropic"] == style.colour("Anthropic")
    assert sorted(t.get_text() for t in ax.texts) == ["Hinton", "Memo", "Report (article)", "Report (page)"]
    fig.canvas.draw()
    years = {label.get_text() for label in ax.get_xticklabels()}
    assert {"2016", "2026"} <= years
    low, high = ax.get_xlim()
    assert low < mdates.date2num(pd.Timestamp("2015-03-09")) and high > mdates.date2num(pd.Timestamp("2026-02-24"))
    plt.close(fig)


def test_plot_swimlanes_rejects_events_outside_the_lanes_and_unknown_colours():
    fig, ax = plt.subplots()
    with pytest.raises(timeline.TimelineError, match="not in lanes"):
        figures.plot_swimlanes(_events(), ax, lanes=["OpenAI"])
    with pytest.raises(KeyError, match="no fixed colour"):
        figures.plot_swimlanes(_events().assign(actor="Nobody"), ax)
    with pytest.raises(timeline.TimelineError, match="no column"):
        figures.plot_swimlanes(_events(), ax, lane_column="who")
    plt.close(fig)


def test_date_disagreements_lists_both_dates_and_the_gap():
    events = _events().assign(source_id=["a", "b", "page", "article", "c"], date_precision="day")
    table = tables.date_disagreements(events, [("E3", "E4")])
    assert table.to_dict("records") == [
        {
            "Event": "Report (page)",
            "First": "E3: 2026-02-23",
            "First source": "page",
            "Second": "E4: 2026-02-24",
            "Second source": "article",
            "Apart": "+1 day",
        }
    ]
    with pytest.raises(timeline.TimelineError, match="no event"):
        tables.date_disagreements(events, [("E3", "E99")])


def test_no_day_count_against_a_year_or_month_only_date():
    events = _events().assign(source_id="s", date_precision=["year", "day", "day", "month", "day"])
    with pytest.raises(timeline.TimelineError, match="dated to the year only"):
        timeline.days_between(events, "E1", "E2")
    with pytest.raises(timeline.TimelineError, match="dated to the month only"):
        timeline.days_between(events, "E3", "E4")
    assert timeline.days_between(events, "E2", "E3") == 11  # both days: counted as before
    table = tables.date_disagreements(events, [("E1", "E2"), ("E3", "E4")])
    # 2015 -> 2026 at year precision: +11 years, not 3,993 days; Feb 2026 -> Feb 2026 at month precision: +0 months.
    assert table["Apart"].tolist() == ["+11 years (year precision only)", "+0 months (month precision only)"]
    assert table["First"].tolist() == ["E1: 2015", "E3: 2026-02-23"] and table.loc[1, "Second"] == "E4: 2026-02"
