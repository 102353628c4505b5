"""MindSpore-style argument checks: the exception classes MindSpore raises, clearer messages.

Each check names the operator, the parameter and the bad value. MindSpore's rules are kept where
they are its contract: ints and tuples (not lists) for sizes, bool rejected where an int is due.
"""

from __future__ import annotations

from ..frontend import is_int


def hw_pair(value, name: str, op: str, allow_four: bool = False,
            layout: str = "NCHW") -> tuple[int, int]:
    """An int, a 2-tuple (h, w) or, with allow_four, a 4-tuple in the data layout's order."""
    if not (is_int(value) or isinstance(value, tuple)):
        raise TypeError(f"For '{op}', '{name}' must be an int or a tuple, got "
                        f"{type(value).__name__} {value!r}")
    lengths = "2 or 4" if allow_four else "2"
    if is_int(value):
        items = (value, value)
    elif len(value) == 2:
        items = value
    elif len(value) == 4 and allow_four:
        # MindSpore's 4-element form spells out every axis of the data layout; only the spatial
        # ones may differ from 1.
        spatial = (2, 3) if layout == "NCHW" else (1, 2)
        others = [value[i] for i in range(4) if i not in spatial]
        if any(v != 1 for v in others):
            raise ValueError(f"For '{op}', the batch and channel entries of the 4-element "
                             f"'{name}' must be 1, got {value!r}")
        items = (value[spatial[0]], value[spatial[1]])
    else:
        raise ValueError(f"For '{op}', '{name}' must be an int or a tuple of {lengths} ints, "
                         f"got {value!r}")
    if not all(is_int(v) and v > 0 for v in items):
        raise ValueError(f"For '{op}', '{name}' must be positive ints, got {value!r}")
    return int(items[0]), int(items[1])


def four_pads(value, name: str, op: str) -> tuple[int, int, int, int]:
    """int | (top, bottom, left, right), each >= 0."""
    if not (is_int(value) or isinstance(value, tuple)):
        raise TypeError(f"For '{op}', '{name}' must be an int or a tuple of 4 ints, got "
                        f"{type(value).__name__} {value!r}")
    pads = (value,) * 4 if is_int(value) else value
    if len(pads) != 4:
        raise ValueError(f"For '{op}', '{name}' must have 4 elements (top, bottom, left, right), "
                         f"got {len(pads)}: {value!r}")
    for item in pads:
        if not is_int(item):
            raise TypeError(f"For '{op}', the elements of '{name}' must be ints, got {value!r}")
        if item < 0:
            raise ValueError(f"For '{op}', the elements of '{name}' must be >= 0, got {value!r}")
    return tuple(int(p) for p in pads)


def pad_mode(value, op: str, case_sensitive: bool, not_str=TypeError) -> str:
    """'valid', 'same' or 'pad'. `not_str`: what a non-str raises (the ops check its type
    first, a TypeError; nn.Conv2dTranspose only checks membership, a ValueError)."""
    if not isinstance(value, str):
        raise not_str(f"For '{op}', 'pad_mode' must be a str, got {type(value).__name__} "
                        f"{value!r}")
    mode = value if case_sensitive else value.lower()
    if mode not in ("valid", "same", "pad"):
        spelled = "" if case_sensitive else " (any case)"
        raise ValueError(f"For '{op}', 'pad_mode' must be 'valid', 'same' or 'pad'{spelled}, "
                         f"got {value!r}")
    return mode


def twice(value, name: str, op: str) -> tuple[int, int]:
    """MindSpore's ``twice`` then its positivity check, as ``nn.Conv2dTranspose`` runs them on
    kernel_size, stride and dilation: TypeError for anything but an int or a 2-tuple of ints
    (a tuple of the wrong length included), ValueError for a value < 1."""
    if is_int(value):
        items = (value, value)
    elif isinstance(value, tuple):
        if len(value) != 2:
            raise TypeError(f"For '{op}', '{name}' must be an int or a tuple of 2 ints, got "
                            f"{len(value)} elements: {value!r}")
        if not all(is_int(v) for v in value):
            raise TypeError(f"For '{op}', the elements of '{name}' must be ints, got {value!r}")
        items = value
    else:
        raise TypeError(f"For '{op}', '{name}' must be an int or a tuple of 2 ints, got "
                        f"{type(value).__name__} {value!r}")
    if min(items) < 1:
        raise ValueError(f"For '{op}', '{name}' must be >= 1, got {value!r}")
    return int(items[0]), int(items[1])
