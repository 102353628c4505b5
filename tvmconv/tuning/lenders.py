"""Which tuned layer lends its schedule choices to a description with no record of its own.

A record's trace replays only on its own workload. What carries over to another shape is the
rule's structural choices and tile sizes (records._transfer re-runs the rule with them). They
carry over only to a near layer of the same kind, so a lender must
* be of the same kind: dtype, layout, kernel, stride and dilation equal, and the same grouping
  (dense, depthwise, or grouped);
* be near: the summed |log ratio| of batch, height, width and the channels per group at most
  MAX_DISTANCE (1.0: one of them e-fold, or two of them 1.6-fold);
* have beaten its own default by MIN_GAIN when it was tuned (the index's default_ms / best_ms;
  a rejected record, or one with no measured default, lends nothing).
The nearest such lender wins (ties: the smaller key).

Chosen on tools/transfer_check.py's leave-one-out measurements over the 46 tuned layers of a
Zen 4 (benchmarks/results/llvm-znver4/transfer-check.json; tests/test_tuning_lenders.py checks
the constants against it), never on the zoo's held-out part. Transfer from far layers lost:
allowing up to 2.5 gave 9 transfers at 0.96x in geomean (pix2pix's 2x2 layer 0.38x with the
1x1 one's tiles, DCGAN g2 0.50x with g3's), up to 4.0 gave 22 at 0.84x; up to 1.0, 2 transfers
(ResNet stride-2 3x3 backprops of 64 and 128 output channels, each from the other: 1.33x
and 0.90x). The lender's own gain predicted nothing (the best transfer, 1.49x, came from a
record that gained 1.01x), so MIN_GAIN only keeps out records tuning did not improve.

Pure functions of descriptions and gains: the warm start (records.schedule_identity, from the
index alone) and a build (records.tuned_schedule, from the database) choose alike.
"""

from __future__ import annotations

import math

from ..description import ConvTranspose2dDesc

MIN_GAIN = 1.05
MAX_DISTANCE = 1.0
# Fields two layers of one kind share; the rest are what the distance measures, or do not
# change the schedule's choices (padding, bias, activation).
KIND_FIELDS = ("dtype", "accum_dtype", "layout", "kernel_h", "kernel_w", "stride_h", "stride_w",
               "dilation_h", "dilation_w")


def grouping(desc: ConvTranspose2dDesc) -> str:
    if desc.groups == 1:
        return "dense"
    if desc.groups == desc.in_channels == desc.out_channels:
        return "depthwise"
    return "grouped"


def same_kind(a: ConvTranspose2dDesc, b: ConvTranspose2dDesc) -> bool:
    return (all(getattr(a, f) == getattr(b, f) for f in KIND_FIELDS)
            and grouping(a) == grouping(b))


def _features(desc: ConvTranspose2dDesc) -> tuple:
    return (desc.batch, desc.height, desc.width, desc.in_channels // desc.groups,
            desc.out_channels // desc.groups)


def distance(a: ConvTranspose2dDesc, b: ConvTranspose2dDesc) -> float:
    """Summed |log ratio| of batch, height, width and the channels per group."""
    return sum(abs(math.log(x) - math.log(y)) for x, y in zip(_features(a), _features(b)))


def gain_of(best_ms: float | None, default_ms: float | None) -> float | None:
    """A record's measured gain over its own default (None: unknown)."""
    if not best_ms or not default_ms:
        return None
    return default_ms / best_ms


def candidates(desc: ConvTranspose2dDesc, gains: dict) -> list[tuple[float, ConvTranspose2dDesc]]:
    """(distance, tuned description) of every other tuned layer of desc's kind, nearest first;
    gains: {tuned description: gain or None}."""
    found = [(distance(desc, other), other) for other in gains
             if other != desc and same_kind(other, desc)]
    return sorted(found, key=lambda pair: (pair[0], pair[1].key))


def lender(desc: ConvTranspose2dDesc, gains: dict, min_gain: float | None = None,
           max_distance: float | None = None) -> ConvTranspose2dDesc | None:
    """The tuned description whose choices desc borrows, or None (the default schedule);
    min_gain, max_distance: other thresholds than MIN_GAIN, MAX_DISTANCE (to fit them)."""
    min_gain = MIN_GAIN if min_gain is None else min_gain
    max_distance = MAX_DISTANCE if max_distance is None else max_distance
    for dist, other in candidates(desc, gains):
        if dist > max_distance:
            return None
        if gains[other] is not None and gains[other] >= min_gain:
            return other
    return None


def why_not(desc: ConvTranspose2dDesc, gains: dict) -> str:
    """Why desc borrows from no tuned layer (for tvmconv explain)."""
    near = candidates(desc, gains)
    if not near:
        return "no tuned layer of its kind (dtype, kernel, stride, dilation, grouping)"
    dist, other = near[0]
    if dist > MAX_DISTANCE:
        return (f"the nearest tuned layer of its kind, {other.key}, is {dist:.2f} away "
                f"(lends within {MAX_DISTANCE})")
    return (f"the tuned layers of its kind within {MAX_DISTANCE} gained under {MIN_GAIN}x "
            f"over their own default (nearest: {other.key}, {dist:.2f} away)")
