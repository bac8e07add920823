"""Small argument checks shared by the ``filters`` modules."""

from __future__ import annotations

import numbers
import operator
from typing import Any

from ._errors import FiltersError


def positive_int(value: Any, name: str, *, error: type[FiltersError] = FiltersError) -> int:
    """Return ``value`` as an int of at least 1, or raise ``error`` naming it."""
    if isinstance(value, bool):
        raise error(f"{name} must be a positive integer, not {value!r}.")
    try:
        number = operator.index(value)
    except TypeError:
        raise error(f"{name} must be a positive integer, not {value!r}.") from None
    if number < 1:
        raise error(f"{name} must be a positive integer, not {number}.")
    return number


def positive_pair(value: Any, name: str = "shape") -> tuple[int, int]:
    """Return ``value`` as a pair of ints of at least 1, or raise FiltersError naming it."""
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or not all(
            isinstance(side, numbers.Integral) and not isinstance(side, bool) and side >= 1
            for side in value
        )
    ):
        raise FiltersError(f"{name} must be a pair of positive integers; got {value!r}.")
    return int(value[0]), int(value[1])
