"""Cost arithmetic for chapter 3: training runs from GPU-hours, API requests from token prices, and what an
alleged distillation campaign would cost at list prices (a seeded Monte Carlo and a one-at-a-time tornado).

Every function takes plain numbers or DataFrames and returns numbers or DataFrames; nothing here loads data.
Money is in US dollars (``usd``), prices per million tokens (``usd_per_million_tokens``) or per GPU-hour
(``usd_per_gpu_hour``). Bad input (negative, missing or not-a-number values) raises :class:`ValueError` naming
the argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

TOKENS_PER_MILLION = 1_000_000

#: Price columns of ``api_prices`` (USD per million tokens).
INPUT_MISS = "input_usd_per_million_tokens_cache_miss"
INPUT_HIT = "input_usd_per_million_tokens_cache_hit"
OUTPUT = "output_usd_per_million_tokens"


# --- validation -----------------------------------------------------------------------------------------------


def _check(name: str, value, *, upper: float | None = None) -> np.ndarray:
    """Return ``value`` as a float array, or raise ValueError naming ``name`` if it is missing, NaN or negative."""
    if value is None:
        raise ValueError(f"{name} is missing (got None)")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isnan(array).any():
        raise ValueError(f"{name} is missing (NaN)")
    if (array < 0).any():
        raise ValueError(f"{name} must not be negative, got {value!r}")
    if upper is not None and (array > upper).any():
        raise ValueError(f"{name} must be at most {upper}, got {value!r}")
    return array


def _scalar_or_array(array: np.ndarray) -> float | np.ndarray:
    return float(array) if array.ndim == 0 else array


# --- training runs --------------------------------------------------------------------------------------------


def gpu_cost_usd(gpu_hours, usd_per_gpu_hour) -> float | np.ndarray:
    """Return the rental cost in USD of ``gpu_hours`` GPU-hours at ``usd_per_gpu_hour`` (scalars or arrays)."""
    hours = _check("gpu_hours", gpu_hours)
    price = _check("usd_per_gpu_hour", usd_per_gpu_hour)
    return _scalar_or_array(hours * price)


def rebuild_training_costs(training_compute: pd.DataFrame) -> pd.DataFrame:
    """Recompute each row's cost as GPU-hours times the rental price the source assumed.

    Returns one row per input row that has both ``gpu_hours`` and ``rental_usd_per_gpu_hour``: model, phase,
    gpu_hours, rental_usd_per_gpu_hour, rebuilt_cost_usd, stated_cost_usd and difference_usd (rebuilt minus
    stated; zero when the source's table is internally consistent).
    """
    usable = training_compute.dropna(subset=["gpu_hours", "rental_usd_per_gpu_hour"])
    if usable.empty:
        raise ValueError("training_compute has no row with both gpu_hours and rental_usd_per_gpu_hour")
    hours = usable["gpu_hours"].astype(float).to_numpy()
    price = usable["rental_usd_per_gpu_hour"].astype(float).to_numpy()
    out = usable[["model", "phase"]].reset_index(drop=True).copy()
    out["gpu_hours"] = hours
    out["rental_usd_per_gpu_hour"] = price
    out["rebuilt_cost_usd"] = gpu_cost_usd(hours, price)
    out["stated_cost_usd"] = usable["stated_cost_usd"].astype(float).to_numpy()
    out["difference_usd"] = out["rebuilt_cost_usd"] - out["stated_cost_usd"]
    return out


def gpu_price_band(gpu_hours, usd_per_gpu_hour_low, usd_per_gpu_hour_high) -> tuple[float, float]:
    """Return (low, high) cost in USD of ``gpu_hours`` across a range of rental prices per GPU-hour."""
    low = _check("usd_per_gpu_hour_low", usd_per_gpu_hour_low)
    high = _check("usd_per_gpu_hour_high", usd_per_gpu_hour_high)
    if float(low) > float(high):
        raise ValueError("usd_per_gpu_hour_low must not exceed usd_per_gpu_hour_high")
    return float(gpu_cost_usd(gpu_hours, low)), float(gpu_cost_usd(gpu_hours, high))


# --- token pricing --------------------------------------------------------------------------------------------


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
    tokens_in = _check("input_tokens", input_tokens)
    tokens_out = _check("output_tokens", output_tokens)
    price_in = _check("input_usd_per_million_tokens", input_usd_per_million_tokens)
    price_out = _check("output_usd_per_million_tokens", output_usd_per_million_tokens)
    share = _check("cache_hit_share", cache_hit_share, upper=1.0)
    if cache_hit_usd_per_million_tokens is None:
        if (share > 0).any():
            raise ValueError("cache_hit_usd_per_million_tokens is missing but cache_hit_share is above zero")
        price_hit = np.zeros_like(price_in)
    else:
        price_hit = _check("cache_hit_usd_per_million_tokens", cache_hit_usd_per_million_tokens)
    input_usd = tokens_in * ((1 - share) * price_in + share * price_hit)
    return _scalar_or_array((input_usd + tokens_out * price_out) / TOKENS_PER_MILLION)


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


def price_comparison(api_prices: pd.DataFrame, dearer_model: str, cheaper_model: str) -> pd.DataFrame:
    """Compare the list prices of two models, one row per price type.

    Returns columns price, dearer_usd_per_million_tokens, cheaper_usd_per_million_tokens, ratio (how many times
    dearer) and reduction_percent (how much cheaper the cheaper model is, as a percentage of the dearer price).
    """
    rows = []
    for model in (dearer_model, cheaper_model):
        match = api_prices[api_prices["model"] == model]
        if len(match) != 1:
            raise ValueError(f"model '{model}' must appear exactly once in api_prices (found {len(match)})")
        rows.append(match.iloc[0])
    dearer, cheaper = rows
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


# --- the campaign Monte Carlo ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """An assumption given as a range: drawn uniformly, or log-uniformly (for quantities spanning a factor)."""

    low: float
    high: float
    log: bool = False

    def __post_init__(self):
        _check("low", self.low)
        _check("high", self.high)
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError("low must be above zero for a log-uniform range")

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


def _check_inputs(campaigns: pd.DataFrame, model_prices: pd.DataFrame, assumptions: Mapping[str, Range]):
    missing = [key for key in TOKEN_ASSUMPTIONS if key not in assumptions]
    if missing:
        raise ValueError(f"assumptions is missing {missing}")
    if model_prices.empty:
        raise ValueError("model_prices is empty")
    for column in (INPUT_MISS, INPUT_HIT, OUTPUT):
        _check(f"model_prices['{column}']", model_prices[column].astype(float).to_numpy())
    _check("campaigns['exchanges']", campaigns["exchanges"].astype(float).to_numpy())


def simulate_campaign_costs(
    campaigns: pd.DataFrame,
    model_prices: pd.DataFrame,
    assumptions: Mapping[str, Range],
    n_draws: int = 10_000,
    seed: int = 2026,
) -> pd.DataFrame:
    """Draw the list-price cost in USD of each campaign ``n_draws`` times.

    ``campaigns`` has columns ``company`` and ``exchanges``; ``model_prices`` one row per model that may have
    been queried (columns ``model`` and the three price columns of ``api_prices``); ``assumptions`` maps each of
    :data:`TOKEN_ASSUMPTIONS` to a :class:`Range`. Each draw picks one model (equally likely) and one value of
    each assumption, independently for each company. Returns a wide DataFrame: one column per company (USD) plus
    ``total_usd``, one row per draw. Same seed, same draws.
    """
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}")
    _check_inputs(campaigns, model_prices, assumptions)
    rng = np.random.default_rng(seed)
    prices = model_prices[[INPUT_MISS, INPUT_HIT, OUTPUT]].astype(float).to_numpy()
    out = {}
    for company, exchanges in zip(campaigns["company"], campaigns["exchanges"].astype(float), strict=True):
        pick = rng.integers(0, len(prices), n_draws)
        tokens_in, tokens_out, share = (assumptions[key].draw(rng, n_draws) for key in TOKEN_ASSUMPTIONS)
        per_exchange = request_cost_usd(tokens_in, tokens_out, prices[pick, 0], prices[pick, 2], share, prices[pick, 1])
        out[company] = exchanges * per_exchange
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


def central_cost_usd(
    exchanges: float, model_prices: pd.DataFrame, central_model: str, assumptions: Mapping[str, Range]
) -> float:
    """Return the cost in USD of ``exchanges`` exchanges with every assumption at its central value."""
    row = model_prices.set_index("model").loc[central_model]
    values = {key: assumptions[key].central for key in TOKEN_ASSUMPTIONS}
    return float(
        _check("exchanges", exchanges)
        * request_cost_usd(
            values["input_tokens_per_exchange"],
            values["output_tokens_per_exchange"],
            row[INPUT_MISS],
            row[OUTPUT],
            values["cache_hit_share"],
            row[INPUT_HIT],
        )
    )


def tornado(
    exchanges: float, model_prices: pd.DataFrame, central_model: str, assumptions: Mapping[str, Range]
) -> pd.DataFrame:
    """Swing each assumption from its low to its high end, the others held central; return the cost range.

    The model queried swings from the cheapest to the dearest row of ``model_prices`` (by output price).
    Returns columns assumption, low_setting, high_setting, low_usd, high_usd, swing_usd, sorted by swing,
    largest first.
    """
    _check_inputs(pd.DataFrame({"exchanges": [exchanges]}), model_prices, assumptions)
    if central_model not in set(model_prices["model"]):
        raise ValueError(f"central_model '{central_model}' is not in model_prices")
    rows = []
    for key in TOKEN_ASSUMPTIONS:
        ends = []
        for end in (assumptions[key].low, assumptions[key].high):
            varied = dict(assumptions)
            varied[key] = Range(end, end)
            ends.append(central_cost_usd(exchanges, model_prices, central_model, varied))
        rows.append((key, assumptions[key].low, assumptions[key].high, *ends))
    ordered = model_prices.sort_values(OUTPUT)
    cheapest, dearest = ordered["model"].iloc[0], ordered["model"].iloc[-1]
    rows.append(
        (
            "model queried",
            cheapest,
            dearest,
            central_cost_usd(exchanges, model_prices, cheapest, assumptions),
            central_cost_usd(exchanges, model_prices, dearest, assumptions),
        )
    )
    out = pd.DataFrame(rows, columns=["assumption", "low_setting", "high_setting", "low_usd", "high_usd"])
    out["swing_usd"] = (out["high_usd"] - out["low_usd"]).abs()
    return out.sort_values("swing_usd", ascending=False, ignore_index=True)


# --- display helpers ------------------------------------------------------------------------------------------


def usd_text(value: float, significant: int = 3) -> str:
    """Format a dollar amount for prose and tables with ``significant`` figures: $5.58M, $294K, $2, $0.0093."""
    value = float(_check("value", value))
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return f"${value / scale:.{significant}g}{suffix}"
    if value >= 1:
        return f"${value:,.2f}".removesuffix(".00")
    return f"${value:.{significant - 1}g}" if value > 0 else "$0"


# --- plots ----------------------------------------------------------------------------------------------------


def plot_cost_bars(costs: pd.DataFrame, ax: Axes) -> Axes:
    """Horizontal bars of ``cost_usd`` per ``label`` on a log axis, coloured by ``colour``; returns ``ax``.

    Rows with ``low_usd``/``high_usd`` (optional columns) get a range line through the bar's end.
    """
    positions = np.arange(len(costs))[::-1]
    ax.barh(positions, costs["cost_usd"], color=costs["colour"], height=0.6)
    if {"low_usd", "high_usd"} <= set(costs.columns):
        ranged = costs["low_usd"].notna()
        ax.hlines(
            positions[ranged.to_numpy()],
            costs.loc[ranged, "low_usd"],
            costs.loc[ranged, "high_usd"],
            color="#333333",
            linewidth=2.5,
        )
    ax.set_yticks(positions, costs["label"])
    ax.set_xscale("log")
    # Put each value label right of its bar, or of its range line when there is one.
    label_at = costs["cost_usd"]
    if "high_usd" in costs.columns:
        label_at = costs[["cost_usd", "high_usd"]].max(axis=1)
    for y, value, x in zip(positions, costs["cost_usd"], label_at, strict=True):
        ax.text(x * 1.1, y, usd_text(value), va="center", fontsize=8)
    ax.grid(axis="y", visible=False)
    return ax


def plot_benchmark_vs_size(
    students: pd.DataFrame, references: pd.DataFrame, ax: Axes, ylabel: str, colours: Mapping[str, str]
) -> Axes:
    """Plot student scores against size (billions of parameters, log axis) with reference models as lines.

    ``students`` has columns parameters_billion, value, family ('Qwen' or 'Llama'); ``references`` has model,
    value, colour, linestyle and side ('left' or 'right': where the line's label goes). Returns ``ax``.
    """
    for family, marker in (("Qwen", "o"), ("Llama", "s")):
        part = students[students["family"] == family].sort_values("parameters_billion")
        ax.plot(
            part["parameters_billion"],
            part["value"],
            marker=marker,
            linestyle="-" if family == "Qwen" else ":",
            color=colours[family],
            label=f"R1-Distill-{family} students",
        )
    for _, ref in references.iterrows():
        ax.axhline(ref["value"], color=ref["colour"], linestyle=ref["linestyle"], linewidth=1.2)
        left = ref["side"] == "left"
        ax.annotate(
            ref["model"],
            (0.02 if left else 0.98, ref["value"]),
            xycoords=("axes fraction", "data"),
            ha="left" if left else "right",
            va="bottom",
            fontsize=8,
            color=ref["colour"],
        )
    ax.set_xscale("log")
    ax.minorticks_off()
    # 7B and 8B sit too close to label both; the 8B (Llama) point keeps its marker.
    ax.set_xticks([1.5, 7, 14, 32, 70], ["1.5", "7", "14", "32", "70"])
    ax.set_xlabel("Student size (billions of parameters, log scale)")
    ax.set_ylabel(ylabel)
    return ax


def plot_tornado(table: pd.DataFrame, central_usd: float, ax: Axes, colour: str) -> Axes:
    """Draw a tornado chart of ``tornado()`` output around ``central_usd`` (log axis); returns ``ax``."""
    positions = np.arange(len(table))[::-1]
    left = table[["low_usd", "high_usd"]].min(axis=1)
    right = table[["low_usd", "high_usd"]].max(axis=1)
    ax.barh(positions, right - left, left=left, color=colour, height=0.55)
    ax.axvline(central_usd, color="#333333", linewidth=1)
    labels = [
        f"{row.assumption}\n({_setting(row.low_setting)} to {_setting(row.high_setting)})" for row in table.itertuples()
    ]
    ax.set_yticks(positions, labels)
    ax.set_xscale("log")
    for y, lo, hi in zip(positions, left, right, strict=True):
        ax.text(lo / 1.06, y, usd_text(lo), va="center", ha="right", fontsize=8)
        ax.text(hi * 1.06, y, usd_text(hi), va="center", ha="left", fontsize=8)
    ax.grid(axis="y", visible=False)
    return ax


def _setting(value) -> str:
    if isinstance(value, str):
        return value.removeprefix("Claude ")
    if value < 1:
        return f"{value:.0%}"
    return f"{value:,.0f}"
