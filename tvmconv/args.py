"""Argument normalisation shared by the public surfaces: ints, pairs, clear errors."""

from __future__ import annotations

import numbers


def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """int | tuple/list of 2 ints -> (a, b), each >= minimum; TypeError/ValueError naming `name`."""
    if is_int(value):
        items = (int(value), int(value))
    elif isinstance(value, (tuple, list)):
        if not all(is_int(v) for v in value):
            raise TypeError(f"{name} must be an int or a tuple/list of ints, got {value!r}")
        if len(value) != 2:
            raise ValueError(f"{name} must have 2 elements (height, width), got {len(value)}: "
                             f"{value!r}")
        items = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a tuple/list of 2 ints, "
                        f"got {type(value).__name__} {value!r}")
    if min(items) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return items


def positive_int(value, name: str, op: str | None = None) -> int:
    """An int >= 1; TypeError/ValueError naming `name` (and the operator `op`, when given)."""
    prefix = f"For '{op}', " if op else ""
    if not is_int(value):
        raise TypeError(f"{prefix}{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{prefix}{name} must be >= 1, got {value}")
    return int(value)
