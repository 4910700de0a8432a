"""Display tables of the policy chapter: strings ready for ``glue.table``."""

from __future__ import annotations

import pandas as pd

from distillbook.policy.model import bill_labels, source_kinds


def bill_table(bills: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return a table of display strings, one row per bill (by introduction date): what it would do, how far.

    Columns: Bill, Act, Sponsor, Introduced, Would (our one-line summary), Mechanism, Furthest stage (with
    date), Status as of (the date of the newest record we saw), Status source (kind of the source for the furthest
    stage).
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
            "Status as of": order["status_as_of"].dt.strftime("%Y-%m-%d").fillna("not given").to_numpy(),
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
