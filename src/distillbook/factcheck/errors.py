"""The fact-check's one error class, and the small value helpers every module of the package shares."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from distillbook.errors import BookError


class FactCheckError(BookError):
    """A claim row cannot be evaluated as written (bad key, unknown resource, inconsistent bound or tolerance)."""


def blank(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str:
    """Return ``value`` as a string, '' when blank."""
    return "" if blank(value) else str(value)


def optional(value: Any) -> float | None:
    """Return ``value`` as a float, None when blank."""
    return None if blank(value) else float(value)


def number(name: str, value: Any) -> float:
    """Return ``value`` as a finite float; raise :class:`FactCheckError` naming ``name`` otherwise."""
    if blank(value):
        raise FactCheckError(f"{name} is empty")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise FactCheckError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(result):
        raise FactCheckError(f"{name} must be finite, got {value!r}")
    return result


def positive(name: str, value: Any) -> float:
    """Return ``value`` as a float above zero; raise :class:`FactCheckError` otherwise."""
    result = number(name, value)
    if result <= 0:
        raise FactCheckError(f"{name} must be above zero, got {value!r}")
    return result
