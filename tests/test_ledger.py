"""The claims ledger: figures worded as claimed, arithmetic checked by hand, the article's table rebuilt."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from distillbook import data, ledger, style


def _claims() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "claim_id": ["C2", "C1", "C3"],
            "claimant": ["Lab A", "Lab A", "Company B"],
            "date": pd.to_datetime(["2026-02-23", "2026-02-23", None]),
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
    table = ledger.claims_ledger(_claims())
    assert table["ID"].tolist() == ["C1", "C2", "C3"]
    assert table.loc[2, "Date"] == "not given" and table.loc[2, "Figure"] == "no figure"
    assert table.loc[0, "Figure"] == "about 150,000 exchanges"
    assert all(table[c].map(type).eq(str).all() for c in table.columns)
    with pytest.raises(ledger.LedgerError, match="no column"):
        ledger.claims_ledger(_claims().drop(columns="status"))


def test_evidence_matrix_counts_by_claimant():
    matrix = ledger.evidence_matrix(_claims())
    assert matrix["Claimant"].tolist() == ["Lab A", "Company B"]
    lab = matrix.iloc[0]
    assert (lab["logs"], lab["description only"], lab["none"], lab["denials"], lab["verified (any)"]) == (1, 1, 0, 0, 1)
    assert matrix.iloc[1]["denials"] == 1
    assert list(matrix.columns) == ["Claimant", *ledger.EVIDENCE_ORDER, "denials", "verified (any)"]


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


def test_account_arithmetic_by_hand():
    assert ledger.exchanges_per_account(16e6, 24000) == pytest.approx(666.667, abs=1e-3)
    # 16,000,000 exchanges in 100 days at 1,000 a day per account: exactly 160 accounts, not 161.
    assert int(ledger.accounts_needed(16e6, 100, 1000)) == 160
    assert ledger.accounts_needed(16e6, 100, np.array([1000.0, 999.0])).tolist() == [160, 161]
    assert ledger.implied_exchanges_per_account_day(16e6, 24000, 30) == pytest.approx(22.222, abs=1e-3)
    grid = ledger.accounts_needed_grid(1000, [10, 20], np.array([1.0, 10.0]))
    assert grid["accounts"].tolist() == [100, 10, 50, 5]
    with pytest.raises(ledger.LedgerError, match="days must be positive"):
        ledger.accounts_needed(1, 0, 1)
    with pytest.raises(ledger.LedgerError, match="cap"):
        ledger.accounts_needed(1, 1, np.array([1.0, 0.0]))
    with pytest.raises(ledger.LedgerError, match="accounts must be positive"):
        ledger.exchanges_per_account(1, 0)


def test_plots_return_their_axes():
    style.apply()
    fig, (left, right) = plt.subplots(1, 2)
    grid = ledger.accounts_needed_grid(16e6, [30, 365], np.geomspace(10, 1000, 5))
    assert ledger.plot_accounts_needed(grid, left, 24000, "24,000") is left
    assert left.get_xscale() == "log" and len(left.get_lines()) == 3
    shares = pd.DataFrame(
        {"accused_company": ["MiniMax", "DeepSeek"], "exchanges": [13e6, 1.5e5], "share_percent": [98.9, 1.1]}
    )
    assert ledger.plot_campaign_volumes(shares, right, 800000, "800k") is right
    assert right.get_xscale() == "log"
    plt.close(fig)


def test_comparison_table_rebuilds_the_article_from_the_real_ledger():
    allegations = {
        "OpenAI": {"event_id": "E15", "date": "2026-02-12", "method_claims": ["C13"], "campaign_source": None},
        "Anthropic": {
            "event_id": "E17",
            "date": "2026-02-23",
            "method_claims": ["C02"],
            "campaign_source": "anthropic-distillation-2026",
        },
    }
    claims, events = data.load("claims"), data.load("events")
    article_claims = data.load("article_claims")
    cells = article_claims[article_claims["dimension"].notna()].set_index("claim_id", drop=False)
    article = cells.rename(columns={"attributed_to": "accuser", "article_wording": "article_text"})
    verdicts = pd.Series("a verdict", index=article["claim_id"])  # passed through, never judged here
    tables = (claims, events, data.load("distillation_campaigns"))
    table = ledger.comparison_table(*tables, article, allegations, "2026-02-27", verdicts)
    assert list(table.columns) == ["Dimension", "Accuser", "Sources say", "Article says", "Verdict"]
    assert len(table) == len(article) and (table["Verdict"] == "a verdict").all()
    says = table.set_index(["Dimension", "Accuser"])["Sources say"]
    assert says[("Date", "Anthropic")] == "23 Feb 2026 (E17)"
    assert says[("Companies accused", "Anthropic")].startswith("DeepSeek, Moonshot AI, MiniMax")
    assert says[("Largest alleged offender", "Anthropic")] == "MiniMax (over 13,000,000 exchanges)"
    assert "earlier denial" in says[("DeepSeek response", "Anthropic")]
    with pytest.raises(ledger.LedgerError, match="no verdict"):
        ledger.comparison_table(*tables, article, allegations, "2026-02-27", verdicts.iloc[1:])
    with pytest.raises(ledger.LedgerError, match="no rule"):
        ledger.comparison_table(
            *tables,
            pd.DataFrame(
                {"claim_id": ["X"], "dimension": ["Weather"], "accuser": ["OpenAI"], "article_text": ["sunny"]}
            ),
            allegations,
            "2026-02-27",
            pd.Series({"X": "matches"}),
        )


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
