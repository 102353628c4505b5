"""Differential tests: the compiled kernel (default CPU schedule) against the float64 reference
over random descriptions, random data and NaN-poisoned output buffers."""

import os

import numpy as np
import pytest
import tvm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import descriptions

from tvmconv.compiler.builder import build
from tvmconv.compute import ALGORITHMS
from tvmconv.compute.gemm import gemm_pixels, gemm_supported
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

EXAMPLES = int(os.environ.get("TVMCONV_TEST_EXAMPLES", "300"))


def check(desc, seed, algorithm=None):
    kernel = build(desc, algorithm=algorithm)
    x, w, b = random_inputs(desc, seed)
    got = run_kernel_poisoned(kernel, x, w, b)
    assert_matches_reference(desc, got, x, w, b)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(desc=descriptions(), seed=st.integers(0, 2**31 - 1))
def test_float32_matches_reference(desc, seed):
    check(desc, seed)


@pytest.mark.slow
@settings(max_examples=max(20, EXAMPLES // 3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(desc=descriptions(dtypes=("float16",)), seed=st.integers(0, 2**31 - 1))
def test_float16_matches_reference(desc, seed):
    check(desc, seed)


@pytest.mark.slow
@settings(max_examples=max(30, EXAMPLES // 3), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(desc=descriptions(dtypes=("float32", "float16")), seed=st.integers(0, 2**31 - 1),
       algorithm=st.sampled_from(ALGORITHMS))
def test_each_algorithm_matches_reference(desc, seed, algorithm):
    """build() picks one compute per description; both must be right wherever they apply."""
    assume(algorithm != "gemm" or gemm_supported(desc))
    check(desc, seed, algorithm)


# Layers whose structure random search may miss: big strides and kernels, shared factors of
# stride and dilation, classes of phases with zero taps, tiny and odd inputs.
EDGE_CASES = [
    dict(in_channels=3, out_channels=2, height=4, width=4, kernel_h=16, kernel_w=16, stride_h=8,
         stride_w=8, pad_top=4, pad_bottom=4, pad_left=4, pad_right=4),               # FCN-8s
    dict(in_channels=2, out_channels=2, height=3, width=5, kernel_h=3, kernel_w=3, stride_h=4,
         stride_w=6, dilation_h=2, dilation_w=4),                    # gcd(s, d) > 1, empty phases
    dict(in_channels=2, out_channels=3, height=1, width=1, kernel_h=4, kernel_w=4),  # DCGAN 1x1
    dict(in_channels=2, out_channels=2, height=2, width=3, kernel_h=1, kernel_w=2, stride_h=5,
         stride_w=3, output_padding_h=4, output_padding_w=2),        # kernel smaller than stride
    dict(in_channels=4, out_channels=4, height=5, width=5, kernel_h=3, kernel_w=3, stride_h=2,
         stride_w=2, pad_top=3, pad_bottom=0, pad_left=0, pad_right=2, groups=4, has_bias=True),
    dict(in_channels=40, out_channels=36, height=9, width=21, kernel_h=4, kernel_w=4,
         stride_h=2, stride_w=2, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1),   # wide tiles
    dict(in_channels=8, out_channels=64, height=6, width=7, kernel_h=3, kernel_w=3, stride_h=2,
         stride_w=2, pad_top=1, pad_bottom=1, pad_left=1, pad_right=1, output_padding_h=1,
         output_padding_w=1, has_bias=True),       # channel vectors over four phase classes
    dict(in_channels=64, out_channels=64, height=5, width=9, kernel_h=3, kernel_w=2, stride_h=3,
         stride_w=2, groups=2, dilation_h=2),       # channel vectors within groups
    dict(in_channels=2, out_channels=1, height=1, width=1, kernel_h=2, kernel_w=2, stride_h=2,
         stride_w=2, pad_top=2, output_padding_h=1, has_bias=True),  # every tap in the padding
    dict(in_channels=2, out_channels=1, height=1, width=1, kernel_h=1, kernel_w=1, dilation_h=2,
         dilation_w=2, output_padding_h=1, output_padding_w=1),  # stride 1, output past the taps
]


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", range(len(EDGE_CASES)))
def test_edge_cases(case, layout):
    check(ConvTranspose2dDesc(batch=2, layout=layout, **EDGE_CASES[case]), seed=case)


def test_poisoned_buffer_detects_unwritten_output():
    """The check itself can fail: a buffer nobody writes keeps its NaNs and is rejected."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=2, out_channels=2, height=3, width=3,
                               kernel_h=2, kernel_w=2)
    x, w, _ = random_inputs(desc)
    with pytest.raises(AssertionError, match="unwritten"):
        assert_matches_reference(desc, np.full(desc.output_shape, np.nan, "float32"), x, w)
    with pytest.raises(AssertionError, match="scaled error"):
        assert_matches_reference(desc, np.zeros(desc.output_shape, "float32"), x, w)


# Shapes hypothesis found where TVM's LLVM code generator emitted invalid IR: a 2-wide tile
# (now unrolled, not vectorised) and ones that need build()'s unscheduled fallback.
LLVM_VERIFY_CASES = [
    dict(in_channels=5, out_channels=5, height=4, width=2, kernel_h=3, kernel_w=1, stride_h=2,
         dilation_h=3, output_padding_h=1, groups=5),
    dict(in_channels=1, out_channels=2, height=3, width=2, kernel_h=4, kernel_w=5, stride_w=2,
         dilation_h=2),
    dict(in_channels=1, out_channels=2, height=3, width=3, kernel_h=4, kernel_w=5, stride_w=3,
         dilation_h=2),
]


@pytest.mark.filterwarnings("ignore:tvmconv. the scheduled kernel")
@pytest.mark.parametrize("case", range(len(LLVM_VERIFY_CASES)))
def test_shapes_that_broke_llvm_verification(case):
    check(ConvTranspose2dDesc(batch=1, **LLVM_VERIFY_CASES[case]), seed=0)


@settings(max_examples=50, deadline=None)
@given(desc=descriptions())
def test_gemm_compute_multiplies_only_useful_products(desc):
    """The gemm compute's GEMM iterates exactly the useful multiply-adds (desc.flops / 2):
    neither stride-inserted nor border zeros."""
    import math

    from tvm import s_tir

    from tvmconv.compute import prim_func

    assume(gemm_supported(desc))
    sch = s_tir.Schedule(prim_func(desc, "gemm"))
    iters = sch.get(sch.get_sblock("cols")).iter_vars
    assert math.prod(int(iv.dom.extent) for iv in iters) * 2 == desc.flops
    assert gemm_pixels(desc) == desc.height * desc.width  # (small images are never padded)


# Large NCHW images whose pixel count is no multiple of a vector: the gemm compute pads its
# pixel rows (FSRCNN x3's 85x85), and every padded pixel must stay out of the output.
PADDED_PIXEL_CASES = [
    dict(in_channels=3, out_channels=1, height=17, width=17, kernel_h=9, kernel_w=9, stride_h=3,
         stride_w=3, pad_top=4, pad_bottom=4, pad_left=4, pad_right=4, output_padding_h=2,
         output_padding_w=2),                                           # FSRCNN x3, smaller
    dict(in_channels=4, out_channels=6, height=15, width=19, kernel_h=3, kernel_w=3, stride_h=2,
         stride_w=2, pad_top=1, pad_bottom=0, groups=2, has_bias=True),
]


@pytest.mark.parametrize("case", range(len(PADDED_PIXEL_CASES)))
def test_gemm_pads_awkward_pixel_counts(case):
    desc = ConvTranspose2dDesc(batch=2, **PADDED_PIXEL_CASES[case])
    assert gemm_pixels(desc) > desc.height * desc.width  # the case exercises the padding
    check(desc, seed=case, algorithm="gemm")


def test_gemm_kernel_reads_the_users_weight_unpacked():
    """The gemm compute's rows m = (co, kh, kw) are the NCHW weight's own: no pack_weight, and
    run_packed takes the user's weight as it is (the polyphase kernel packs it)."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=16, height=6, width=5,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1)
    gemm, poly = build(desc, algorithm="gemm"), build(desc, algorithm="polyphase")
    assert gemm.weight_arg_shape == gemm.packed_weight_shape == desc.weight_shape
    assert poly.packed_weight_shape == desc.kernel_weight_shape != desc.weight_shape
    x, w, b = random_inputs(desc, seed=3)
    out = tvm.runtime.tensor(np.full(desc.output_shape, np.nan, "float32"))
    gemm.run_packed([tvm.runtime.tensor(x), tvm.runtime.tensor(w)], out)
    assert_matches_reference(desc, out.numpy(), x, w)


def test_an_output_no_tap_reaches_is_the_bias_alone():
    """k1 s2 p1 on 2 rows: the one output row lies between the taps (found by hypothesis: the
    default once gave it the gemm compute, whose schedule failed on a GEMM nothing reads)."""
    desc = ConvTranspose2dDesc(batch=1, in_channels=2, out_channels=2, height=2, width=1,
                               kernel_h=1, kernel_w=2, stride_h=2, pad_top=1, pad_bottom=1,
                               layout="NHWC", has_bias=True)
    assert not gemm_supported(desc)
    kernel = build(desc)
    assert kernel.algorithm == "polyphase"
    x, w, b = random_inputs(desc, 1)
    got = run_kernel_poisoned(kernel, x, w, b)
    assert_matches_reference(desc, got, x, w, b)
    np.testing.assert_array_equal(got, np.broadcast_to(b, got.shape))


# Kernels far larger than the input: col2im enumerates input positions, not the kernel's taps
# (a 1x1 input under 64x64 took 3.2 s a call on polyphase: 4095 of 4096 products were zeros).
SMALL_INPUT_BIG_KERNEL = [
    dict(in_channels=8, out_channels=8, height=1, width=1, kernel_h=32, kernel_w=32),
    dict(in_channels=3, out_channels=5, height=2, width=1, kernel_h=9, kernel_w=17, stride_h=2,
         dilation_w=2, pad_top=3, pad_left=5, has_bias=True),
    dict(in_channels=4, out_channels=4, height=3, width=2, kernel_h=20, kernel_w=6,
         stride_w=3, groups=2, output_padding_w=1),
]


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
@pytest.mark.parametrize("case", range(len(SMALL_INPUT_BIG_KERNEL)))
def test_small_inputs_under_big_kernels_take_the_gemm(case, layout):
    desc = ConvTranspose2dDesc(batch=2, layout=layout, **SMALL_INPUT_BIG_KERNEL[case])
    assert gemm_supported(desc)
    kernel = build(desc)
    assert kernel.algorithm == "gemm"
    x, w, b = random_inputs(desc, case)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_an_absurd_stride_builds_in_bounded_time(algorithm):
    """stride (100000, 1): one unrolled copy of the output stage per phase kept LLVM busy for
    more than 300 s; phases beyond MAX_UNROLLED_STRIDE stay a loop."""
    import time

    desc = ConvTranspose2dDesc(batch=1, in_channels=2, out_channels=3, height=2, width=4,
                               kernel_h=3, kernel_w=3, stride_h=100000, has_bias=True)
    started = time.perf_counter()
    kernel = build(desc, algorithm=algorithm)
    assert time.perf_counter() - started < 60
    x, w, b = random_inputs(desc, 1)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)


@settings(max_examples=max(30, EXAMPLES // 5), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(desc=descriptions(dtypes=("float32",)), seed=st.integers(0, 2**31 - 1))
def test_stride_1_axes_cut_into_bands_match_reference(desc, seed):
    """Every stride-1 axis with a border tap cut into bands (compute/phases.py cuts only where a
    fifth of the taps read the border): the band stages and the partitioned output stage."""
    from tvmconv.compute import phases

    kept, phases.BAND_MIN_WASTE = phases.BAND_MIN_WASTE, 1e-9
    try:
        plans = phases.axis_plans(desc)
        assume(any(len(plan.bands(cls)) > 1 for plan in plans for cls in plan.classes))
        kernel = build(desc, algorithm="polyphase", use_tuned=False)
        x, w, b = random_inputs(desc, seed)
        assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)
    finally:
        phases.BAND_MIN_WASTE = kept
