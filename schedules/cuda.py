"""CUDA schedule of the polyphase transposed convolution.

Each ``phase_*`` stage is a stride-1 direct convolution, scheduled as an implicit GEMM over
(output channels) x (output pixels of one phase), reduced over (ci, jh, jw):

* a thread block owns a tile of ``co`` x ``qh`` x ``qw`` outputs of one phase of one image: the
  phases (rh, rw) and the batch are grid dimensions, so they run as parallel work;
* every thread accumulates a small register tile (co_i x qh_i x qw_i) in ``local`` memory;
* per chunk of input channels the block stages the input window (padding applied while
  staging: the ``pad`` stage is inlined into the copy) and the weight taps it needs in shared
  memory, fetched cooperatively by all its threads, vectorised where the chunk allows;
* the ``conv2d_transpose`` stage (interleave, bias, cast) is one elementwise kernel.

Tile sizes: the default schedule picks them with a small analytic model (``default_tiles``):
enough blocks to fill the GPU, 64-256 threads, the most register and shared-memory reuse that
fits. The tunable schedule samples them (meta-schedule's design space); the tuner's GPU
postprocessors split and bind the cooperative fetches then, as for its own rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tvm import s_tir, tirx
from tvm.runtime import DataType
from tvm.target import Target

from .base import ConvTranspose2dRule, kernel_description
from .choices import STRUCTURE_KEY, Choices, structure_text
from .config import CUDAConfig

NAMES = {"NCHW": ["n", "co", "rh", "rw", "qh", "qw", "ci", "jh", "jw"],
         "NHWC": ["n", "rh", "rw", "qh", "qw", "co", "ci", "jh", "jw"]}


@dataclass(frozen=True)
class PhaseTiles:
    """Thread and per-thread tile of each output axis of a phase stage, and the ci chunk."""

    co_t: int
    co_i: int
    qh_t: int
    qh_i: int
    qw_t: int
    qw_i: int
    ci_i: int

    @property
    def threads(self) -> int:
        return self.co_t * self.qh_t * self.qw_t

    def as_list(self) -> list[int]:
        """Inner factors in the order the schedule splits (Choices.tiles order)."""
        return [self.co_t, self.co_i, self.qh_t, self.qh_i, self.qw_t, self.qw_i, self.ci_i]


def divisors(n: int, at_most: int | None = None) -> list[int]:
    return [d for d in range(1, (at_most or n) + 1) if n % d == 0 and d <= n]


def shared_bytes(t: PhaseTiles, taps_h: int, taps_w: int, dil: tuple[int, int],
                 elem_bytes: int) -> int:
    """Shared memory of one block: input window for one ci chunk plus one tap of weights (a
    block's channels lie in one group)."""
    win_h = t.qh_t * t.qh_i + (taps_h - 1) * dil[0]
    win_w = t.qw_t * t.qw_i + (taps_w - 1) * dil[1]
    co_tile = t.co_t * t.co_i
    return (t.ci_i * win_h * win_w + t.ci_i * co_tile) * elem_bytes


def default_tiles(ext: dict, dil: tuple[int, int], elem_bytes: int, out_per_group: int,
                  config: CUDAConfig | None = None) -> PhaseTiles:
    """Tiles of the default schedule, chosen by a small model.

    Among divisor tilings with up to config.max_block_threads threads, at most
    config.max_thread_outputs accumulators per thread and a window that fits
    config.shared_bytes, maximise (wave efficiency) x (reuse), where
    reuse is the FMAs per shared-memory load of one thread times the square root of the FMAs per
    global load of one block. Wave efficiency counts two resident blocks per SM."""
    config = config or CUDAConfig()
    co, qh, qw, ci = out_per_group, ext["qh"], ext["qw"], ext["ci"]
    taps_h, taps_w = ext["jh"], ext["jw"]
    outer = ext["n"] * ext["rh"] * ext["rw"] * (ext["co"] // out_per_group)
    depthwise = ci == 1
    best, best_score = None, -1.0
    for co_i in divisors(co, 8):
        for co_t in divisors(co // co_i, 64):
            for qw_i in divisors(qw, 4):
                for qw_t in divisors(qw // qw_i, 64):
                    for qh_i in divisors(qh, 4):
                        per_thread = co_i * qw_i * qh_i
                        if per_thread > config.max_thread_outputs:
                            continue
                        for qh_t in divisors(qh // qh_i, 32):
                            threads = co_t * qw_t * qh_t
                            if threads > config.max_block_threads:
                                continue
                            t = PhaseTiles(co_t, co_i, qh_t, qh_i, qw_t, qw_i, 1)
                            score = _score(t, co, qh, qw, outer, config, depthwise)
                            if score > best_score:
                                best, best_score = t, score
    ci_i = 1
    for c in divisors(ci, 32):
        t = PhaseTiles(*best.as_list()[:6], c)
        if shared_bytes(t, taps_h, taps_w, dil, elem_bytes) <= config.shared_bytes:
            ci_i = c
    return PhaseTiles(*best.as_list()[:6], ci_i)


def _score(t: PhaseTiles, co: int, qh: int, qw: int, outer: int, config: CUDAConfig,
           depthwise: bool) -> float:
    co_tile, h_tile, w_tile = t.co_t * t.co_i, t.qh_t * t.qh_i, t.qw_t * t.qw_i
    blocks = outer * (co // co_tile) * (qh // h_tile) * (qw // w_tile)
    slots = 2 * config.sm_count
    waves = -(-blocks // slots)
    wave_eff = blocks / (waves * slots)
    # Too few threads hide no latency; a block of under a warp wastes lanes.
    thread_eff = (min(1.0, t.threads / (2 * config.warp_size))
                  * (1.0 if t.threads % config.warp_size == 0 else 0.75))
    pix_i = t.qh_i * t.qw_i
    if depthwise:  # no channel reuse to be had: every output reads its own channel
        thread_reuse = float(pix_i) ** 0.25
        block_reuse = 1.0
    else:
        thread_reuse = t.co_i * pix_i / (t.co_i + pix_i)
        pix_tile = h_tile * w_tile
        block_reuse = co_tile * pix_tile / (co_tile + pix_tile)
    return wave_eff * thread_eff * thread_reuse * math.sqrt(block_reuse)


class CUDAConvTranspose2d(ConvTranspose2dRule):
    """dlight-style rule for tvmconv kernels on cuda targets."""

    target_kind = "cuda"
    algorithms = ("polyphase",)

    def schedule(self, sch: s_tir.Schedule, target: Target, tunable: bool, structure=None,
                 tiles=None):
        """Schedule `sch` in place and return it (None if it is not a tvmconv kernel).
        tiles: PhaseTiles.as_list() values per phase stage, concatenated (a record's hints)."""
        kernel = self.kernel_blocks(sch, tunable, structure, tiles)
        if kernel is None:
            return None
        layout, names, blocks = kernel
        choices = self.last_choices
        config = CUDAConfig.from_target(target)
        for name in names:
            if name.startswith("phase_"):
                _schedule_phase(sch, blocks[name], layout, choices, "pad" in blocks, config)
        if "pad" in blocks:
            sch.compute_inline(blocks["pad"])  # every consumer now stages through shared memory
        _schedule_elementwise(sch, blocks["conv2d_transpose"], config)
        if structure is not None:
            sch.annotate(blocks["conv2d_transpose"], STRUCTURE_KEY, structure_text(structure))
        return sch

    def design_spaces(self, sch: s_tir.Schedule, target: Target) -> list:
        """meta-schedule's design spaces: the one structure, tile sizes sampled."""
        return [self.schedule(sch.copy(), target, True, structure={})]


def _schedule_phase(sch, block, layout: str, choices: Choices, padded: bool, config: CUDAConfig):
    names = NAMES[layout]
    ext = dict(zip(names, (int(iv.dom.extent) for iv in sch.get(block).iter_vars)))
    loops = dict(zip(names, sch.get_loops(block)))
    read_names = [r.source.name for r in sch.get(block).reads]
    x_index = read_names.index("pad" if padded else "input")
    w_index = read_names.index("weight")
    elem_bytes = DataType(sch.get(block).reads[x_index].source.dtype).bits // 8
    dil = _tap_dilation(sch)
    out_per_group = int(sch.mod["main"].attrs["tvmconv.out_per_group"])
    t = default_tiles(ext, dil, elem_bytes, out_per_group, config)

    groups = ext["co"] // out_per_group
    group_loop = []
    if groups > 1:  # a block stays inside one group: its input window is that group's channels
        g, loops["co"] = sch.split(loops["co"], [groups, out_per_group])
        group_loop = [g]
    co_b, co_t, co_i = _split3(sch, choices, loops["co"], out_per_group, t.co_t, t.co_i, 8)
    qh_b, qh_t, qh_i = _split3(sch, choices, loops["qh"], ext["qh"], t.qh_t, t.qh_i, 4)
    qw_b, qw_t, qw_i = _split3(sch, choices, loops["qw"], ext["qw"], t.qw_t, t.qw_i, 4)
    ci_o, ci_i = choices.split(loops["ci"], ext["ci"], t.ci_i, 32)
    if not choices.tunable:  # the tile sizes in force (a record's hints may override t)
        co_tile = int(sch.get(co_t).extent) * int(sch.get(co_i).extent)
        ci_tile = int(sch.get(ci_i).extent)
    if layout == "NCHW":  # neighbouring threads: neighbouring pixels (coalesced rows)
        thread_axes = [co_t, qh_t, qw_t]
        inner = [co_i, qh_i, qw_i]
    else:  # neighbouring threads: neighbouring channels (the contiguous axis)
        thread_axes = [qh_t, qw_t, co_t]
        inner = [qh_i, qw_i, co_i]
    grid = [loops["n"], *group_loop, loops["rh"], loops["rw"], co_b, qh_b, qw_b]
    # Taps outside the ci chunk: a phase's taps are strided in the weight (kh = r + s*j), so
    # the weight is staged per tap (ci chunk x channel tile) instead of as a strided box.
    sch.reorder(*grid, *thread_axes, ci_o, loops["jh"], loops["jw"], ci_i, *inner)
    bx = sch.fuse(*grid)
    tx = sch.fuse(*thread_axes)
    sch.bind(bx, "blockIdx.x")
    sch.bind(tx, "threadIdx.x")

    acc = sch.cache_write(block, 0, "local")
    sch.reverse_compute_at(acc, tx, preserve_unit_loops=True)
    x_shared = sch.cache_read(block, x_index, "shared", consumer_blocks=[block])
    w_shared = sch.cache_read(block, w_index, "shared", consumer_blocks=[block])
    threads = None if choices.tunable else int(sch.get(tx).extent)
    # 4-wide copies need 16-byte-aligned rows on both sides: the weight's rows are a group's
    # output channels, NHWC input rows its input channels; NCHW windows start anywhere.
    cig = ext["ci"]
    vec_ok = {x_shared: (layout == "NHWC" and not choices.tunable and ci_tile % 4 == 0
                         and cig % 4 == 0),
              w_shared: not choices.tunable and co_tile % 4 == 0 and out_per_group % 4 == 0}
    for cached, at in ((x_shared, ci_o), (w_shared, loops["jw"])):
        sch.compute_at(cached, at, preserve_unit_loops=True)
        _cooperative_fetch(sch, cached, choices, threads, vec_ok[cached])
    sch.annotate(tx, "pragma_auto_unroll_max_step", 512)
    sch.annotate(tx, "pragma_unroll_explicit", 1)
    if not choices.tunable:  # the tuner's RewriteReductionBlock postprocessor does it there
        sch.decompose_reduction(block, ci_o)


def _split3(sch, choices: Choices, loop, extent: int, threads: int, inner: int, max_inner: int):
    """(block, thread, per-thread) loops of one output axis."""
    if choices.tunable:
        factors = sch.sample_perfect_tile(loop, n=3, max_innermost_factor=max_inner)
        return sch.split(loop, factors)
    if choices.tiles:
        threads = max(1, min(int(choices.tiles.pop(0)), extent))
        inner = max(1, min(int(choices.tiles.pop(0)), extent // threads or 1))
    return sch.split(loop, [None, threads, inner])


def _cooperative_fetch(sch, block, choices: Choices, threads: int | None, vec_ok: bool):
    """Spread a shared-memory copy over the block's `threads` threads, 4-wide when vec_ok and
    the copy's rows are whole vectors.

    Tunable schedules leave it to meta-schedule's RewriteCooperativeFetch postprocessor, which
    knows the sampled thread count. They copy scalars: with sampled tiles nothing proves a
    vector aligned, and a misaligned vector load kills the CUDA context, not just the trial."""
    if choices.tunable:
        sch.annotate(block, "meta_schedule.cooperative_fetch", tirx.IntImm("int32", 1))
        return
    loops = sch.get_loops(block)
    # The copy's own loops: those below the compute-at loop (the block's data dimensions).
    ndim = len(sch.get(block).iter_vars)
    fused = sch.fuse(*loops[-ndim:])
    extent = sch.get(fused).extent
    extent = int(extent) if isinstance(extent, tirx.IntImm) else None  # None: not constant
    inner = int(sch.get(block).iter_vars[-1].dom.extent)
    vec = 4 if vec_ok and extent and extent % (threads * 4) == 0 and inner % 4 == 0 else 1
    if extent is not None and extent <= threads:
        _, t = sch.split(fused, [None, threads])
        sch.bind(t, "threadIdx.x")
        return
    if vec > 1:
        _, t, v = sch.split(fused, [None, threads, vec])
        sch.vectorize(v)
    else:
        _, t = sch.split(fused, [None, threads])
    sch.bind(t, "threadIdx.x")


def _tap_dilation(sch) -> tuple[int, int]:
    """The phase stages' tap dilation (d' per axis), read off the description."""
    desc = kernel_description(sch)
    return tuple(desc[f"dilation_{a}"] // math.gcd(desc[f"dilation_{a}"], desc[f"stride_{a}"])
                 for a in "hw")


def _schedule_elementwise(sch, block, config: CUDAConfig):
    """One thread per output element, blocks of config.elementwise_threads."""
    loops = sch.get_loops(block)
    fused = sch.fuse(*loops)
    extent = int(sch.get(fused).extent)
    threads = min(config.elementwise_threads, extent)
    bx, tx = sch.split(fused, [None, threads])
    sch.bind(bx, "blockIdx.x")
    sch.bind(tx, "threadIdx.x")
