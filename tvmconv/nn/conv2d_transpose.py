"""MindSpore's ``nn.Conv2dTranspose``: a layer that owns its weight and bias.

It computes what MindSpore's layer computes: the output size from the pad mode
(``_deconv_output_length`` in MindSpore 2.10), then ``ops.Conv2DTranspose`` with that size, the
bias, and finally ``output_padding`` zeros (pad mode only) appended after the bias.
"""

from __future__ import annotations

import numpy as np

from ..frontend import (
    check_layer_call,
    check_weight_size,
    conv_transpose,
    described,
    input_dtype,
    is_int,
    positive_int,
)
from ..ops import Conv2DTranspose, checks
from ..runtime import tensors
from ..runtime.owned import OwnedWeight
from ..shapes import check_groups, span, transposed_length
from . import init as initializers

_NAME = "nn.Conv2dTranspose"  # what messages call the surface


class Conv2dTranspose:
    """``layer = Conv2dTranspose(in_channels, out_channels, kernel_size, ...)``; ``layer(x)``.

    x is (N, in_channels, H, W); the weight (in_channels, out_channels/group, kH, kW); the bias
    (out_channels,). ``weight``/``bias`` are attributes: read or assign them. An assigned NumPy
    weight is stored as a read-only copy, packed once for the kernel (see tvmconv.owned):
    assign a new array to change it.

    Positional order follows the MindSpore documentation this project was given (dilation
    after padding); MindSpore 2.10's newer arguments are keyword-only: ``output_padding``,
    ``dtype`` ('float32' or 'float16') and, ours, ``seed`` for the initialisers.
    """

    weight = OwnedWeight()

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad_mode="same",
                 padding=0, dilation=1, group=1, has_bias=False, weight_init=None,
                 bias_init=None, *, output_padding=0, dtype="float32", seed=None):
        self.kernel_size = checks.twice(kernel_size, "kernel_size", _NAME)
        self.stride = checks.twice(stride, "stride", _NAME)
        self.dilation = checks.twice(dilation, "dilation", _NAME)
        self.padding = checks.four_pads(padding, "padding", _NAME)
        self.output_padding = _output_padding(output_padding)
        self.in_channels = positive_int(in_channels, "in_channels", _NAME)
        self.out_channels = positive_int(out_channels, "out_channels", _NAME)
        self.group = positive_int(group, "group", _NAME)
        check_groups({"in_channels": self.in_channels, "out_channels": self.out_channels},
                     self.group, "group", _NAME)
        self.pad_mode = checks.pad_mode(pad_mode, _NAME, case_sensitive=True, not_str=ValueError)
        if not isinstance(has_bias, (bool, np.bool_)):
            raise TypeError(f"For '{_NAME}', 'has_bias' must be a bool, got "
                            f"{type(has_bias).__name__} {has_bias!r}")
        self.has_bias = bool(has_bias)
        self.dtype = np.dtype(dtype).name
        if self.dtype not in ("float32", "float16"):
            raise TypeError(f"For '{_NAME}', 'dtype' must be float32 or float16, got {dtype!r}")
        self._check_output_padding()
        check_weight_size(self.weight_shape, f"For '{_NAME}', ")
        rng = np.random.default_rng(seed) if seed is not None else initializers.default_rng()
        self.weight = initializers.initialize(
            initializers.HeUniform(negative_slope=5 ** 0.5) if weight_init is None else weight_init,
            self.weight_shape, self.dtype, rng, "weight_init")
        self.bias = None
        if self.has_bias:
            fan_in, _ = initializers.fans(self.weight_shape)
            default = initializers.Uniform(1 / fan_in ** 0.5)
            self.bias = initializers.initialize(default if bias_init is None else bias_init,
                                                (self.out_channels,), self.dtype, rng, "bias_init")
        # The MindSpore op it lowers onto: it reads x (in_channels) and writes out_channels.
        self._op = Conv2DTranspose(out_channel=self.in_channels, kernel_size=self.kernel_size,
                                   pad_mode=self.pad_mode, pad=self.padding, stride=self.stride,
                                   dilation=self.dilation, group=self.group)
        self._op.name = _NAME  # its messages name the surface the user called
        self._descs: dict = {}

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.in_channels, self.out_channels // self.group, *self.kernel_size)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """(H_out, W_out) before output_padding, as MindSpore's _deconv_output_length."""
        top, bottom, left, right = self.padding
        return (self._length(height, 0, top + bottom), self._length(width, 1, left + right))

    def _length(self, size, axis, pads):
        k, s, d = self.kernel_size[axis], self.stride[axis], self.dilation[axis]
        if self.pad_mode == "valid":
            return size * s + max(span(k, d) - s, 0)
        if self.pad_mode == "same":
            return size * s
        return transposed_length(size, k, s, d, pads)

    def __call__(self, x):
        weight, bias = self.weight, self.bias if self.has_bias else None
        dtype = input_dtype(x, weight, bias, w_name="weight")
        x_shape = tensors.shape_of(x)
        key = (x_shape, dtype, tensors.shape_of(weight),
               None if bias is None else tensors.shape_of(bias))
        desc = described(self._descs, key, self._describe)
        out = conv_transpose(desc, x, weight, bias, owner=self)
        return _append_zeros(out, self.output_padding) if any(self.output_padding) else out

    def _describe(self, x_shape, dtype, w_shape, b_shape):
        check_layer_call(x_shape, self.in_channels, w_shape, self.weight_shape, b_shape,
                         (self.out_channels,), x_name="x", prefix=f"For '{_NAME}', ")
        n, _, h, w = x_shape
        size = (n, self.out_channels, *self.output_size(h, w))
        if min(size[2:]) < 1:
            raise ValueError(f"For '{_NAME}', padding {self.padding} leaves no output for an "
                             f"input of {h}x{w}: the output would be {size[2]}x{size[3]}")
        desc = self._op.describe(x_shape, w_shape, size, dtype)
        return desc.replace(has_bias=b_shape is not None)

    def _check_output_padding(self):
        for axis, op in enumerate(self.output_padding):
            limit = max(self.stride[axis], self.dilation[axis])
            if not 0 <= op < limit:
                raise ValueError(f"For '{_NAME}', output_padding[{axis}] must be in "
                                 f"[0, max(stride, dilation)) = [0, {limit}), got {op}")
        if any(self.output_padding) and self.pad_mode != "pad":
            raise ValueError(f"For '{_NAME}', a nonzero output_padding needs pad_mode 'pad', "
                             f"got pad_mode {self.pad_mode!r}")

    def __repr__(self):
        return (f"Conv2dTranspose(in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad_mode={self.pad_mode!r}, padding={self.padding}, "
                f"dilation={self.dilation}, group={self.group}, has_bias={self.has_bias})")


def _output_padding(value):
    if not (is_int(value) or isinstance(value, tuple)):
        raise TypeError(f"For '{_NAME}', 'output_padding' must be an int or a tuple of 2 ints, "
                        f"got {type(value).__name__} {value!r}")
    items = (value, value) if is_int(value) else value
    if len(items) != 2 or not all(is_int(v) for v in items):
        raise ValueError(f"For '{_NAME}', 'output_padding' must be an int or a tuple of 2 ints, "
                         f"got {value!r}")
    return int(items[0]), int(items[1])


def _append_zeros(out, output_padding):
    """out with output_padding rows/columns of zeros appended (MindSpore pads after the bias)."""
    kind = tensors.kind_of(out)
    array = out if kind == "numpy" else np.from_dlpack(out)
    n, c, h, w = array.shape
    padded = tensors.aligned_empty((n, c, h + output_padding[0], w + output_padding[1]),
                                   array.dtype)
    padded[:, :, h:, :] = 0
    padded[:, :, :h, w:] = 0
    padded[:, :, :h, :w] = array
    if kind == "numpy":
        return padded
    tensor, result = tensors.new_output(padded.shape, padded.shape, padded.dtype.name, kind)
    np.from_dlpack(tensor)[...] = padded
    return result
