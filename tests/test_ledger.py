"""The claims ledger: figures worded as claimed, arithmetic checked by hand, the article's table rebuilt."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from distillbook import data, style
from distillbook.allegations import comparison, figures, ledger, tables


def _claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": ["C2", "C1", "C3"],
            "claimant": ["Lab A", "Lab A", "Company B"],
            "date": pd.to_datetime(["2026-02-23", "2026-07-01", None]),
            "date_precision": ["day", "month", None],
            "accused_party": ["B; C", "B", "B"],
            "claim": ["total", "B's share", "B denies"],
            "quantity": ["exchanges", "exchanges", None],
            "value": [16e6, 150000.0, np.nan],
            "unit": ["exchanges", "exchanges", None],
            "bound": ["at least", "approximately", "not stated"],
            "status": ["alleged", "alleged", "denied"],
            "independent_verification": ["none", "partial", "none"],
            "evidence_published": ["description only", "logs", "none"],
            "source_id": ["s1", "s1", "s2"],
        }
    )


def test_stated_figure_keeps_the_claimants_wording():
    assert ledger.stated_figure(16e6, "at least", "exchanges") == "over 16,000,000 exchanges"
    assert ledger.stated_figure(24000, "approximately", "accounts") == "about 24,000 accounts"
    assert ledger.stated_figure(5380, "exactly", "accounts") == "5,380 accounts"
    assert ledger.stated_figure(np.nan, "not stated", None) == "no figure"
    with pytest.raises(ledger.LedgerError, match="bound 'roughly'"):
        ledger.stated_figure(1, "roughly", "x")


def test_claims_ledger_is_sorted_strings_with_missing_dates_named():
    table = tables.claims_ledger(_claims())
    assert table["ID"].tolist() == ["C1", "C2", "C3"]
    assert table.loc[2, "Date"] == "not given" and table.loc[2, "Figure"] == "no figure"
    assert table.loc[0, "Figure"] == "about 150,000 exchanges"
    assert table.loc[0, "Date"] == "2026-07"  # month precision shown as a month
    assert table.loc[1, "Date"] == "2026-02-23"
    assert all(table[c].map(type).eq(str).all() for c in table.columns)
    with pytest.raises(ledger.LedgerError, match="no column"):
        tables.claims_ledger(_claims().drop(columns="status"))


def test_counts_are_written_in_words_with_their_verb():
    assert tables.count_with_verb(0) == "none has"
    assert tables.count_with_verb(1) == "one has"
    assert tables.count_with_verb(2, "is", "are") == "two are"
    assert tables.count_with_verb(12) == "12 have"


def test_constant_columns_are_dropped_and_reported():
    table, constant = tables.drop_constant_columns(tables.claims_ledger(_claims().assign(source_id="s1")))
    assert constant == {"Source": "s1"} and "Source" not in table.columns and "Claim" in table.columns
    kept, none = tables.drop_constant_columns(tables.claims_ledger(_claims().assign(source_id="s1")), keep=["Source"])
    assert none == {} and "Source" in kept.columns
    assert tables.drop_constant_columns(tables.claims_ledger(_claims()).head(1))[1] == {}
    assert tables.date_text(pd.Timestamp("2014-01-01"), "year") == "2014"
    with pytest.raises(ledger.LedgerError, match="precision 'week'"):
        tables.date_text(pd.Timestamp("2014-01-01"), "week")


def test_campaign_shares_and_total_check_by_hand():
    campaigns = pd.DataFrame(
        {
            "accused_company": ["DeepSeek", "Moonshot AI", "MiniMax", "Other"],
            "exchanges_lower_bound": pd.array([150000, 3400000, 13000000, 5], dtype="Int64"),
            "exchanges_bound": ["at least"] * 4,
            "source_id": ["r", "r", "r", "elsewhere"],
        }
    )
    shares = ledger.campaign_shares(campaigns, "r")
    assert shares["accused_company"].tolist() == ["MiniMax", "Moonshot AI", "DeepSeek"]
    # 13,000,000 / 16,550,000 = 78.55%; 150,000 / 16,550,000 = 0.906%.
    assert shares["share_percent"].round(2).tolist() == [78.55, 20.54, 0.91]
    check = ledger.total_check(shares["exchanges"], 16e6)
    assert check["sum_exchanges"] == 16_550_000 and check["difference_exchanges"] == 550_000
    assert check["consistent"] and round(check["difference_percent"], 4) == 3.4375
    assert not ledger.total_check(pd.Series([1.0, 2.0]), 4)["consistent"]
    with pytest.raises(ledger.LedgerError, match="no campaigns"):
        ledger.campaign_shares(campaigns, "nope")


def _campaigns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": ["K1", "K2", "K3", "K4", "K5"],
            "date": pd.to_datetime(["2026-02-23", "2026-02-23", "2026-06-10", "2026-09-01", "2026-02-12"]),
            "accused_company": ["DeepSeek", "MiniMax", "Alibaba", "Moonshot AI", "unnamed"],
            "unit": ["exchanges", "exchanges", "exchanges", "requests", "prompts"],
            "exchanges_lower_bound": pd.array([150000, 13000000, 28800000, 300000, 100000], dtype="Int64"),
            "exchanges_bound": ["at least", "at least", "approximately", "approximately", "at least"],
            "accounts": pd.array([None, None, 25000, 5380, None], dtype="Int64"),
            "window_start": pd.to_datetime([None, None, "2026-04-22", None, None]),
            "window_end": pd.to_datetime([None, None, "2026-06-05", None, None]),
            "window_days": pd.array([None, None, None, 10, None], dtype="Int64"),
            "target_model_family": ["Claude", "Claude", "Claude", "Claude", "Gemini"],
            "source_id": ["feb", "feb", "june", "sept", "gtig"],
        }
    )


def test_totals_never_mix_units_and_keep_the_weakest_bound():
    totals = ledger.totals_by_unit(_campaigns(), "exchanges", "Claude")
    assert totals["source_id"].tolist() == ["feb", "june"]
    assert totals["volume"].tolist() == [13_150_000, 28_800_000]
    assert totals["bound"].tolist() == ["at least", "approximately"]
    assert totals["cumulative"].tolist() == [13_150_000, 41_950_000]
    # A lower bound plus an approximate figure is only approximate, never "at least".
    assert totals["cumulative_bound"].tolist() == ["at least", "approximately"]
    assert ledger.totals_by_unit(_campaigns(), "prompts", "Gemini")["volume"].tolist() == [100000]
    assert ledger.weakest_bound(["exactly", "at least"]) == "at least"
    with pytest.raises(ledger.LedgerError, match="no campaigns in unit 'prompts' against 'Claude'"):
        ledger.totals_by_unit(_campaigns(), "prompts", "Claude")
    with pytest.raises(ledger.LedgerError, match="cannot combine"):
        ledger.weakest_bound(["roughly"])


def test_account_arithmetic_by_hand():
    assert ledger.exchanges_per_account(16e6, 24000) == pytest.approx(666.667, abs=1e-3)
    table = ledger.per_account(_campaigns())
    assert table["campaign_id"].tolist() == ["K3", "K4"]  # only campaigns with an account count, by date
    # 28,800,000 / 25,000 = 1,152 per account; 22 April to 5 June, both counted, is 45 days: 25.6 a day.
    assert table.loc[0, "per_account"] == 1152 and table.loc[0, "window_days"] == 45
    assert table.loc[0, "per_account_day"] == pytest.approx(25.6)
    # 300,000 / 5,380 = 55.76 per account over the stated ten days.
    assert table.loc[1, "per_account"] == pytest.approx(55.762, abs=1e-3) and table.loc[1, "window_days"] == 10
    claims = _claims().assign(value=[16e6, 24000.0, np.nan], unit=["exchanges", "accounts", None])
    row = ledger.report_per_account(claims, "C2", "C1")
    assert row["per_account"] == pytest.approx(666.667, abs=1e-3) and row["campaign_id"] == "C2/C1"
    with pytest.raises(ledger.LedgerError, match="'C3' is not in claims or has no value"):
        ledger.report_per_account(claims, "C2", "C3")
    with pytest.raises(ledger.LedgerError, match="no campaign states an account count"):
        ledger.per_account(_campaigns().assign(accounts=pd.array([None] * 5, dtype="Int64")))
    with pytest.raises(ledger.LedgerError, match="accounts must be positive"):
        ledger.exchanges_per_account(1, 0)
    with pytest.raises(ledger.LedgerError, match="exchanges must not be negative"):
        ledger.exchanges_per_account(-1, 1)


def test_plots_return_their_axes():
    style.apply()
    fig, (left, right) = plt.subplots(1, 2)
    table = pd.DataFrame(
        {"label": ["June", "Sept"], "accuser": ["Anthropic", "Anthropic"], "per_account": [1152.0, 55.8],
         "unit": ["exchanges", "requests"]}
    )  # fmt: skip
    assert figures.plot_per_account(table, left) is left
    assert left.get_xscale() == "log" and len(left.patches) == 2
    shares = pd.DataFrame(
        {"accused_company": ["MiniMax", "DeepSeek"], "exchanges": [13e6, 1.5e5], "share_percent": [98.9, 1.1],
         "reference": 600000, "reference_label": "600k"}
    )  # fmt: skip
    assert figures.plot_campaign_volumes(shares, right) is right
    assert right.get_xscale() == "log" and right.get_legend() is not None
    plt.close(fig)


def test_comparison_table_rebuilds_the_article_from_the_real_ledger():
    claims, events = data.load("claims"), data.load("events")
    article = comparison.article_cells(data.load("article_claims"))
    assert len(article) == len(comparison.ARTICLE_CELLS) == 22
    assert set(article["dimension"]) == set(comparison.ARTICLE_RULES)  # a rule for every row, no spare rule
    verdicts = pd.Series("a verdict", index=article["claim_id"])  # passed through, never judged here
    tables_ = (claims, events, data.load("distillation_campaigns"))
    rules, allegations = comparison.ARTICLE_RULES, comparison.ARTICLE_ALLEGATIONS
    table = comparison.comparison_table(*tables_, article, allegations, rules, "2026-02-27", verdicts)
    assert list(table.columns) == ["Claim", "Dimension", "Accuser", "Sources say", "Article says", "Verdict"]
    assert len(table) == len(article) and (table["Verdict"] == "a verdict").all()
    assert list(table["Claim"]) == comparison.ARTICLE_CELLS  # each verdict beside the id of its claim
    says = table.set_index(["Dimension", "Accuser"])["Sources say"]
    assert says[("Date", "Anthropic")] == "23 Feb 2026 (E17)"
    assert says[("Companies accused", "Anthropic")].startswith("DeepSeek, Moonshot AI, MiniMax")
    assert says[("Largest alleged offender", "Anthropic")] == "MiniMax (over 13,000,000 exchanges)"
    assert "earlier denial" in says[("DeepSeek response", "Anthropic")]
    # Computed, not typed: the ledger holds no safety claim and no legal filing by either accuser.
    assert says[("Safety claims", "OpenAI")] == says[("Legal action filed", "Anthropic")] == comparison.NONE_FOUND
    with_safety = claims.copy()
    with_safety.loc[with_safety["claim_id"] == "C13", "claim"] = "A safety risk"
    redone = comparison.comparison_table(with_safety, *tables_[1:], article, allegations, rules, "2026-02-27", verdicts)
    assert redone.set_index(["Dimension", "Accuser"]).loc[("Safety claims", "OpenAI"), "Sources say"] == "C13"
    with pytest.raises(ledger.LedgerError, match="no verdict"):
        comparison.comparison_table(*tables_, article, allegations, rules, "2026-02-27", verdicts.iloc[1:])
    weather = pd.DataFrame(
        {"claim_id": ["X"], "dimension": ["Weather"], "accuser": ["OpenAI"], "article_text": ["sunny"]}
    )
    with pytest.raises(ledger.LedgerError, match="no rule to rebuild the dimension 'Weather'"):
        comparison.comparison_table(*tables_, weather, allegations, rules, "2026-02-27", pd.Series({"X": "matches"}))
    with pytest.raises(ledger.LedgerError, match="unknown rule 'guess'"):
        comparison.comparison_table(
            *tables_, weather, allegations, {"Weather": {"rule": "guess"}}, "2026-02-27", pd.Series({"X": "m"})
        )


def test_chapter_5_reads_chapter_8s_verdicts():
    """The comparison shows the verdicts of the book's one verdict rule, selected by claim id."""
    from distillbook import factcheck

    article_claims = data.load("article_claims")
    mine = article_claims[article_claims["claim_id"].isin(comparison.ARTICLE_CELLS)]
    names = ["claims", "events", "statements", "sources"]  # absences and statements need the last two
    checked = factcheck.check_claims(mine, {name: data.load(name) for name in names})
    labels = factcheck.verdict_labels(checked)
    assert set(comparison.ARTICLE_CELLS) <= set(labels.index)
    assert int(factcheck.verdict_counts(checked).iloc[0].sum()) == len(comparison.ARTICLE_CELLS)
    everything = data.load("article_claims")
    loaded = {
        name: data.load(name) for name in {*everything["check_resource"].dropna().str.split(";").explode(), *names}
    }
    rule = factcheck.check_claims(everything, loaded).set_index("claim_id")["verdict"]
    assert checked.set_index("claim_id")["verdict"].equals(rule.loc[checked["claim_id"]])  # the same as chapter 8


def test_the_data_package_constrains_the_ledger():
    fields = {f["name"]: f for f in data.resource("claims")["schema"]["fields"]}
    assert set(fields["status"]["constraints"]["enum"]) == {
        "alleged",
        "reported",
        "verified by a third party",
        "denied",
    }
    assert set(fields["independent_verification"]["constraints"]["enum"]) == {"none", "partial", "full"}
    assert "enum" in fields["evidence_published"]["constraints"]
    keys = data.resource("claims")["schema"]["foreignKeys"]
    assert {"fields": "source_id", "reference": {"resource": "sources", "fields": "source_id"}} in keys


def test_the_data_package_constrains_the_campaigns():
    fields = {f["name"]: f for f in data.resource("distillation_campaigns")["schema"]["fields"]}
    assert set(fields["unit"]["constraints"]["enum"]) == {"exchanges", "requests", "prompts"}
    assert fields["window_days"]["constraints"]["minimum"] == 1
    campaigns = data.load("distillation_campaigns")
    # Every real campaign with a window yields a positive per-account-day rate.
    assert (ledger.per_account(campaigns)["per_account_day"].dropna() > 0).all()
