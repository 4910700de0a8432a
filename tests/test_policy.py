"""Tests for distillbook.policy: stage logic, cross-table checks, counts and tables, on small hand-made frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from distillbook import data, style
from distillbook.policy import checks as policy_checks
from distillbook.policy import figures, model, tables

D = pd.Timestamp


def _bills() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bill_id": ["hr1", "x-samdt7", "s2"],
            "bill_number": pd.array(["H.R. 1", None, "S. 2"], dtype="string"),
            "act": ["One Act", "Two Act", "Two Act"],
            "named_in_article": [True, True, False],
            "date_introduced": [D("2025-01-10"), D("2025-02-01"), D("2025-03-01")],
            "furthest_stage": ["passed committee", "dropped", "in committee"],
            "furthest_stage_date": [D("2025-02-20"), D("2025-06-01"), D("2025-03-01")],
            "status_as_of": [D("2025-03-01"), D("2025-06-01"), D("2025-03-01")],
            "regulates": ["chips", "chips", "model access"],
            "summary": ["Does one thing.", "Does two things.", "Does three."],
            "mechanism": ["oversight", "reporting", "reporting"],
            "sponsor": ["Rep. A", "Sen. B", "Sen. C"],
            "source_id": ["p1", "s1", "p1"],
        }
    )


def _actions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bill_id": ["hr1", "hr1", "x-samdt7", "x-samdt7", "x-samdt7", "s2", "s2"],
            "action_date": [
                D(d)
                for d in (
                    "2025-01-10",
                    "2025-02-20",
                    "2025-02-01",
                    "2025-04-01",
                    "2025-06-01",
                    "2025-03-01",
                    "2025-03-01",
                )
            ],
            "stage": pd.array(
                ["in committee", "passed committee", "introduced", "passed a chamber", "dropped", "in committee", None],
                dtype="string",
            ),
        }
    )


def _votes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bill_id": ["hr1", "hr1"],
            "date": [D("2025-02-20"), D("2025-02-20")],
            "yeas": pd.array([10, None], dtype="Int64"),
            "nays": pd.array([1, None], dtype="Int64"),
            "present": pd.array([None, None], dtype="Int64"),
            "outcome": ["advanced", "described as unanimous"],
            "source_id": ["n1", "n1"],
        }
    )


def _sources() -> pd.DataFrame:
    return pd.DataFrame({"source_id": ["p1", "s1", "n1"], "kind": ["primary", "secondary", "news"]})


def test_bill_labels_use_number_or_amendment():
    assert model.bill_labels(_bills()).tolist() == ["H.R. 1", "SA 7 (NDAA)", "S. 2"]


def test_bill_labels_reject_unnumbered_bill():
    bills = _bills()
    bills.loc[0, "bill_number"] = None
    with pytest.raises(model.PolicyError, match="hr1"):
        model.bill_labels(bills)


def test_stage_history_adds_introduction_and_orders():
    history = model.stage_history(_bills(), _actions())
    hr1 = history[history["bill_id"] == "hr1"]
    assert hr1["stage"].tolist() == ["introduced", "in committee", "passed committee"]
    assert hr1["rank"].tolist() == [0, 1, 2]
    amendment = history[history["bill_id"] == "x-samdt7"]
    assert amendment["stage"].tolist() == ["introduced", "passed a chamber", "dropped"]
    assert amendment["rank"].tolist() == [0, 3, -1]  # dropped has no rank of its own


def test_stage_on_a_date():
    history = model.stage_history(_bills(), _actions())
    on = model.stage_on(history, D("2025-05-01"))
    assert on.to_dict() == {"hr1": "passed committee", "s2": "in committee", "x-samdt7": "passed a chamber"}
    assert "s2" not in model.stage_on(history, D("2025-02-28")).index  # not introduced yet


def test_checks_pass_on_consistent_tables():
    checks = policy_checks.check_policy_data(_bills(), _actions(), _votes())
    assert checks["rows_checked"].tolist() == [3, 3, 3, 6, 2]


def test_checks_name_file_and_field_on_stage_mismatch():
    bills = _bills()
    bills.loc[0, "furthest_stage"] = "passed a chamber"
    with pytest.raises(data.DataError, match=r"data/bills.csv, row 1, field 'furthest_stage'"):
        policy_checks.check_policy_data(bills, _actions(), _votes())


def test_checks_catch_dates_out_of_order_and_votes_without_passage():
    bills = _bills()
    bills.loc[2, "status_as_of"] = D("2025-01-01")
    votes = _votes()
    votes.loc[1, "date"] = D("2025-02-21")
    with pytest.raises(data.DataError) as error:
        policy_checks.check_policy_data(bills, _actions(), votes)
    text = str(error.value)
    assert "row 3" in text and "status_as_of" in text
    assert "data/committee_votes.csv, row 2" in text


def test_checks_catch_stages_going_backwards():
    actions = _actions()
    actions.loc[0, "action_date"] = D("2025-03-01")  # 'in committee' after 'passed committee'
    with pytest.raises(data.DataError, match="go backwards in time"):
        policy_checks.check_policy_data(_bills(), actions, _votes())


def _executive() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "action_id": ["e1", "e2", "e3"],
            "label": ["Rule", "Duty", "Guidance"],
            "date_issued": [D("2025-01-15"), D("2025-04-01"), D("2025-02-01")],
            "regulates": ["chips", "chips", "chips"],
            "direction": ["loosens", "loosens", "neither"],
            "found_by": ["chip-export search"] * 3,
        }
    )


def test_measures_put_bills_and_actions_in_one_dated_table():
    bills = _bills().assign(direction="tightens", found_by=["article", "article", "distillation search"])
    table = model.measures(bills, _executive())
    assert table["measure_id"].tolist() == ["hr1", "e1", "e3", "x-samdt7", "s2", "e2"]  # by date, then id
    assert table.loc[table["measure_id"] == "x-samdt7", "label"].item() == "SA 7 (NDAA)"
    assert table["kind"].tolist().count("executive") == 3
    with pytest.raises(model.PolicyError, match="weights"):
        model.measures(bills, _executive().assign(regulates="weights"))
    with pytest.raises(model.PolicyError, match="sideways"):
        model.measures(bills, _executive().assign(direction="sideways"))


def test_regulates_counts_by_hand():
    bills = _bills().assign(direction="tightens", found_by="article")
    table = model.measures(bills, _executive())
    counts = model.regulates_counts(table, D("2025-02-15"))
    assert counts.index.tolist() == list(model.REGULATES)
    # Before 15 Feb 2025: hr1 (10 Jan), e1 (15 Jan), x-samdt7 (1 Feb), e3 (1 Feb), all chips; after: s2, e2.
    assert counts.loc["chips"].tolist() == [4, 1, 5]
    assert counts.loc["model access"].tolist() == [0, 1, 1]
    assert counts.loc["reporting"].tolist() == [0, 0, 0]
    assert int(counts["total"].sum()) == 6
    with pytest.raises(model.PolicyError, match="no column"):
        model.regulates_counts(_bills(), D("2025-02-15"))


def test_a_measure_regulating_two_things_counts_under_each():
    bills = _bills().assign(direction="tightens", found_by="article")
    executive = _executive().assign(regulates=["chips; model access", "chips", "chips"])
    table = model.measures(bills, executive)
    assert len(table) == 6  # still one row per measure
    counts = model.regulates_counts(table, D("2025-02-15"))
    # e1 (15 Jan) now also counts under model access before the split.
    assert counts.loc["chips"].tolist() == [4, 1, 5]
    assert counts.loc["model access"].tolist() == [1, 1, 2]
    assert model.regulated(table)["measure_id"].tolist().count("e1") == 2
    with pytest.raises(model.PolicyError, match="weights"):
        model.measures(bills, executive.assign(regulates="chips; weights"))


def test_pending_bills_and_nearest_actions_on_a_date():
    history = model.stage_history(_bills(), _actions())
    pending = model.pending_on(history, D("2025-07-01"))
    # x-samdt7 was dropped on 1 June, so it is not pending; hr1 last moved on 20 Feb (131 days before 1 July).
    assert pending["bill_id"].tolist() == ["hr1", "s2"]
    assert pending["days_since"].tolist() == [131, 122]
    assert pending["stage"].tolist() == ["passed committee", "in committee"]
    assert model.pending_on(history, D("2025-01-01")).empty
    near = model.nearest_actions(history, D("2025-02-25"))
    assert (near["last_before"]["bill_id"], near["days_before"]) == ("hr1", 5)
    assert (near["first_after"]["bill_id"], near["days_after"]) == ("s2", 4)
    assert model.nearest_actions(history, D("2030-01-01"))["first_after"] is None


def test_unconfirmed_statuses_are_the_non_primary_ones():
    out = tables.unconfirmed_statuses(_bills(), _sources())
    assert out["bill_id"].tolist() == ["x-samdt7"]
    assert out["kind"].tolist() == ["secondary"]


def test_source_kinds_reject_unknown_source():
    with pytest.raises(model.PolicyError, match="nowhere"):
        model.source_kinds(pd.Series(["nowhere"]), _sources())


def test_vote_table_shows_missing_counts_as_not_stated():
    table = tables.vote_table(_votes(), _bills(), _sources())
    assert table.loc[0, ["Yeas", "Nays", "Present"]].tolist() == ["10", "1", "not stated"]
    assert table.loc[1, "Yeas"] == "not stated"
    assert table["Kind"].tolist() == ["news", "news"]


def test_bill_table_is_strings_in_introduction_order():
    table = tables.bill_table(_bills(), _sources())
    assert table["Bill"].tolist() == ["H.R. 1", "SA 7 (NDAA)", "S. 2"]
    assert table.loc[1, "Furthest stage"] == "dropped (2025-06-01)"
    assert table.loc[2, "Status source"] == "primary"
    assert table["Status as of"].tolist() == ["2025-03-01", "2025-06-01", "2025-03-01"]


def test_policy_timeline_merges_sources_and_skips_same_day_introduction():
    history = model.stage_history(_bills(), _actions())
    executive = pd.DataFrame(
        {"action_id": ["e1"], "date_issued": [D("2025-01-15")], "direction": ["loosens"], "label": ["Rule"]}
    )
    events = pd.DataFrame(
        {"event_id": ["E1", "E2"], "date": [D("2025-01-12"), D("2025-01-13")], "actor": ["OpenAI", "Anthropic"]}
    )
    out = model.policy_timeline(_bills(), history, executive, events, {"E1": "Memo"})
    assert history.loc[history["bill_id"] == "hr1", "act"].unique().tolist() == ["One Act"]
    assert out["event_id"].tolist()[:3] == ["hr1:in committee", "E1", "e1"]
    assert "hr1:introduced" not in out["event_id"].tolist()
    assert out.loc[out["event_id"] == "e1", "lane"].item() == "Executive: loosens"
    assert out.loc[out["event_id"] == "hr1:in committee", "label"].item() == "H.R. 1 introduced"
    with pytest.raises(model.PolicyError, match="E9"):
        model.policy_timeline(_bills(), history, executive, events, {"E9": "x"})


def test_plots_return_their_axes():
    style.apply()
    history = model.stage_history(_bills(), _actions())
    figure, axes = plt.subplots(1, 2)
    assert figures.plot_pipeline(history, axes[0]) is axes[0]
    table = model.measures(_bills().assign(direction="tightens", found_by="article"), _executive())
    counts = model.regulates_counts(table, D("2025-02-15"))
    assert figures.plot_regulates(counts, axes[1]) is axes[1]
    plt.close(figure)


def test_join_names():
    assert model.join_names([]) == "none"
    assert model.join_names(["A"]) == "A"
    assert model.join_names(["A", "B", "C"]) == "A, B and C"


def test_real_policy_data_is_consistent():
    """The book's own tables pass the cross-table checks."""
    checks = policy_checks.check_policy_data(
        data.load("bills"), data.load("bill_actions"), data.load("committee_votes")
    )
    assert len(checks) == 5
