"""API token prices: the cost of one request, price ratios between two models, and price periods.

Prices are per million tokens (``usd_per_million_tokens``); a request's cost is in US dollars. Reasoning models
bill their hidden thinking as output, so the length of the output is an assumption: :func:`request_cost_range`
prices a range of it, and :func:`break_even_output_factor` says how much longer the cheaper model could think
before its request cost as much as the dearer one's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from distillbook.costs._checks import CostInputError, check, scalar_or_array

TOKENS_PER_MILLION = 1_000_000

#: Price columns of ``api_prices`` (USD per million tokens).
INPUT_MISS = "input_usd_per_million_tokens_cache_miss"
INPUT_HIT = "input_usd_per_million_tokens_cache_hit"
OUTPUT = "output_usd_per_million_tokens"


def request_cost_usd(
    input_tokens,
    output_tokens,
    input_usd_per_million_tokens,
    output_usd_per_million_tokens,
    cache_hit_share=0.0,
    cache_hit_usd_per_million_tokens=None,
) -> float | np.ndarray:
    """Return the list-price cost in USD of one request (or arrays of requests).

    A share ``cache_hit_share`` (0 to 1) of the input tokens is billed at ``cache_hit_usd_per_million_tokens``
    and the rest at ``input_usd_per_million_tokens``; output tokens (reasoning included) at
    ``output_usd_per_million_tokens``. Cache-write surcharges are ignored. A cache-hit share above zero needs a
    cache-hit price.
    """
    tokens_in = check("input_tokens", input_tokens)
    tokens_out = check("output_tokens", output_tokens)
    price_in = check("input_usd_per_million_tokens", input_usd_per_million_tokens)
    price_out = check("output_usd_per_million_tokens", output_usd_per_million_tokens)
    share = check("cache_hit_share", cache_hit_share, upper=1.0)
    if cache_hit_usd_per_million_tokens is None:
        if (share > 0).any():
            raise CostInputError("cache_hit_usd_per_million_tokens is missing but cache_hit_share is above zero")
        price_hit = np.zeros_like(price_in)
    else:
        price_hit = check("cache_hit_usd_per_million_tokens", cache_hit_usd_per_million_tokens)
    input_usd = tokens_in * ((1 - share) * price_in + share * price_hit)
    return scalar_or_array((input_usd + tokens_out * price_out) / TOKENS_PER_MILLION)


def request_costs(api_prices: pd.DataFrame, input_tokens: float, output_tokens: float) -> pd.DataFrame:
    """Return the cost in USD of one request of the given size for every row of ``api_prices`` (no caching).

    Columns: provider, model, effective_date, request_cost_usd; sorted from cheapest to dearest.
    """
    out = api_prices[["provider", "model", "effective_date"]].reset_index(drop=True).copy()
    out["request_cost_usd"] = request_cost_usd(
        input_tokens,
        output_tokens,
        api_prices[INPUT_MISS].astype(float).to_numpy(),
        api_prices[OUTPUT].astype(float).to_numpy(),
    )
    return out.sort_values(["request_cost_usd", "model"], ignore_index=True)


def price_period(effective_date: pd.Series) -> pd.Series:
    """Return the half-year of each date as text ('2025 H1', '2026 H2'); 'undated' where the date is missing."""
    dates = pd.to_datetime(effective_date)
    half = np.where(dates.dt.month <= 6, "H1", "H2")
    labels = dates.dt.year.astype("Int64").astype(str) + " " + pd.Series(half, index=dates.index)
    return labels.where(dates.notna(), "undated")


def request_cost_range(
    api_prices: pd.DataFrame, input_tokens: float, output_tokens_low: float, output_tokens_high: float
) -> pd.DataFrame:
    """Price one request per row of ``api_prices`` over a range of output lengths (uncached input).

    Returns provider, model, effective_date, period (:func:`price_period`), low_usd and high_usd (at the two
    output lengths) and cost_usd at their geometric middle; sorted by period, then cheapest first.
    """
    low, high = (
        float(check("output_tokens_low", output_tokens_low)),
        float(check("output_tokens_high", output_tokens_high)),
    )
    if low > high or low <= 0:
        raise CostInputError(f"output_tokens_low ({low}) must be above zero and not exceed output_tokens_high ({high})")
    out = api_prices[["provider", "model", "effective_date"]].reset_index(drop=True).copy()
    out["period"] = price_period(out["effective_date"])
    price_in, price_out = (api_prices[c].astype(float).to_numpy() for c in (INPUT_MISS, OUTPUT))
    for column, tokens in (("low_usd", low), ("cost_usd", np.sqrt(low * high)), ("high_usd", high)):
        out[column] = request_cost_usd(input_tokens, tokens, price_in, price_out)
    return out.sort_values(["period", "cost_usd", "model"], ignore_index=True)


def _one_row(api_prices: pd.DataFrame, model: str) -> pd.Series:
    match = api_prices[api_prices["model"] == model]
    if len(match) != 1:
        raise CostInputError(f"model '{model}' must appear exactly once in api_prices (found {len(match)})")
    return match.iloc[0]


def price_comparison(api_prices: pd.DataFrame, dearer_model: str, cheaper_model: str) -> pd.DataFrame:
    """Compare the list prices of two models, one row per price type.

    Returns columns price, dearer_usd_per_million_tokens, cheaper_usd_per_million_tokens, ratio (how many times
    dearer) and reduction_percent (how much cheaper the cheaper model is, as a percentage of the dearer price).
    """
    dearer, cheaper = _one_row(api_prices, dearer_model), _one_row(api_prices, cheaper_model)
    out = []
    for label, column in (("input (cache miss)", INPUT_MISS), ("input (cache hit)", INPUT_HIT), ("output", OUTPUT)):
        high, low = float(dearer[column]), float(cheaper[column])
        out.append(
            {
                "price": label,
                "dearer_usd_per_million_tokens": high,
                "cheaper_usd_per_million_tokens": low,
                "ratio": high / low,
                "reduction_percent": 100 * (1 - low / high),
            }
        )
    return pd.DataFrame(out)


def reduction_as_ratio(reduction_percent) -> float:
    """Return the price ratio a percentage reduction implies: 95% cheaper is 1 / 0.05 = 20 times."""
    percent = float(check("reduction_percent", reduction_percent, upper=100.0))
    if percent == 100:
        raise CostInputError("reduction_percent of 100 implies an infinite ratio")
    return 100 / (100 - percent)


def break_even_output_factor(
    api_prices: pd.DataFrame, dearer_model: str, cheaper_model: str, input_tokens: float, output_tokens: float
) -> float:
    """Return how many times more output tokens the cheaper model can use before its request costs as much.

    The dearer model's request has ``input_tokens`` (uncached) and ``output_tokens``; the cheaper model gets the
    same input and ``factor * output_tokens`` of output. A factor of 27 means it could think 27 times as long.
    """
    dearer, cheaper = _one_row(api_prices, dearer_model), _one_row(api_prices, cheaper_model)
    tokens_out = float(check("output_tokens", output_tokens))
    if tokens_out == 0:
        raise CostInputError("output_tokens must be above zero for a break-even factor")
    target = request_cost_usd(input_tokens, tokens_out, dearer[INPUT_MISS], dearer[OUTPUT])
    input_part = request_cost_usd(input_tokens, 0, cheaper[INPUT_MISS], cheaper[OUTPUT])
    return float((target - input_part) / request_cost_usd(0, tokens_out, 0, cheaper[OUTPUT]))
