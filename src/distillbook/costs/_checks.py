"""Input checks shared by the cost modules: every bad number raises :class:`CostInputError` naming the argument."""

from __future__ import annotations

import numpy as np

from distillbook.errors import BookError


class CostInputError(BookError):
    """A cost input that is missing, not a number, negative or out of range; the message names the argument."""


def check(name: str, value, *, upper: float | None = None) -> np.ndarray:
    """Return ``value`` as a float array, or raise CostInputError naming ``name`` if it is missing, NaN or negative."""
    if value is None:
        raise CostInputError(f"{name} is missing (got None)")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CostInputError(f"{name} must be a number, got {value!r}") from None
    if array.size == 0:
        raise CostInputError(f"{name} is empty")
    if np.isnan(array).any():
        raise CostInputError(f"{name} is missing (NaN)")
    if (array < 0).any():
        raise CostInputError(f"{name} must not be negative, got {value!r}")
    if upper is not None and (array > upper).any():
        raise CostInputError(f"{name} must be at most {upper}, got {value!r}")
    return array


def scalar_or_array(array: np.ndarray) -> float | np.ndarray:
    """Return a 0-d array as a float and anything else unchanged."""
    return float(array) if array.ndim == 0 else array
