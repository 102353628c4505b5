"""The decomposition itself: every (input, tap) pair lands exactly once, no stride zeros."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tvmconv.polyphase import AxisPlan


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
        for r in range(cls.r_start, cls.r_start + cls.count):
            for j in range(cls.taps):
                k = r + plan.s1 * j
                assert k < kernel
                for q in range(plan.q_min, plan.q_min + plan.q_count):
                    t = q * stride + plan.phase_position(r)
                    i = q - plan.input_offset(r) - j * plan.d1
                    assert i * stride + k * dilation == t
                    assert i + plan.pad_low >= 0 and i <= size - 1 + plan.pad_high
                    if 0 <= i < size and 0 <= t - pad < out_size:
                        got.append((i, k))
    assert sorted(got) == sorted(wanted)
