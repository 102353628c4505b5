"""Pieces both CPU schedules (polyphase and GEMM) use: vector widths, tile sizes, and the
memory-bound stages (pad, the output stage)."""

from __future__ import annotations

import math

from tvm import s_tir, tirx
from tvm.runtime import DataType

from .config import CPUConfig


def largest_divisor(n: int, at_most: int) -> int:
    """Largest divisor of n that is <= at_most (at least 1)."""
    for d in range(min(n, at_most), 0, -1):
        if n % d == 0:
            return d
    return 1


def iter_extents(sch: s_tir.Schedule, block) -> list[int]:
    return [int(iv.dom.extent) for iv in sch.get(block).iter_vars]


def vector_widths(extent: int, lanes: int) -> list[int]:
    """Vector widths a loop of `extent` may use: its divisors from 4 to two registers, widest
    first; [largest divisor] (then unrolled, not vectorised) when none is 4 or more."""
    widths = [d for d in range(min(extent, 2 * lanes), 3, -1) if extent % d == 0]
    return widths or [largest_divisor(extent, 2 * lanes)]


def register_tile(extent: int, at_most: int) -> int:
    """Register tile along a non-vector axis: a divisor if a good one exists, else at_most
    (an imperfect split, whose tail iterations are predicated)."""
    best = largest_divisor(extent, at_most)
    return best if best * 3 >= at_most * 2 or extent <= at_most else at_most


def vectorize_or_unroll(sch, loop, width: int) -> None:
    """Vectorise a loop of `width` lanes, or unroll it when it is narrower than 4: sub-128-bit
    vectors (e.g. 2 x float32 when the output is 2 wide) make TVM emit LLVM IR that fails
    verification ("Instruction does not dominate all uses")."""
    if width >= 4:
        sch.vectorize(loop)
    else:
        sch.unroll(loop)


# The widest loop vectorised whole: LLVM's vector types stop at 32767 lanes (a 1-D signal of
# 40000 samples made TVM's code generator fail), and nothing gains from more than a few hundred.
MAX_VECTORIZED_EXTENT = 16384


def vectorize_innermost(sch, block):
    """Vectorise the block's innermost loop when it is at least 4 wide (see
    vectorize_or_unroll; narrower ones stay scalar). A loop wider than MAX_VECTORIZED_EXTENT
    is split first by its largest divisor up to 64 (kept scalar when that is under 4)."""
    loops = sch.get_loops(block)
    inner = loops[-1]
    extent = sch.get(inner).extent
    if not isinstance(extent, tirx.IntImm) or int(extent) < 4:
        return
    if int(extent) > MAX_VECTORIZED_EXTENT:
        width = largest_divisor(int(extent), 64)
        if width < 4:
            return
        _, inner = sch.split(inner, [None, width])
    sch.vectorize(inner)


def schedule_interleave(sch, block, layout: str, strides: list[int], lanes: int,
                        config: CPUConfig, phases_channel_last: bool = False):
    """The output stage. For NCHW, split each spatial loop by its stride and unroll the phase
    loop: every unrolled copy then has constant phase arithmetic, and reads a contiguous run of
    its phase image. NHWC vectorises over the channels (contiguous on both sides).

    NCHW from phase buffers laid channel-innermost (channel vectors) is a transpose: output
    channels then run inside the rows, so that the phase rows they all read stay in cache;
    channels outside would stream every phase buffer once per channel of a cache line."""
    if layout == "NHWC" or (strides == [1, 1] and not phases_channel_last):
        schedule_elementwise(sch, block, lanes, config)
        return
    n, co, oh, ow = sch.get_loops(block)
    rows = unroll_stride_phases(sch, oh, ow, strides)
    if phases_channel_last:
        sch.reorder(rows, co)
        fused = sch.fuse(n, rows, co)
    else:
        fused = sch.fuse(n, co, rows)
    if math.prod(iter_extents(sch, block)) >= config.parallel_min_elements:
        sch.parallel(fused)


# The output stage's body is unrolled once per stride phase along an axis of at most this stride:
# more (absurd strides, e.g. (100000, 1)) keep LLVM busy for minutes (stride 1000: 14 s, for
# nothing). FCN-32s' 32 is the largest a published layer needs.
MAX_UNROLLED_STRIDE = 32


def unroll_stride_phases(sch, oh, ow, strides: list[int]):
    """Split the output rows and columns by the stride and unroll the phase loops of strides up
    to MAX_UNROLLED_STRIDE (constant tap arithmetic per unrolled copy); returns the outer row
    loop."""
    oh_o, oh_i = sch.split(oh, [None, strides[0]])
    _, ow_i = sch.split(ow, [None, strides[1]])
    for loop, stride in ((oh_i, strides[0]), (ow_i, strides[1])):
        if stride <= MAX_UNROLLED_STRIDE:
            sch.unroll(loop)
    return oh_o


def schedule_elementwise(sch, block, lanes: int, config: CPUConfig):
    """Memory-bound copy: parallel over the outer loops, vectorised innermost loop."""
    loops = sch.get_loops(block)
    big = math.prod(iter_extents(sch, block)) >= config.parallel_min_elements
    if len(loops) > 2:
        fused = sch.fuse(*loops[:-2])
        if big:
            sch.parallel(fused)
    elif len(loops) == 2 and big:
        sch.parallel(loops[0])
    if lanes > 1:
        vectorize_innermost(sch, block)


def weight_read(sch, block) -> int:
    """Index of the weight among the block's reads (a GEMM or phase stage)."""
    return [str(region.source.name) for region in sch.get(block).reads].index("weight")


def weight_buffer(sch, block):
    """The weight buffer the block reads."""
    return sch.get(block).reads[weight_read(sch, block)].source


def weight_element_bytes(sch, block) -> int:
    """Bytes of one element of the weight the block reads."""
    return DataType(str(weight_buffer(sch, block).dtype)).bits // 8


def aliased_sets(row_bytes: int, page: int = 4096, line: int = 64) -> int:
    """How many L1 sets the same column of successive rows `row_bytes` apart falls in (a
    4 KB-indexed cache of 64-byte lines: 64 sets)."""
    return min(page // line, page // math.gcd(row_bytes, page))
