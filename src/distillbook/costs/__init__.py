"""Cost arithmetic for the cost-economics chapter (chapter 4), one module per job.

- :mod:`~distillbook.costs.training`: training runs from GPU-hours, and cost ratios that keep each side's method.
- :mod:`~distillbook.costs.pricing`: API requests from token prices, price ratios, price periods.
- :mod:`~distillbook.costs.campaigns`: what an alleged distillation campaign would cost (scenarios, Monte Carlo).
- :mod:`~distillbook.costs.tables` and :mod:`~distillbook.costs.figures`: what the chapter shows.

Nothing here loads data. Money is in US dollars (``usd``), prices per million tokens (``usd_per_million_tokens``)
or per GPU-hour (``usd_per_gpu_hour``). Bad input raises :class:`CostInputError` (a ``BookError``) naming the
argument. The names below are re-exported so a chapter writes ``costs.gpu_cost_usd(...)``.
"""

from distillbook.costs._checks import CostInputError
from distillbook.costs.campaigns import (
    TOKEN_ASSUMPTIONS,
    Range,
    Scenario,
    scenario_costs,
    scenario_summary,
    simulate_campaign_costs,
    summarise_draws,
)
from distillbook.costs.figures import plot_benchmark_vs_size, plot_cost_points
from distillbook.costs.pricing import (
    INPUT_HIT,
    INPUT_MISS,
    OUTPUT,
    TOKENS_PER_MILLION,
    break_even_output_factor,
    price_comparison,
    price_period,
    reduction_as_ratio,
    request_cost_range,
    request_cost_usd,
    request_costs,
)
from distillbook.costs.tables import comparison_table, price_ratio_table, ratio_text, scenario_table, usd_text
from distillbook.costs.training import (
    COMPARISON_COLUMNS,
    compare_costs,
    gpu_cost_usd,
    gpu_price_band,
    rebuild_training_costs,
    stated_cost_usd,
)

__all__ = [
    "COMPARISON_COLUMNS",
    "INPUT_HIT",
    "INPUT_MISS",
    "OUTPUT",
    "TOKENS_PER_MILLION",
    "TOKEN_ASSUMPTIONS",
    "CostInputError",
    "Range",
    "Scenario",
    "break_even_output_factor",
    "compare_costs",
    "comparison_table",
    "gpu_cost_usd",
    "gpu_price_band",
    "plot_benchmark_vs_size",
    "plot_cost_points",
    "price_comparison",
    "price_period",
    "price_ratio_table",
    "ratio_text",
    "rebuild_training_costs",
    "reduction_as_ratio",
    "request_cost_range",
    "request_cost_usd",
    "request_costs",
    "scenario_costs",
    "scenario_summary",
    "scenario_table",
    "simulate_campaign_costs",
    "stated_cost_usd",
    "summarise_draws",
    "usd_text",
]
