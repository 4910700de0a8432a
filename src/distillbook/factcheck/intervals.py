"""Intervals: the article's wording and the source's figure each stand for an interval of values.

A claim matches when every value the source allows is one the article's wording allows: a point for "2,029", the
values that round to 79 for "~79%", everything from 16 million up for "over 16 million", 20 to 50 for "20 to 50
times"; a source's "over N" is [N, inf), its "approximately N" is N give or take 1%. Dates are intervals of days
at their precision (a day, a month, a year).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from distillbook.factcheck.errors import FactCheckError, number, positive

TOLERANCE_KINDS = ("exact", "rounding", "relative", "bound")
#: A source's "approximately N" is read as N give or take this fraction of N.
APPROXIMATE_HALF_WIDTH = 0.01
RELATIVE_EPSILON = 1e-9


@dataclass(frozen=True)
class Interval:
    """A closed interval of values; ``math.inf`` for an open upper end."""

    low: float
    high: float

    def contains(self, other: Interval) -> bool:
        """Return True if every value of ``other`` lies in this interval (with a tiny relative slack)."""
        slack = RELATIVE_EPSILON * max(1.0, abs(self.low), abs(other.low))
        upper_slack = 0.0 if math.isinf(self.high) else RELATIVE_EPSILON * max(1.0, abs(self.high))
        return other.low >= self.low - slack and other.high <= self.high + upper_slack


def article_interval(
    value: float, bound: str, tolerance_kind: str, tolerance_value: float | None = None, value_high: float | None = None
) -> Interval:
    """Return the interval of values the article's wording admits, in the claim's unit.

    exact: the value itself (bound must be 'exactly'); rounding: value +/- half the rounding step; relative:
    value +/- tolerance_value percent; bound: [value, inf) for 'at least', [value, value_high] for 'range'.
    Raises :class:`FactCheckError` for a combination that makes no sense (e.g. 'at least' with 'exact').
    """
    value = number("value", value)
    if tolerance_kind not in TOLERANCE_KINDS:
        raise FactCheckError(f"tolerance_kind must be one of {TOLERANCE_KINDS}, got {tolerance_kind!r}")
    if bound in ("at least", "range") and tolerance_kind != "bound":
        raise FactCheckError(f"a claim bounded '{bound}' needs tolerance_kind 'bound', got {tolerance_kind!r}")
    if tolerance_kind == "exact":
        if bound != "exactly":
            raise FactCheckError(f"tolerance 'exact' needs bound 'exactly', got {bound!r}")
        return Interval(value, value)
    if tolerance_kind == "rounding":
        step = positive("tolerance_value (rounding step)", tolerance_value)
        return Interval(value - step / 2, value + step / 2)
    if tolerance_kind == "relative":
        share = positive("tolerance_value (percent)", tolerance_value) / 100
        return Interval(value - abs(value) * share, value + abs(value) * share)
    if bound == "at least":
        return Interval(value, math.inf)
    if bound == "range":
        high = number("value_high", value_high)
        if high < value:
            raise FactCheckError(f"a range needs value_high >= value, got {value} to {high}")
        return Interval(value, high)
    raise FactCheckError(f"tolerance 'bound' needs bound 'at least' or 'range', got {bound!r}")


def source_interval(value: float, bound: str = "exactly") -> Interval:
    """Return the interval a source's figure stands for: a point, [value, inf) for 'at least', or value +/- 1%."""
    value = number("source value", value)
    if bound in ("exactly", "not stated"):
        return Interval(value, value)
    if bound == "at least":
        return Interval(value, math.inf)
    if bound == "approximately":
        half = abs(value) * APPROXIMATE_HALF_WIDTH
        return Interval(value - half, value + half)
    raise FactCheckError(f"unknown bound {bound!r} for a source value")


def date_interval(date: Any, precision: str = "day") -> Interval:
    """Return the days (as proleptic ordinals) a date stands for at its precision: one day, a month or a year."""
    stamp = pd.Timestamp(date)
    if pd.isna(stamp):
        raise FactCheckError("a date check needs a date")
    if precision == "day":
        first = last = stamp
    elif precision == "month":
        first = stamp.replace(day=1)
        last = first + pd.offsets.MonthEnd(0)
    elif precision == "year":
        first, last = stamp.replace(month=1, day=1), stamp.replace(month=12, day=31)
    else:
        raise FactCheckError(f"date precision must be day, month or year, got {precision!r}")
    return Interval(float(first.toordinal()), float(last.toordinal()))
