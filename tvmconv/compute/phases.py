"""The polyphase (sub-pixel) decomposition of one spatial axis of a transposed convolution.

A transposed convolution with stride s scatters input pixel i to outputs t = i*s + k*d (t counted
from the unpadded origin, so t = output index + pad). Grouping the taps k by the output phase they
hit turns it into stride-1 correlations that never touch an inserted zero.

Let g = gcd(d, s), s' = s/g, d' = d/g. Index the phases by r in [0, s'):

    taps            k = r + s'*j          for j = 0 .. n_r - 1,  n_r = #{j : r + s'*j < k}
    output          t = q*s + g*((r*d') mod s')
    input           i = q - floor(r*d'/s') - j*d'

(i*s + k*d = t holds for every tap.) Each phase r is therefore a stride-1 correlation with
dilation d' over n_r taps. Phases whose position is not a multiple of g receive no tap at all
(output = bias only). n_r takes at most two values, ceil(k/s') for r < k mod s' and floor(k/s')
otherwise, so the phases fall into at most two *classes* of contiguous r with equal tap counts;
the compute makes one stage per (height class, width class) pair: at most four.

Near the edges some taps read the zero border. Where that wastes much (DeepLab's dilation 12 on
a 33x33 image: a quarter of each axis's taps), a stride-1 axis is cut into *bands* of rows that
read the same range of taps: a low edge, the interior (every tap), a high edge, each its own
stage with only its taps.

The last part of this module writes that arithmetic as TIR index expressions, which both computes
(polyphase.py and gemm.py) use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tvm import tirx


@dataclass(frozen=True)
class PhaseClass:
    """Phases r_start .. r_start+count-1 of one axis, each with `taps` kernel taps."""

    r_start: int
    count: int
    taps: int


@dataclass(frozen=True)
class Band:
    """Rows q_start .. q_start+q_count-1 of a class's stage that compute only taps j_start ..
    j_start+taps-1 (the others read the zero border there)."""

    q_start: int
    q_count: int
    j_start: int
    taps: int


# An axis is cut into bands where its border taps are at least this share of the taps it would
# multiply: under it the smaller stages run slower than the zeros cost (tools/band_check.py).
BAND_MIN_WASTE = 0.2


@dataclass(frozen=True)
class AxisPlan:
    """How one spatial axis (height or width) is decomposed."""

    size: int        # input extent
    out_size: int    # output extent
    kernel: int
    stride: int
    dilation: int
    pad_before: int

    @property
    def g(self) -> int:
        return math.gcd(self.dilation, self.stride)

    @property
    def s1(self) -> int:  # s'
        return self.stride // self.g

    @property
    def d1(self) -> int:  # d'
        return self.dilation // self.g

    @property
    def d1_inverse(self) -> int:
        """(d')^-1 mod s': maps an output phase p' = p/g back to its r."""
        return pow(self.d1, -1, self.s1) if self.s1 > 1 else 0

    def taps(self, r: int) -> int:
        return (self.kernel - r + self.s1 - 1) // self.s1 if r < self.kernel else 0

    def phase_position(self, r: int) -> int:
        """Output phase t mod s that phase r writes."""
        return self.g * ((r * self.d1) % self.s1)

    def input_offset(self, r: int) -> int:
        """floor(r*d'/s'): phase r reads input q - offset - j*d'."""
        return (r * self.d1) // self.s1

    @property
    def used_phases(self) -> frozenset[int]:
        """The r whose output positions fall inside the output (tiny outputs miss some)."""
        used = set()
        for t in range(self.pad_before, self.pad_before + min(self.out_size, self.stride)):
            p = t % self.stride
            if p % self.g == 0:
                used.add(((p // self.g) * self.d1_inverse) % self.s1 if self.s1 > 1 else 0)
        return frozenset(used)

    @property
    def classes(self) -> tuple[PhaseClass, ...]:
        """Classes of phases with taps; a class none of whose phases reaches the output is left
        out (its stage would be dead code)."""
        result: list[PhaseClass] = []
        for r in range(self.s1):
            n = self.taps(r)
            if n == 0:
                continue
            if result and result[-1].taps == n and result[-1].r_start + result[-1].count == r:
                last = result[-1]
                result[-1] = PhaseClass(last.r_start, last.count + 1, n)
            else:
                result.append(PhaseClass(r, 1, n))
        used = self.used_phases
        return tuple(c for c in result if used.intersection(range(c.r_start, c.r_start + c.count)))

    # The q range that covers every output position: t in [pad, pad + out_size).
    @property
    def q_min(self) -> int:
        return self.pad_before // self.stride

    @property
    def q_count(self) -> int:
        return (self.pad_before + self.out_size - 1) // self.stride - self.q_min + 1

    # Each phase only needs the q whose output lands inside [0, out_size): with a padding that
    # is not a multiple of the stride the phases' ranges are shifted by one (pix2pix's k4 s2 p1:
    # 32 of the 33 q per phase), so every class computes its own range, starting per phase.
    def q_first(self, r: int) -> int:
        """First q at which phase r lands inside the output: ceil((pad - position) / s)."""
        return -((self.phase_position(r) - self.pad_before) // self.stride)

    def q_last(self, r: int) -> int:
        return (self.pad_before + self.out_size - 1 - self.phase_position(r)) // self.stride

    def class_q_starts(self, cls: PhaseClass) -> tuple[int, ...]:
        """Per phase of the class, the q its stage's row 0 stands for: q_min or q_min + 1."""
        return tuple(self.q_first(r) for r in range(cls.r_start, cls.r_start + cls.count))

    def shared_q_start(self, cls: PhaseClass) -> int | None:
        """The start all the class's phases share, or None when they differ."""
        starts = set(self.class_q_starts(cls))
        return starts.pop() if len(starts) == 1 else None

    def class_q_count(self, cls: PhaseClass) -> int:
        """Rows (q values) the class's stage computes: the most any of its phases needs."""
        return max(max(self.q_last(r) - self.q_first(r) + 1, 1)
                   for r in range(cls.r_start, cls.r_start + cls.count))

    def valid_taps(self, cls: PhaseClass, row: int) -> tuple[int, int]:
        """[first, last] tap of a one-phase class that row `row` of its stage reads inside the
        input (first > last where none does)."""
        i0 = self.shared_q_start(cls) + row - self.input_offset(cls.r_start)  # tap 0's input
        first = max(0, -(-(i0 - (self.size - 1)) // self.d1))
        return first, min(cls.taps - 1, i0 // self.d1)

    def border_share(self, cls: PhaseClass) -> float:
        """The share of a one-phase class's taps (over its stage's rows) that read the zero
        border."""
        rows = [self.valid_taps(cls, q) for q in range(self.class_q_count(cls))]
        return 1 - sum(_span_taps(span) for span in rows) / (len(rows) * cls.taps)

    def bands(self, cls: PhaseClass) -> tuple[Band, ...]:
        """The class's stage as bands of rows (see BAND_MIN_WASTE): the longest run of rows
        with the same taps in range (by products), and the rows before and after it, each
        with the union of its rows' taps. One band of every tap where the axis is not cut."""
        whole = (Band(0, self.class_q_count(cls), 0, cls.taps),)
        if self.s1 != 1 or cls.count != 1:
            return whole  # (several phases: each has its own taps in range)
        if self.border_share(cls) < BAND_MIN_WASTE:
            return whole
        rows = [self.valid_taps(cls, q) for q in range(self.class_q_count(cls))]
        runs: list[list] = []  # [start, count, (first, last)]
        for q, span in enumerate(rows):
            if runs and runs[-1][2] == span:
                runs[-1][1] += 1
            else:
                runs.append([q, 1, span])
        main = max(range(len(runs)), key=lambda k: runs[k][1] * _span_taps(runs[k][2]))
        bands = []
        for group in (runs[:main], runs[main:main + 1], runs[main + 1:]):
            if not group:
                continue
            spans = [span for _, _, span in group if span[0] <= span[1]]
            first = min((f for f, _ in spans), default=0)
            last = max((last for _, last in spans), default=-1)
            count = sum(n for _, n, _ in group)
            bands.append(Band(group[0][0], count, first, last - first + 1))
        return tuple(bands)

    @property
    def pad_low(self) -> int:
        """Zero rows needed before the input: the furthest-back read is q_min - max(offset + j*d')
        (every phase starts at q_min or later)."""
        furthest = ((self.kernel - 1) * self.d1) // self.s1
        return max(0, furthest - self.q_min)

    @property
    def pad_high(self) -> int:
        """Zero rows needed after the input: the furthest-forward read of a phase r is its last
        row (j = 0): q_min + q_count - 1 for r = 0, or beyond when a shorter phase is padded to
        its class's row count."""
        last = self.q_min + self.q_count - 1
        for cls in self.classes:
            count = self.class_q_count(cls)
            for r, start in zip(range(cls.r_start, cls.r_start + cls.count),
                                self.class_q_starts(cls)):
                last = max(last, start + count - 1 - self.input_offset(r))
        return max(0, last - (self.size - 1))


def _span_taps(span: tuple[int, int]) -> int:
    """Taps in a [first, last] span of valid_taps (0 where first > last)."""
    return max(0, span[1] - span[0] + 1)


def cut_axes(desc) -> dict[str, tuple[int, float]]:
    """{"height" / "width": (bands, border share)} of the axes the polyphase compute cuts."""
    return {axis: (len(plan.bands(plan.classes[0])), plan.border_share(plan.classes[0]))
            for axis, plan in zip(("height", "width"), axis_plans(desc))
            if any(len(plan.bands(c)) > 1 for c in plan.classes)}


def axis_plans(desc) -> tuple[AxisPlan, AxisPlan]:
    """The height and width plans of a ConvTranspose2dDesc."""
    return (
        AxisPlan(desc.height, desc.out_height, desc.kernel_h, desc.stride_h, desc.dilation_h,
                 desc.pad_top),
        AxisPlan(desc.width, desc.out_width, desc.kernel_w, desc.stride_w, desc.dilation_w,
                 desc.pad_left),
    )


def executed_macs(desc) -> int:
    """Multiply-adds the compute performs, border zeros included (never stride-inserted zeros)."""
    ph, pw = axis_plans(desc)
    per_channel = 0
    for ch in ph.classes:
        for cw in pw.classes:
            rows = sum(b.taps * b.q_count for b in ph.bands(ch))
            cols = sum(b.taps * b.q_count for b in pw.bands(cw))
            per_channel += ch.count * cw.count * rows * cols
    return desc.batch * desc.out_channels * (desc.in_channels // desc.groups) * per_channel


# ----- the arithmetic above as TIR index expressions ---------------------------------------

def spatial_index(desc, n, c, h, w):
    """Index tuple of a data tensor in desc's layout."""
    return (n, c, h, w) if desc.layout == "NCHW" else (n, h, w, c)


def phase_q_start(plan: AxisPlan, cls: PhaseClass, r_local):
    """The q that row 0 of a class's stage stands for, at phase r_start + r_local: a constant
    when the class's phases share it (then the compute is the same as with one q range).

    Otherwise q_first(r) = q_min + [position(r) < pad mod s], written with floordiv, not a
    select, so that TVM bounds the rows a tile reads (one more than a constant start)."""
    shared = plan.shared_q_start(cls)
    if shared is not None:
        return shared
    s, m = plan.stride, plan.pad_before % plan.stride
    r = cls.r_start + r_local
    position = plan.g * (tirx.floormod(r * plan.d1, plan.s1) if plan.d1 > 1 else r)
    return plan.q_min + 1 - tirx.floordiv(position + (s - m), s)  # [position < m] = 1 - this


def phase_row(plan: AxisPlan, cls: PhaseClass, o, q):
    """Row of a class's stage that output index o (at q = (o + pad) // s) reads: q minus its
    phase's start. With per-phase starts that is o // s for every phase (t = o + pad,
    p = t mod s = position(r): q - q_min - [p < pad mod s] = (t - pad mod s) // s - q_min),
    which TVM bounds exactly; q - start(r) it would bound one row too wide."""
    shared = plan.shared_q_start(cls)
    return q - shared if shared is not None else tirx.floordiv(o, plan.stride)


def axis_phase(plan: AxisPlan, o):
    """For output index o along an axis: (q = t // stride, phase r, has taps?), t = o + pad.
    Its taps read input q - floor(r*d'/s') - j*d' (polyphase.py); both computes use this."""
    t = o + plan.pad_before
    q = tirx.floordiv(t, plan.stride)
    p = tirx.floormod(t, plan.stride)
    if plan.g == 1:
        on_grid = tirx.const(True, "bool")
        p1 = p
    else:
        on_grid = tirx.floormod(p, plan.g) == 0
        p1 = tirx.floordiv(p, plan.g)
    r = tirx.floormod(p1 * plan.d1_inverse, plan.s1) if plan.s1 > 1 else tirx.const(0, "int32")
    return q, r, on_grid


def activate(desc, value):
    """The output stage's epilogue after the bias (desc.activation), in the accumulator's
    dtype: the activation costs no pass of its own over the output."""
    from ..description import leaky_relu_slope

    act, dtype = desc.activation, desc.accum_dtype
    if act == "none":
        return value
    if act == "relu":
        return tirx.max(value, tirx.const(0, dtype))
    if act == "tanh":
        return tirx.tanh(value)
    if act == "sigmoid":
        return tirx.sigmoid(value)
    slope = tirx.const(leaky_relu_slope(act), dtype)
    return tirx.Select(value >= tirx.const(0, dtype), value, value * slope)
