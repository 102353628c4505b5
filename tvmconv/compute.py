"""The TE compute of a transposed convolution: zero-free polyphase stages plus an interleave.

Stages (block names matter: the schedules look them up):

    pad                  zero border around the input (only when some phase reads past an edge)
    phase_h{i}_w{j}      one stride-1 correlation per (height class i, width class j) of phases,
                         laid out (N, Cout, Rh, Rw, Qh, Qw) for NCHW, (N, Rh, Rw, Qh, Qw, Cout) for
                         NHWC (phases outermost, so each phase is a dense image), accumulated in
                         desc.accum_dtype
    conv2d_transpose     picks each output pixel's phase value, adds the bias, casts to desc.dtype

No stage multiplies a stride-inserted zero: see polyphase.py for the decomposition.
"""

from __future__ import annotations

import json

from tvm import te, tirx

from .description import ConvTranspose2dDesc
from .polyphase import AxisPlan, PhaseClass, axis_plans


def placeholders(desc: ConvTranspose2dDesc, algorithm: str = "polyphase") -> list[te.Tensor]:
    """The kernel's inputs in argument order: input, weight (as `algorithm` reads it: see
    ConvTranspose2dDesc.weight_shape_for) and (if any) bias."""
    args = [te.placeholder(desc.input_shape, desc.dtype, name="input"),
            te.placeholder(desc.weight_shape_for(algorithm), desc.dtype, name="weight")]
    if desc.has_bias:
        args.append(te.placeholder(desc.bias_shape, desc.dtype, name="bias"))
    return args


def conv2d_transpose(desc: ConvTranspose2dDesc, x: te.Tensor, w: te.Tensor,
                     bias: te.Tensor | None = None) -> te.Tensor:
    """The output tensor of `desc` applied to placeholders x, w (and bias)."""
    plan_h, plan_w = axis_plans(desc)
    xp = _pad_input(desc, x, plan_h, plan_w)
    phases = {
        (i, j): _phase_stage(desc, xp, w, plan_h, plan_w, ch, cw, f"phase_h{i}_w{j}")
        for i, ch in enumerate(plan_h.classes)
        for j, cw in enumerate(plan_w.classes)
    }
    return _interleave(desc, phases, bias, plan_h, plan_w)


ALGORITHMS = ("polyphase", "gemm")


def prim_func(desc: ConvTranspose2dDesc, algorithm: str = "polyphase"):
    """The whole kernel as a TIR PrimFunc (arguments: input, weight, [bias], output), computed
    by `algorithm`: 'polyphase' (this module; every layer) or 'gemm' (compute_gemm.py; layers
    whose taps overlap little). algorithm_for() picks one for a target."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    args = placeholders(desc, algorithm)
    if algorithm == "polyphase":
        out = conv2d_transpose(desc, *args)
    else:
        from .compute_gemm import conv2d_transpose_gemm

        out = conv2d_transpose_gemm(desc, *args)
    func = te.create_prim_func(args + [out]).with_attr("global_symbol", "main")
    # The schedule rules recognise our kernels, their layout and their blocks by these attributes.
    # tvmconv.desc lets the tuning logs name the description of every workload they hold.
    if algorithm != "polyphase":  # (absent: polyphase, as in the logs tuned before gemm existed)
        func = func.with_attr("tvmconv.algorithm", algorithm)
    return (func.with_attr("tvmconv.layout", desc.layout).with_attr("tvmconv.key", desc.key)
            .with_attr("tvmconv.desc", json.dumps(desc.to_dict(), sort_keys=True))
            .with_attr("tvmconv.blocks", _stage_names(out))
            .with_attr("tvmconv.strides", [desc.stride_h, desc.stride_w])
            .with_attr("tvmconv.out_per_group", desc.out_channels // desc.groups))


def algorithm_for(desc: ConvTranspose2dDesc, target) -> str:
    """The algorithm of desc's kernel for target when no tuned record says otherwise: 'gemm'
    where the target's rule schedules it (CPUs) and it wastes less (compute_gemm.gemm_preferred),
    else 'polyphase'."""
    from tvm.runtime import DataType

    from .compute_gemm import gemm_preferred
    from .schedules import rule_for
    from .schedules.cpu_util import vector_lanes

    rule = rule_for(target)
    if rule is None or "gemm" not in rule.algorithms:
        return "polyphase"
    lanes = vector_lanes(target, DataType(desc.accum_dtype).bits)
    return "gemm" if gemm_preferred(desc, lanes) else "polyphase"


def algorithm_of(func) -> str:
    """The algorithm a kernel PrimFunc was computed with."""
    return str(func.attrs["tvmconv.algorithm"]) if "tvmconv.algorithm" in func.attrs else "polyphase"


def pack_weight_func(desc: ConvTranspose2dDesc, algorithm: str = "polyphase"):
    """The PrimFunc that packs an NCHW weight (Cin, Cout/G, kh, kw) into the kernel's
    (Cin, kh, kw, Cout/G); None when the kernel of `algorithm` reads desc's weight as it is."""
    if not desc.weight_needs_packing_for(algorithm):
        return None
    w = te.placeholder(desc.weight_shape, desc.dtype, name="weight")
    packed = te.compute(desc.kernel_weight_shape, lambda ci, kh, kw, co: w[ci, co, kh, kw],
                        name="pack_weight")
    return (te.create_prim_func([w, packed]).with_attr("global_symbol", "pack_weight")
            .with_attr("tvmconv.pack_weight", True))


def _stage_names(out: te.Tensor) -> list[str]:
    """Names of the compute stages feeding `out` (placeholders excluded), out last."""
    names: list[str] = []

    def visit(tensor):
        if isinstance(tensor.op, te.ComputeOp) and tensor.op.name not in names:
            for t in tensor.op.input_tensors:
                visit(t)
            names.append(tensor.op.name)

    visit(out)
    return names


def spatial_index(desc, n, c, h, w):
    """Index tuple of a data tensor in desc's layout."""
    return (n, c, h, w) if desc.layout == "NCHW" else (n, h, w, c)


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


def _phase_stage(desc, xp, w, plan_h: AxisPlan, plan_w: AxisPlan,
                 ch: PhaseClass, cw: PhaseClass, name: str) -> te.Tensor:
    """Stride-1 correlations of one (height class, width class) pair of phases."""
    cig = desc.in_channels // desc.groups
    cog = desc.out_channels // desc.groups
    acc = desc.accum_dtype
    ci_l = te.reduce_axis((0, cig), name="ci")
    jh = te.reduce_axis((0, ch.taps), name="jh")
    jw = te.reduce_axis((0, cw.taps), name="jw")

    def axis_index(plan: AxisPlan, cls: PhaseClass, q, r_local, j):
        """(padded input index, kernel tap) that tap j of phase r_start + r_local reads at
        row q of the stage."""
        r = cls.r_start + r_local
        offset = tirx.floordiv(r * plan.d1, plan.s1) if plan.s1 > 1 else 0
        i = q + phase_q_start(plan, cls, r_local) - offset - j * plan.d1 + plan.pad_low
        return i, r + plan.s1 * j

    def body(n, co, rh, rw, qh, qw):
        ih, kh = axis_index(plan_h, ch, qh, rh, jh)
        iw, kw = axis_index(plan_w, cw, qw, rw, jw)
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
                                   plan_h.class_q_count(ch), plan_w.class_q_count(cw))
    if desc.layout == "NCHW":
        return te.compute((n_, co_, rh_, rw_, qh_, qw_), body, name=name)
    return te.compute((n_, rh_, rw_, qh_, qw_, co_),
                      lambda n, rh, rw, qh, qw, co: body(n, co, rh, rw, qh, qw), name=name)


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
        for (i, j), stage in phases.items():
            ch, cw = classes_h[i], classes_w[j]
            rh_l, rw_l = rh - ch.r_start, rw - cw.r_start
            row = phase_row(plan_h, ch, oh, qh)
            col = phase_row(plan_w, cw, ow, qw)
            idx = (n, co, rh_l, rw_l, row, col)
            if desc.layout == "NHWC":
                idx = (n, rh_l, rw_l, row, col, co)
            conds = []
            if not covers_axis(plan_h, classes_h):
                conds += [on_h, rh >= ch.r_start, rh < ch.r_start + ch.count]
            if not covers_axis(plan_w, classes_w):
                conds += [on_w, rw >= cw.r_start, rw < cw.r_start + cw.count]
            value = tirx.if_then_else(tirx.all(*conds), stage[idx], value) if conds else stage[idx]
        if bias is not None:
            value = value + bias[co].astype(acc)
        return value.astype(desc.dtype) if acc != desc.dtype else value

    shape = desc.output_shape
    if desc.layout == "NCHW":
        return te.compute(shape, body, name="conv2d_transpose")
    return te.compute(shape, lambda n, oh, ow, co: body(n, co, oh, ow), name="conv2d_transpose")
