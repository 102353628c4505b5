"""The canonical kernel description: one immutable value per transposed convolution.

Every public surface lowers its arguments onto a :class:`ConvTranspose2dDesc`; the compute, the
schedules, the module cache and the tuning logs all take this one value (and its text ``key``).

Semantics (PyTorch's ``conv_transpose2d`` generalised to four pads)::

    out[n, co, oh, ow] = bias[co] + sum x[n, ci, ih, iw] * w[ci, co % (Cout/G), kh, kw]
        over ci in co's group, and (ih, kh), (iw, kw) with
        oh = ih*stride_h - pad_top + kh*dilation_h,   ow likewise with pad_left

    H_out = (H - 1)*stride_h - pad_top - pad_bottom + dilation_h*(kernel_h - 1)
            + output_padding_h + 1

Tensor layouts:

    ============  ======================  ==========================
    layout        input / output          weight
    ============  ======================  ==========================
    ``NCHW``      (N, C, H, W)            (Cin, Cout/G, kh, kw)
    ``NHWC``      (N, H, W, C)            (Cin, kh, kw, Cout/G)
    ============  ======================  ==========================

The NHWC weight is MindSpore's NHWC weight (C_out, K1, K2, C_in/G in forward-convolution terms).
Polyphase kernels read the weight as (Cin, kh, kw, Cout/G) in both layouts
(``kernel_weight_shape``): output channels innermost, so vectors over them load contiguously. An
NCHW weight is packed into it by a small ``pack_weight`` kernel, once per call for the functional
surfaces and once per weight for the layers that own theirs. GEMM kernels read the weight as it
comes (``weight_shape_for``): nothing to pack.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from .shapes import check_groups, transposed_length

LAYOUTS = ("NCHW", "NHWC")
# The kernels' index arithmetic is int32 (TVM's default): no tensor may hold more elements.
MAX_ELEMENTS = 2**31 - 1
# bfloat16 is not offered until it is tested end to end on a target.
DTYPES = ("float32", "float16")
# What each input dtype may accumulate in.
ACCUM_DTYPES = {"float32": ("float32",), "float16": ("float16", "float32")}
# The output stage's activation (a fused epilogue, after the bias): 'leaky_relu:<slope>' too.
ACTIVATIONS = ("none", "relu", "tanh", "sigmoid")

_INT_FIELDS = (
    "batch", "in_channels", "out_channels", "groups", "height", "width", "kernel_h", "kernel_w",
    "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_top", "pad_bottom", "pad_left",
    "pad_right", "output_padding_h", "output_padding_w",
)


@dataclass(frozen=True)
class ConvTranspose2dDesc:
    """A fully specified 2-D transposed convolution. Validates itself on construction."""

    batch: int
    in_channels: int
    out_channels: int
    height: int
    width: int
    kernel_h: int
    kernel_w: int
    stride_h: int = 1
    stride_w: int = 1
    dilation_h: int = 1
    dilation_w: int = 1
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0
    output_padding_h: int = 0
    output_padding_w: int = 0
    groups: int = 1
    layout: str = "NCHW"
    dtype: str = "float32"
    accum_dtype: str | None = None  # None: float32 (the widest the input dtype allows)
    has_bias: bool = False
    activation: str = "none"  # applied to (sum + bias) in the output stage; ACTIVATIONS

    def __post_init__(self):
        for name in _INT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                # numpy integers are fine: normalise them to int so keys and hashes are stable.
                if hasattr(value, "__index__") and not isinstance(value, bool):
                    object.__setattr__(self, name, int(value.__index__()))
                else:
                    raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
        if not isinstance(self.has_bias, bool):
            raise TypeError(f"has_bias must be a bool, got {self.has_bias!r}")
        if self.accum_dtype is None:
            object.__setattr__(self, "accum_dtype", "float32")
        self._validate()

    def _validate(self):
        for name in ("batch", "in_channels", "out_channels", "height", "width", "kernel_h",
                     "kernel_w", "stride_h", "stride_w", "dilation_h", "dilation_w", "groups"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("pad_top", "pad_bottom", "pad_left", "pad_right",
                     "output_padding_h", "output_padding_w"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for axis in ("h", "w"):
            op = getattr(self, f"output_padding_{axis}")
            s, d = getattr(self, f"stride_{axis}"), getattr(self, f"dilation_{axis}")
            if op >= max(s, d):
                raise ValueError(
                    f"output_padding_{axis} must be smaller than stride_{axis} or dilation_{axis}, "
                    f"got output_padding_{axis}={op}, stride_{axis}={s}, dilation_{axis}={d}")
        check_groups({"in_channels": self.in_channels, "out_channels": self.out_channels},
                     self.groups)
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {self.layout!r}")
        if self.dtype not in DTYPES:
            raise TypeError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if not isinstance(self.activation, str) or (
                self.activation not in ACTIVATIONS and leaky_relu_slope(self.activation) is None):
            raise ValueError(f"activation must be one of {ACTIVATIONS} or 'leaky_relu:<slope>', "
                             f"got {self.activation!r}")
        if self.accum_dtype not in ACCUM_DTYPES[self.dtype]:
            raise TypeError(f"accum_dtype for dtype {self.dtype} must be one of "
                            f"{ACCUM_DTYPES[self.dtype]}, got {self.accum_dtype!r}")
        out_h, out_w = self.out_height, self.out_width
        if out_h < 1 or out_w < 1:
            raise ValueError(
                f"padding too large: the output would be {out_h}x{out_w} (height x width); "
                f"pads (top, bottom, left, right) = {self.pads}")
        check_elements("input", self.input_shape, "the input tensor")
        check_elements("weight", self.weight_shape, WEIGHT_MADE_BY)
        check_elements("output", self.output_shape, "the input's size, stride, kernel_size, "
                                                    "dilation, padding, output_padding")

    # ----- derived values -----------------------------------------------------------------
    @property
    def pads(self) -> tuple[int, int, int, int]:
        return (self.pad_top, self.pad_bottom, self.pad_left, self.pad_right)

    @property
    def out_height(self) -> int:
        return transposed_length(self.height, self.kernel_h, self.stride_h, self.dilation_h,
                                 self.pad_top + self.pad_bottom, self.output_padding_h)

    @property
    def out_width(self) -> int:
        return transposed_length(self.width, self.kernel_w, self.stride_w, self.dilation_w,
                                 self.pad_left + self.pad_right, self.output_padding_w)

    def _nchw_or_nhwc(self, c: int, h: int, w: int) -> tuple[int, ...]:
        return (self.batch, c, h, w) if self.layout == "NCHW" else (self.batch, h, w, c)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self._nchw_or_nhwc(self.in_channels, self.height, self.width)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return self._nchw_or_nhwc(self.out_channels, self.out_height, self.out_width)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        cog = self.out_channels // self.groups
        if self.layout == "NCHW":
            return (self.in_channels, cog, self.kernel_h, self.kernel_w)
        return (self.in_channels, self.kernel_h, self.kernel_w, cog)

    @property
    def kernel_weight_shape(self) -> tuple[int, ...]:
        """The weight as the compute reads it: (Cin, kh, kw, Cout/G), whatever the layout."""
        return (self.in_channels, self.kernel_h, self.kernel_w, self.out_channels // self.groups)

    @property
    def weight_needs_packing(self) -> bool:
        """Whether the weight's bytes differ from the kernel layout's: NCHW, unless the kernel
        is 1x1 or each group has one output channel (then it is a reshape)."""
        cog = self.out_channels // self.groups
        return self.layout == "NCHW" and cog > 1 and self.kernel_h * self.kernel_w > 1

    def weight_shape_for(self, algorithm: str) -> tuple[int, ...]:
        """The weight as the kernel computed by `algorithm` reads it. polyphase: the kernel
        layout (output channels innermost, for its channel vectors); gemm: the user's own
        layout, whose rows over (co, kh, kw) or (kh, kw, co) are the GEMM's contiguous m."""
        return self.weight_shape if algorithm == "gemm" else self.kernel_weight_shape

    def weight_needs_packing_for(self, algorithm: str) -> bool:
        """Whether the kernel computed by `algorithm` needs the weight packed first."""
        return algorithm != "gemm" and self.weight_needs_packing

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (self.out_channels,)

    @property
    def flops(self) -> int:
        """Floating-point operations of scattering every input pixel through every tap (one
        multiply and one add each; no stride-inserted zeros): the gemm compute's work."""
        return (2 * self.batch * self.in_channels * (self.out_channels // self.groups)
                * self.kernel_h * self.kernel_w * self.height * self.width)

    @property
    def landed_flops(self) -> int:
        """The operations of `flops` whose product lands in the output: less those the padding
        crops (DeepLab's ASPP, 3x3 at dilation 12 over 33x33, crops 43%). Speeds are reported
        in these, the work any method must do."""
        def landed(size, out, stride, pad, kernel, dilation):
            return sum(1 for t in range(kernel) for i in range(size)
                       if 0 <= i * stride - pad + t * dilation < out)

        return (2 * self.batch * self.in_channels * (self.out_channels // self.groups)
                * landed(self.height, self.out_height, self.stride_h, self.pad_top,
                         self.kernel_h, self.dilation_h)
                * landed(self.width, self.out_width, self.stride_w, self.pad_left,
                         self.kernel_w, self.dilation_w))

    @property
    def key(self) -> str:
        """A stable, human-readable text key: equal descriptions, equal keys; any change, a new
        key."""
        return (
            f"ct2d_n{self.batch}_ci{self.in_channels}_co{self.out_channels}_g{self.groups}"
            f"_h{self.height}w{self.width}_k{self.kernel_h}x{self.kernel_w}"
            f"_s{self.stride_h}x{self.stride_w}_d{self.dilation_h}x{self.dilation_w}"
            f"_p{self.pad_top}.{self.pad_bottom}.{self.pad_left}.{self.pad_right}"
            f"_op{self.output_padding_h}x{self.output_padding_w}_{self.layout}_{self.dtype}"
            f"_acc{self.accum_dtype}_{'bias' if self.has_bias else 'nobias'}"
            + ("" if self.activation == "none" else f"_{self.activation.replace(':', '')}")
        )

    def replace(self, **changes) -> ConvTranspose2dDesc:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        fields = dataclasses.asdict(self)
        if fields["activation"] == "none":  # so descriptions (and records) from before it
            del fields["activation"]          # was a field keep their text, keys and hashes
        return fields

    @classmethod
    def from_dict(cls, fields: dict) -> ConvTranspose2dDesc:
        return cls(**fields)


WEIGHT_MADE_BY = "in_channels, out_channels, groups, kernel_size"


def check_elements(tensor: str, shape, made_by: str, prefix: str = "") -> None:
    """ValueError for a tensor of more than MAX_ELEMENTS elements, naming what made it so."""
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{prefix}the {tensor} would have {count:,} elements {tuple(shape)} (from "
            f"{made_by}): tvmconv's kernels index tensors with 32-bit ints, at most "
            f"2**31 - 1 = {MAX_ELEMENTS:,} elements; split the batch or the image")


def leaky_relu_slope(activation: str) -> float | None:
    """The slope of 'leaky_relu:<slope>' (a finite float), else None."""
    name, _, slope = activation.partition(":")
    if name != "leaky_relu":
        return None
    try:
        value = float(slope)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
