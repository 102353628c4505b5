"""MegEngine's ``module.ConvTranspose2d`` (MegEngine 1.13 semantics).

The weight is (in, out, kh, kw), or with groups (groups, in/groups, out/groups, kh, kw): both are
the kernel's (C_in, C_out/groups, kh, kw) in memory, so the call reshapes without copying. The
bias is (1, out, 1, 1). Initialisation is MegEngine's: weight ~ N(0, 1/fan_in) with
fan_in = kh * kw * out_channels, bias zeros.

Where MegEngine 1.13 has plain bugs, tvmconv does what its documentation says (README):
output_padding applies to both axes (MegEngine ignores a width-only one) and works with groups
(MegEngine fails), and bad arguments raise ValueError rather than AssertionError.
"""

from __future__ import annotations

import numpy as np

from ...description import ConvTranspose2dDesc
from ...frontend import (
    check_layer_call,
    conv_transpose,
    described,
    input_dtype,
    pair,
    positive_int,
)
from ...runtime import tensors
from ...runtime.owned import OwnedWeight
from ...shapes import check_groups

_COMPUTE_MODES = {"default": "float16", "float32": "float32"}  # fp16 input -> accumulator


class ConvTranspose2d:
    """``layer = ConvTranspose2d(in_channels, out_channels, kernel_size, ...)``; ``layer(x)``.

    ``weight`` and ``bias`` (or None) are attributes to read or assign. An assigned NumPy weight
    is stored as a read-only copy, packed once for the kernel (see tvmconv.owned): assign a new
    array to change it.
    ``compute_mode='float32'`` makes float16 inputs accumulate in float32; 'default' lets them
    accumulate in float16.
    """

    weight = OwnedWeight()

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, dilation=1, groups=1, bias=True,
                 conv_mode="cross_correlation", compute_mode="default", **kwargs):
        unknown = set(kwargs) - {"name"}
        if unknown:
            raise TypeError(f"ConvTranspose2d got unexpected keyword arguments {sorted(unknown)}")
        self.name = kwargs.get("name")
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size", 1)
        self.stride = pair(stride, "stride", 1)
        self.padding = pair(padding, "padding", 0)
        self.output_padding = pair(output_padding, "output_padding", 0)
        self.dilation = pair(dilation, "dilation", 1)
        self.groups = positive_int(groups, "groups")
        check_groups({"in_channels": self.in_channels, "out_channels": self.out_channels},
                     self.groups)
        for axis, (op, s) in enumerate(zip(self.output_padding, self.stride)):
            if op >= s:
                raise ValueError(f"output_padding[{axis}] ({op}) must be smaller than "
                                 f"stride[{axis}] ({s})")
        if not isinstance(conv_mode, str) or conv_mode.lower() != "cross_correlation":
            raise ValueError(f"conv_mode must be 'cross_correlation' (the only mode MegEngine "
                             f"implements), got {conv_mode!r}")
        if compute_mode not in _COMPUTE_MODES:
            raise ValueError(f"compute_mode must be 'default' or 'float32', got {compute_mode!r}")
        self.conv_mode, self.compute_mode = "cross_correlation", compute_mode
        self.weight = np.zeros(self.weight_shape, np.float32)
        self.bias = np.zeros((1, self.out_channels, 1, 1), np.float32) if bias else None
        self.reset_parameters()
        self._descs: dict = {}

    @property
    def weight_shape(self) -> tuple[int, ...]:
        kh, kw = self.kernel_size
        g, cin, cout = self.groups, self.in_channels, self.out_channels
        return (cin, cout, kh, kw) if g == 1 else (g, cin // g, cout // g, kh, kw)

    def reset_parameters(self, rng=None) -> None:
        """MegEngine's initialisation: weight ~ N(0, sqrt(1 / fan_in)), bias zeros."""
        rng = rng if rng is not None else np.random.default_rng()
        fan_in = self.kernel_size[0] * self.kernel_size[1] * self.out_channels
        self.weight = tensors.aligned(
            rng.normal(0.0, np.sqrt(1 / fan_in), self.weight_shape).astype(np.float32))
        if self.bias is not None:
            self.bias = tensors.aligned(np.zeros((1, self.out_channels, 1, 1), np.float32))

    def __call__(self, inp):
        return self.forward(inp)

    def forward(self, inp):
        weight, bias = self.weight, self.bias
        dtype = input_dtype(inp, weight, bias, w_name="weight")
        key = (tensors.shape_of(inp), dtype, tensors.shape_of(weight),
               None if bias is None else tensors.shape_of(bias))
        desc = described(self._descs, key, self._describe)
        return conv_transpose(desc, inp, weight, bias, owner=self)

    def _describe(self, x_shape, dtype, w_shape, b_shape) -> ConvTranspose2dDesc:
        check_layer_call(x_shape, self.in_channels, w_shape, self.weight_shape, b_shape,
                         (1, self.out_channels, 1, 1))
        return ConvTranspose2dDesc(
            batch=x_shape[0], in_channels=self.in_channels, out_channels=self.out_channels,
            height=x_shape[2], width=x_shape[3], kernel_h=self.kernel_size[0],
            kernel_w=self.kernel_size[1], stride_h=self.stride[0], stride_w=self.stride[1],
            dilation_h=self.dilation[0], dilation_w=self.dilation[1],
            pad_top=self.padding[0], pad_bottom=self.padding[0], pad_left=self.padding[1],
            pad_right=self.padding[1], output_padding_h=self.output_padding[0],
            output_padding_w=self.output_padding[1], groups=self.groups, dtype=dtype,
            accum_dtype=_COMPUTE_MODES[self.compute_mode] if dtype == "float16" else None,
            has_bias=b_shape is not None)

    def __repr__(self):
        return (f"ConvTranspose2d(in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, "
                f"output_padding={self.output_padding}, dilation={self.dilation}, "
                f"groups={self.groups}, bias={self.bias is not None})")
