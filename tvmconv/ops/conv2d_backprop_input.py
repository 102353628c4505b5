"""MindSpore's ``ops.Conv2DBackpropInput`` and ``ops.Conv2DTranspose``.

Both compute the gradient of a forward convolution with respect to its input: ``dout`` is the
forward output's gradient (N, C_out, H_out, W_out), ``weight`` the forward kernel
(C_out, C_in/group, K1, K2), and ``input_size`` the forward input's shape, which is the result's
shape. In transposed-convolution terms the kernel reads ``dout`` (C_out channels) and writes
C_in channels, with pads and an output_padding derived from ``input_size``:

- 'pad': the given pads (or ``pad_list``); 'valid': no pads;
- 'same': the forward convolution's padding, total = max(0, (ceil(H/s) - 1)*s + d*(K-1) + 1 - H),
  top = total // 2 and the odd one at the bottom (what MindSpore does, checked against it);
- then ``input_size`` picks among the sizes a stride > 1 makes ambiguous: the rows a forward
  convolution ignored come back as zeros (output_padding, at most stride - 1 of them).
"""

from __future__ import annotations

import numpy as np

from ..description import ConvTranspose2dDesc
from ..frontend import conv_transpose, described, input_dtype, is_int, positive_int
from ..runtime import tensors
from ..shapes import forward_length, same_padding, transposed_length
from . import checks


class Conv2DBackpropInput:
    """``op = Conv2DBackpropInput(out_channel, kernel_size, ...)``;
    ``op(dout, weight, input_size)``.

    ``pad_list`` is read as MindSpore 2.10 reads it: in 'pad' mode four pads >= 0 replace
    ``pad``, and a list with any -1 in it means "not set" (``pad`` is used: its shape inference,
    ``SetPadList``); 'valid' and 'same' ignore it (its CPU kernel computes their pads).

    Differences from MindSpore 2.10 (see the README): NHWC runs on the CPU; 'PAD' in any case
    accepts a nonzero ``pad``; a ``pad_list`` not of length 4 and an ``input_size`` no forward
    convolution fits raise ValueError (MindSpore: a RuntimeError from its CPU kernel);
    ``input_size`` may be a NumPy array.
    """

    def __init__(self, out_channel, kernel_size, pad_mode="valid", pad=0, pad_list=None, mode=1,
                 stride=1, dilation=1, group=1, data_format="NCHW"):
        op = self.name = type(self).__name__
        self.out_channel = positive_int(out_channel, "out_channel", op)
        self.kernel_size = checks.hw_pair(kernel_size, "kernel_size", op)
        if not isinstance(data_format, str) or data_format not in ("NCHW", "NHWC"):
            raise ValueError(f"For '{op}', 'data_format' must be 'NCHW' or 'NHWC', "
                             f"got {data_format!r}")
        self.data_format = data_format
        self.stride = checks.hw_pair(stride, "stride", op, allow_four=True, layout=data_format)
        self.dilation = checks.hw_pair(dilation, "dilation", op, allow_four=True,
                                       layout=data_format)
        self.pad = checks.four_pads(pad, "pad", op)
        self.pad_mode = checks.pad_mode(pad_mode, op, case_sensitive=False)
        if self.pad_mode != "pad" and self.pad != (0, 0, 0, 0):
            raise ValueError(f"For '{op}', 'pad' must be 0 or (0, 0, 0, 0) unless pad_mode is "
                             f"'pad', got pad={pad!r} with pad_mode={pad_mode!r}")
        if not is_int(mode):
            raise TypeError(f"For '{op}', 'mode' must be an int, got {type(mode).__name__} "
                            f"{mode!r}")
        if mode != 1:
            raise ValueError(f"For '{op}', 'mode' must be 1 (cross-correlation, the only mode "
                             f"MindSpore implements), got {mode}")
        self.mode = 1
        self.group = positive_int(group, "group", op)
        self.pad_list = _pad_list(pad_list, op)
        self._descs: dict = {}

    @property
    def pads(self) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) that 'pad' mode uses: pad_list when given, else pad."""
        return self.pad_list if self.pad_list is not None else self.pad

    def __call__(self, dout, weight, input_size):
        # MindSpore checks the tensors' types before input_size (its tests rely on the order)
        dtype = input_dtype(dout, weight, x_name="dout")
        size = _input_size(input_size, self.name)
        key = (tensors.shape_of(dout), tensors.shape_of(weight), size, dtype)
        desc = described(self._descs, key, self.describe)
        return conv_transpose(desc, dout, weight)

    def describe(self, dout_shape, weight_shape, input_size, dtype) -> ConvTranspose2dDesc:
        """The kernel description of a call with these shapes (ValueError when they clash)."""
        op, nhwc = self.name, self.data_format == "NHWC"
        if len(dout_shape) != 4:
            raise ValueError(f"For '{op}', 'dout' must be 4-D ({self.data_format}), "
                             f"got shape {dout_shape}")
        if len(weight_shape) != 4:
            raise ValueError(f"For '{op}', 'weight' must be 4-D, got shape {weight_shape}")
        n, c_out, h_out, w_out = _nchw(dout_shape, nhwc)
        x_n, c_in, x_h, x_w = _nchw(input_size, nhwc)
        w_cout, w_cin, k1, k2 = _nchw(weight_shape, nhwc)  # (C_out, C_in/group, K1, K2)
        layout = "(C_out, K1, K2, C_in/group)" if nhwc else "(C_out, C_in/group, K1, K2)"
        if w_cout != c_out:
            raise ValueError(f"For '{op}', weight {weight_shape} is {layout}: its C_out "
                             f"({w_cout}) must equal dout's channels ({c_out})")
        if (k1, k2) != self.kernel_size:
            raise ValueError(f"For '{op}', weight {weight_shape} has kernel {(k1, k2)}, but "
                             f"kernel_size is {self.kernel_size}")
        if c_out % self.group or w_cin * self.group != c_in:
            raise ValueError(f"For '{op}', weight {weight_shape} is {layout} with group="
                             f"{self.group}: input_size's channels ({c_in}) must be "
                             f"{w_cin} * {self.group} and C_out ({c_out}) divisible by group")
        if x_n != n:
            raise ValueError(f"For '{op}', input_size {input_size} has batch {x_n}, dout has {n}")
        top, bottom, left, right = self.pads
        rows = _axis(self.pad_mode, top, bottom, h_out, x_h, k1, self.stride[0],
                     self.dilation[0], "height", op)
        cols = _axis(self.pad_mode, left, right, w_out, x_w, k2, self.stride[1],
                     self.dilation[1], "width", op)
        return ConvTranspose2dDesc(
            batch=n, in_channels=c_out, out_channels=c_in, height=h_out, width=w_out,
            kernel_h=k1, kernel_w=k2, stride_h=self.stride[0], stride_w=self.stride[1],
            dilation_h=self.dilation[0], dilation_w=self.dilation[1],
            pad_top=rows[0], pad_bottom=rows[1], pad_left=cols[0], pad_right=cols[1],
            output_padding_h=rows[2], output_padding_w=cols[2], groups=self.group,
            layout=self.data_format, dtype=dtype)


class Conv2DTranspose(Conv2DBackpropInput):
    """MindSpore's ``ops.Conv2DTranspose``: Conv2DBackpropInput under its current name."""


def _nchw(shape, nhwc: bool):
    return (shape[0], shape[3], shape[1], shape[2]) if nhwc else tuple(shape)


def _axis(mode, pad_lo, pad_hi, dout_len, x_len, k, s, d, axis, op):
    """(pad_lo, pad_hi, output_padding) for one axis, or ValueError if x_len cannot be."""
    if mode == "valid":
        pad_lo = pad_hi = 0
    if mode == "same":
        pad_lo, pad_hi = same_padding(x_len, k, s, d)
    forward_len = forward_length(x_len, k, s, d, pad_lo + pad_hi)
    if forward_len != dout_len:
        raise ValueError(
            f"For '{op}', input_size's {axis} {x_len} does not fit dout's {axis} {dout_len}: a "
            f"forward convolution (pad_mode '{mode}', pads {pad_lo}+{pad_hi}, kernel {k}, "
            f"stride {s}, dilation {d}) maps {x_len} to {max(forward_len, 0)}")
    return pad_lo, pad_hi, x_len - transposed_length(dout_len, k, s, d, pad_lo + pad_hi)


def _pad_list(pad_list, op):
    """None ("not set": any entry -1), or the 4 pads >= 0 that replace `pad` in 'pad' mode."""
    if pad_list is None:
        return None
    if not isinstance(pad_list, (tuple, list)):
        raise TypeError(f"For '{op}', 'pad_list' must be a tuple/list of 4 ints or None, "
                        f"got {type(pad_list).__name__} {pad_list!r}")
    if not all(is_int(p) for p in pad_list):
        raise TypeError(f"For '{op}', the elements of 'pad_list' must be ints, got {pad_list!r}")
    if len(pad_list) != 4:
        raise ValueError(f"For '{op}', 'pad_list' must have 4 elements (top, bottom, left, "
                         f"right), got {len(pad_list)}: {pad_list!r}")
    if any(p < -1 for p in pad_list):
        raise ValueError(f"For '{op}', the elements of 'pad_list' must be >= 0, or -1 for "
                         f"'not set', got {pad_list!r}")
    if -1 in pad_list:
        return None
    return tuple(int(p) for p in pad_list)


def _input_size(value, op) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        items = value
    elif hasattr(value, "tolist") or hasattr(value, "__dlpack__"):  # NumPy, tensors
        items = np.asarray(value).tolist()
        items = items if isinstance(items, list) else [items]
    else:
        raise TypeError(f"For '{op}', 'input_size' must be a tuple, list or array of 4 ints, "
                        f"got {type(value).__name__} {value!r}")
    if not all(is_int(v) for v in items):
        raise TypeError(f"For '{op}', the elements of 'input_size' must be ints (the forward "
                        f"input's shape), got {value!r}")
    if len(items) != 4:
        raise ValueError(f"For '{op}', 'input_size' must hold 4 ints (the forward input's "
                         f"shape), got {len(items)}: {value!r}")
    if min(items) < 1:
        raise ValueError(f"For '{op}', 'input_size' must be positive, got {value!r}")
    return tuple(int(v) for v in items)
