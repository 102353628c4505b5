"""``tvmconv.mint.nn.functional``: MindSpore's ``mint.nn.functional`` (PyTorch semantics)."""

from __future__ import annotations

from ...description import ConvTranspose2dDesc
from ...frontend import conv_transpose, described, input_dtype, pair, positive_int
from ...runtime import tensors

__all__ = ["conv_transpose2d"]


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # pylint: disable=redefined-builtin
    r"""2-D transposed convolution of ``input`` (N, C_in, iH, iW) or (C_in, iH, iW).

    ``input``, ``weight`` and ``bias`` are NumPy arrays or DLPack tensors (PyTorch, TVM), used
    without a copy when contiguous; the result comes back in the kind of ``input``.
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
    dtype = input_dtype(input, weight, bias)
    x_shape, w_shape = tensors.shape_of(input), tensors.shape_of(weight)
    b_shape = None if bias is None else tensors.shape_of(bias)
    key = (x_shape, w_shape, b_shape, dtype, stride, padding, output_padding, groups, dilation)
    desc = described(_DESCS, key, _describe)
    unbatched = len(x_shape) == 3
    out_shape = desc.output_shape[1:] if unbatched else desc.output_shape
    return conv_transpose(desc, input, weight, bias, out_shape=out_shape)


# Descriptions of calls seen so far, by argument signature: a repeated call skips validation.
_DESCS: dict = {}


def _describe(x_shape, w_shape, b_shape, dtype, stride, padding, output_padding, groups,
              dilation) -> ConvTranspose2dDesc:
    for axis in (0, 1):  # PyTorch's rule, named as the user wrote it (not output_padding_h)
        if output_padding[axis] >= max(stride[axis], dilation[axis]):
            raise ValueError(f"output_padding[{axis}] ({output_padding[axis]}) must be smaller "
                             f"than either stride[{axis}] ({stride[axis]}) or dilation[{axis}] "
                             f"({dilation[axis]})")
    if len(x_shape) == 3:
        x_shape = (1, *x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape {x_shape}")
    if len(w_shape) != 4:
        raise ValueError(f"weight must be 4-D (C_in, C_out/groups, kH, kW), got shape {w_shape}")
    if w_shape[0] != x_shape[1]:
        raise ValueError(f"weight.shape[0] ({w_shape[0]}) must equal the input channels "
                         f"({x_shape[1]}): weight is (C_in, C_out/groups, kH, kW)")
    out_channels = w_shape[1] * groups
    if b_shape is not None and b_shape != (out_channels,):
        raise ValueError(f"bias must have shape ({out_channels},) (out_channels), got {b_shape}")
    return ConvTranspose2dDesc(
        batch=x_shape[0], in_channels=x_shape[1], out_channels=out_channels,
        height=x_shape[2], width=x_shape[3], kernel_h=w_shape[2], kernel_w=w_shape[3],
        stride_h=stride[0], stride_w=stride[1], dilation_h=dilation[0], dilation_w=dilation[1],
        pad_top=padding[0], pad_bottom=padding[0], pad_left=padding[1], pad_right=padding[1],
        output_padding_h=output_padding[0], output_padding_w=output_padding[1], groups=groups,
        layout="NCHW", dtype=dtype, has_bias=b_shape is not None)
