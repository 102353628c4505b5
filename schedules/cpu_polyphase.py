"""CPU (llvm) schedule rule of tvmconv's kernels: the polyphase compute here, the GEMM compute's
``cols`` stage in cpu_gemm.py (one rule serves both: it schedules the blocks it finds, and picks
the algorithm a layer gets untuned: ``default_algorithm``).

The heavy stages are the ``phase_*`` blocks: stride-1 correlations, i.e. direct convolutions.
Each gets the classic direct-convolution micro-kernel: a register tile of accumulators
(``reg`` output positions x ``vec`` vector lanes) kept in a small write cache, the reduction
(ci, jh, jw) around it, and the outer tiles fused into one parallel loop. Two strategies decide
which axis fills the vector lanes:

* ``spatial``: the output width (qw). Natural for NCHW: input rows are contiguous along qw and the
  weight is one broadcast scalar per tap. Needs a wide enough output.
* ``channel``: the output channels (co). Natural for NHWC and for NCHW layers with small images
  and many channels; for NCHW the schedule re-lays the phase buffer channel-innermost. The weight
  arrives as (ci, kh, kw, co) (the kernel layout), so the lanes read contiguous memory.

The ``pad`` and ``conv2d_transpose`` (interleave) stages are memory-bound copies: parallel over
their outer loops, vectorised inside.
"""

from __future__ import annotations

import math
import re

from tvm import s_tir
from tvm.runtime import DataType
from tvm.target import Target

from .base import ConvTranspose2dRule
from .choices import STRUCTURE_KEY, Choices, enumerate_structures, structure_text
from .config import CPUConfig
from .cpu_gemm import gemm_choice, schedule_cols
from .cpu_util import (
    aliased_sets,
    iter_extents,
    largest_divisor,
    register_tile,
    schedule_elementwise,
    schedule_interleave,
    vector_widths,
    vectorize_innermost,
    vectorize_or_unroll,
    weight_element_bytes,
    weight_read,
)

# A phase stage of one band of a class's rows (compute/polyphase.py names them phase_h0b1_w0b2)
BANDED_STAGE = re.compile(r"phase_h\d+b\d+_w")


def choose_strategy(layout: str, extents: dict, lanes: int, depthwise: bool,
                    out_per_group: int) -> str:
    """'spatial' (vector over output width) or 'channel' (vector over output channels).

    Channel vectors need a group's output channels to fill the lanes; they then read the packed
    weight contiguously and broadcast input pixels, the GEMM-like micro-kernel that keeps the
    weight slab in cache across spatial tiles. Spatial vectors serve thin layers (few output
    channels, depthwise) that have wide outputs.
    """
    if depthwise and layout == "NCHW":
        return "spatial"  # channel vectors would gather the input across planes
    if out_per_group % lanes == 0:
        return "channel"
    if layout == "NHWC":
        return "channel" if extents["co"] >= lanes // 2 else "spatial"
    return "spatial"


class CPUConvTranspose2d(ConvTranspose2dRule):
    """dlight-style rule for tvmconv kernels on llvm targets."""

    target_kind = "llvm"

    def default_algorithm(self, desc, target: Target) -> str:
        """'gemm' where it is the faster compute untuned (cpu_gemm.gemm_preferred)."""
        return "gemm" if self._gemm_choice(desc, target)[0] else "polyphase"

    def algorithm_reason(self, desc, target: Target) -> str:
        return self._gemm_choice(desc, target)[1]

    @staticmethod
    def _gemm_choice(desc, target: Target):
        config = CPUConfig.from_target(target)
        return gemm_choice(desc, config.lanes(DataType(desc.accum_dtype).bits),
                           config.cols_cache_bytes)

    def schedule_pack_weight(self, sch: s_tir.Schedule, target: Target) -> s_tir.Schedule:
        return schedule_pack_weight(sch, CPUConfig.from_target(target))

    def argument_alignment(self, dtype: str) -> int:
        """An element's: demanding 64 bytes makes most NumPy arrays (16-byte aligned) a copy
        per call, which costs more than the unaligned loads do (benchmarks/argument_alignment.py
        measures both)."""
        return DataType(dtype).bits // 8

    def schedule(self, sch: s_tir.Schedule, target: Target, tunable: bool, structure=None,
                 tiles=None):
        """Schedule `sch` in place and return it (None if it is not a tvmconv kernel).

        structure / tiles: structural choices and tile sizes (see choices.Choices), e.g. those
        of a tuned record of a similar shape; the heuristics decide what they leave open."""
        kernel = self.kernel_blocks(sch, tunable, structure, tiles)
        if kernel is None:
            return None
        layout, names, blocks = kernel
        choices, func = self.last_choices, sch.mod["main"]
        config = CPUConfig.from_target(target)
        # The heavy stages: polyphase correlations, or the GEMM of the gemm compute.
        heavy = [n for n in names if n.startswith("phase_") or n == "cols"]
        acc_block = blocks[heavy[0] if heavy else "conv2d_transpose"]
        lanes = config.lanes(DataType(str(sch.get(acc_block).writes[0].source.dtype)).bits)
        strides = [int(v) for v in func.attrs["tvmconv.strides"]]
        output_scheduled, channel_last = False, False
        for name in heavy:
            if name == "cols":
                output_scheduled = schedule_cols(sch, blocks[name], layout, lanes, choices,
                                                 config)
            else:
                channel_last |= _schedule_phase(sch, blocks[name], layout, strides, lanes,
                                                choices, config)
        if "pad" in blocks:
            schedule_elementwise(sch, blocks["pad"], lanes, config)
        if structure is not None:  # the record of a design space says which one it was
            sch.annotate(blocks["conv2d_transpose"], STRUCTURE_KEY, structure_text(structure))
        if not output_scheduled and strides == [1, 1] and "cols" not in blocks:
            output_scheduled = _output_from_write_back(sch, blocks["conv2d_transpose"])
        if not output_scheduled and any(BANDED_STAGE.match(n) for n in heavy):
            _schedule_banded_output(sch, blocks["conv2d_transpose"], layout, lanes,
                                    channel_last, config)
            output_scheduled = True
        if not output_scheduled:
            schedule_interleave(sch, blocks["conv2d_transpose"], layout, strides, lanes, config,
                                channel_last)
        return sch

    def design_spaces(self, sch: s_tir.Schedule, target: Target) -> list:
        """meta-schedule's design spaces: one per combination of structural choices, each
        with sampled tile sizes."""
        self.schedule(sch.copy(), target, True)  # a probe: which choices, how many options
        options = self.last_choices.options
        return [self.schedule(sch.copy(), target, True, structure=structure)
                for structure in enumerate_structures(options)]


def strategy_options(layout: str, depthwise: bool) -> list[str]:
    if depthwise and layout == "NCHW":
        return ["spatial"]  # channel vectors would gather the input across planes
    return ["channel", "spatial"]


def _schedule_phase(sch, block, layout: str, strides: list[int], lanes: int, choices: Choices,
                    config: CPUConfig) -> bool:
    """Schedule one phase stage; returns whether its buffer was re-laid channel-innermost."""
    ext = iter_extents(sch, block)
    if layout == "NCHW":
        names = ["n", "co", "rh", "rw", "qh", "qw", "ci", "jh", "jw"]
    else:
        names = ["n", "rh", "rw", "qh", "qw", "co", "ci", "jh", "jw"]
    extents = dict(zip(names, ext))
    loops = dict(zip(names, sch.get_loops(block)))
    depthwise = _is_depthwise(sch, block)
    out_per_group = int(sch.mod["main"].attrs["tvmconv.out_per_group"])
    default = choose_strategy(layout, extents, lanes, depthwise, out_per_group)
    if default == "spatial" and not depthwise and vector_widths(extents["qw"], lanes)[0] < 4:
        # no vector fits the width either: channel tiles at least keep the weight slab in
        # cache across the image (what tuning picked for pix2pix's RGB output layer)
        default = "channel"
    strategy = choices.categorical("strategy", strategy_options(layout, depthwise), default)

    relayout = strategy == "channel" and layout == "NCHW"
    if relayout:
        _relayout_for_channel_vectors(sch, block)

    if strategy == "channel":
        vec_axis, reg_axis = "co", "qw"
    else:  # thin layers tile rows instead of channels so enough accumulators stay in flight
        vec_axis, reg_axis = "qw", ("co" if out_per_group >= 4 or depthwise else "qh")
    # The vector width is a structural choice among divisors of at least 4 lanes, not a
    # sampled tile: meta-schedule mutates sampled tiles without re-running this code, and a
    # mutated 2-wide vectorised loop makes LLVM hang or emit invalid IR.
    vec_options = vector_widths(extents[vec_axis], lanes)
    widest = largest_divisor(extents[vec_axis], 2 * lanes)
    vec = choices.categorical("vector", vec_options,
                              widest if widest in vec_options else vec_options[-1])
    # The GEMM-like channel micro-kernel gains from a large register tile; the spatial one,
    # which also streams input rows, spills with one, so it gets fewer (CPUConfig).
    vectors = -(-vec // lanes)  # (a tile column's vector registers)
    max_reg = max(1, config.accumulators(strategy) // vectors)
    vec_o, vec_i = sch.split(loops[vec_axis], [None, vec])
    # Long reductions over input channels stream the whole weight slab of a tile from L2; a
    # K block (ci split, its outer loop outside the spatial tiles) keeps a slice in L1. The
    # tile then accumulates in the phase buffer itself across K blocks (no write cache).
    # Channel tiles can first copy their weight slab (ci, jh, jw, vec) contiguous, once per
    # tile column (the co tiles then run outermost and in parallel). It replaces the K block:
    # the slab is read from L2 contiguously (see _default_slab).
    weight_bytes = weight_element_bytes(sch, block)
    slab = (choices.categorical("slab", [False, True], _default_slab(
        extents, vec, out_per_group, weight_bytes, math.prod(strides), config))
            if strategy == "channel" and not depthwise else False)
    # (asked even under a slab, so that the probe of design_spaces sees the choice)
    k_block = choices.categorical("k_block", [0, 32, 128], _default_k_block(extents))
    k_block = 0 if slab else k_block
    k_blocked = bool(k_block) and extents["ci"] > k_block
    # A contiguous register tile along qw shares input pixels between the unrolled jw taps:
    # LLVM then keeps those broadcasts live next to the accumulators and spills, unless the
    # tile leaves registers for them (shared_register_tile, the default). A tile spread over
    # the row (stride qw/reg) reads distinct pixels per tap instead: a choice for tuning, no
    # longer the K-blocked default (CenterNet d1 1.15x, CycleGAN up1 1.05x, ResNet-50 l4's
    # dilated 3x3 1.12x faster contiguous, on an Emerald Rapids Xeon).
    shared = reg_axis == "qw" and extents["jw"] > 1
    spread = choices.categorical("reg_spread", [False, True], False) if shared else False
    reg_default = (shared_register_tile(extents["qw"], max_reg, vectors, config.vector_registers)
                   if shared else register_tile(extents[reg_axis], max_reg))
    if spread:
        reg_o, reg_i, spread = choices.spread_split(loops[reg_axis], extents[reg_axis],
                                                    reg_default, max_reg)
    else:
        reg_o, reg_i = choices.split(loops[reg_axis], extents[reg_axis], reg_default, max_reg)
    tiled = dict(loops, **{reg_axis: reg_o, vec_axis: vec_o})
    if k_blocked:
        ci_o, ci_i = sch.split(loops["ci"], [None, k_block])
        reduction = [ci_i, loops["jh"], loops["jw"]]
    else:
        ci_o, reduction = None, [loops["ci"], loops["jh"], loops["jw"]]
    if slab:
        order = ("co", "n", "rh", "rw", "qh", "qw")
    elif strategy == "channel":  # co tile outside qw tiles: the weight slab is reused across them
        order = ("n", "rh", "rw", "qh", "co", "qw")
    else:
        order = ("n", "co", "rh", "rw", "qh", "qw")
    outer = [tiled[a] for a in order]
    # K-blocked tiles run in parallel over rows only; when the rows do not divide among the
    # cores, the output channel tiles can be split in two parallel halves (each re-reads its
    # rows' input slice), as DeepLab's 33 rows on 2 cores need.
    # (Offered wherever a K block is, whatever the other choices, so that the probe of
    # design_spaces sees it; it applies to channel tiles of an even count.)
    parallel_axes = 4
    rows = extents["n"] * extents["rh"] * extents["rw"] * extents["qh"]
    halves = (choices.categorical("co_halves", [False, True], rows % config.cores != 0)
              if extents["ci"] > 32 and not depthwise else False)
    co_tiles = extents["co"] // vec
    if halves and ci_o is not None and strategy == "channel" and co_tiles % 2 == 0:
        co_half, co_tile = sch.split(outer[4], [2, co_tiles // 2])
        outer = [*outer[:4], co_half, co_tile, *outer[5:]]
        parallel_axes = 5
    if ci_o is not None:  # K blocks inside the parallel rows, outside the tiles
        sch.reorder(*outer[:parallel_axes], ci_o, *outer[parallel_axes:], *reduction, reg_i,
                    vec_i)
    else:
        sch.reorder(*outer, *reduction, reg_i, vec_i)

    # Accumulate the register tile in a small cache written back once per tile. Depthwise
    # layers have a handful of taps per output, so the cache pays only where its write-back
    # becomes the output stage (stride 1, see CPUConvTranspose2d.schedule: MobileNetV2's
    # stride-1 depthwise ran 1.9x faster). Unit loops are kept so that the write-back has the
    # same loops whatever the tile sizes: a traced get_loops must replay in meta-schedule for
    # every sampled tile.
    cached = ci_o is None and (strides == [1, 1] or not depthwise)
    cache = sch.cache_write(block, 0, "global") if cached else None
    if cache is not None:
        # a spread tile is not a box: write back the whole row of tiles, one level out
        sch.reverse_compute_at(cache, outer[-2] if spread else outer[-1],
                               preserve_unit_loops=True)
    sch.unroll(reg_i)
    vectorize_or_unroll(sch, vec_i, vec)  # (vec >= 4 needs lanes > 1: vec <= 2 * lanes)
    # The write-back's innermost loop is the vector axis, except for NHWC with vectors over
    # width (channels innermost, a sampled register tile): leave that one scalar.
    if vec >= 4 and cache is not None and not (layout == "NHWC" and vec_axis == "qw"):
        sch.vectorize(sch.get_loops(cache)[-1])
    # Parallel over all outer tiles except the innermost one (it owns the write cache); tiny
    # stages stay serial: waking the thread pool costs more than they do.
    if slab:  # parallel over co tiles, each packing its slab once
        packed = sch.cache_read(block, weight_read(sch, block), "global",
                                consumer_blocks=[block])  # (each phase its own)
        sch.compute_at(packed, outer[0])
        vectorize_innermost(sch, packed)
        fused = outer[0]
    else:
        fused = sch.fuse(*outer[:parallel_axes]) if ci_o is not None else sch.fuse(*outer[:-1])
    if math.prod(ext) >= config.parallel_min_macs:
        sch.parallel(fused)
    # Last: loop annotations need the reduction block whole (init included).
    sch.decompose_reduction(block, ci_o if ci_o is not None else reduction[0])
    return relayout


def shared_register_tile(qw: int, max_reg: int, vectors: int, registers: int) -> int:
    """The default contiguous register tile along qw where the unrolled jw taps share its
    input pixels: LLVM keeps those broadcasts live next to the accumulators, so the tile is
    an exact divisor of qw that leaves 8 registers for them besides its weight vectors,
    where one of at least half that size exists (else register_tile's). On the zoo's tuned
    part: SimpleBaseline's 12-column phases ran 1.5x faster as tiles of 6 than as one of 12
    (24 accumulators), DeconvNet's 14 columns 1.7x faster as 7 than as 12 and a tail;
    U-Net's 28 columns, whose taps share nothing (k = s), ran faster as 12 and a tail."""
    fits = max(1, min(max_reg, (registers - vectors - 8) // vectors))
    best = largest_divisor(qw, fits)
    return best if best * 2 >= fits or qw <= fits else register_tile(qw, max_reg)


def _schedule_banded_output(sch, output, layout: str, lanes: int, channel_last: bool,
                            config: CPUConfig):
    """The output stage of a compute cut into bands (compute/phases.py) copies each band's
    stage to its rows and columns: its loops over them carry a partition hint, so that TVM's
    LoopPartition splits them at the bands' edges and every piece copies one stage with no
    condition left (a chain of selects per element cost more than the bands saved). Rows run
    in parallel; from channel-last stages the channels run inside a row, whose stage rows then
    stay in cache (a transpose)."""
    extents = iter_extents(sch, output)
    loops = sch.get_loops(output)
    if layout == "NCHW":
        n, co, oh, ow = loops
        if channel_last:
            sch.reorder(oh, co)
            parallel = oh
        else:  # (a parallel oh inside the channels would wake the pool per plane)
            parallel = sch.fuse(n, co)
    else:
        n, oh, ow, co = loops
        parallel = oh
        vec = largest_divisor(extents[3], lanes)
        if vec >= 4:
            sch.vectorize(sch.split(co, [None, vec])[1])
    if math.prod(extents) >= config.parallel_min_elements:
        sch.parallel(parallel)
    for loop in (oh, ow):
        sch.annotate(loop, "pragma_loop_partition_hint", 1)


def _output_from_write_back(sch, output) -> bool:
    """At stride 1 the polyphase output stage only copies the one phase (adding the bias,
    casting): fold it into the phase's register-tile write-back, which then writes the output
    directly, one pass over it fewer. Not possible without a write-back (K-blocked tiles
    accumulate in the phase buffer itself): returns whether it was done."""
    try:
        sch.reverse_compute_inline(output)
    except s_tir.ScheduleError:
        return False
    return True


def _default_slab(extents: dict, vec: int, out_per_group: int, elem_bytes: int, phases: int,
                  config: CPUConfig) -> bool:
    """Whether the default copies each channel tile's weight slab contiguous (``slab``).

    The packed weight's taps lie a group's output channels apart. Where that stride puts them
    in 8 or fewer of the L1's 64 sets, a tile's taps evict each other and stream from L2
    along a stride the prefetchers serve poorly; the slab reads them contiguously. Its price:
    with the co tiles outermost, every co tile of every phase re-reads the input, which pays
    only while that traffic stays small (``CPUConfig.slab_input_traffic_bytes``). Taps a
    multiple of 4 KB apart (one set: 1024+ fp32 channels) get it whatever the traffic.

    On the zoo's tuned part and the suite, on an Emerald Rapids Xeon: DeconvNet d5 and VGG16
    conv5 (512 channels, 14x14) ran 2.1x faster with the slab, SimpleBaseline d2 1.95x, DCGAN
    g3 at batch 8 2.1x, ResNet-50 l4's dilated 3x3 (34 MB re-read) 1.4x; CycleGAN up1 and
    CenterNet d1 (64 MB each) 0.73x and 0.85x, U-Net up3 (600 MB) 0.87x. On a Zen 5 it was
    under 4% either way at 512 channels and fewer, and DeepLab's 2048 ran 1.56x faster."""
    sets = aliased_sets(out_per_group * elem_bytes)
    traffic = ((extents["co"] // vec) * phases * extents["n"] * extents["ci"]
               * extents["qh"] * extents["qw"] * elem_bytes)
    return sets == 1 or (sets <= 8 and traffic <= config.slab_input_traffic_bytes)


def _default_k_block(extents: dict) -> int:
    """K block for the default schedule: only for long reductions over large images (small
    images have too few tiles to amortise re-reading the accumulators per block). 32 input
    channels, whose weight slice (32 x 2 x 2 taps x 32 channels: 16 KB) stays in a 32-48 KB
    L1 where 128's (64 KB) does not: CenterNet d1 (2048 input channels) ran 1.22x faster,
    CycleGAN up1 1.41x (both with contiguous tiles) and ResNet-50 l4's dilated 3x3 1.29x
    than with 128, on an Emerald Rapids Xeon."""
    long_reduction = extents["ci"] * extents["jh"] * extents["jw"] >= 1024
    return 32 if long_reduction and extents["qh"] * extents["qw"] >= 256 else 0


def _is_depthwise(sch, block) -> bool:
    """Whether every output channel reads exactly one input channel (reduction over ci is 1)."""
    return int(sch.get(block).iter_vars[6].dom.extent) == 1


def _relayout_for_channel_vectors(sch, block):
    """NCHW + channel vectors: put co innermost in the phase buffer (the weight already is)."""
    sch.transform_layout(block, ("write", 0),
                         lambda n, co, rh, rw, qh, qw: (n, rh, rw, qh, qw, co))


def schedule_pack_weight(sch: s_tir.Schedule, config: CPUConfig) -> s_tir.Schedule:
    """(Cin, Cout/G, kh, kw) -> (Cin, kh, kw, Cout/G): per input channel its slab stays in L1
    while the taps are written out as contiguous vectors of output channels."""
    block = sch.get_sblock("pack_weight")
    ci, kh, kw, co = sch.get_loops(block)
    extents = iter_extents(sch, block)
    if math.prod(extents) >= config.parallel_min_elements:
        sch.parallel(ci)
    lanes = config.lanes(DataType(str(sch.get(block).writes[0].source.dtype)).bits)
    if lanes > 1 and extents[3] >= 4:
        # One vector register at a time: vectorising all of a 512-wide co loop made LLVM
        # build a 512-lane gather and spend minutes compiling it.
        _, co_i = sch.split(co, [None, min(lanes, extents[3])])
        sch.vectorize(co_i)
    return sch
