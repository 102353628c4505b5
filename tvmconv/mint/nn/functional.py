"""``tvmconv.mint.nn.functional``: MindSpore's ``mint.nn.functional`` (PyTorch semantics)."""

from __future__ import annotations

import numpy as np

from ...args import pair, positive_int
from ...build import build
from ...description import ConvTranspose2dDesc

__all__ = ["conv_transpose2d"]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # pylint: disable=redefined-builtin
    r"""2-D transposed convolution of ``input`` (N, C_in, iH, iW) or (C_in, iH, iW).

    ``weight`` is (C_in, C_out/groups, kH, kW); ``bias`` (C_out,) or None. The output is
    (N, C_out, oH, oW) (unbatched in, unbatched out) with

        oH = (iH - 1)*sH - 2*padH + dH*(kH - 1) + out_padH + 1

    Raises TypeError for a stride/padding/output_padding/dilation that is not an int, tuple or
    list, a non-int groups or mismatched dtypes; ValueError for values out of range, tuples of
    the wrong length, and shapes that do not fit together.
    """
    stride = pair(stride, "stride", 1)
    padding = pair(padding, "padding", 0)
    output_padding = pair(output_padding, "output_padding", 0)
    dilation = pair(dilation, "dilation", 1)
    groups = positive_int(groups, "groups")
    x = np.asarray(input)
    w = np.asarray(weight)
    unbatched = x.ndim == 3
    if unbatched:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"weight must be 4-D (C_in, C_out/groups, kH, kW), got shape {w.shape}")
    if x.dtype != w.dtype:
        raise TypeError(f"input and weight must have the same dtype, got {x.dtype} and {w.dtype}")
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"weight.shape[0] ({w.shape[0]}) must equal the input channels "
                         f"({x.shape[1]}): weight is (C_in, C_out/groups, kH, kW)")
    out_channels = w.shape[1] * groups
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (out_channels,):
            raise ValueError(f"bias must have shape ({out_channels},) (out_channels), "
                             f"got {bias.shape}")
        if bias.dtype != x.dtype:
            raise TypeError(f"bias dtype {bias.dtype} must match the input dtype {x.dtype}")
    desc = ConvTranspose2dDesc(
        batch=x.shape[0], in_channels=x.shape[1], out_channels=out_channels,
        height=x.shape[2], width=x.shape[3], kernel_h=w.shape[2], kernel_w=w.shape[3],
        stride_h=stride[0], stride_w=stride[1], dilation_h=dilation[0], dilation_w=dilation[1],
        pad_top=padding[0], pad_bottom=padding[0], pad_left=padding[1], pad_right=padding[1],
        output_padding_h=output_padding[0], output_padding_w=output_padding[1], groups=groups,
        layout="NCHW", dtype=str(x.dtype), has_bias=bias is not None)
    out = build(desc)(x, w, bias)
    return out[0] if unbatched else out
