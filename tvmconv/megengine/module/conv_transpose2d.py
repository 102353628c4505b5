"""MegEngine's ``module.ConvTranspose2d`` (MegEngine 1.13 semantics).

The weight is (in, out, kh, kw), or with groups (groups, in/groups, out/groups, kh, kw): both are
the kernel's (C_in, C_out/groups, kh, kw) in memory, so the call reshapes without copying. The
bias is (1, out, 1, 1). Initialisation is MegEngine's: weight ~ N(0, 1/fan_in) with
fan_in = kh * kw * out_channels, bias zeros.

Where MegEngine 1.13 has plain bugs, tvmconv does what its documentation says (README):
output_padding applies to both axes (MegEngine ignores a width-only one) and works with groups
(MegEngine fails). A bad argument value raises ``InvalidArgument``, both a ValueError and the
AssertionError MegEngine raises, so either ``except`` catches it.

Dtypes follow MegEngine's promotion: a float16 input with float32 parameters (or the reverse)
runs in float32, and so does the result. float16 accumulates in float32 in both compute modes:
on CPUs without float16 arithmetic that is the faster and the more accurate choice.
"""

from __future__ import annotations

import numpy as np

from ...description import ConvTranspose2dDesc
from ...frontend import (
    check_layer_call,
    check_weight_size,
    conv_transpose,
    described,
    input_dtype,
    pair,
    positive_int,
)
from ...runtime import tensors
from ...runtime.owned import OwnedWeight
from ...shapes import check_groups

_COMPUTE_MODES = ("default", "float32")


class InvalidArgument(ValueError, AssertionError):
    """A bad argument value: what MegEngine asserts (AssertionError), as a ValueError too."""


class ConvTranspose2d:
    """``layer = ConvTranspose2d(in_channels, out_channels, kernel_size, ...)``; ``layer(x)``.

    ``weight`` and ``bias`` (or None) are attributes to read or assign. An assigned NumPy weight
    is stored as a read-only copy, packed once for the kernel (see tvmconv.owned): assign a new
    array to change it.
    ``compute_mode`` is 'default' or 'float32'; float16 inputs accumulate in float32 in both
    (the module docstring says why).
    """

    weight = OwnedWeight()

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, dilation=1, groups=1, bias=True,
                 conv_mode="cross_correlation", compute_mode="default", **kwargs):
        unknown = set(kwargs) - {"name"}
        if unknown:
            raise TypeError(f"megengine.module.ConvTranspose2d got unexpected keyword arguments "
                            f"{sorted(unknown)}")
        self.name = kwargs.get("name")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.output_padding, self.dilation, self.groups = output_padding, dilation, groups
        self.compute_mode = compute_mode
        (self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding,
         self.output_padding, self.dilation, self.groups, self.compute_mode) = self._settings()
        if not isinstance(conv_mode, str) or conv_mode.lower() != "cross_correlation":
            raise InvalidArgument(f"{_NAME}: conv_mode must be 'cross_correlation' (the only "
                                  f"mode MegEngine implements), got {conv_mode!r}")
        self.conv_mode = "cross_correlation"
        try:
            check_weight_size(self.weight_shape)
        except ValueError as err:
            raise InvalidArgument(f"{_NAME}: {err}") from None
        self.weight = np.zeros(self.weight_shape, np.float32)
        self.bias = np.zeros((1, self.out_channels, 1, 1), np.float32) if bias else None
        self.reset_parameters()
        self._descs: dict = {}

    def _settings(self) -> tuple:
        """The hyper-parameters as they are now, checked and normalised: they are plain
        attributes, which MegEngine reads on every forward (so a reassigned padding counts).
        Normalised again only when one of them changed."""
        raw = (self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding,
               self.output_padding, self.dilation, self.groups, self.compute_mode)
        cached = self.__dict__.get("_settings_of")
        try:
            if cached is not None and cached[0] == raw:
                return cached[1]
        except ValueError:  # an array among them: compare by normalising
            pass
        try:
            settings = self._normalised()
        except ValueError as err:
            raise InvalidArgument(f"{_NAME}: {err}") from None
        # copies of lists, so that one changed in place compares unequal next time
        self._settings_of = (tuple(list(v) if isinstance(v, list) else v for v in raw), settings)
        return settings

    def _normalised(self) -> tuple:
        in_channels = positive_int(self.in_channels, "in_channels")
        out_channels = positive_int(self.out_channels, "out_channels")
        stride = pair(self.stride, "stride", 1)
        output_padding = pair(self.output_padding, "output_padding", 0)
        groups = positive_int(self.groups, "groups")
        check_groups({"in_channels": in_channels, "out_channels": out_channels}, groups)
        for axis, (op, s) in enumerate(zip(output_padding, stride)):
            if op >= s:
                raise ValueError(f"output_padding[{axis}] ({op}) must be smaller than "
                                 f"stride[{axis}] ({s})")
        if self.compute_mode not in _COMPUTE_MODES:
            raise ValueError(f"compute_mode must be 'default' or 'float32', "
                             f"got {self.compute_mode!r}")
        return (in_channels, out_channels, pair(self.kernel_size, "kernel_size", 1), stride,
                pair(self.padding, "padding", 0), output_padding,
                pair(self.dilation, "dilation", 1), groups, self.compute_mode)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return _weight_shape(*self._settings())

    def reset_parameters(self, rng=None) -> None:
        """MegEngine's initialisation: weight ~ N(0, sqrt(1 / fan_in)), bias zeros."""
        rng = rng if rng is not None else np.random.default_rng()
        kh, kw = self._settings()[2]
        fan_in = kh * kw * self.out_channels
        self.weight = tensors.aligned(
            rng.normal(0.0, np.sqrt(1 / fan_in), self.weight_shape).astype(np.float32))
        if self.bias is not None:
            self.bias = tensors.aligned(np.zeros((1, self.out_channels, 1, 1), np.float32))

    def __call__(self, inp):
        return self.forward(inp)

    def forward(self, inp):
        settings = self._settings()
        inp, weight, bias, owner = _promoted(inp, self.weight, self.bias, self)
        dtype = input_dtype(inp, weight, bias, x_name="inp", w_name="weight")
        key = (tensors.shape_of(inp), dtype, tensors.shape_of(weight),
               None if bias is None else tensors.shape_of(bias), settings)
        try:
            desc = described(self._descs, key, _describe)
        except ValueError as err:
            raise InvalidArgument(f"{_NAME}: {err}") from None
        return conv_transpose(desc, inp, weight, bias, owner=owner)

    def _describe(self, x_shape, dtype, w_shape, b_shape) -> ConvTranspose2dDesc:
        """The description of a forward with these shapes under today's hyper-parameters."""
        return _describe(x_shape, dtype, w_shape, b_shape, self._settings())

    def __repr__(self):
        return (f"ConvTranspose2d(in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, "
                f"output_padding={self.output_padding}, dilation={self.dilation}, "
                f"groups={self.groups}, bias={self.bias is not None})")


_NAME = "megengine.module.ConvTranspose2d"


def _promoted(inp, weight, bias, owner):
    """MegEngine's dtype promotion of a convolution: a float16 tensor among float32 ones is
    cast to float32. The layer's own packed weight is kept unless the weight itself is cast."""
    names = [tensors.dtype_name(t, n) if t is not None else None
             for t, n in ((inp, "inp"), (weight, "weight"), (bias, "bias"))]
    present = {n for n in names if n is not None}
    if present != {"float16", "float32"}:
        return inp, weight, bias, owner
    inp, weight, bias = (t if n != "float16" else tensors.astype(t, "float32")
                         for t, n in zip((inp, weight, bias), names))
    return inp, weight, bias, (owner if names[1] == "float32" else None)


def _weight_shape(cin, cout, kernel_size, stride, padding, output_padding, dilation, groups,
                  compute_mode) -> tuple[int, ...]:
    kh, kw = kernel_size
    return (cin, cout, kh, kw) if groups == 1 else (groups, cin // groups, cout // groups, kh, kw)


def _describe(x_shape, dtype, w_shape, b_shape, settings) -> ConvTranspose2dDesc:
    (cin, cout, kernel_size, stride, padding, output_padding, dilation, groups,
     compute_mode) = settings
    check_layer_call(x_shape, cin, w_shape, _weight_shape(*settings), b_shape, (1, cout, 1, 1))
    return ConvTranspose2dDesc(
        batch=x_shape[0], in_channels=cin, out_channels=cout, height=x_shape[2],
        width=x_shape[3], kernel_h=kernel_size[0], kernel_w=kernel_size[1], stride_h=stride[0],
        stride_w=stride[1], dilation_h=dilation[0], dilation_w=dilation[1],
        pad_top=padding[0], pad_bottom=padding[0], pad_left=padding[1], pad_right=padding[1],
        output_padding_h=output_padding[0], output_padding_w=output_padding[1], groups=groups,
        dtype=dtype, has_bias=b_shape is not None)
