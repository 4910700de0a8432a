"""What an alleged distillation campaign would cost at list prices: named scenarios and a seeded Monte Carlo.

What one "exchange" contained is unknown, and it is unknown in the same way for every accused company: the
scenarios (:class:`Scenario`) and, in :func:`simulate_campaign_costs`, ``shared=True`` apply one assumption to
all of them at once. Drawing each company independently lets their errors cancel and narrows the range, which
the evidence does not justify. The spreads here are ranges over assumptions, not confidence intervals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from distillbook.costs._checks import CostInputError, check
from distillbook.costs.pricing import INPUT_HIT, INPUT_MISS, OUTPUT, request_cost_usd


@dataclass(frozen=True)
class Scenario:
    """What one exchange contained: input and output tokens and the share of input billed as a cache hit."""

    name: str
    input_tokens: float
    output_tokens: float
    cache_hit_share: float
    anchor: str = ""  # the usage statistic the values lean on, in words

    def __post_init__(self):
        check(f"{self.name}: input_tokens", self.input_tokens)
        check(f"{self.name}: output_tokens", self.output_tokens)
        check(f"{self.name}: cache_hit_share", self.cache_hit_share, upper=1.0)


def _check_prices(model_prices: pd.DataFrame) -> np.ndarray:
    if model_prices.empty:
        raise CostInputError("model_prices is empty")
    for column in (INPUT_MISS, INPUT_HIT, OUTPUT):
        check(f"model_prices['{column}']", model_prices[column].astype(float).to_numpy())
    return model_prices[[INPUT_MISS, INPUT_HIT, OUTPUT]].astype(float).to_numpy()


def scenario_costs(
    campaigns: pd.DataFrame,
    model_prices: pd.DataFrame,
    scenarios: Sequence[Scenario],
    matched: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the list-price cost in USD of every campaign under every scenario and model, one row each.

    ``campaigns`` has ``company`` and ``exchanges``; ``model_prices`` one row per model (``model`` and the three
    price columns). Each scenario applies to all companies at once. ``matched`` (company -> scenario name) adds a
    scenario 'matched to targets' in which each company gets its own. Columns: scenario, model, company,
    exchanges, cost_usd.
    """
    prices = _check_prices(model_prices)
    check("campaigns['exchanges']", campaigns["exchanges"].astype(float).to_numpy())
    by_name = {s.name: s for s in scenarios}
    plans = [(s.name, dict.fromkeys(campaigns["company"], s)) for s in scenarios]
    if matched is not None:
        unknown = sorted(set(matched.values()) - set(by_name))
        missing = sorted(set(campaigns["company"]) - set(matched))
        if unknown or missing:
            raise CostInputError(f"matched: unknown scenario(s) {unknown}, companies without one {missing}")
        plans.append(("matched to targets", {c: by_name[matched[c]] for c in campaigns["company"]}))
    rows = []
    for plan_name, plan in plans:
        for model, (miss, hit, out) in zip(model_prices["model"], prices, strict=True):
            for company, exchanges in zip(campaigns["company"], campaigns["exchanges"].astype(float), strict=True):
                s = plan[company]
                per_exchange = request_cost_usd(s.input_tokens, s.output_tokens, miss, out, s.cache_hit_share, hit)
                rows.append((plan_name, model, company, exchanges, exchanges * per_exchange))
    return pd.DataFrame(rows, columns=["scenario", "model", "company", "exchanges", "cost_usd"])


def scenario_summary(costs: pd.DataFrame, central_model: str) -> pd.DataFrame:
    """Return per scenario the total over companies at ``central_model`` and its range over the other models.

    Columns: scenario, cost_usd (central model), low_usd, high_usd (cheapest and dearest model); in the order
    the scenarios first appear in ``costs``.
    """
    if central_model not in set(costs["model"]):
        raise CostInputError(f"central_model '{central_model}' is not among the models priced")
    totals = costs.groupby(["scenario", "model"], sort=False)["cost_usd"].sum().unstack("model")
    return pd.DataFrame(
        {
            "scenario": totals.index,
            "cost_usd": totals[central_model].to_numpy(),
            "low_usd": totals.min(axis=1).to_numpy(),
            "high_usd": totals.max(axis=1).to_numpy(),
        }
    )


# --- the Monte Carlo --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """An assumption given as a range: drawn uniformly, or log-uniformly (for quantities spanning a factor)."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self):
        check("low", self.low)
        check("high", self.high)
        if self.low > self.high:
            raise CostInputError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.log and self.low <= 0:
            raise CostInputError("low must be above zero for a log-uniform range")

    @property
    def central(self) -> float:
        """The middle of the range: geometric mean if log-uniform, else the arithmetic mean."""
        return math.sqrt(self.low * self.high) if self.log else (self.low + self.high) / 2

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Return ``size`` draws from the range."""
        if self.log:
            return np.exp(rng.uniform(math.log(self.low), math.log(self.high), size))
        return rng.uniform(self.low, self.high, size)


#: The three token assumptions the campaign model needs (keys of the ``assumptions`` mapping).
TOKEN_ASSUMPTIONS = ("input_tokens_per_exchange", "output_tokens_per_exchange", "cache_hit_share")


def simulate_campaign_costs(
    campaigns: pd.DataFrame,
    model_prices: pd.DataFrame,
    assumptions: Mapping[str, Range],
    n_draws: int = 10_000,
    seed: int = 2026,
    shared: bool = False,
) -> pd.DataFrame:
    """Draw the list-price cost in USD of each campaign ``n_draws`` times.

    ``assumptions`` maps each of :data:`TOKEN_ASSUMPTIONS` to a :class:`Range`; each draw picks one model of
    ``model_prices`` (equally likely) and one value of each assumption. With ``shared=False`` every company
    draws its own; with ``shared=True`` one draw applies to all companies. Returns one column per company (USD)
    plus ``total_usd``, one row per draw. Same seed, same draws.
    """
    if n_draws < 1:
        raise CostInputError(f"n_draws must be at least 1, got {n_draws}")
    missing = [key for key in TOKEN_ASSUMPTIONS if key not in assumptions]
    if missing:
        raise CostInputError(f"assumptions is missing {missing}")
    prices = _check_prices(model_prices)
    check("campaigns['exchanges']", campaigns["exchanges"].astype(float).to_numpy())
    rng = np.random.default_rng(seed)

    def one_draw():
        pick = rng.integers(0, len(prices), n_draws)
        tokens_in, tokens_out, share = (assumptions[key].draw(rng, n_draws) for key in TOKEN_ASSUMPTIONS)
        return request_cost_usd(tokens_in, tokens_out, prices[pick, 0], prices[pick, 2], share, prices[pick, 1])

    common = one_draw() if shared else None
    out = {}
    for company, exchanges in zip(campaigns["company"], campaigns["exchanges"].astype(float), strict=True):
        out[company] = exchanges * (common if shared else one_draw())
    draws = pd.DataFrame(out)
    draws["total_usd"] = draws.sum(axis=1)
    return draws


def summarise_draws(draws: pd.DataFrame, interval: float = 0.90) -> pd.DataFrame:
    """Return per column of ``draws`` the median and the central ``interval`` (default 90%) bounds, in USD.

    Columns: item, median_usd, low_usd, high_usd.
    """
    tail = (1 - interval) / 2
    quantiles = draws.quantile([tail, 0.5, 1 - tail])
    return pd.DataFrame(
        {
            "item": list(draws.columns),
            "median_usd": quantiles.iloc[1].to_numpy(),
            "low_usd": quantiles.iloc[0].to_numpy(),
            "high_usd": quantiles.iloc[2].to_numpy(),
        }
    )
