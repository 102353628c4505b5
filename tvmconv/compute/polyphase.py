"""The polyphase compute: zero-free stride-1 correlations per phase, then an interleave.

Stages (block names matter: the schedules look them up):

    pad                  zero border around the input (only when some phase reads past an edge)
    phase_h{i}_w{j}      one stride-1 correlation per (height class i, width class j) of phases,
                         laid out (N, Cout, Rh, Rw, Qh, Qw) for NCHW, (N, Rh, Rw, Qh, Qw, Cout) for
                         NHWC (phases outermost, so each phase is a dense image), accumulated in
                         desc.accum_dtype
    conv2d_transpose     picks each output pixel's phase value, adds the bias, casts to desc.dtype

No stage multiplies a stride-inserted zero: see phases.py for the decomposition.
"""

from __future__ import annotations

from tvm import te, tirx

from ..description import ConvTranspose2dDesc
from .phases import (
    AxisPlan,
    Band,
    PhaseClass,
    activate,
    axis_phase,
    axis_plans,
    phase_q_start,
    phase_row,
    spatial_index,
)


def conv2d_transpose(desc: ConvTranspose2dDesc, x: te.Tensor, w: te.Tensor,
                     bias: te.Tensor | None = None) -> te.Tensor:
    """The output tensor of `desc` applied to placeholders x, w (and bias)."""
    plan_h, plan_w = axis_plans(desc)
    xp = _pad_input(desc, x, plan_h, plan_w)
    phases = {}
    for i, ch in enumerate(plan_h.classes):
        for j, cw in enumerate(plan_w.classes):
            bands_h, bands_w = plan_h.bands(ch), plan_w.bands(cw)
            for a, bh in enumerate(bands_h):
                for b, bw in enumerate(bands_w):
                    if bh.taps == 0 or bw.taps == 0:
                        continue  # rows no tap reaches: the output stage writes the bias
                    name = (f"phase_h{i}_w{j}" if len(bands_h) == len(bands_w) == 1
                            else f"phase_h{i}b{a}_w{j}b{b}")
                    phases[(i, j, bh, bw)] = _phase_stage(desc, xp, w, plan_h, plan_w, ch,
                                                          cw, bh, bw, name)
    return _interleave(desc, phases, bias, plan_h, plan_w)


def _pad_input(desc, x, plan_h: AxisPlan, plan_w: AxisPlan) -> te.Tensor:
    lo_h, hi_h, lo_w, hi_w = plan_h.pad_low, plan_h.pad_high, plan_w.pad_low, plan_w.pad_high
    if lo_h == hi_h == lo_w == hi_w == 0:
        return x
    shape = spatial_index(desc, desc.batch, desc.in_channels,
                     desc.height + lo_h + hi_h, desc.width + lo_w + hi_w)

    def body(*idx):
        n, c, h, w = idx if desc.layout == "NCHW" else (idx[0], idx[3], idx[1], idx[2])
        inside = tirx.all(h >= lo_h, h < lo_h + desc.height, w >= lo_w, w < lo_w + desc.width)
        value = x[spatial_index(desc, n, c, h - lo_h, w - lo_w)]
        return tirx.if_then_else(inside, value, tirx.const(0, desc.dtype))

    return te.compute(shape, body, name="pad")


def _phase_stage(desc, xp, w, plan_h: AxisPlan, plan_w: AxisPlan, ch: PhaseClass,
                 cw: PhaseClass, bh: Band, bw: Band, name: str) -> te.Tensor:
    """Stride-1 correlations of one (height class, width class) pair of phases, over one
    (height band, width band) pair of their rows."""
    cig = desc.in_channels // desc.groups
    cog = desc.out_channels // desc.groups
    acc = desc.accum_dtype
    ci_l = te.reduce_axis((0, cig), name="ci")
    jh = te.reduce_axis((0, bh.taps), name="jh")
    jw = te.reduce_axis((0, bw.taps), name="jw")

    def axis_index(plan: AxisPlan, cls: PhaseClass, band: Band, q, r_local, j):
        """(padded input index, kernel tap) that tap j of the band, of phase r_start +
        r_local, reads at row q of the band's stage."""
        r = cls.r_start + r_local
        q, j = q + band.q_start, j + band.j_start
        offset = tirx.floordiv(r * plan.d1, plan.s1) if plan.s1 > 1 else 0
        i = q + phase_q_start(plan, cls, r_local) - offset - j * plan.d1 + plan.pad_low
        return i, r + plan.s1 * j

    def body(n, co, rh, rw, qh, qw):
        ih, kh = axis_index(plan_h, ch, bh, qh, rh, jh)
        iw, kw = axis_index(plan_w, cw, bw, qw, rw, jw)
        if desc.groups == 1:
            ci, co_l = ci_l, co
        else:
            ci, co_l = tirx.floordiv(co, cog) * cig + ci_l, tirx.floormod(co, cog)
        xv = xp[spatial_index(desc, n, ci, ih, iw)]
        wv = w[ci, kh, kw, co_l]
        if acc != desc.dtype:
            xv, wv = xv.astype(acc), wv.astype(acc)
        return te.sum(xv * wv, axis=[ci_l, jh, jw])

    n_, co_, rh_, rw_, qh_, qw_ = (desc.batch, desc.out_channels, ch.count, cw.count,
                                   bh.q_count, bw.q_count)
    if desc.layout == "NCHW":
        return te.compute((n_, co_, rh_, rw_, qh_, qw_), body, name=name)
    return te.compute((n_, rh_, rw_, qh_, qw_, co_),
                      lambda n, rh, rw, qh, qw, co: body(n, co, rh, rw, qh, qw), name=name)


def _interleave(desc, phases, bias, plan_h: AxisPlan, plan_w: AxisPlan) -> te.Tensor:
    classes_h, classes_w = plan_h.classes, plan_w.classes
    acc = desc.accum_dtype
    zero = tirx.const(0, acc)

    def covers_axis(plan: AxisPlan, classes) -> bool:
        return plan.g == 1 and len(classes) == 1 and classes[0].count == plan.s1

    def body(n, co, oh, ow):
        qh, rh, on_h = axis_phase(plan_h, oh)
        qw, rw, on_w = axis_phase(plan_w, ow)
        value = zero
        # Later pairs wrap earlier ones; the conditions of distinct pairs are disjoint.
        for (i, j, bh, bw), stage in phases.items():
            ch, cw = classes_h[i], classes_w[j]
            rh_l, rw_l = rh - ch.r_start, rw - cw.r_start
            row = phase_row(plan_h, ch, oh, qh)
            col = phase_row(plan_w, cw, ow, qw)
            idx = (n, co, rh_l, rw_l, row - bh.q_start, col - bw.q_start)
            if desc.layout == "NHWC":
                idx = (n, rh_l, rw_l, row - bh.q_start, col - bw.q_start, co)
            conds = _band_conditions(plan_h, ch, bh, row) + _band_conditions(plan_w, cw, bw, col)
            if not covers_axis(plan_h, classes_h):
                conds += [on_h, rh >= ch.r_start, rh < ch.r_start + ch.count]
            if not covers_axis(plan_w, classes_w):
                conds += [on_w, rw >= cw.r_start, rw < cw.r_start + cw.count]
            value = tirx.if_then_else(tirx.all(*conds), stage[idx], value) if conds else stage[idx]
        if bias is not None:
            value = value + bias[co].astype(acc)
        value = activate(desc, value)
        return value.astype(desc.dtype) if acc != desc.dtype else value

    shape = desc.output_shape
    if desc.layout == "NCHW":
        return te.compute(shape, body, name="conv2d_transpose")
    return te.compute(shape, lambda n, oh, ow, co: body(n, co, oh, ow), name="conv2d_transpose")


def _band_conditions(plan: AxisPlan, cls: PhaseClass, band: Band, row) -> list:
    """Conditions that a class's stage row `row` falls in `band` (none for the whole rows)."""
    if band.q_count == plan.class_q_count(cls):
        return []
    return [tirx.likely(row >= band.q_start), tirx.likely(row < band.q_start + band.q_count)]
