"""Cost arithmetic: hand-checked cases, seeded determinism, and clear errors for bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from distillbook import costs, style

PRICES = pd.DataFrame(
    {
        "provider": ["Anthropic", "Anthropic"],
        "model": ["cheap", "dear"],
        "effective_date": pd.to_datetime(["2026-02-01", "2026-02-01"]),
        costs.INPUT_MISS: [1.0, 5.0],
        costs.INPUT_HIT: [0.1, 0.5],
        costs.OUTPUT: [5.0, 25.0],
    }
)
FIXED = {  # every range collapsed to one value: the Monte Carlo becomes plain arithmetic
    "input_tokens_per_exchange": costs.Range(2_000, 2_000),
    "output_tokens_per_exchange": costs.Range(1_000, 1_000),
    "cache_hit_share": costs.Range(0.5, 0.5),
}
RANGES = {
    "input_tokens_per_exchange": costs.Range(1_000, 20_000, log=True),
    "output_tokens_per_exchange": costs.Range(400, 8_000, log=True),
    "cache_hit_share": costs.Range(0.0, 0.9),
}
CAMPAIGNS = pd.DataFrame({"company": ["A", "B"], "exchanges": [1_000.0, 3_000.0]})


# --- hand-checked arithmetic ----------------------------------------------------------------------------------


def test_gpu_cost_matches_the_v3_report_by_hand():
    # DeepSeek-V3 Table 1: 2,788K GPU-hours at $2 = $5.576M; pre-training 2,664K = $5.328M.
    assert costs.gpu_cost_usd(2_788_000, 2.0) == 5_576_000
    assert costs.gpu_cost_usd(2_664_000, 2.0) == 5_328_000
    np.testing.assert_allclose(costs.gpu_cost_usd([101_000, 41_000], 2.0), [202_000, 82_000])


def test_gpu_price_band_by_hand():
    assert costs.gpu_price_band(147_000, 1.0, 4.0) == (147_000.0, 588_000.0)


def test_rebuild_training_costs_flags_an_inconsistent_row():
    table = pd.DataFrame(
        {
            "model": ["M", "M", "GPT"],
            "phase": ["a", "b", "c"],
            "gpu_hours": pd.array([1_000, 500, None], dtype="Int64"),
            "rental_usd_per_gpu_hour": [2.0, 2.0, np.nan],
            "stated_cost_usd": [2_000.0, 900.0, 1e8],
        }
    )
    rebuilt = costs.rebuild_training_costs(table)
    assert list(rebuilt["phase"]) == ["a", "b"]  # the row without GPU-hours is left out
    assert list(rebuilt["difference_usd"]) == [0.0, 100.0]


def test_request_cost_by_hand():
    # R1 at launch: 1,000 input x $0.55/M + 4,000 output x $2.19/M = $0.00055 + $0.00876 = $0.00931
    assert costs.request_cost_usd(1_000, 4_000, 0.55, 2.19) == pytest.approx(0.00931)
    # half the input cached at $0.14/M: 500 x 0.55 + 500 x 0.14 + 4,000 x 2.19 = 9,105 / 1e6
    assert costs.request_cost_usd(1_000, 4_000, 0.55, 2.19, 0.5, 0.14) == pytest.approx(0.009105)


def test_request_costs_sorts_cheapest_first():
    table = costs.request_costs(PRICES.iloc[::-1], 1_000_000, 0)
    assert list(table["model"]) == ["cheap", "dear"]
    assert list(table["request_cost_usd"]) == [1.0, 5.0]


def test_price_comparison_reproduces_27_times_and_96_percent():
    prices = pd.DataFrame(
        {
            "model": ["o1", "R1"],
            costs.INPUT_MISS: [15.0, 0.55],
            costs.INPUT_HIT: [7.5, 0.14],
            costs.OUTPUT: [60.0, 2.19],
        }
    )
    table = costs.price_comparison(prices, "o1", "R1").set_index("price")
    assert table.loc["input (cache miss)", "ratio"] == pytest.approx(15 / 0.55)  # 27.27
    assert table.loc["output", "ratio"] == pytest.approx(60 / 2.19)  # 27.40
    assert table.loc["output", "reduction_percent"] == pytest.approx(96.35)


def test_campaign_with_fixed_assumptions_is_plain_arithmetic():
    one_model = PRICES[PRICES["model"] == "cheap"]
    draws = costs.simulate_campaign_costs(CAMPAIGNS, one_model, FIXED, n_draws=5, seed=1)
    # per exchange: 2,000 x (0.5 x 1.0 + 0.5 x 0.1) / 1e6 + 1,000 x 5.0 / 1e6 = 0.0011 + 0.005 = 0.0061
    np.testing.assert_allclose(draws["A"], 6.1)
    np.testing.assert_allclose(draws["B"], 18.3)
    np.testing.assert_allclose(draws["total_usd"], 24.4)


def test_summary_of_known_draws():
    draws = pd.DataFrame({"x": np.arange(101.0)})
    row = costs.summarise_draws(draws, interval=0.90).iloc[0]
    assert [row["median_usd"], row["low_usd"], row["high_usd"]] == pytest.approx([50.0, 5.0, 95.0])


def test_range_central_values():
    assert costs.Range(1_000, 100_000, log=True).central == pytest.approx(10_000)
    assert costs.Range(0.0, 0.9).central == pytest.approx(0.45)


def test_usd_text():
    assert costs.usd_text(5_576_000, significant=4) == "$5.576M"
    assert costs.usd_text(294_000) == "$294K"
    assert costs.usd_text(2.0) == "$2"
    assert costs.usd_text(0.00931) == "$0.0093"


# --- seeded determinism ---------------------------------------------------------------------------------------


def test_same_seed_same_draws_other_seed_other_draws():
    first = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=2_000, seed=7)
    again = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=2_000, seed=7)
    other = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=2_000, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_draws_stay_inside_the_hand_computed_bounds():
    draws = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=5_000, seed=3)
    per_exchange = draws["A"] / 1_000
    lowest = (1_000 * 0.1 * 0.9 + 1_000 * 1.0 * 0.1 + 400 * 5.0) / 1e6  # cheapest model, all ranges low
    highest = (20_000 * 5.0 + 8_000 * 25.0) / 1e6  # dearest model, no cache, all tokens high
    assert per_exchange.min() >= lowest * 0.999
    assert per_exchange.max() <= highest * 1.001


# --- clear errors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"gpu_hours": -1, "usd_per_gpu_hour": 2}, "gpu_hours"),
        ({"gpu_hours": 10, "usd_per_gpu_hour": None}, "usd_per_gpu_hour"),
        ({"gpu_hours": float("nan"), "usd_per_gpu_hour": 2}, "gpu_hours"),
        ({"gpu_hours": "many", "usd_per_gpu_hour": 2}, "gpu_hours"),
    ],
)
def test_gpu_cost_rejects_bad_input_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        costs.gpu_cost_usd(**kwargs)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((-5, 10, 1.0, 2.0), "input_tokens"),
        ((5, -10, 1.0, 2.0), "output_tokens"),
        ((5, 10, -1.0, 2.0), "input_usd_per_million_tokens"),
        ((5, 10, 1.0, None), "output_usd_per_million_tokens"),
        ((5, 10, 1.0, 2.0, 1.5, 0.1), "cache_hit_share"),
        ((5, 10, 1.0, 2.0, 0.5, None), "cache_hit_usd_per_million_tokens"),
    ],
)
def test_request_cost_rejects_bad_input_naming_the_argument(args, name):
    with pytest.raises(ValueError, match=name):
        costs.request_cost_usd(*args)


def test_band_rejects_reversed_prices():
    with pytest.raises(ValueError, match="usd_per_gpu_hour_low"):
        costs.gpu_price_band(100, 4.0, 1.0)


def test_range_rejects_bad_bounds():
    with pytest.raises(ValueError, match="low"):
        costs.Range(-1, 5)
    with pytest.raises(ValueError, match="must not exceed"):
        costs.Range(5, 1)
    with pytest.raises(ValueError, match="log-uniform"):
        costs.Range(0, 5, log=True)


def test_simulation_rejects_missing_assumptions_and_negative_exchanges():
    partial = {key: RANGES[key] for key in ("input_tokens_per_exchange", "cache_hit_share")}
    with pytest.raises(ValueError, match="output_tokens_per_exchange"):
        costs.simulate_campaign_costs(CAMPAIGNS, PRICES, partial)
    bad = CAMPAIGNS.assign(exchanges=[1_000.0, -1.0])
    with pytest.raises(ValueError, match="exchanges"):
        costs.simulate_campaign_costs(bad, PRICES, RANGES)
    with pytest.raises(ValueError, match="n_draws"):
        costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=0)
    with pytest.raises(ValueError, match=costs.OUTPUT):
        costs.simulate_campaign_costs(CAMPAIGNS, PRICES.assign(**{costs.OUTPUT: [np.nan, 1.0]}), RANGES)


# --- new: like-for-like ratios, periods, break-even, scenarios ------------------------------------------------


def test_compare_costs_keeps_each_method_and_flags_mixed_ones():
    pairs = pd.DataFrame(
        {
            "comparison": ["rental", "mixed", "no counterpart"],
            "method_a": ["rental", "amortised", "amortised"],
            "cost_a_usd": [78.6e6, 40.7e6, 40.7e6],
            "method_b": ["rental", "rental", "amortised"],
            "cost_b_usd": [5.576e6, 5.576e6, np.nan],
        }
    )
    out = costs.compare_costs(pairs)
    assert out["ratio"].iloc[0] == pytest.approx(78.6 / 5.576)  # 14.1
    assert out["ratio"].iloc[1] == pytest.approx(40.7 / 5.576)  # 7.3
    assert np.isnan(out["ratio"].iloc[2])
    assert list(out["like_for_like"]) == [True, False, True]


def test_compare_costs_rejects_missing_columns_and_zero_costs():
    with pytest.raises(costs.CostInputError, match="cost_b_usd"):
        costs.compare_costs(
            pd.DataFrame({"comparison": ["x"], "method_a": ["m"], "cost_a_usd": [1.0], "method_b": ["m"]})
        )
    zero = pd.DataFrame(
        {"comparison": ["x"], "method_a": ["m"], "cost_a_usd": [1.0], "method_b": ["m"], "cost_b_usd": [0.0]}
    )
    with pytest.raises(costs.CostInputError, match="must not be zero"):
        costs.compare_costs(zero)


def test_stated_cost_finds_exactly_one_row():
    table = pd.DataFrame({"model": ["M", "M"], "phase": ["a", "b"], "stated_cost_usd": [1.0, 2.0]})
    assert costs.stated_cost_usd(table, "M", "b") == 2.0
    with pytest.raises(costs.CostInputError, match="'c'"):
        costs.stated_cost_usd(table, "M", "c")


def test_reduction_as_ratio_turns_95_percent_into_20_times():
    assert costs.reduction_as_ratio(95) == pytest.approx(20.0)
    assert costs.reduction_as_ratio(0) == pytest.approx(1.0)
    with pytest.raises(costs.CostInputError, match="infinite"):
        costs.reduction_as_ratio(100)
    with pytest.raises(costs.CostInputError, match="reduction_percent"):
        costs.reduction_as_ratio(120)


def test_price_period_is_the_half_year_of_the_effective_date():
    dates = pd.Series(pd.to_datetime(["2025-01-01", "2025-09-05", None, "2026-06-30"]))
    assert list(costs.price_period(dates)) == ["2025 H1", "2025 H2", "undated", "2026 H1"]


def test_request_cost_range_prices_both_ends_and_the_geometric_middle():
    table = costs.request_cost_range(PRICES, 1_000_000, 100_000, 400_000).set_index("model")
    # cheap: $1 of input plus 0.1M, 0.2M, 0.4M output tokens at $5/M
    assert table.loc["cheap", ["low_usd", "cost_usd", "high_usd"]].tolist() == pytest.approx([1.5, 2.0, 3.0])
    assert set(table["period"]) == {"2026 H1"}
    with pytest.raises(costs.CostInputError, match="output_tokens_low"):
        costs.request_cost_range(PRICES, 1_000, 500, 100)


def test_break_even_factor_by_hand():
    # dear: 1,000 in x $5/M + 1,000 out x $25/M = $0.030; cheap: $0.001 input, so output may cost $0.029,
    # i.e. 5,800 tokens at $5/M: 5.8 times the dear model's 1,000
    assert costs.break_even_output_factor(PRICES, "dear", "cheap", 1_000, 1_000) == pytest.approx(5.8)
    with pytest.raises(costs.CostInputError, match="output_tokens"):
        costs.break_even_output_factor(PRICES, "dear", "cheap", 1_000, 0)


CHAT = costs.Scenario("chat", 2_000, 1_000, 0.5)
LONG = costs.Scenario("long", 0, 10_000, 0.0)


def test_scenario_costs_by_hand_and_shared_across_companies():
    out = costs.scenario_costs(CAMPAIGNS, PRICES, [CHAT, LONG], matched={"A": "chat", "B": "long"})
    cost = out.set_index(["scenario", "model", "company"])["cost_usd"]
    # chat on cheap: 0.0061 per exchange (as in the Monte Carlo check); long on cheap: 10,000 x $5/M = $0.05
    assert cost["chat", "cheap", "A"] == pytest.approx(6.1)
    assert cost["chat", "cheap", "B"] == pytest.approx(18.3)
    assert cost["long", "dear", "B"] == pytest.approx(3_000 * 0.25)
    assert cost["matched to targets", "cheap", "A"] == pytest.approx(6.1)
    assert cost["matched to targets", "cheap", "B"] == pytest.approx(150.0)
    summary = costs.scenario_summary(out, "cheap").set_index("scenario")
    assert summary.loc["chat", ["cost_usd", "low_usd", "high_usd"]].tolist() == pytest.approx([24.4, 24.4, 122.0])
    assert list(summary.index) == ["chat", "long", "matched to targets"]


def test_scenarios_reject_bad_values_and_unknown_names():
    with pytest.raises(costs.CostInputError, match="bad: cache_hit_share"):
        costs.Scenario("bad", 1_000, 100, 1.5)
    with pytest.raises(costs.CostInputError, match="unknown scenario"):
        costs.scenario_costs(CAMPAIGNS, PRICES, [CHAT], matched={"A": "chat", "B": "nope"})
    with pytest.raises(costs.CostInputError, match="central_model"):
        costs.scenario_summary(costs.scenario_costs(CAMPAIGNS, PRICES, [CHAT]), "nope")


def test_shared_draws_give_every_company_the_same_cost_per_exchange():
    draws = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=1_000, seed=5, shared=True)
    np.testing.assert_allclose(draws["A"] / 1_000, draws["B"] / 3_000)
    independent = costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, n_draws=1_000, seed=5)
    assert not np.allclose(independent["A"] / 1_000, independent["B"] / 3_000)


def test_shared_draws_widen_the_range_of_a_total():
    wide = costs.summarise_draws(costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, 5_000, 9, shared=True))
    narrow = costs.summarise_draws(costs.simulate_campaign_costs(CAMPAIGNS, PRICES, RANGES, 5_000, 9))
    spread = {name: t.set_index("item").loc["total_usd"] for name, t in (("wide", wide), ("narrow", narrow))}
    assert (
        spread["wide"]["high_usd"] / spread["wide"]["low_usd"]
        > spread["narrow"]["high_usd"] / spread["narrow"]["low_usd"]
    )


def test_tables_for_readers():
    compared = costs.compare_costs(
        pd.DataFrame(
            {
                "comparison": ["r"],
                "method_a": ["rental"],
                "cost_a_usd": [78.6e6],
                "method_b": ["rental"],
                "cost_b_usd": [np.nan],
            }
        )
    )
    row = costs.comparison_table(compared).iloc[0]
    assert row["DeepSeek-V3"] == "none, rental"
    assert row["GPT-4"] == "$78.6M, rental"
    assert row["GPT-4 / V3"] == "\u2014"
    assert costs.ratio_text(14.09) == "14.1x"
    ratios = costs.price_comparison(PRICES, "dear", "cheap")
    assert costs.price_ratio_table(ratios, "dear", "cheap")["dear / cheap"].tolist() == ["5.0x"] * 3


# --- plots return their axes ----------------------------------------------------------------------------------


def test_plots_return_their_axes():
    fig, ax = plt.subplots()
    points = pd.DataFrame(
        {
            "label": ["a", "b", "c"],
            "cost_usd": [10.0, 1e6, 1e8],
            "colour": [style.PALETTE["black"], style.colour("DeepSeek"), style.colour("OpenAI")],
            "low_usd": [np.nan, 5e5, np.nan],
            "high_usd": [np.nan, 2e6, np.nan],
            "lower_bound": [False, False, True],
            "group": ["x", "x", "y"],
        }
    )
    assert costs.plot_cost_points(points, ax) is ax
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    scores = pd.DataFrame(
        {
            "model": ["s1", "s2", "rl", "ref"],
            "kind": ["student", "student", "comparison", "reference"],
            "family": ["Qwen", "Qwen", None, None],
            "parameters_billion": [1.5, 32, 32, np.nan],
            "value": [30.0, 70.0, 47.0, 80.0],
            "colour": [style.colour("DeepSeek")] * 3 + [style.colour("OpenAI")],
            "marker": [None, None, "D", None],
            "linestyle": [None, None, None, "--"],
            "side": [None, None, None, "left"],
        }
    )
    fig2, ax2 = plt.subplots()
    assert costs.plot_benchmark_vs_size(scores, ax2) is ax2
    assert len(ax2.get_lines()) == 3  # one student line, one comparison marker, one reference line
    plt.close(fig)
    plt.close(fig2)
