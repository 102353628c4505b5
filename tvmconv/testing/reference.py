"""An independent float64 reference: a plain scatter, for tests and benchmarks only.

Every input pixel adds (kernel x value) into the output window it touches; nothing here shares
code or index arithmetic with the polyphase compute.
"""

from __future__ import annotations

import numpy as np

from ..description import ConvTranspose2dDesc, leaky_relu_slope


def conv2d_transpose_reference(desc: ConvTranspose2dDesc, x, w, bias=None) -> np.ndarray:
    """float64 result of `desc` on arrays laid out as desc.layout says."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if desc.layout == "NHWC":  # work in NCHW / (Cin, Cout/G, kh, kw)
        x = x.transpose(0, 3, 1, 2)
        w = w.transpose(0, 3, 1, 2)
    n, cin, h, wd = x.shape
    g = desc.groups
    cig, cog = cin // g, desc.out_channels // g
    sh, sw, dh, dw = desc.stride_h, desc.stride_w, desc.dilation_h, desc.dilation_w
    # Full (uncropped) output, then crop the pads; output_padding adds rows/cols at the end.
    full_h = (h - 1) * sh + dh * (desc.kernel_h - 1) + 1 + desc.output_padding_h
    full_w = (wd - 1) * sw + dw * (desc.kernel_w - 1) + 1 + desc.output_padding_w
    full = np.zeros((n, desc.out_channels, full_h, full_w))
    for grp in range(g):
        xg = x[:, grp * cig:(grp + 1) * cig]            # (n, cig, h, w)
        wg = w[grp * cig:(grp + 1) * cig]               # (cig, cog, kh, kw)
        for kh in range(desc.kernel_h):
            for kw in range(desc.kernel_w):
                # contribution of tap (kh, kw) from every input pixel: (n, cog, h, w)
                contrib = np.einsum("nihw,io->nohw", xg, wg[:, :, kh, kw])
                oh0, ow0 = kh * dh, kw * dw
                full[:, grp * cog:(grp + 1) * cog,
                     oh0:oh0 + (h - 1) * sh + 1:sh, ow0:ow0 + (wd - 1) * sw + 1:sw] += contrib
    out = full[:, :, desc.pad_top:desc.pad_top + desc.out_height,
               desc.pad_left:desc.pad_left + desc.out_width]
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)[None, :, None, None]
    out = activation_reference(desc.activation, out)
    if desc.layout == "NHWC":
        out = out.transpose(0, 2, 3, 1)
    return np.ascontiguousarray(out)


def max_scaled_error(desc: ConvTranspose2dDesc, got, x, w, bias=None, floor: float = 0.0) -> float:
    """max over elements of (|got - reference| - floor)+ / (sum of |terms| + 1e-6): each
    element's error relative to the rounding error its sum can carry (NaN if got has a NaN).
    floor: an absolute error forgiven (e.g. the output dtype's smallest subnormal step)."""
    expected = conv2d_transpose_reference(desc, x, w, bias)
    # every activation is Lipschitz: it scales a sum's error by at most its constant
    scale = conv2d_transpose_reference(desc.replace(activation="none"), np.abs(x), np.abs(w),
                                       None if bias is None else np.abs(bias))
    scale = scale * lipschitz(desc.activation)
    if desc.activation in ("tanh", "sigmoid"):  # outputs not small with their sums (0.5 at 0):
        scale = scale + np.abs(expected)        # their own rounding is relative to themselves
    err = np.abs(np.asarray(got, dtype=np.float64) - expected)
    return float((np.maximum(err - floor, 0) / (scale + 1e-6)).max())


def max_relative_error(desc: ConvTranspose2dDesc, got, x, w, bias=None) -> float:
    """max |got - reference| over max(1, max |reference|): one number for bench and demo."""
    expected = conv2d_transpose_reference(desc, x, w, bias)
    scale = max(1.0, float(np.abs(expected).max()))
    return float(np.abs(np.asarray(got, dtype=np.float64) - expected).max() / scale)


def activation_reference(activation: str, out: np.ndarray) -> np.ndarray:
    """desc.activation applied in float64."""
    if activation == "none":
        return out
    if activation == "relu":
        return np.maximum(out, 0)
    if activation == "tanh":
        return np.tanh(out)
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-out))
    slope = leaky_relu_slope(activation)
    return np.where(out >= 0, out, out * slope)


def lipschitz(activation: str) -> float:
    slope = leaky_relu_slope(activation)
    return max(1.0, abs(slope)) if slope is not None else 1.0
