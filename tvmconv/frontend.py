"""What every public surface (ops, nn, mint, megengine) shares: argument normalisation, the
checks of a call, and the one call path from user tensors to the cached kernel.

A surface checks its own arguments, lowers them to a ConvTranspose2dDesc, and hands the user's
tensors to ``conv_transpose`` with the shapes the kernel wants (a reshape is a free view:
unbatched input, a MegEngine grouped weight, a (1, C, 1, 1) bias). The second call with the same
description costs a dict lookup, the tensor wrapping and the kernel: nothing proportional to the
data unless an input is non-contiguous or misaligned and has to be copied once.
"""

from __future__ import annotations

import contextlib
import numbers
import sys

from .compiler import kernel_for
from .description import DTYPES, WEIGHT_MADE_BY, ConvTranspose2dDesc, check_elements
from .runtime import owned, tensors

# ----- arguments ---------------------------------------------------------------------------

def is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def pair(value, name: str, minimum: int) -> tuple[int, int]:
    """int | tuple/list of 2 ints -> (a, b), each >= minimum; TypeError/ValueError naming `name`."""
    if is_int(value):
        items = (int(value), int(value))
    elif isinstance(value, (tuple, list)):
        if not all(is_int(v) for v in value):
            raise TypeError(f"{name} must be an int or a tuple/list of ints, got {value!r}")
        if len(value) != 2:
            raise ValueError(f"{name} must have 2 elements (height, width), got {len(value)}: "
                             f"{value!r}")
        items = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a tuple/list of 2 ints, "
                        f"got {type(value).__name__} {value!r}")
    if min(items) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return items


def positive_int(value, name: str, op: str | None = None) -> int:
    """An int >= 1; TypeError/ValueError naming `name` (and the operator `op`, when given)."""
    prefix = f"For '{op}', " if op else ""
    if not is_int(value):
        raise TypeError(f"{prefix}{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{prefix}{name} must be >= 1, got {value}")
    return int(value)


def check_weight_size(shape, prefix: str = "") -> None:
    """The description's element limit, checked before a layer allocates its weight:
    kernel_size=100000 would otherwise ask NumPy for tens of GB."""
    check_elements("weight", shape, WEIGHT_MADE_BY, prefix)


# ----- a call ------------------------------------------------------------------------------



def described(memo: dict, key: tuple, describe):
    """The description of a call whose argument signature is `key`: describe(*key) the first
    time (validating every argument), a dict lookup after that. Each surface keeps its memo
    (a layer per instance), so a repeated call skips scheduling and validation alike."""
    desc = memo.get(key)
    if desc is None:
        desc = memo[key] = describe(*key)
    return desc


def input_dtype(x, w, bias=None, x_name="input", w_name="weight") -> str:
    """The common float dtype of the tensors; TypeError naming the odd one out."""
    dtype = tensors.dtype_name(x, x_name)
    if dtype not in DTYPES:
        raise TypeError(f"{x_name} dtype must be one of {DTYPES}, got {dtype}{_convert(dtype)}")
    for name, value in ((w_name, w), ("bias", bias)):
        if value is not None and tensors.dtype_name(value, name) != dtype:
            other = tensors.dtype_name(value, name)
            raise TypeError(f"{name} dtype {other} does not match the {x_name} dtype "
                            f"{dtype}{_convert(other, dtype)}")
    return dtype


def _convert(got: str, want: str = "float32") -> str:
    """How to fix a float tensor of the wrong dtype (NumPy's default is float64)."""
    if not got.startswith(("float", "bfloat")):
        return ""
    return (f": convert it first, e.g. a.astype({want!r}) for NumPy or "
            f"t.to(torch.{want}) for PyTorch")


def check_layer_call(x_shape, in_channels, w_shape, weight_shape, b_shape, bias_shape,
                     x_name="input", prefix="") -> None:
    """What every layer checks on a call: 4-D input with its channels, parameters of their shapes
    (they are plain attributes a user may have reassigned). ValueError, prefixed by `prefix`."""
    if len(x_shape) != 4:
        raise ValueError(f"{prefix}{x_name} must be 4-D (N, C, H, W), got shape {x_shape}")
    if x_shape[1] != in_channels:
        raise ValueError(f"{prefix}{x_name} has {x_shape[1]} channels, the layer "
                         f"in_channels={in_channels}")
    if w_shape != weight_shape:
        raise ValueError(f"{prefix}weight must have shape {weight_shape}, got {w_shape}")
    if b_shape is not None and b_shape != bias_shape:
        raise ValueError(f"{prefix}bias must have shape {bias_shape}, got {b_shape}")


def conv_transpose(desc: ConvTranspose2dDesc, x, w, bias=None, out_shape=None, owner=None):
    """Run desc's kernel on x, w (and bias), returning the result in x's kind, `out_shape`d.

    The kernel runs where x is: this CPU, or CUDA device 0 (a CUDA kernel for its compute
    capability, on PyTorch's current stream for torch tensors, the result on the device).
    owner: the layer that owns w (see owned.py); its packed copy of w is reused across calls.
    A layer's parameters live in host memory: for a CUDA input they are copied to the device
    (the packed weight once, the bias per call)."""
    _no_autograd(x, w, bias)
    device = tensors.device_of(x)
    _same_device(device, owner, weight=w, bias=bias)
    kernel = kernel_for(desc, _target_for(device))
    if owner is not None and bias is not None and device[0] != tensors.KDLCPU:
        bias = kernel.to_device(bias)
    packed = owned.packed_weight(owner, kernel, w) if owner is not None else None
    args = kernel.arguments(x, w, bias, packed_weight=packed)
    user_shape = out_shape or desc.output_shape
    if kernel.on_host:
        out, result = tensors.new_output(desc.output_shape, user_shape, desc.dtype,
                                         tensors.kind_of(x))
    else:
        out, result = kernel.device_output(user_shape, like=x)
    with _stream_of(x, kernel):
        if packed is not None:
            kernel.run_packed(args, out)
        else:
            kernel.run(args, out)
    return result


def _target_for(device: tuple[int, int]):
    """The compilation target of a kernel for tensors on `device` (None: this CPU)."""
    if device[0] == tensors.KDLCPU:
        return None
    if device[0] != tensors.KDLCUDA:
        raise ValueError(f"input is on {tensors.device_name(device)}: tvmconv runs kernels on "
                         "the CPU and on CUDA GPUs; move it to one of those")
    if device[1] != 0:
        raise ValueError(f"input is on {tensors.device_name(device)}: tvmconv's CUDA kernels "
                         "run on device 0 only so far (set CUDA_VISIBLE_DEVICES to choose it)")
    from .compiler.targets import cuda_target_for

    return cuda_target_for(device[1])


def _same_device(device, owner, **others) -> None:
    """Every tensor on the input's device; a layer's host parameters may serve a CUDA input."""
    for name, value in others.items():
        if value is None:
            continue
        where = tensors.device_of(value)
        if where != device and not (owner is not None and where[0] == tensors.KDLCPU):
            raise ValueError(f"{name} is on {tensors.device_name(where)} but input is on "
                             f"{tensors.device_name(device)}: put them on one device")


_NO_STREAM = contextlib.nullcontext()


def _stream_of(x, kernel):
    """For a CUDA kernel on torch tensors: PyTorch's current stream (tvm_ffi's context)."""
    if kernel.on_host or tensors.kind_of(x) != "torch":
        return _NO_STREAM
    import tvm_ffi

    return tvm_ffi.use_torch_stream()


def _no_autograd(*values):
    """A result with no gradient where the caller expects one is silently wrong: refuse it."""
    for name, value in zip(("input", "weight", "bias"), values):
        if getattr(value, "requires_grad", False) and _grad_enabled(value):
            raise RuntimeError(
                f"{name} requires grad, but tvmconv's front ends do not record autograd: the "
                f"result would have no gradient. For inference run under torch.no_grad() or "
                f"pass {name}.detach(); for training use torch's conv_transpose2d")


def _grad_enabled(value) -> bool:
    torch = sys.modules.get(type(value).__module__.split(".")[0])
    is_enabled = getattr(torch, "is_grad_enabled", None)
    return is_enabled() if is_enabled is not None else True
