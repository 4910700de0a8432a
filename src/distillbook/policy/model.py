"""The policy response as data: bills, their legislative stages, executive actions, and what was pending when.

Used by the policy chapter (7). Every function takes DataFrames loaded with :func:`distillbook.data.load` and
returns a DataFrame or a value; nothing here reads files. Dates are pandas Timestamps; day counts are whole days
(int). Cross-table checks are in :mod:`.checks`, figures in :mod:`.figures`, display tables in :mod:`.tables`.
"""

from __future__ import annotations

import pandas as pd

from distillbook.errors import BookError

#: Legislative stages in the order a bill moves through them; "dropped" ends a bill at any stage.
PIPELINE_STAGES = ("introduced", "in committee", "passed committee", "passed a chamber", "enacted")
DROPPED = "dropped"
#: Stage rank (higher = further); "dropped" has no rank of its own (the bill keeps the rank it had reached).
STAGE_RANK = {stage: rank for rank, stage in enumerate(PIPELINE_STAGES)}
#: What a measure regulates, in the order the chapter shows them (same categories as the data's enum).
REGULATES = ("chips", "imports", "reporting", "model access")
#: Direction of a measure, relative to China's access to what it regulates (US chips or US models).
DIRECTIONS = ("tightens", "loosens", "neither")


class PolicyError(BookError):
    """A policy table lacks a column, names an unknown category, or a parameter is out of range."""


def require(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    """Raise :class:`PolicyError` naming the table and the columns it lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise PolicyError(f"{name} has no column(s) {missing}; it has {list(frame.columns)}")


def bill_labels(bills: pd.DataFrame) -> pd.Series:
    """Return a short label per bill (indexed like ``bills``): its number, or "SA 3714 (NDAA)" for amendments.

    An amendment without a bill number is labelled from its ``bill_id`` ("...-samdt3714" gives "SA 3714").
    """
    require(bills, ["bill_id", "bill_number"], "bills")
    labels = []
    for bill_id, number in zip(bills["bill_id"], bills["bill_number"], strict=True):
        if isinstance(number, str) and number:
            labels.append(number)
        elif "samdt" in str(bill_id):
            labels.append(f"SA {str(bill_id).rsplit('samdt', 1)[1]} (NDAA)")
        else:
            raise PolicyError(f"bill '{bill_id}' has no bill_number and is not a Senate amendment (samdt)")
    return pd.Series(labels, index=bills.index, name="label", dtype="string")


def source_kinds(source_ids: pd.Series, sources: pd.DataFrame) -> pd.Series:
    """Return the ``kind`` (primary, secondary or news) of each source id, indexed like ``source_ids``."""
    require(sources, ["source_id", "kind"], "sources")
    kinds = dict(zip(sources["source_id"], sources["kind"], strict=True))
    unknown = sorted(set(source_ids) - set(kinds))
    if unknown:
        raise PolicyError(f"source ids not in sources: {unknown}")
    return source_ids.map(kinds).astype("string")


def stage_history(bills: pd.DataFrame, bill_actions: pd.DataFrame) -> pd.DataFrame:
    """Return one row per stage each bill reached: bill_id, label, stage, date, rank (-1 for "dropped"), and the
    bill's act, named_in_article and date_introduced (so a figure needs only this table).

    Built from the staged rows of ``bill_actions``, plus "introduced" on ``date_introduced`` for every bill
    (a bill referred the day it was introduced reached both stages that day). Sorted by bill, date and rank.
    """
    require(bill_actions, ["bill_id", "action_date", "stage"], "bill_actions")
    staged = bill_actions.loc[bill_actions["stage"].notna(), ["bill_id", "stage", "action_date"]]
    introduced = pd.DataFrame(
        {"bill_id": bills["bill_id"], "stage": "introduced", "action_date": bills["date_introduced"]}
    )
    history = pd.concat([introduced, staged], ignore_index=True).rename(columns={"action_date": "date"})
    history = history.drop_duplicates(["bill_id", "stage"], keep="first")
    history["rank"] = history["stage"].map(STAGE_RANK).fillna(-1).astype(int)
    history["label"] = history["bill_id"].map(dict(zip(bills["bill_id"], bill_labels(bills), strict=True)))
    about = bills.set_index("bill_id")[["act", "named_in_article", "date_introduced"]]
    history = history.join(about, on="bill_id")
    history = history.sort_values(["bill_id", "date", "rank"], kind="mergesort").reset_index(drop=True)
    return history[["bill_id", "label", "stage", "date", "rank", "act", "named_in_article", "date_introduced"]]


def stage_on(history: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Return each bill's stage on ``date`` (the last stage reached on or before it), indexed by bill_id.

    Bills not yet introduced on ``date`` are left out. ``history`` is the output of :func:`stage_history`.
    """
    before = history[history["date"] <= pd.Timestamp(date)]
    return before.groupby("bill_id", sort=True)["stage"].last()


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
    require(events, ["event_id", "date", "actor"], "events")
    unknown = sorted(set(event_labels) - set(events["event_id"]))
    if unknown:
        raise PolicyError(f"event_labels names events that are not in events: {unknown}")
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


def measures(bills: pd.DataFrame, executive_actions: pd.DataFrame) -> pd.DataFrame:
    """Return every measure in one table: measure_id, kind ("bill" or "executive"), label, date (introduction or
    issue), regulates, direction and found_by (how the measure came into the data: named in the article, or by
    which documented search). Sorted by date, then id. Unknown categories raise :class:`PolicyError`.
    """
    require(bills, ["bill_id", "bill_number", "date_introduced", "regulates", "direction", "found_by"], "bills")
    needed = ["action_id", "label", "date_issued", "regulates", "direction", "found_by"]
    require(executive_actions, needed, "executive_actions")
    table = pd.concat(
        [
            pd.DataFrame(
                {
                    "measure_id": bills["bill_id"],
                    "kind": "bill",
                    "label": bill_labels(bills),
                    "date": bills["date_introduced"],
                    **{c: bills[c] for c in ("regulates", "direction", "found_by")},
                }
            ),
            pd.DataFrame(
                {
                    "measure_id": executive_actions["action_id"],
                    "kind": "executive",
                    "label": executive_actions["label"],
                    "date": executive_actions["date_issued"],
                    **{c: executive_actions[c] for c in ("regulates", "direction", "found_by")},
                }
            ),
        ],
        ignore_index=True,
    ).astype({"measure_id": "string", "label": "string"})
    for column, known in (("regulates", REGULATES), ("direction", DIRECTIONS)):
        values = table[column].str.split("; ").explode() if column == "regulates" else table[column]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise PolicyError(f"measures have {column} value(s) {unknown}; known: {list(known)}")
    return table.sort_values(["date", "measure_id"], kind="mergesort").reset_index(drop=True)


def regulated(measures: pd.DataFrame) -> pd.DataFrame:
    """Return ``measures`` with one row per thing a measure regulates: a measure whose ``regulates`` lists two
    things separated by "; " (the AI Diffusion Rule's rescission: chips and model access) appears once for each.
    """
    require(measures, ["regulates"], "measures")
    return measures.assign(regulates=measures["regulates"].str.split("; ")).explode("regulates", ignore_index=True)


def regulates_counts(measures: pd.DataFrame, split: pd.Timestamp) -> pd.DataFrame:
    """Return the number of measures by what they regulate, before ``split`` and from ``split`` on.

    ``measures`` is the output of :func:`measures`. One row per category of :data:`REGULATES` (zeros included);
    columns ``before`` and ``on or after`` (counts of measures dated before / on or after ``split``) and ``total``.
    A measure that regulates two things is counted under each.
    """
    require(measures, ["date", "regulates"], "measures")
    measures = regulated(measures)
    early = measures["date"] < pd.Timestamp(split)
    counts = pd.DataFrame(
        {
            "before": measures.loc[early, "regulates"].value_counts().reindex(REGULATES, fill_value=0),
            "on or after": measures.loc[~early, "regulates"].value_counts().reindex(REGULATES, fill_value=0),
        }
    ).astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "regulates"
    return counts


def pending_on(history: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Return the bills pending on ``date``: introduced by then, not dropped or enacted by then.

    Columns: bill_id, label, stage (on ``date``), last_action (date of the last stage reached on or before it)
    and days_since (whole days from that action to ``date``). ``history`` is the output of :func:`stage_history`.
    """
    date = pd.Timestamp(date)
    before = history[history["date"] <= date]
    last = before.sort_values(["bill_id", "date", "rank"], kind="mergesort").groupby("bill_id", sort=True).last()
    pending = last[~last["stage"].isin([DROPPED, "enacted"])].reset_index()
    pending["last_action"] = pending["date"]
    pending["days_since"] = (date - pending["date"]).dt.days.astype(int)
    return pending[["bill_id", "label", "stage", "last_action", "days_since"]]


def nearest_actions(history: pd.DataFrame, date: pd.Timestamp) -> dict[str, object]:
    """Return the legislative stages nearest ``date`` on either side: last_before and first_after (rows of
    ``history`` as dicts, or None) and days_before / days_after (whole days from them to ``date``)."""
    date = pd.Timestamp(date)
    before = history[history["date"] < date].sort_values(["date", "bill_id"], kind="mergesort")
    after = history[history["date"] > date].sort_values(["date", "bill_id"], kind="mergesort")
    last = before.iloc[-1].to_dict() if len(before) else None
    first = after.iloc[0].to_dict() if len(after) else None
    return {
        "last_before": last,
        "first_after": first,
        "days_before": None if last is None else int((date - last["date"]).days),
        "days_after": None if first is None else int((first["date"] - date).days),
    }


def join_names(names: list[str]) -> str:
    """Return names as prose: "A", "A and B", "A, B and C"; "none" for an empty list."""
    names = [str(name) for name in names]
    if not names:
        return "none"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
