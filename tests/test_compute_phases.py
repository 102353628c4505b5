"""The decomposition itself: every (input, tap) pair lands exactly once, no stride zeros."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tvmconv.compute.phases import AxisPlan


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 7), kernel=st.integers(1, 9), stride=st.integers(1, 6),
       dilation=st.integers(1, 6), pad=st.integers(0, 4), extra=st.integers(0, 5))
def test_phases_cover_every_tap_exactly_once(size, kernel, stride, dilation, pad, extra):
    full = (size - 1) * stride + dilation * (kernel - 1) + 1
    out_size = max(1, full - pad + extra - pad)
    plan = AxisPlan(size, out_size, kernel, stride, dilation, pad)
    # Scatter definition: (input i, tap k) contributes to output t - pad, t = i*s + k*d.
    wanted = {(i, k) for i, k in itertools.product(range(size), range(kernel))
              if 0 <= i * stride + k * dilation - pad < out_size}
    got = []
    for cls in plan.classes:
        count = plan.class_q_count(cls)
        assert count <= plan.q_count
        for r, start in zip(range(cls.r_start, cls.r_start + cls.count),
                            plan.class_q_starts(cls)):
            assert start >= plan.q_min
            if plan.q_first(r) <= plan.q_last(r):  # a phase inside the output: rows it needs
                assert plan.q_last(r) - plan.q_first(r) + 1 <= count
            for j in range(cls.taps):
                k = r + plan.s1 * j
                assert k < kernel
                for q in range(start, start + count):
                    t = q * stride + plan.phase_position(r)
                    i = q - plan.input_offset(r) - j * plan.d1
                    assert i * stride + k * dilation == t
                    assert i + plan.pad_low >= 0 and i <= size - 1 + plan.pad_high
                    if 0 <= i < size and 0 <= t - pad < out_size:
                        got.append((i, k))
    assert sorted(got) == sorted(wanted)


def test_phases_compute_no_row_outside_the_output():
    """k4 s2 p1 (pix2pix, DCGAN): the two phases of an axis need q 1..32 and 0..31 of 64
    outputs; each computes its own 32 rows, not the 33 of their union."""
    from tvmconv.compute.phases import executed_macs
    from tvmconv.description import ConvTranspose2dDesc

    plan = AxisPlan(32, 64, 4, 2, 1, 1)
    (cls,) = plan.classes
    assert plan.class_q_starts(cls) == (1, 0) and plan.class_q_count(cls) == 32
    desc = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=8, height=32, width=32,
                               kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1)
    assert executed_macs(desc) * 2 == desc.flops


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 12), kernel=st.integers(1, 9), dilation=st.integers(1, 6),
       pad=st.integers(0, 12), extra=st.integers(0, 5), min_waste=st.sampled_from([0.0, 0.2]))
def test_bands_cover_every_row_once_with_every_tap_in_range(size, kernel, dilation, pad, extra,
                                                            min_waste):
    """A stride-1 axis cut into bands: the bands tile the stage's rows, and each band's taps
    hold every tap that reads inside the input at any of its rows (no product is lost)."""
    from tvmconv.compute import phases

    full = (size - 1) + dilation * (kernel - 1) + 1
    out_size = max(1, full - 2 * pad + extra)
    kept, phases.BAND_MIN_WASTE = phases.BAND_MIN_WASTE, min_waste
    try:
        plan = AxisPlan(size, out_size, kernel, 1, dilation, min(pad, full - 1))
        (cls,) = plan.classes
        bands = plan.bands(cls)
        rows = plan.class_q_count(cls)
        starts = [0, *itertools.accumulate(b.q_count for b in bands)][:-1]
        assert [b.q_start for b in bands] == starts
        assert sum(b.q_count for b in bands) == rows
        for band in bands:
            assert 0 <= band.j_start and band.j_start + band.taps <= cls.taps
            for q in range(band.q_start, band.q_start + band.q_count):
                first, last = plan.valid_taps(cls, q)
                start = plan.shared_q_start(cls)
                inside = [j for j in range(cls.taps) if 0 <= start + q - j * dilation < size]
                assert inside == list(range(first, last + 1))
                assert all(band.j_start <= j < band.j_start + band.taps for j in inside)
    finally:
        phases.BAND_MIN_WASTE = kept


def test_a_dilated_layer_on_a_small_image_multiplies_no_border_zero():
    """DeepLab's ASPP at dilation 12 on a 33x33 image: a quarter of each axis's taps read the
    zero border; cut into three bands per axis it multiplies only taps inside the input."""
    from tvmconv.compute.phases import Band, axis_plans, executed_macs
    from tvmconv.description import ConvTranspose2dDesc

    desc = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=8, height=33, width=33,
                               kernel_h=3, kernel_w=3, dilation_h=12, dilation_w=12, pad_top=12,
                               pad_bottom=12, pad_left=12, pad_right=12)
    plan, _ = axis_plans(desc)
    (cls,) = plan.classes
    assert plan.bands(cls) == (Band(0, 12, 0, 2), Band(12, 9, 0, 3), Band(21, 12, 1, 2))
    assert executed_macs(desc) == 8 * 8 * (12 * 2 + 9 * 3 + 12 * 2) ** 2
    # (at dilation 2, a 24th of the taps: not cut)
    small = desc.replace(dilation_h=2, dilation_w=2, pad_top=2, pad_bottom=2, pad_left=2,
                         pad_right=2)
    assert executed_macs(small) * 2 == small.flops
