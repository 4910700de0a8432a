"""The policy response as data: bills, their legislative stages, executive actions and committee votes.

Used by the policy chapter (5). Every function takes DataFrames loaded with :func:`distillbook.data.load` and
returns a DataFrame, a value or an Axes; nothing here reads files. Dates are pandas Timestamps; day counts are
whole days (int); vote counts are members.
"""

from __future__ import annotations

import itertools

import pandas as pd
from matplotlib.axes import Axes

from distillbook import style, timeline
from distillbook.data import DataError, Problem

#: Legislative stages in the order a bill moves through them; "dropped" ends a bill at any stage.
PIPELINE_STAGES = ("introduced", "in committee", "passed committee", "passed a chamber", "enacted")
DROPPED = "dropped"
#: Stage rank (higher = further); "dropped" has no rank of its own (the bill keeps the rank it had reached).
STAGE_RANK = {stage: rank for rank, stage in enumerate(PIPELINE_STAGES)}
#: What a measure regulates, in the order the chapter shows them (same categories as the data's enum).
REGULATES = ("chips", "imports", "reporting", "model access")


def _require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} has no column(s) {missing}; it has {list(frame.columns)}")


def bill_labels(bills: pd.DataFrame) -> pd.Series:
    """Return a short label per bill (indexed like ``bills``): its number, or "SA 3714 (NDAA)" for amendments.

    An amendment without a bill number is labelled from its ``bill_id`` ("...-samdt3714" gives "SA 3714").
    """
    _require(bills, ["bill_id", "bill_number"], "bills")
    labels = []
    for bill_id, number in zip(bills["bill_id"], bills["bill_number"], strict=True):
        if isinstance(number, str) and number:
            labels.append(number)
        elif "samdt" in str(bill_id):
            labels.append(f"SA {str(bill_id).rsplit('samdt', 1)[1]} (NDAA)")
        else:
            raise ValueError(f"bill '{bill_id}' has no bill_number and is not a Senate amendment (samdt)")
    return pd.Series(labels, index=bills.index, name="label", dtype="string")


def source_kinds(source_ids: pd.Series, sources: pd.DataFrame) -> pd.Series:
    """Return the ``kind`` (primary, secondary or news) of each source id, indexed like ``source_ids``."""
    _require(sources, ["source_id", "kind"], "sources")
    kinds = dict(zip(sources["source_id"], sources["kind"], strict=True))
    unknown = sorted(set(source_ids) - set(kinds))
    if unknown:
        raise ValueError(f"source ids not in sources: {unknown}")
    return source_ids.map(kinds).astype("string")


def check_policy_data(bills: pd.DataFrame, bill_actions: pd.DataFrame, committee_votes: pd.DataFrame) -> pd.DataFrame:
    """Check that the policy tables agree with each other; return one row per check (check, rows_checked).

    The data package already checks types, enums, dates and foreign keys one table at a time. These checks go
    across tables: the stages and dates in ``bills`` must be the ones its staged actions in ``bill_actions``
    reach, every bill must have an action on its introduction date, stages must only move forward in time, and
    every committee vote must fall on a day its bill passed committee. Raises :class:`DataError` (naming file,
    bill and field) listing every problem found.
    """
    problems: list[Problem] = []
    staged = bill_actions[bill_actions["stage"].notna()].sort_values(["bill_id", "action_date"], kind="mergesort")
    for row_number, bill in enumerate(bills.itertuples(index=False), start=1):
        where = {"file": "data/bills.csv", "row": row_number}
        if bill.furthest_stage_date < bill.date_introduced:
            problems.append(Problem(**where, field="furthest_stage_date", problem="is before date_introduced"))
        if pd.notna(bill.status_as_of) and bill.status_as_of < bill.furthest_stage_date:
            problems.append(Problem(**where, field="status_as_of", problem="is before furthest_stage_date"))
        mine = staged[staged["bill_id"] == bill.bill_id]
        if not (bill_actions.loc[bill_actions["bill_id"] == bill.bill_id, "action_date"] == bill.date_introduced).any():
            problems.append(
                Problem(**where, field="date_introduced", problem=f"no action of '{bill.bill_id}' on that date")
            )
        if mine.empty:
            problems.append(Problem(**where, field="furthest_stage", problem="no staged action in bill_actions"))
            continue
        last = mine.iloc[-1]
        if last["stage"] != bill.furthest_stage or last["action_date"] != bill.furthest_stage_date:
            problems.append(
                Problem(
                    **where,
                    field="furthest_stage",
                    problem=f"says '{bill.furthest_stage}' on {bill.furthest_stage_date:%Y-%m-%d} but the "
                    f"last staged action is '{last['stage']}' on {last['action_date']:%Y-%m-%d}",
                )
            )
        ranks = [STAGE_RANK.get(stage, len(STAGE_RANK)) for stage in mine["stage"]]
        if ranks != sorted(ranks):
            problems.append(
                Problem("data/bill_actions.csv", f"stages of '{bill.bill_id}' go backwards in time", field="stage")
            )
    passed = staged[staged["stage"] == "passed committee"]
    passed_days = set(zip(passed["bill_id"], passed["action_date"], strict=True))
    for row_number, vote in enumerate(committee_votes.itertuples(index=False), start=1):
        if (vote.bill_id, vote.date) not in passed_days:
            problems.append(
                Problem(
                    "data/committee_votes.csv",
                    "no 'passed committee' action that day",
                    row_number,
                    field="date",
                )
            )
    if problems:
        raise DataError(problems)
    return pd.DataFrame(
        {
            "check": [
                "stage dates in order (introduced <= furthest stage <= status_as_of)",
                "an action on each bill's introduction date",
                "furthest stage = last staged action (stage and date)",
                "stages only move forward in time",
                "each committee vote on a day its bill passed committee",
            ],
            "rows_checked": [len(bills), len(bills), len(bills), len(staged), len(committee_votes)],
        }
    )


def stage_history(bills: pd.DataFrame, bill_actions: pd.DataFrame) -> pd.DataFrame:
    """Return one row per stage each bill reached: bill_id, label, stage, date, rank (rank -1 for "dropped").

    Built from the staged rows of ``bill_actions``, plus "introduced" on ``date_introduced`` for every bill
    (a bill referred the day it was introduced reached both stages that day). Sorted by bill, date and rank.
    """
    _require(bill_actions, ["bill_id", "action_date", "stage"], "bill_actions")
    staged = bill_actions.loc[bill_actions["stage"].notna(), ["bill_id", "stage", "action_date"]]
    introduced = pd.DataFrame(
        {"bill_id": bills["bill_id"], "stage": "introduced", "action_date": bills["date_introduced"]}
    )
    history = pd.concat([introduced, staged], ignore_index=True).rename(columns={"action_date": "date"})
    history = history.drop_duplicates(["bill_id", "stage"], keep="first")
    history["rank"] = history["stage"].map(STAGE_RANK).fillna(-1).astype(int)
    history["label"] = history["bill_id"].map(dict(zip(bills["bill_id"], bill_labels(bills), strict=True)))
    history = history.sort_values(["bill_id", "date", "rank"], kind="mergesort").reset_index(drop=True)
    return history[["bill_id", "label", "stage", "date", "rank"]]


def stage_on(history: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Return each bill's stage on ``date`` (the last stage reached on or before it), indexed by bill_id.

    Bills not yet introduced on ``date`` are left out. ``history`` is the output of :func:`stage_history`.
    """
    before = history[history["date"] <= pd.Timestamp(date)]
    return before.groupby("bill_id", sort=True)["stage"].last()


def plot_pipeline(bills: pd.DataFrame, history: pd.DataFrame, ax: Axes) -> Axes:
    """Draw how far each bill got: one row per bill, one column per stage; return ``ax``.

    Filled markers are stages reached, joined by a line; open grey markers are stages not reached; an "X"
    after the last stage marks a bill that was dropped. The date of the furthest stage (and of dropping) is written
    beside it. Bills are ordered by introduction date, earliest at the top; bills the article does not name
    are marked in their label.
    """
    colour = style.colour("Congress")
    order = bills.sort_values(["date_introduced", "bill_id"], kind="mergesort")
    labels = bill_labels(order)
    ticks = []
    for y, (bill, label) in enumerate(zip(order.itertuples(index=False), labels, strict=True)):
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


def bill_table(bills: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return a table of display strings, one row per bill (by introduction date): what it would do, how far.

    Columns: Bill, Act, Sponsor, Introduced, Would (our one-line summary), Mechanism, Furthest stage (with
    date), Status source (kind of the source for the furthest stage).
    """
    order = bills.sort_values(["date_introduced", "bill_id"], kind="mergesort")
    kinds = source_kinds(order["source_id"], sources)
    return pd.DataFrame(
        {
            "Bill": bill_labels(order).to_numpy(),
            "Act": order["act"].to_numpy(),
            "Sponsor": order["sponsor"].to_numpy(),
            "Introduced": order["date_introduced"].dt.strftime("%Y-%m-%d").to_numpy(),
            "Would": order["summary"].to_numpy(),
            "Mechanism": order["mechanism"].to_numpy(),
            "Furthest stage": (
                order["furthest_stage"] + " (" + order["furthest_stage_date"].dt.strftime("%Y-%m-%d") + ")"
            ).to_numpy(),
            "Status source": kinds.to_numpy(),
        }
    )


def unconfirmed_statuses(bills: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return bills whose furthest stage rests on a non-primary source: bill_id, label, stage, source_id, kind."""
    kinds = source_kinds(bills["source_id"], sources)
    out = pd.DataFrame(
        {
            "bill_id": bills["bill_id"],
            "label": bill_labels(bills),
            "stage": bills["furthest_stage"],
            "source_id": bills["source_id"],
            "kind": kinds,
        }
    )
    return out[out["kind"] != "primary"].reset_index(drop=True)


def policy_timeline(
    bills: pd.DataFrame,
    history: pd.DataFrame,
    executive_actions: pd.DataFrame,
    events: pd.DataFrame,
    event_labels: dict[str, str],
) -> pd.DataFrame:
    """Return one table of dated events for a swimlane timeline: event_id, date, lane, label.

    Rows: each bill's stages (lane "Congress"; ids ``<bill_id>:<stage>``), each executive action on its
    issue date (lane "Executive: tightens" or "Executive: loosens"; id = action_id), and the ``events`` rows
    named in ``event_labels`` (id -> short label) in the lane of their actor. "introduced" is left out where the
    bill was referred the same day (one marker per day is enough). Sorted by date, then lane, then id.
    """
    _require(events, ["event_id", "date", "actor"], "events")
    unknown = sorted(set(event_labels) - set(events["event_id"]))
    if unknown:
        raise ValueError(f"event_labels names events that are not in events: {unknown}")
    same_day = history.duplicated(["bill_id", "date"], keep="last")
    congress = history[~same_day]
    parts = [
        pd.DataFrame(
            {
                "event_id": congress["bill_id"] + ":" + congress["stage"],
                "date": congress["date"],
                "lane": "Congress",
                "label": congress["label"] + " " + congress["stage"].replace({"in committee": "introduced"}),
            }
        ),
        pd.DataFrame(
            {
                "event_id": executive_actions["action_id"],
                "date": executive_actions["date_issued"],
                "lane": "Executive: " + executive_actions["direction"],
                "label": executive_actions["label"],
            }
        ),
    ]
    chosen = events[events["event_id"].isin(list(event_labels))]
    parts.append(
        pd.DataFrame(
            {
                "event_id": chosen["event_id"],
                "date": chosen["date"],
                "lane": chosen["actor"],
                "label": chosen["event_id"].map(event_labels),
            }
        )
    )
    timeline = pd.concat(parts, ignore_index=True).astype({"event_id": "string", "lane": "string", "label": "string"})
    return timeline.sort_values(["date", "lane", "event_id"], kind="mergesort").reset_index(drop=True)


def regulates_counts(bills: pd.DataFrame, executive_actions: pd.DataFrame) -> pd.DataFrame:
    """Return the number of measures (count) by what they regulate, for bills and executive actions.

    One row per category of :data:`REGULATES` (all shown, zeros included); columns ``Congress (bills)`` (bill
    vehicles), ``Executive (actions)`` and ``total``. Categories outside :data:`REGULATES` raise ValueError.
    """
    for name, frame in (("bills", bills), ("executive_actions", executive_actions)):
        unknown = sorted(set(frame["regulates"]) - set(REGULATES))
        if unknown:
            raise ValueError(f"{name} has regulates value(s) {unknown}; known: {list(REGULATES)}")
    counts = pd.DataFrame(
        {
            "Congress (bills)": bills["regulates"].value_counts().reindex(REGULATES, fill_value=0),
            "Executive (actions)": executive_actions["regulates"].value_counts().reindex(REGULATES, fill_value=0),
        }
    ).astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "regulates"
    return counts


def plot_regulates(counts: pd.DataFrame, ax: Axes) -> Axes:
    """Draw stacked horizontal bars of measures (count) by what they regulate; return ``ax``."""
    left = pd.Series(0, index=counts.index)
    for column, actor in (("Congress (bills)", "Congress"), ("Executive (actions)", "Executive")):
        ax.barh(counts.index, counts[column], left=left, color=style.colour(actor), label=column, height=0.6)
        left = left + counts[column]
    for y, total in enumerate(counts["total"]):
        ax.text(total + 0.1, y, str(int(total)), va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("Measures (count of bill vehicles and executive actions)")
    ax.set_ylabel("What the measure regulates")
    ax.set_xlim(0, counts["total"].max() + 1)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right")
    return ax


def vote_table(committee_votes: pd.DataFrame, bills: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return the committee votes as display strings: Bill, Date, Yeas, Nays, Present, Outcome, Source, Kind.

    Counts a source does not state are shown as "not stated" rather than left blank.
    """
    labels = dict(zip(bills["bill_id"], bill_labels(bills), strict=True))

    def count(values: pd.Series) -> list[str]:
        return ["not stated" if pd.isna(v) else str(int(v)) for v in values]

    return pd.DataFrame(
        {
            "Bill": committee_votes["bill_id"].map(labels).to_numpy(),
            "Date": committee_votes["date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "Yeas": count(committee_votes["yeas"]),
            "Nays": count(committee_votes["nays"]),
            "Present": count(committee_votes["present"]),
            "Outcome": committee_votes["outcome"].to_numpy(),
            "Source": committee_votes["source_id"].to_numpy(),
            "Kind": source_kinds(committee_votes["source_id"], sources).to_numpy(),
        }
    )


def join_names(names: list[str]) -> str:
    """Return names as prose: "A", "A and B", "A, B and C"; "none" for an empty list."""
    names = [str(name) for name in names]
    if not names:
        return "none"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def plot_policy_timeline(
    events: pd.DataFrame, ax: Axes, lanes: list[str], marks: dict[str, pd.Timestamp] | None = None
) -> Axes:
    """Draw ``events`` (from :func:`policy_timeline`) as swimlanes, plus dashed vertical lines; return ``ax``.

    A thin wrapper around :func:`distillbook.timeline.plot_swimlanes` (lane column "lane"; both executive lanes
    in the Executive colour). ``marks`` maps a short text to a date drawn as a dashed grey line across all
    lanes, with the text written upwards beside its foot (e.g. the article's date).
    """
    executive = style.colour("Executive")
    colours = {lane: executive for lane in lanes if lane.startswith("Executive")}
    timeline.plot_swimlanes(events, ax, lanes=lanes, lane_column="lane", colours=colours)
    bottom = ax.get_ylim()[0]
    for text, date in (marks or {}).items():
        ax.axvline(pd.Timestamp(date), color=style.PALETTE["grey"], linestyle="--", linewidth=0.9, zorder=0)
        # Vertical text beside its line, so marks a couple of weeks apart do not overwrite each other.
        ax.text(
            pd.Timestamp(date),
            bottom + 0.15,
            f"{text} ",
            fontsize=7,
            color="#555555",
            va="bottom",
            ha="right",
            rotation=90,
        )
    return ax
