"""Competitors for benchmarks: TVM's own topi compute (untuned) and PyTorch, when installed."""

from __future__ import annotations

import numpy as np

from .description import ConvTranspose2dDesc


def topi_supports(desc: ConvTranspose2dDesc) -> bool:
    """topi's conv2d_transpose: NCHW, no bias; dilation is emulated by dilating the kernel."""
    return desc.layout == "NCHW" and not desc.has_bias


def build_topi(desc: ConvTranspose2dDesc, target):
    """topi.nn.(group_)conv2d_transpose_nchw with no schedule: what TVM gives untuned.

    Returns a callable f(x, w, out) on TVM tensors. topi has no dilation argument, so a dilated
    kernel is first spread out with zeros (topi.nn.dilate), as TVM's own legalisation does.
    """
    import tvm
    from tvm import te, topi

    x = te.placeholder(desc.input_shape, desc.dtype, name="input")
    w = te.placeholder(desc.weight_shape, desc.dtype, name="weight")
    kernel = w
    if desc.dilation_h > 1 or desc.dilation_w > 1:
        kernel = topi.nn.dilate(w, (1, 1, desc.dilation_h, desc.dilation_w), name="dilated")
    stride = (desc.stride_h, desc.stride_w)
    padding = (desc.pad_top, desc.pad_left, desc.pad_bottom, desc.pad_right)
    out_pad = (desc.output_padding_h, desc.output_padding_w)
    if desc.groups == 1:
        y = topi.nn.conv2d_transpose_nchw(x, kernel, stride, padding, desc.dtype, out_pad)
    else:
        y = topi.nn.group_conv2d_transpose_nchw(x, kernel, stride, padding, desc.dtype, out_pad,
                                                desc.groups)
    func = te.create_prim_func([x, w, y])
    return tvm.compile(tvm.IRModule({"main": func}), target=target).jit()["main"]


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_conv_transpose2d(desc: ConvTranspose2dDesc):
    """A closure f(x, w) calling torch.nn.functional.conv_transpose2d, or None if unsupported.

    PyTorch pads symmetrically: asymmetric pads are not expressible, so they return None.
    """
    import torch

    if desc.pad_top != desc.pad_bottom or desc.pad_left != desc.pad_right:
        return None
    kwargs = dict(stride=(desc.stride_h, desc.stride_w), padding=(desc.pad_top, desc.pad_left),
                  output_padding=(desc.output_padding_h, desc.output_padding_w),
                  groups=desc.groups, dilation=(desc.dilation_h, desc.dilation_w))
    nhwc = desc.layout == "NHWC"

    def run(x: "torch.Tensor", w: "torch.Tensor", bias=None):
        if nhwc:
            x = x.permute(0, 3, 1, 2)
            w = w.permute(0, 3, 1, 2)
        y = torch.nn.functional.conv_transpose2d(x, w, bias, **kwargs)
        return y.permute(0, 2, 3, 1) if nhwc else y

    return run


def random_inputs(desc: ConvTranspose2dDesc, seed: int = 0):
    """Fresh random (x, w, bias-or-None) NumPy arrays for desc."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(desc.input_shape).astype(desc.dtype)
    w = (rng.standard_normal(desc.weight_shape) / np.sqrt(desc.kernel_h * desc.kernel_w
                                                         * desc.in_channels)).astype(desc.dtype)
    b = rng.standard_normal(desc.bias_shape).astype(desc.dtype) if desc.has_bias else None
    return x, w, b
