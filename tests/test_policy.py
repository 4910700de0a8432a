"""Tests for distillbook.policy: stage logic, cross-table checks, counts and tables, on small hand-made frames."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from distillbook import data, policy, style

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
    assert policy.bill_labels(_bills()).tolist() == ["H.R. 1", "SA 7 (NDAA)", "S. 2"]


def test_bill_labels_reject_unnumbered_bill():
    bills = _bills()
    bills.loc[0, "bill_number"] = None
    with pytest.raises(ValueError, match="hr1"):
        policy.bill_labels(bills)


def test_stage_history_adds_introduction_and_orders():
    history = policy.stage_history(_bills(), _actions())
    hr1 = history[history["bill_id"] == "hr1"]
    assert hr1["stage"].tolist() == ["introduced", "in committee", "passed committee"]
    assert hr1["rank"].tolist() == [0, 1, 2]
    amendment = history[history["bill_id"] == "x-samdt7"]
    assert amendment["stage"].tolist() == ["introduced", "passed a chamber", "dropped"]
    assert amendment["rank"].tolist() == [0, 3, -1]  # dropped has no rank of its own


def test_stage_on_a_date():
    history = policy.stage_history(_bills(), _actions())
    on = policy.stage_on(history, D("2025-05-01"))
    assert on.to_dict() == {"hr1": "passed committee", "s2": "in committee", "x-samdt7": "passed a chamber"}
    assert "s2" not in policy.stage_on(history, D("2025-02-28")).index  # not introduced yet


def test_checks_pass_on_consistent_tables():
    checks = policy.check_policy_data(_bills(), _actions(), _votes())
    assert checks["rows_checked"].tolist() == [3, 3, 3, 6, 2]


def test_checks_name_file_and_field_on_stage_mismatch():
    bills = _bills()
    bills.loc[0, "furthest_stage"] = "passed a chamber"
    with pytest.raises(data.DataError, match=r"data/bills.csv, row 1, field 'furthest_stage'"):
        policy.check_policy_data(bills, _actions(), _votes())


def test_checks_catch_dates_out_of_order_and_votes_without_passage():
    bills = _bills()
    bills.loc[2, "status_as_of"] = D("2025-01-01")
    votes = _votes()
    votes.loc[1, "date"] = D("2025-02-21")
    with pytest.raises(data.DataError) as error:
        policy.check_policy_data(bills, _actions(), votes)
    text = str(error.value)
    assert "row 3" in text and "status_as_of" in text
    assert "data/committee_votes.csv, row 2" in text


def test_checks_catch_stages_going_backwards():
    actions = _actions()
    actions.loc[0, "action_date"] = D("2025-03-01")  # 'in committee' after 'passed committee'
    with pytest.raises(data.DataError, match="go backwards in time"):
        policy.check_policy_data(_bills(), actions, _votes())


def test_regulates_counts_by_hand():
    executive = pd.DataFrame({"regulates": ["chips", "imports", "chips"]})
    counts = policy.regulates_counts(_bills(), executive)
    assert counts.index.tolist() == list(policy.REGULATES)
    assert counts.loc["chips"].tolist() == [2, 2, 4]
    assert counts.loc["model access"].tolist() == [1, 0, 1]
    assert counts.loc["reporting"].tolist() == [0, 0, 0]
    assert int(counts["total"].sum()) == 6


def test_regulates_counts_reject_unknown_category():
    with pytest.raises(ValueError, match="weights"):
        policy.regulates_counts(_bills(), pd.DataFrame({"regulates": ["weights"]}))


def test_unconfirmed_statuses_are_the_non_primary_ones():
    out = policy.unconfirmed_statuses(_bills(), _sources())
    assert out["bill_id"].tolist() == ["x-samdt7"]
    assert out["kind"].tolist() == ["secondary"]


def test_source_kinds_reject_unknown_source():
    with pytest.raises(ValueError, match="nowhere"):
        policy.source_kinds(pd.Series(["nowhere"]), _sources())


def test_vote_table_shows_missing_counts_as_not_stated():
    table = policy.vote_table(_votes(), _bills(), _sources())
    assert table.loc[0, ["Yeas", "Nays", "Present"]].tolist() == ["10", "1", "not stated"]
    assert table.loc[1, "Yeas"] == "not stated"
    assert table["Kind"].tolist() == ["news", "news"]


def test_bill_table_is_strings_in_introduction_order():
    table = policy.bill_table(_bills(), _sources())
    assert table["Bill"].tolist() == ["H.R. 1", "SA 7 (NDAA)", "S. 2"]
    assert table.loc[1, "Furthest stage"] == "dropped (2025-06-01)"
    assert table.loc[2, "Status source"] == "primary"


def test_policy_timeline_merges_sources_and_skips_same_day_introduction():
    history = policy.stage_history(_bills(), _actions())
    executive = pd.DataFrame(
        {"action_id": ["e1"], "date_issued": [D("2025-01-15")], "direction": ["loosens"], "label": ["Rule"]}
    )
    events = pd.DataFrame(
        {"event_id": ["E1", "E2"], "date": [D("2025-01-12"), D("2025-01-13")], "actor": ["OpenAI", "Anthropic"]}
    )
    out = policy.policy_timeline(_bills(), history, executive, events, {"E1": "Memo"})
    assert out["event_id"].tolist()[:3] == ["hr1:in committee", "E1", "e1"]
    assert "hr1:introduced" not in out["event_id"].tolist()
    assert out.loc[out["event_id"] == "e1", "lane"].item() == "Executive: loosens"
    assert out.loc[out["event_id"] == "hr1:in committee", "label"].item() == "H.R. 1 introduced"
    with pytest.raises(ValueError, match="E9"):
        policy.policy_timeline(_bills(), history, executive, events, {"E9": "x"})


def test_plots_return_their_axes():
    style.apply()
    history = policy.stage_history(_bills(), _actions())
    figure, axes = plt.subplots(1, 2)
    assert policy.plot_pipeline(_bills(), history, axes[0]) is axes[0]
    counts = policy.regulates_counts(_bills(), pd.DataFrame({"regulates": ["chips"]}))
    assert policy.plot_regulates(counts, axes[1]) is axes[1]
    plt.close(figure)


def test_join_names():
    assert policy.join_names([]) == "none"
    assert policy.join_names(["A"]) == "A"
    assert policy.join_names(["A", "B", "C"]) == "A, B and C"


def test_real_policy_data_is_consistent():
    """The book's own tables pass the cross-table checks."""
    checks = policy.check_policy_data(data.load("bills"), data.load("bill_actions"), data.load("committee_votes"))
    assert len(checks) == 5
