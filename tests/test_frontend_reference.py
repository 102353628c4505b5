"""Every surface against independent float64 references over random parameters (hypothesis).

The ops are checked as what they claim to be, the gradient of a forward convolution: for the
forward convolution F that MindSpore's pad_mode defines on an input of `input_size`,
<F(x), dout> must equal <x, op(dout, w, input_size)> for random x and dout. That identity knows
nothing of transposed convolutions, polyphase splits or output_padding.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tvmconv import megengine, nn, ops
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.testing.reference import conv2d_transpose_reference

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def forward_conv(x, w, stride, dilation, pads, group):
    """float64 forward convolution: x (N, Cin, H, W), w (Cout, Cin/g, kh, kw), pads (t, b, l, r)."""
    n, cin, h, wd = x.shape
    cout, cig, kh, kw = w.shape
    (sh, sw), (dh, dw), (pt, pb, pl, pr) = stride, dilation, pads
    xp = np.zeros((n, cin, h + pt + pb, wd + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + wd] = x
    oh = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, cout, oh, ow))
    cog = cout // group
    for g in range(group):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cig:(g + 1) * cig, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                           j * dw:j * dw + (ow - 1) * sw + 1:sw]
                out[:, g * cog:(g + 1) * cog] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * cog:(g + 1) * cog, :, i, j])
    return out


def same_pads(size, k, s, d):
    out = -(-size // s)
    total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
    return total // 2, total - total // 2


@st.composite
def backprop_problems(draw):
    """A forward convolution MindSpore's pad modes describe, with consistent dout/input_size."""
    mode = draw(st.sampled_from(["valid", "same", "pad"]))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    group = draw(st.sampled_from([1, 1, 2]))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4)) if mode == "pad" else (0, 0, 0, 0)
    size = []
    for axis in range(2):
        span = d[axis] * (k[axis] - 1) + 1
        lo = max(1, span - pads[2 * axis] - pads[2 * axis + 1])
        size.append(draw(st.integers(lo, lo + 7)))
    if mode == "same":
        pads = same_pads(size[0], k[0], s[0], d[0]) + same_pads(size[1], k[1], s[1], d[1])
    cin = group * draw(st.integers(1, 3))
    cout = group * draw(st.integers(1, 3))
    n = draw(st.integers(1, 2))
    fmt = draw(st.sampled_from(["NCHW", "NHWC"]))
    dtype = draw(st.sampled_from(["float32", "float32", "float16"]))
    return dict(mode=mode, k=k, s=s, d=d, group=group, pads=pads, size=(n, cin, *size),
                cout=cout, fmt=fmt, dtype=dtype, seed=draw(st.integers(0, 2**31)))


@pytest.mark.slow
@SETTINGS
@given(backprop_problems())
def test_ops_is_the_gradient_of_forward_convolution(p):
    rng = np.random.default_rng(p["seed"])
    n, cin, h, wd = p["size"]
    w = rng.standard_normal((p["cout"], cin // p["group"], *p["k"])).astype(p["dtype"])
    x = rng.standard_normal(p["size"])
    fwd = forward_conv(x, w.astype(np.float64), p["s"], p["d"], p["pads"], p["group"])
    dout = rng.standard_normal(fwd.shape).astype(p["dtype"])
    init = dict(out_channel=p["cout"], kernel_size=p["k"], pad_mode=p["mode"], stride=p["s"],
                dilation=p["d"], group=p["group"], data_format=p["fmt"])
    if p["mode"] == "pad":
        init["pad"] = p["pads"]
    op = ops.Conv2DTranspose(**init)
    if p["fmt"] == "NHWC":
        dx = op(dout.transpose(0, 2, 3, 1).copy(), w.transpose(0, 2, 3, 1).copy(),
                (n, h, wd, cin)).transpose(0, 3, 1, 2)
    else:
        dx = op(dout, w, p["size"])
    assert dx.shape == p["size"] and dx.dtype == np.dtype(p["dtype"])
    lhs = float((fwd * dout.astype(np.float64)).sum())
    rhs = float((x * dx.astype(np.float64)).sum())
    scale = float((np.abs(fwd) * np.abs(dout.astype(np.float64))).sum()) + 1e-9
    assert abs(lhs - rhs) <= (3e-3 if p["dtype"] == "float16" else 1e-5) * scale


@pytest.mark.slow
@SETTINGS
@given(st.sampled_from(["valid", "same", "pad"]), st.integers(1, 5), st.integers(1, 3),
       st.integers(1, 2), st.booleans(), st.integers(0, 2), st.integers(0, 2**31))
def test_nn_matches_its_output_formula_and_reference(mode, k, s, d, has_bias, op, seed):
    padding = (1, 0, 2, 1) if mode == "pad" else 0
    output_padding = min(op, max(s, d) - 1) if mode == "pad" else 0
    layer = nn.Conv2dTranspose(4, 6, k, stride=s, pad_mode=mode, padding=padding, dilation=d,
                               group=2, has_bias=has_bias, weight_init="normal",
                               bias_init="uniform", output_padding=output_padding, seed=seed)
    x = np.random.default_rng(seed).standard_normal((2, 4, 5, 4)).astype(np.float32)
    out = layer(x)
    span = d * (k - 1) + 1
    expected_h = {"valid": 5 * s + max(span - s, 0), "same": 5 * s,
                  "pad": 5 * s - 1 + span - s}[mode] + output_padding
    assert out.shape[2] == expected_h
    # Reference: the full transposed convolution cropped/zero-extended to the layer's size.
    full_desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=6, height=5, width=4,
                                    kernel_h=k, kernel_w=k, stride_h=s, stride_w=s, dilation_h=d,
                                    dilation_w=d, groups=2)
    full = conv2d_transpose_reference(full_desc, x, layer.weight)
    op_pads = layer._op.describe(x.shape, layer.weight.shape,  # pylint: disable=protected-access
                                 (2, 6, *layer.output_size(5, 4)), "float32")
    expected = np.zeros(out.shape)
    rows = full[:, :, op_pads.pad_top:op_pads.pad_top + out.shape[2] - output_padding,
                op_pads.pad_left:op_pads.pad_left + out.shape[3] - output_padding]
    expected[:, :, :rows.shape[2], :rows.shape[3]] = rows
    if has_bias:
        h, w = out.shape[2] - output_padding, out.shape[3] - output_padding
        expected[:, :, :h, :w] += layer.bias[None, :, None, None]
    np.testing.assert_allclose(out, expected, atol=1e-5 * max(1, np.abs(expected).max()))


@pytest.mark.slow
@SETTINGS
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.integers(0, 2), st.sampled_from([1, 2]), st.booleans(),
       st.sampled_from(["default", "float32"]), st.sampled_from(["float32", "float16"]),
       st.integers(0, 2**31))
def test_megengine_matches_reference(k, s, d, p, op, groups, bias, compute_mode, dtype, seed):
    op = min(op, s - 1)
    layer = megengine.module.ConvTranspose2d(4, 6, k, stride=s, padding=p, output_padding=op,
                                             dilation=d, groups=groups, bias=bias,
                                             compute_mode=compute_mode)
    rng = np.random.default_rng(seed)
    layer.weight = rng.standard_normal(layer.weight.shape).astype(dtype)
    if bias:
        layer.bias = rng.standard_normal((1, 6, 1, 1)).astype(dtype)
    x = rng.standard_normal((2, 4, 4, 5)).astype(dtype)
    span = d * (k - 1) + 1
    if 3 * s - 2 * p + span + op < 1:  # the 4-high axis has no output left
        with pytest.raises(ValueError, match="padding"):
            layer(x)
        return
    out = layer(x)
    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=6, height=4, width=5,
                               kernel_h=k, kernel_w=k, stride_h=s, stride_w=s, dilation_h=d,
                               dilation_w=d, pad_top=p, pad_bottom=p, pad_left=p, pad_right=p,
                               output_padding_h=op, output_padding_w=op, groups=groups)
    expected = conv2d_transpose_reference(desc, x, layer.weight.reshape(desc.weight_shape),
                                          None if not bias else layer.bias.reshape(-1))
    scale = conv2d_transpose_reference(desc, np.abs(x), np.abs(layer.weight).reshape(
        desc.weight_shape), None if not bias else np.abs(layer.bias).reshape(-1))
    tol = {"float32": 1e-5, "float16": 4e-3 if compute_mode == "float32" else 2e-2}[dtype]
    assert out.dtype == np.dtype(dtype)
    assert (np.abs(out.astype(np.float64) - expected) <= tol * (scale + 1e-3)).all()


@pytest.mark.slow
@SETTINGS
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.integers(0, 2),
       st.integers(0, 2), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_mint_matches_reference_batched_and_unbatched(k, s, d, p, op, bias, unbatched, seed):
    op = min(op, max(s, d) - 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 3, 5, 4)).astype(np.float32)
    w = rng.standard_normal((3, 2, k, k)).astype(np.float32)
    b = rng.standard_normal(2).astype(np.float32) if bias else None
    if 3 * s - 2 * p + d * (k - 1) + op + 1 < 1:  # the 4-wide axis has no output left
        with pytest.raises(ValueError, match="padding"):
            conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, dilation=d)
        return
    desc = ConvTranspose2dDesc(batch=1, in_channels=3, out_channels=2, height=5, width=4,
                               kernel_h=k, kernel_w=k, stride_h=s, stride_w=s, dilation_h=d,
                               dilation_w=d, pad_top=p, pad_bottom=p, pad_left=p, pad_right=p,
                               output_padding_h=op, output_padding_w=op)
    out = conv_transpose2d(x[0] if unbatched else x, w, b, stride=s, padding=p,
                           output_padding=op, dilation=d)
    expected = conv2d_transpose_reference(desc, x, w, b)
    np.testing.assert_allclose(out, expected[0] if unbatched else expected,
                               atol=1e-5 * max(1, np.abs(expected).max()))
