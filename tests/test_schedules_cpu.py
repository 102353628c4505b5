"""The CPU (llvm) schedule rule: its design spaces and structural choices, each built and checked
against the float64 reference, and the defaults its heuristics pick."""

import pytest
from strategies import SMALL_DESC as DESC
from tvm import s_tir

from tvmconv.compiler.builder import build, schedule
from tvmconv.compiler.targets import host_target
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.schedules import rule_for
from tvmconv.schedules.choices import enumerate_structures, hints_from_trace
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
@pytest.mark.parametrize("algorithm,at_least", [("polyphase", 48), ("gemm", 4)])
def test_every_structure_of_the_design_space_is_correct(layout, algorithm, at_least):
    """Fixed tile sizes, every structural choice (polyphase: vector axis, width, K block,
    contiguous or spread register tile, channel tiles in parallel halves; gemm: vector axis,
    outer tile loop, weight panels)."""
    desc = DESC.replace(layout=layout, has_bias=True)
    if algorithm == "gemm":  # 32 pixels: vectors over p are an option for NCHW
        desc = desc.replace(height=4, width=8)
    target = host_target()
    rule = rule_for(target)
    from tvmconv.compute import prim_func

    rule.schedule(s_tir.Schedule(prim_func(desc, algorithm)), target, False)
    structures = enumerate_structures(rule.last_choices.options)
    assert len(structures) >= (2 * at_least if algorithm == "gemm" and layout == "NCHW"
                               else at_least)
    for structure in structures:
        sch = _kernel_is_exact(desc, algorithm, structure=structure, seed=5)
        assert hints_from_trace(sch.trace)[0] == structure


@pytest.mark.slow
@pytest.mark.parametrize("algorithm,at_least", [("polyphase", 8), ("gemm", 1)])
def test_design_spaces_sample_tiles_and_build(algorithm, at_least):
    import tvm

    from tvmconv.compute import prim_func

    target = host_target()
    spaces = rule_for(target).design_spaces(s_tir.Schedule(prim_func(DESC, algorithm), seed=7),
                                            target)
    assert len(spaces) >= at_least
    assert all(any(i.kind.name == "SamplePerfectTile" for i in s.trace.insts) for s in spaces)
    tvm.compile(spaces[-1].mod, target=target)


def _cpu():
    import tvm

    return tvm.cpu(0)


def _kernel_is_exact(desc, algorithm, structure=None, tiles=None, seed=3):
    """Schedule desc's `algorithm` kernel with our rule (fixed mode: structure, tiles), build
    it for this CPU, check it against the reference (poisoned output); returns the schedule."""
    from tvmconv.compiler.builder import compile_module, kernel_module
    from tvmconv.compute import prim_func
    from tvmconv.runtime.kernel import Kernel

    target = host_target()
    sch = rule_for(target).schedule(s_tir.Schedule(prim_func(desc, algorithm)), target, False,
                                    structure=structure, tiles=tiles)
    module = compile_module(kernel_module(desc, target, sch.mod), target)
    kernel = Kernel(desc, module, device=_cpu(), algorithm=algorithm)
    x, w, b = random_inputs(desc, seed=seed)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)
    return sch


def test_gemm_default_packs_the_weight_and_fuses_col2im_for_unet_like_layers():
    """1024 weight rows of 4 KB swept by 128 pixel tiles: the default copies the weight into
    register-tile panels inside the kernel; 4 MB of cols: col2im runs per tile of whole
    output channels, under the GEMM's parallel loop. Both exact, bias included."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=64, out_channels=256, height=32, width=32,
                               kernel_h=2, kernel_w=2, stride_h=2, stride_w=2, has_bias=True)
    sch = _kernel_is_exact(desc, "gemm")
    packed = sch.get(sch.get_sblock("weight_global")).writes[0].source
    # (m // rows, ci, rows): k = s, vectors over rows, a tile of 2 vectors
    assert [int(v) for v in packed.shape] == [1024 // 32, 64, 32]
    row_tiles = sch.get(sch.get_loops(sch.get_sblock("cols_update"))[0])
    assert sch.get(sch.get_loops(sch.get_sblock("conv2d_transpose"))[0]).same_as(row_tiles)
    # rows 2304 bytes apart (ResNet's stride-2 backprop) spread over the cache sets: no pack
    small = ConvTranspose2dDesc(batch=1, in_channels=64, out_channels=64, height=32, width=32,
                                kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                                pad_bottom=1, pad_left=1, pad_right=1)
    assert "weight_global" not in schedule(small, host_target(), algorithm="gemm").mod.script()


def test_gemm_default_packs_weight_rows_that_fall_in_few_cache_sets():
    """Rows 4608 bytes apart (128 channels of a 3x3 kernel) land a column of the weight in 8
    of the L1's 64 sets: the default packs them when 28 pixel tiles sweep the weight (a 7x7
    image fills no pixel vectors, so vectors run over weight rows); rows 2304 bytes apart
    (16 sets) are left alone."""
    from tvmconv.schedules.cpu_util import aliased_sets

    assert [aliased_sets(b) for b in (4096, 18432, 4608, 2304, 400)] == [1, 2, 8, 16, 64]
    desc = ConvTranspose2dDesc(batch=4, in_channels=64, out_channels=128, height=7, width=7,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, output_padding_h=1,
                               output_padding_w=1)
    sch = _kernel_is_exact(desc, "gemm")
    assert "weight_global" in sch.mod.script()
    halved = desc.replace(out_channels=64)
    assert "weight_global" not in schedule(halved, host_target(), algorithm="gemm").mod.script()


def test_gemm_default_vectors_run_over_pixels_where_col2im_gathers_overlapping_taps():
    """An 8x8 image (64 pixels, whole vectors), k3 s2: cols stays channel-major (n, g, m, p),
    the layout col2im gathers from; a 2x2 image cannot fill a vector, weight rows 4 KB apart
    (their broadcasts would share one L1 set) and 3 output channels of a k4 s2 (m: 3 vectors,
    one register tile column) run vectors over weight rows: cols is pixel-major."""
    from tvmconv.compute.gemm import cols_elements

    def cols_shape(desc):
        sch = _kernel_is_exact(desc, "gemm")
        buffers = sch.mod["main"].body.block.alloc_buffers
        return next([int(v) for v in b.shape] for b in buffers if b.name == "cols")

    desc = ConvTranspose2dDesc(batch=1, in_channels=32, out_channels=32, height=8, width=8,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, output_padding_h=1,
                               output_padding_w=1)
    assert cols_shape(desc) == [1, 1, 9 * 32, 64]
    tiny = desc.replace(height=2, width=2)
    assert cols_shape(tiny) == [1, 1, 4, 9 * 32] and cols_elements(tiny) == 4 * 9 * 32
    rows_4kb = desc.replace(out_channels=256, kernel_h=2, kernel_w=2, pad_top=0, pad_bottom=0,
                            pad_left=0, pad_right=0, output_padding_h=0, output_padding_w=0)
    assert cols_shape(rows_4kb) == [1, 1, 64, 4 * 256]
    assert cols_shape(rows_4kb.replace(out_channels=32)) == [1, 1, 4 * 32, 64]
    thin = desc.replace(out_channels=3, kernel_h=4, kernel_w=4, output_padding_h=0,
                        output_padding_w=0)
    assert cols_shape(thin) == [1, 1, 64, 16 * 3]


def test_gemm_fused_col2im_with_batch_groups_and_vectors_over_rows():
    """Forced on a small layer (vectors over weight rows): batch 2, 2 groups, bias. Where taps
    overlap (kernel 4, stride 2) the choice is ignored: col2im stays a stage of its own."""
    desc = ConvTranspose2dDesc(batch=2, in_channels=32, out_channels=32, height=8, width=8,
                               kernel_h=2, kernel_w=2, stride_h=2, stride_w=2, groups=2,
                               has_bias=True)
    fused = {"gemm_col2im": 1, "gemm_pack": 1}
    sch = _kernel_is_exact(desc, "gemm", structure=fused)
    first_loop = [sch.get(sch.get_loops(sch.get_sblock(name))[0])
                  for name in ("conv2d_transpose", "cols_update")]
    assert first_loop[0].same_as(first_loop[1])  # under the row tiles
    overlapping = desc.replace(kernel_h=4, kernel_w=4, pad_top=1, pad_bottom=1, pad_left=1,
                               pad_right=1)
    sch = _kernel_is_exact(overlapping, "gemm", structure=fused)
    first_loop = [sch.get(sch.get_loops(sch.get_sblock(name))[0])
                  for name in ("conv2d_transpose", "cols_update")]
    assert not first_loop[0].same_as(first_loop[1])  # a stage of its own


def test_polyphase_default_tile_of_shared_taps_leaves_registers_for_broadcasts():
    """Columns whose jw taps share input pixels get an exact tile that leaves 8 registers
    (2 weight vectors: at most 11 columns), where one of at least half that exists: 12
    columns as 2 x 6 (not one tile of 24 accumulators), 14 as 2 x 7 (not 12 and a tail of 2),
    33 as 3 x 11; 17 has none and keeps register_tile's 12 (and a tail)."""
    from tvmconv.schedules.cpu_polyphase import shared_register_tile

    tiles = [shared_register_tile(qw, 12, 2, 32) for qw in (12, 14, 33, 17, 8)]
    assert tiles == [6, 7, 11, 12, 8]
    assert shared_register_tile(12, 24, 1, 32) == 12  # one vector: 23 columns fit


def test_gemm_default_register_tile_divides_both_extents():
    """A tile with a tail predicates its rows into memory accumulators: the default avoids one
    wherever a divisor tiling exists (FSRCNN x3: 81 rows, 452 pixel vectors)."""
    from tvmconv.schedules.config import CPUConfig
    from tvmconv.schedules.cpu_gemm import _pixel_vector_tile

    budget = CPUConfig().gemm_accumulators
    for p_vectors, rows in [(452, 81), (1024, 48), (49, 576), (4, 9), (7, 7), (1, 1)]:
        vectors, tile_rows = _pixel_vector_tile(p_vectors, rows, budget)
        assert p_vectors % vectors == 0 and rows % tile_rows == 0
        assert vectors * tile_rows <= budget
    assert _pixel_vector_tile(452, 81, budget) == (2, 9)
    assert _pixel_vector_tile(1024, 48, budget) == (4, 6)



@pytest.mark.parametrize("k_block", [0, 1])
@pytest.mark.parametrize("tile", [3, 4])
def test_spread_register_tile_with_dilated_taps(k_block, tile):
    """A register tile spread over the row (stride qw/tile), on DeepLab-like dilated taps:
    exact with the write cache (k_block 0) and with K blocks; a tile that does not divide the
    row (5 of 12) falls back to a contiguous one."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=40, out_channels=32, height=7, width=12,
                               kernel_h=3, kernel_w=3, pad_top=2, pad_bottom=2, pad_left=2,
                               pad_right=2, dilation_h=2, dilation_w=2, has_bias=True)
    structure = {"strategy": 0, "k_block": k_block, "reg_spread": 1}
    for tiles, spread in (([tile], True), ([5], False)):
        sch = _kernel_is_exact(desc, "polyphase", structure, tiles, seed=4)
        assert _spread_loops(sch) == spread
        assert hints_from_trace(sch.trace)[0] == structure


def test_default_register_tile_is_contiguous_and_spreading_it_is_offered():
    """A DeepLab-like K-blocked layer: the default tile is contiguous along the row (it leaves
    registers for the taps' shared pixels), and spreading it over the row stays a choice."""
    from tvmconv.compute import prim_func

    target = host_target()
    rule = rule_for(target)
    deeplab_like = ConvTranspose2dDesc(batch=1, in_channels=256, out_channels=64, height=17,
                                       width=18, kernel_h=3, kernel_w=3, pad_top=2,
                                       pad_bottom=2, pad_left=2, pad_right=2, dilation_h=2,
                                       dilation_w=2)
    func = prim_func(deeplab_like, "polyphase")
    assert not _spread_loops(rule.schedule(s_tir.Schedule(func), target, False))
    assert rule.last_choices.options.get("reg_spread") == 2
    assert _spread_loops(rule.schedule(s_tir.Schedule(func), target, False,
                                       structure={"reg_spread": 1}))


def _spread_loops(sch) -> bool:
    """Whether the phase block's unrolled register loop strides over qw (is outside the tile
    loop over qw)."""
    block = sch.get_sblock("phase_h0_w0_update")
    loops = [sch.get(lp) for lp in sch.get_loops(block)]
    names = [str(lp.loop_var.name) for lp in loops]
    return names.index("qw_0") > names.index("qw_1") if "qw_1" in names else False


def test_k_blocked_rows_that_do_not_divide_among_cores_split_the_channel_tiles():
    """DeepLab-like: 9 rows on 2 cores; the default runs two halves of the channel tiles in
    parallel (18 parallel iterations, not 9) and stays exact."""
    import tvm

    from tvmconv.compute import prim_func

    desc = ConvTranspose2dDesc(batch=1, in_channels=72, out_channels=64, height=9, width=10,
                               kernel_h=3, kernel_w=3, pad_top=2, pad_bottom=2, pad_left=2,
                               pad_right=2, dilation_h=2, dilation_w=2, has_bias=True)
    structure = {"strategy": 0, "k_block": 1, "vector": 0}
    for cores, halves in ((2, True), (3, False)):
        t = tvm.target.Target(dict(host_target().export(), **{"num-cores": cores}))
        sch = rule_for(t).schedule(s_tir.Schedule(prim_func(desc, "polyphase")), t, False,
                                   structure=structure)
        assert _parallel_extent(sch, "phase_h0_w0_update") == (18 if halves else 9)
    _kernel_is_exact(desc, "polyphase", dict(structure, co_halves=1), [5], seed=4)


def _parallel_extent(sch, block_name) -> int:
    """Extent of the block's parallel loop."""
    from tvm.tirx import ForKind

    loops = [sch.get(lp) for lp in sch.get_loops(sch.get_sblock(block_name))]
    return next(int(lp.extent) for lp in loops if lp.kind == ForKind.PARALLEL)


@pytest.mark.parametrize("width", [40000, 40009])  # 40009 is prime: no vector divides it
def test_a_very_wide_output_builds_and_is_exact(width):
    """A 1-D signal as a 1 x 40000 image: the output stage vectorised its whole row, which
    TVM's LLVM code generator refuses past 32767 lanes."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=16, out_channels=16, height=1, width=width,
                               kernel_h=1, kernel_w=9, pad_left=4, pad_right=4)
    kernel = build(desc, algorithm="polyphase")
    x, w, b = random_inputs(desc, 2)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)


def _default_has_slab(desc) -> bool:
    from tvmconv.compute import prim_func

    target = host_target()
    sch = rule_for(target).schedule(s_tir.Schedule(prim_func(desc, "polyphase")), target, False)
    return _has_block(sch, "weight_global")


@pytest.mark.parametrize("out_channels,slab", [(1024, True), (512, True), (48, False)])
def test_weight_taps_in_few_cache_sets_get_a_packed_slab_per_channel_tile(out_channels, slab):
    """512 and 1024 fp32 output channels put the packed weight's taps 2 KB and 4 KB apart (2
    and 1 L1 sets): on a small image the default copies each channel tile's slab contiguous,
    parallel over channel tiles; 48 channels (taps spread over every set) do not. All stay
    exact, as does the slab asked for on a small layer."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=out_channels, height=5,
                               width=6, kernel_h=3, kernel_w=3, pad_top=1, pad_bottom=1,
                               pad_left=1, pad_right=1)
    assert _default_has_slab(desc) == slab
    _kernel_is_exact(desc, "polyphase")
    small = desc.replace(out_channels=32, in_channels=5)
    assert _has_block(_kernel_is_exact(small, "polyphase", structure={"strategy": 0, "slab": 1}),
                      "weight_global")


def test_no_default_slab_where_each_channel_tile_would_re_read_a_large_input():
    """The slab's channel tiles run outermost, each re-reading the input: 128 channels (8
    sets) of a 64x64 image with 256 input channels, at stride 2, re-read 64 MB (the default
    keeps the channel tiles inside the rows); 1024 channels (one set) get it regardless."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=256, out_channels=128, height=64, width=64,
                               kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1)
    assert not _default_has_slab(desc)
    assert _default_has_slab(desc.replace(height=8, width=8))
    assert _default_has_slab(desc.replace(out_channels=1024))


def _has_block(sch, name: str) -> bool:
    try:
        sch.get_sblock(name)
    except Exception:  # pylint: disable=broad-except  (TVM raises its own error kinds)
        return False
    return True


def test_nchw_output_from_channel_last_phases_runs_channels_inside_rows():
    """The transpose out of channel-innermost phase buffers walks output channels inside the
    rows (each phase row is read by every channel while in cache), in parallel over both."""
    from tvmconv.compute import prim_func

    desc = ConvTranspose2dDesc(batch=2, in_channels=16, out_channels=64, height=9, width=8,
                               kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1)
    target = host_target()
    sch = rule_for(target).schedule(s_tir.Schedule(prim_func(desc, "polyphase")), target, False,
                                    structure={"strategy": 0})
    loops = [sch.get(lp) for lp in sch.get_loops(sch.get_sblock("conv2d_transpose"))]
    assert str(loops[0].loop_var.name) == "n_oh_0_co_fused"
    _kernel_is_exact(desc, "polyphase", structure={"strategy": 0})


@pytest.mark.parametrize("groups,activation", [(1, "none"), (8, "relu"), (8, "none")])
def test_stride_one_writes_the_output_from_the_register_tiles(groups, activation):
    """At stride 1 the output stage (bias, activation, cast) is folded into the phase's
    write-back, depthwise included (which then gets a write cache); exact with bias."""
    from tvmconv.compute import prim_func

    desc = ConvTranspose2dDesc(batch=2, in_channels=8, out_channels=8, height=7, width=9,
                               kernel_h=3, kernel_w=3, pad_top=1, pad_bottom=1, pad_left=1,
                               pad_right=1, groups=groups, has_bias=True, activation=activation)
    target = host_target()
    sch = rule_for(target).schedule(s_tir.Schedule(prim_func(desc, "polyphase")), target, False)
    assert not _has_block(sch, "conv2d_transpose")
    assert _has_block(sch, "phase_h0_w0_global")
    _kernel_is_exact(desc, "polyphase")
    strided = desc.replace(stride_h=2, stride_w=2, output_padding_h=1, output_padding_w=1)
    assert _has_block(_kernel_is_exact(strided, "polyphase"), "conv2d_transpose")
