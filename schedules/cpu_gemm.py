"""CPU (llvm) schedule of the GEMM + col2im compute (tvmconv/compute/gemm.py), and when a layer
gets that compute rather than the polyphase one (``gemm_preferred``).

``cols[m, p] = sum_ci w[ci, m] * x[ci, p]`` reads both operands along contiguous rows, one row
per ci: the weight along m (its own (co, kh, kw) or (kh, kw, co)), an NCHW input along
p = (ih, iw). The micro-kernel is an outer product per ci: a register tile of accumulators,
vectors along one axis times a few broadcast scalars of the other. Three structural choices:
which operand's tiles the outer loop walks (``gemm_outer``; the other is swept whole per outer
tile, so by default it is the smaller), whether the weight is first packed into panels a
register tile wide (``gemm_pack``: rows that fall in few cache sets thrash the L1), and which
axis fills the vectors (``gemm_vector``):

* ``m``: weight rows in the vectors, input pixels broadcast. For wide layers on images
  too small to fill a vector (DCGAN's 1x1, pix2pix's 2x2): cols is stored pixel-major
  (``(n, g, p, m)``) so the accumulators write back as whole vectors.
* ``p``: input rows in the vectors, weight entries broadcast. The default wherever the image
  fills whole vectors (an 8x8 image does), and the only choice for thin layers (RGB outputs:
  3 output channels, 48 m). NCHW only: NHWC pixels are Cin apart.

The output stage (col2im, bias, cast) is memory-bound and shares the polyphase schedule's.
"""

from __future__ import annotations

import math

from ..compute.gemm import cols_elements, gemm_pixels, gemm_supported
from ..compute.phases import axis_plans, executed_macs
from .base import kernel_description
from .choices import Choices
from .config import CPUConfig
from .cpu_util import (
    aliased_sets,
    iter_extents,
    largest_divisor,
    schedule_elementwise,
    unroll_stride_phases,
    vectorize_or_unroll,
    weight_buffer,
    weight_element_bytes,
    weight_read,
)

# Tile limits as meta-schedule samples them (max innermost factors; their products stay <= 24).
MAX_M_VECTORS, MAX_PIXELS = 3, 8       # vectors over m
MAX_P_VECTORS, MAX_ROWS = 4, 9         # vectors over p


def gemm_preferred(desc, lanes: int, cols_cache_bytes: int = CPUConfig.cols_cache_bytes) -> bool:
    """Whether the gemm compute should serve desc on a CPU with `lanes`-wide vectors.

    Decided on the zoo's tuned part and the suite, both computes timed side by side under
    their default schedules (tools/algorithm_sweep.py wrote
    benchmarks/results/llvm-znver5/algorithm-sweep-tuned.json and -suite.json). First of all,
    gemm loses wherever its cols buffer outgrows the cache (U-Net's 160x240 and Mask R-CNN's
    100 RoIs at k = s, FCN-8s and -32s, CycleGAN's 64x64 k3 s2: 19-88 MB), unless the layer
    has under 8 output channels (then polyphase's vectors run nearly empty). Under that, gemm
    wins where polyphase's phases are too narrow for its register tiles or multiply many
    border zeros (pix2pix's 1x1 and 2x2 inputs), where an ungrouped layer's output channels do
    not fill polyphase's channel vectors (RGB and 1-channel outputs, FCN's 21 classes), and
    where taps overlap little (k = s, 1x1, k3 s2, k16 s8: cols hardly bigger than the
    output). Polyphase wins everywhere else. The rules cost 1.04x over always picking the
    faster on the 29 tuned layers (missing LinkNet's 8x8 k3 s2, which prefers polyphase, and
    SimpleBaseline's 16x12 k4 s2, which prefers gemm) and pick the faster on all 17 of the
    suite; a least-squares model on 6 workload features did worse (17 of the 29 right,
    leaving one out: 1.22x).
    """
    return gemm_choice(desc, lanes, cols_cache_bytes)[0]


def gemm_choice(desc, lanes: int,
                cols_cache_bytes: int = CPUConfig.cols_cache_bytes) -> tuple[bool, str]:
    """(gemm_preferred, why): the same decision, with the numbers it rests on in words."""
    if not gemm_supported(desc):
        return False, "gemm cannot compute it (too many taps per output pixel, or none lands)"
    if executed_macs(desc) * 2 >= 1.25 * desc.flops:
        waste = executed_macs(desc) * 2 / desc.flops
        return True, (f"polyphase would multiply {waste:.2f}x the useful products (border "
                      "zeros); gemm multiplies only useful ones")
    cog = desc.out_channels // desc.groups
    m = desc.kernel_h * desc.kernel_w * cog
    vectorizable = (largest_divisor(m, lanes) >= 4
                    or (desc.layout == "NCHW" and gemm_pixels(desc) % lanes == 0))
    overlap = desc.kernel_h * desc.kernel_w / (desc.stride_h * desc.stride_w)
    _, plan_w = axis_plans(desc)
    facts = (f"taps overlap {overlap:.2f}x, {cog} output channels per group, "
             f"{plan_w.q_count} columns per phase")
    if not vectorizable:
        return False, f"gemm's tiles would not fill {lanes}-lane vectors ({facts})"
    cols_bytes = cols_elements(desc) * 4  # (float32: the accumulation type it was decided on)
    # (not for under 8 output channels: polyphase's vectors would run nearly empty, which cost
    # 2-5x on every such layer measured, more than a cols round trip through memory did)
    few_channels = desc.groups == 1 and cog < 8
    if cols_bytes > cols_cache_bytes and not few_channels:
        return False, (f"gemm's cols ({cols_bytes / 2**20:.0f} MB) would not stay in cache "
                       f"(over {cols_cache_bytes / 2**20:.0f} MB): polyphase writes the output "
                       f"once ({facts})")
    why = [text for held, text in (
        # (grouped and depthwise layers fill polyphase's vectors across groups)
        (few_channels or (desc.groups == 1 and cog % lanes != 0),
         f"its output channels would not fill polyphase's {lanes}-lane channel vectors"),
        (overlap <= 2.25, "its taps overlap little (k = s, 1x1, k3 s2), so gemm's cols stay "
                          "small"),
        (plan_w.q_count < 8 and desc.stride_h * desc.stride_w > 1,
         "each phase gets under 8 columns, too few for polyphase's register tiles"))
        if held]
    if why:
        return True, f"{'; '.join(why)} ({facts})"
    return False, (f"its taps overlap much, where polyphase's phases cost less than gemm's "
                   f"cols ({facts})")


def vector_axes(layout: str, m: int, p: int, lanes: int) -> list[str]:
    """Axes of cols that fill whole vectors ('m' first: it suits every layout)."""
    axes = [a for a, extent in (("m", m), ("p", p)) if extent % lanes == 0]
    if layout != "NCHW":
        axes = [a for a in axes if a != "p"]
    return axes or ["m"]


def default_vector_axis(axes: list[str], row_bytes: int, m_vectors: int) -> str:
    """Vectors over p wherever the image fills them: the weight entries are then broadcast from
    one line per reduction step, and cols stays pixel-contiguous, which col2im's gathers need
    (LinkNet's 8x8 k3 s2 decoder ran 3.3x faster than with vectors over m, whose cols is
    pixel-major; ResNet-50's 1x1 56x56 2.9x). Vectors over m where p does not fill them
    (DCGAN's 1x1 and 2x2 inputs), where the weight's rows (`row_bytes` apart) lie a multiple
    of 4 KB apart, so that the broadcasts of successive reduction steps all fall in one L1
    set while m's vectors read whole lines (U-Net's 1024 and 2048 rows 1.6x faster, MelGAN's
    4096 1.6x), and where m is at most MAX_M_VECTORS vectors, one register tile column
    (pix2pix's RGB output 1.46x, Conv-TasNet's 16 rows 1.2x). (Emerald Rapids Xeon, the
    zoo's tuned part and the suite: the faster axis on all 13 layers that offer both.)"""
    if "p" not in axes or "m" not in axes:
        return axes[0]
    return "m" if aliased_sets(row_bytes) == 1 or m_vectors <= MAX_M_VECTORS else "p"


def schedule_cols(sch, block, layout: str, lanes: int, choices: Choices,
                  config: CPUConfig) -> bool:
    """The GEMM stage: register tile, write cache, parallel outer tiles. Without a reduction
    (one input channel per group) it is an elementwise product. Returns whether it also
    scheduled the output stage (col2im fused into its row tiles).

    (Inlining it into col2im computed wrong results on -mcpu=znver4 where plain llvm was
    right, an LLVM-level miscompile; the separate stage measured as fast.)"""
    if len(sch.get_loops(block)) == 4:
        schedule_elementwise(sch, block, lanes, config)
        return False
    n, g, m, p, ci = sch.get_loops(block)
    ext = iter_extents(sch, block)
    m_ext, p_ext = ext[2], ext[3]
    axes = vector_axes(layout, m_ext, p_ext, lanes)
    weight_bytes = weight_element_bytes(sch, block)
    axis = choices.categorical("gemm_vector", axes, default_vector_axis(
        axes, m_ext * weight_bytes, m_ext // lanes))
    # A vector needs `lanes` contiguous elements; a layer too small for that gets narrower ones.
    vec = lanes if (m_ext if axis == "m" else p_ext) % lanes == 0 else \
        largest_divisor(m_ext if axis == "m" else p_ext, lanes)

    # Which operand's tiles the outer loop walks: the inner loop sweeps the other operand whole
    # once per outer tile, so that one should be the smaller (FSRCNN x3: an 18 KB weight swept
    # per 64 pixels, not its 1.6 MB input per 6 weight rows). Both are ci rows long: the weight
    # is the smaller when m < p.
    outer_axis = choices.categorical("gemm_outer", ["m", "p"], "p" if m_ext < p_ext else "m")
    if axis == "m":
        sch.transform_layout(block, ("write", 0), lambda n_, g_, m_, p_: (n_, g_, p_, m_))
        pixels = largest_divisor(p_ext, MAX_PIXELS)
        vectors = largest_divisor(m_ext // vec, max(1, min(MAX_M_VECTORS + 1,
                                                          config.gemm_accumulators // pixels)))
        rows, pixel_tiles = vectors * vec, p_ext // pixels
    else:
        vectors, rows = _pixel_vector_tile(p_ext // vec, m_ext, config.gemm_accumulators)
        pixel_tiles = p_ext // (vec * vectors)
    pack = choices.categorical("gemm_pack", [False, True],
                               _default_pack(m_ext * weight_bytes, ext[4], ext[0] * pixel_tiles))
    # col2im inside the loop over row tiles: a tile of whole output channels is scattered to the
    # output while its cols rows are still in cache, instead of a round trip of all of cols
    # through memory (U-Net up2's is 11 MB).
    fusable = _scatter_only(sch) and layout == "NCHW" and rows % _taps_per_channel(sch, block) == 0
    fuse = choices.categorical("gemm_col2im", [False, True], fusable and _default_fuse(
        m_ext * p_ext * 4, m_ext // rows)) and fusable
    if fuse:
        outer_axis = "m"
    fixed_rows = pack or fuse  # panels and channels must stay whole: the row tile is not sampled
    if axis == "m":
        m_o, m_v = sch.split(m, [None, vec])
        m_t, m_r = sch.split(m_o, [None, vectors]) if fixed_rows else \
            choices.split(m_o, m_ext // vec, vectors, MAX_M_VECTORS + 1)
        p_t, p_r = choices.split(p, p_ext, pixels, MAX_PIXELS)
        inner = [p_r, m_r, m_v]  # register tile loops, then the vector
    else:
        p_o, p_v = sch.split(p, [None, vec])
        p_t, p_r = choices.split(p_o, p_ext // vec, vectors, MAX_P_VECTORS)
        m_t, m_r = sch.split(m, [None, rows]) if fixed_rows else \
            choices.split(m, m_ext, rows, MAX_ROWS)
        inner = [m_r, p_r, p_v]
    if pack:
        _pack_weight_panels(sch, block, rows)
    tiles = (m_t, p_t) if outer_axis == "m" else (p_t, m_t)
    sch.reorder(n, g, *tiles, ci, *inner)
    tile_loop = tiles[1]
    *registers, vector = inner

    cache = sch.cache_write(block, 0, "global")
    sch.reverse_compute_at(cache, tile_loop, preserve_unit_loops=True)
    for loop in registers:
        sch.unroll(loop)
    vectorize_or_unroll(sch, vector, vec)
    if vec >= 4:
        sch.vectorize(sch.get_loops(cache)[-1])
    fused = sch.fuse(*sch.get_loops(block)[:3 if fuse else 4])
    if math.prod(ext) >= config.parallel_min_macs:
        sch.parallel(fused)
    if fuse:
        _col2im_per_row_tile(sch, fused)
    sch.decompose_reduction(block, ci)
    return fuse


def _pixel_vector_tile(p_vectors: int, m: int, accumulators: int) -> tuple[int, int]:
    """Default (vectors over p, weight rows) register tile: the most accumulators that divide
    both extents exactly, fewer rows on a tie (each row costs a broadcast per step). A tile
    with a tail predicates its rows into memory accumulators (FSRCNN x3, 81 rows by 6:
    half the tile then load-add-stored every step)."""
    tiles = [(v, r) for v in range(1, MAX_P_VECTORS + 1) if p_vectors % v == 0
             for r in range(1, accumulators + 1) if m % r == 0 and v * r <= accumulators]
    return max(tiles, key=lambda vr: (vr[0] * vr[1], vr[0]))


def _default_pack(row_bytes: int, ci: int, pixel_tiles: int) -> bool:
    """Whether the default schedule packs the weight into panels (``gemm_pack``). When its
    rows lie a multiple of 512 bytes apart (modulo 4 KB), the lines a register tile reads
    from ci rows fall in at most 8 of the L1's 64 sets, so a long reduction evicts its own
    operand (U-Net up2: 1024 rows of 4 KB; DeconvNet's 512-channel 3x3: rows of 18 KB, 2
    sets, ran 3.2x faster packed). The pack is one more pass over the weight per call, paid
    back only when many pixel tiles sweep it (DCGAN g3's 8 tiles lost)."""
    return aliased_sets(row_bytes) <= 8 and ci >= 64 and pixel_tiles >= 16


def _default_fuse(cols_bytes: int, row_tiles: int) -> bool:
    """Fuse col2im by default when cols would not stay in cache (over 4 MB) and there are
    enough row tiles to share among the threads (only they are parallel then)."""
    return cols_bytes >= 4 << 20 and row_tiles >= 16


def _scatter_only(sch) -> bool:
    """Whether col2im is a pure scatter (kernel == stride, no padding or dilation: every output
    reads one cols element), the access TVM can bound per row tile. Overlapping taps index
    cols by (oh + pad) // stride, which reverse_compute_at cannot match."""
    d = kernel_description(sch)
    return (d["kernel_h"] == d["stride_h"] and d["kernel_w"] == d["stride_w"]
            and d["dilation_h"] == d["dilation_w"] == 1
            and not any(d[k] for k in ("pad_top", "pad_bottom", "pad_left", "pad_right",
                                       "output_padding_h", "output_padding_w")))


def _taps_per_channel(sch, block) -> int:
    """kh * kw: the weight rows of one output channel (NCHW weight: (ci, co, kh, kw))."""
    return math.prod(int(v) for v in weight_buffer(sch, block).shape[2:])


def _col2im_per_row_tile(sch, row_tiles):
    """Move the output stage under the parallel loop over row tiles: each tile's whole output
    channels are gathered from its cols rows."""
    out = sch.get_sblock("conv2d_transpose")
    sch.reverse_compute_at(out, row_tiles)
    strides = [int(v) for v in sch.mod["main"].attrs["tvmconv.strides"]]
    if strides != [1, 1]:
        *_, oh, ow = sch.get_loops(out)
        unroll_stride_phases(sch, oh, ow, strides)


def _pack_weight_panels(sch, block, rows: int):
    """Copy the weight (ci rows of m) into panels (m // rows, ci, rows) inside the kernel: a
    register tile of `rows` weight rows then reads one contiguous stream. Inside, so that the
    functional surface (a new weight every call) and the layers run the same kernel."""
    packed = sch.cache_read(block, weight_read(sch, block), "global")
    trailing = [int(v) for v in sch.get(packed).writes[0].source.shape][1:]

    def panel(c, *index):
        flat = 0
        for i, extent in zip(index, trailing):
            flat = flat * extent + i
        return (flat // rows, c, flat % rows)

    sch.transform_layout(packed, ("write", 0), panel)
    c, *trailing_loops = sch.get_loops(packed)
    panel_o, panel_i = sch.split(sch.fuse(*trailing_loops), [None, rows])
    sch.reorder(panel_o, c, panel_i)
    sch.parallel(panel_o)
    if rows % 4 == 0:
        sch.vectorize(panel_i)
