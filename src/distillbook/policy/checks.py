"""Checks across the policy tables, so the pipeline figure, the status column and the votes cannot disagree.

The data package checks each table on its own (types, enums, dates, foreign keys). These checks go across tables
and run in the tests (test_policy.py), not in the chapter's narrative.
"""

from __future__ import annotations

import pandas as pd

from distillbook.data import DataError, Problem
from distillbook.policy.model import STAGE_RANK


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
