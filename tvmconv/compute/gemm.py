"""The GEMM + col2im compute of a transposed convolution (the algorithm of MLAS and oneDNN's
reference path), for layers where the polyphase compute wastes its work.

Stages (block names matter: the schedules look them up):

    cols                 one GEMM per (image, group): cols[m, p] = sum_ci w[ci, m] * x[ci, p],
                         m the flattened trailing dims of the user's weight ((co, kh, kw) for
                         NCHW, (kh, kw, co) for NHWC: contiguous, so nothing to pack), p = (ih, iw)
                         the flattened input image; shape (N, G, KH*KW*Cout/G, gemm_pixels), in
                         desc.accum_dtype
    pad                  only for NCHW images of an awkward pixel count (gemm_pixels): the input
                         as (N, C, P) rows padded with zeros to a vector multiple
    conv2d_transpose     col2im: each output pixel sums the cols entries of its own phase's taps
                         (a handful, unrolled in the expression), adds the bias, casts

Every multiply-add of ``cols`` is useful: no stride-inserted zeros (as in the polyphase compute)
and no border zeros either (which the polyphase compute multiplies wherever the input is small
next to the kernel: a 1x1 input under a 4x4 kernel is 15/16 border). The price is the cols
buffer, (KH*KW)/(sh*sw) times the output, written once and gathered once; the CPU rule
weighs it (``schedules/cpu_gemm.py``, ``gemm_preferred``).
"""

from __future__ import annotations

from tvm import te, tirx

from ..description import MAX_ELEMENTS, ConvTranspose2dDesc
from .phases import (
    AxisPlan,
    activate,
    axis_phase,
    axis_plans,
    spatial_index,
)

# An NCHW image whose pixel count is not a multiple of this (a 512-bit vector of float32) is
# copied into rows padded to one (the ``pad`` stage), so that vectors over pixels stay whole:
# FSRCNN x3's 85x85 input otherwise leaves only 9-wide vectors over its 81 weight rows.
PIXEL_MULTIPLE = 16
# ... when it is large enough for the copy to pay (cols is then pixel-vectorised).
PAD_PIXELS_FROM = 16 * PIXEL_MULTIPLE

# col2im sums at most this many taps per output pixel (unrolled into one expression); a layer
# with more overlap makes a cols buffer that many times the output: the polyphase compute serves it.
MAX_TAPS_PER_PIXEL = 16


def max_taps(plan: AxisPlan) -> int:
    """Most kernel taps any output position of this axis receives."""
    return -(-plan.kernel // plan.s1)


def by_input(plan_h: AxisPlan, plan_w: AxisPlan) -> tuple[bool, bool]:
    """Per axis, whether col2im enumerates the input positions rather than the kernel taps
    that could reach an output position: where the kernel's taps are too many to sum (a 1x1
    input under a 64x64 kernel: 4096 taps, of which 1 lands) but the input is smaller than
    the taps of that axis. Only there: every other layer keeps its compute (and its records)."""
    if max_taps(plan_h) * max_taps(plan_w) <= MAX_TAPS_PER_PIXEL:
        return False, False
    return plan_h.size < max_taps(plan_h), plan_w.size < max_taps(plan_w)


def terms_per_pixel(plan_h: AxisPlan, plan_w: AxisPlan) -> tuple[int, int]:
    """How many (input, tap) pairs col2im tries per output pixel, per axis."""
    inputs_h, inputs_w = by_input(plan_h, plan_w)
    return (plan_h.size if inputs_h else max_taps(plan_h),
            plan_w.size if inputs_w else max_taps(plan_w))


def gemm_supported(desc: ConvTranspose2dDesc) -> bool:
    """At most MAX_TAPS_PER_PIXEL terms per output pixel, and at least one tap that lands
    inside the output: where none does (a tiny output between the taps), the output is the
    bias alone, col2im reads no cols, and TVM cannot schedule a GEMM nothing reads."""
    terms_h, terms_w = terms_per_pixel(*axis_plans(desc))
    return (terms_h * terms_w <= MAX_TAPS_PER_PIXEL and desc.landed_flops > 0
            and cols_elements(desc) <= MAX_ELEMENTS)  # cols is indexed with int32 too


def cols_elements(desc: ConvTranspose2dDesc) -> int:
    """Elements of the cols buffer: one per (image, output channel, tap, input pixel)."""
    return desc.batch * desc.kernel_h * desc.kernel_w * desc.out_channels * gemm_pixels(desc)


def conv2d_transpose_gemm(desc: ConvTranspose2dDesc, x: te.Tensor, w: te.Tensor,
                          bias: te.Tensor | None = None) -> te.Tensor:
    """The output tensor of `desc` applied to placeholders x, w (and bias)."""
    if not gemm_supported(desc):
        raise ValueError(f"the gemm compute sums 1 to {MAX_TAPS_PER_PIXEL} taps per output "
                         f"pixel; {desc.key} needs more, or has no tap inside its output")
    return _col2im(desc, _cols(desc, x, w), bias)


def gemm_pixels(desc: ConvTranspose2dDesc) -> int:
    """Extent of the GEMM's pixel axis: H*W, padded up to PIXEL_MULTIPLE for large NCHW images."""
    pixels = desc.height * desc.width
    if desc.layout == "NCHW" and pixels >= PAD_PIXELS_FROM and pixels % PIXEL_MULTIPLE:
        return -(-pixels // PIXEL_MULTIPLE) * PIXEL_MULTIPLE
    return pixels


def _input_rows(desc, x):
    """(n, c, p) -> the input pixel the GEMM reads: x itself, or its rows padded (``pad``)."""
    width, pixels, padded = desc.width, desc.height * desc.width, gemm_pixels(desc)

    def pixel(n, c, p):
        return x[spatial_index(desc, n, c, tirx.floordiv(p, width), tirx.floormod(p, width))]

    if padded == pixels:
        return pixel
    rows = te.compute((desc.batch, desc.in_channels, padded),
                      lambda n, c, p: tirx.if_then_else(
                          p < pixels, pixel(n, c, tirx.min(p, pixels - 1)),
                          tirx.const(0, desc.dtype)),
                      name="pad")
    return lambda n, c, p: rows[n, c, p]


def _cols(desc, x, w) -> te.Tensor:
    cig = desc.in_channels // desc.groups
    cog = desc.out_channels // desc.groups
    acc = desc.accum_dtype
    input_pixel = _input_rows(desc, x)

    def product(n, g, m, p, ci):
        c = g * cig + ci
        xv = input_pixel(n, c, p)
        wv = w[(c, *_unravel(m, desc.weight_shape[1:]))]
        if acc != desc.dtype:
            xv, wv = xv.astype(acc), wv.astype(acc)
        return xv * wv

    shape = (desc.batch, desc.groups, desc.kernel_h * desc.kernel_w * cog, gemm_pixels(desc))
    if cig == 1:
        # Depthwise-like: no reduction, an elementwise product.
        return te.compute(shape, lambda n, g, m, p: product(n, g, m, p, 0), name="cols")
    ci = te.reduce_axis((0, cig), name="ci")
    return te.compute(shape, lambda n, g, m, p: te.sum(product(n, g, m, p, ci), axis=ci),
                      name="cols")


def weight_row_index(desc: ConvTranspose2dDesc, co, kh, kw):
    """m of (co, kh, kw): its flat index among the trailing dims of the user's weight."""
    if desc.layout == "NCHW":
        return (co * desc.kernel_h + kh) * desc.kernel_w + kw
    return (kh * desc.kernel_w + kw) * (desc.out_channels // desc.groups) + co


def _unravel(flat, shape):
    """The multi-index of `flat` in a row-major array of `shape`."""
    index = []
    for extent in reversed(shape[1:]):
        index.append(tirx.floormod(flat, extent))
        flat = tirx.floordiv(flat, extent)
    return [flat] + index[::-1]


def _taps(plan: AxisPlan, o, j: int):
    """(input index, kernel tap, valid?) of tap j of output position o along one axis: output
    t = o + pad receives input i at tap k when i*s + k*d = t, i.e. k = r + s'*j and
    i = q - floor(r*d'/s') - j*d' for t's phase r (polyphase.py)."""
    q, r, on_grid = axis_phase(plan, o)
    offset = tirx.floordiv(r * plan.d1, plan.s1) if plan.s1 > 1 else 0
    i = q - offset - j * plan.d1
    k = r + plan.s1 * j
    valid = tirx.all(on_grid, k < plan.kernel, i >= 0, i < plan.size)
    # Clamped, so that an invalid tap's (discarded) read stays inside cols.
    return tirx.max(tirx.min(i, plan.size - 1), 0), tirx.min(k, plan.kernel - 1), valid


def _input_tap(plan: AxisPlan, o, i: int):
    """(input index, kernel tap, valid?) of input position i for output position o: the tap
    k with i*s + k*d = o + pad, if there is one."""
    distance = o + plan.pad_before - i * plan.stride
    k = tirx.floordiv(distance, plan.dilation)
    valid = tirx.all(distance >= 0, tirx.floormod(distance, plan.dilation) == 0,
                     k < plan.kernel)
    return i, tirx.max(tirx.min(k, plan.kernel - 1), 0), valid


def _col2im(desc, cols, bias) -> te.Tensor:
    plan_h, plan_w = axis_plans(desc)
    cog = desc.out_channels // desc.groups
    acc = desc.accum_dtype
    terms_h, terms_w = terms_per_pixel(plan_h, plan_w)
    tap_h, tap_w = (_input_tap if inputs else _taps for inputs in by_input(plan_h, plan_w))

    def body(n, co, oh, ow):
        g, co_l = tirx.floordiv(co, cog), tirx.floormod(co, cog)
        value = bias[co].astype(acc) if bias is not None else tirx.const(0, acc)
        for jh in range(terms_h):
            ih, kh, ok_h = tap_h(plan_h, oh, jh)
            for jw in range(terms_w):
                iw, kw, ok_w = tap_w(plan_w, ow, jw)
                m = weight_row_index(desc, co_l, kh, kw)
                term = cols[n, g, m, ih * desc.width + iw]
                value = value + tirx.if_then_else(tirx.all(ok_h, ok_w), term,
                                                  tirx.const(0, acc))
        value = activate(desc, value)
        return value.astype(desc.dtype) if acc != desc.dtype else value

    if desc.layout == "NCHW":
        return te.compute(desc.output_shape, body, name="conv2d_transpose")
    return te.compute(desc.output_shape, lambda n, oh, ow, co: body(n, co, oh, ow),
                      name="conv2d_transpose")
