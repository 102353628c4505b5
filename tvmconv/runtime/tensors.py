"""Tensors in and out of compiled kernels: NumPy arrays and any DLPack-capable tensor.

Compiled kernels take compact, 64-byte-aligned buffers (TVM's allocation alignment: the generated
code uses aligned vector loads, and a misaligned buffer crashes rather than raising). An input
whose memory already qualifies is wrapped without a copy (DLPack); anything else is copied once
into an aligned buffer. Results come back in the kind of the input: NumPy for NumPy, a TVM
tensor for a TVM tensor, and for other frameworks (PyTorch, ...) their own ``from_dlpack`` view
of the result buffer.

Only NumPy and ``tvm_ffi`` are used here, so running a cached kernel needs no TVM compiler.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import tvm_ffi

# What tvmconv allocates with (results, layer parameters): 64 bytes, a cache line. What a kernel
# assumes of the pointers it is given is its own (Kernel.argument_alignment): an element's for
# CPU kernels built now, TVM's 64 bytes for GPU kernels and packages compiled before.
ALIGNMENT = 64
KDLCPU = 1  # DLPack's device types: host memory, CUDA memory
KDLCUDA = 2
DEVICE_NAMES = {1: "cpu", 2: "cuda", 3: "cuda_host", 4: "opencl", 7: "vulkan", 8: "metal",
                10: "rocm", 13: "cuda_managed", 14: "oneapi"}


def device_of(value) -> tuple[int, int]:
    """(DLPack device type, device index) of a NumPy array, TVM tensor or other DLPack
    tensor; anything without one counts as host memory (its own checks reject it later)."""
    if isinstance(value, np.ndarray):
        return KDLCPU, 0
    if isinstance(value, tvm_ffi.Tensor):
        return int(value.device.dlpack_device_type()), int(value.device.index)
    probe = getattr(value, "__dlpack_device__", None)
    if probe is None:
        return KDLCPU, 0
    kind, index = probe()
    return int(kind), int(index)


def device_name(device: tuple[int, int]) -> str:
    return f"{DEVICE_NAMES.get(device[0], f'device type {device[0]}')}:{device[1]}"


def on_host(device) -> bool:
    """Whether a tvm_ffi device is the CPU (host memory)."""
    return device.dlpack_device_type() == KDLCPU


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous NumPy array whose data is ALIGNMENT-byte aligned."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = (-raw.ctypes.data) % ALIGNMENT
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def aligned(array, alignment: int = ALIGNMENT) -> np.ndarray:
    """`array` as a C-contiguous NumPy array whose data is `alignment`-byte aligned (a copy
    only if it is not one already)."""
    array = np.asarray(array)
    if array.flags.c_contiguous and array.ctypes.data % alignment == 0:
        return array
    copy = aligned_empty(array.shape, array.dtype)
    copy[...] = array
    return copy


def kind_of(value) -> str:
    """'numpy', 'tvm', or the top-level module of another DLPack tensor type ('torch', ...)."""
    if isinstance(value, np.ndarray):
        return "numpy"
    if isinstance(value, tvm_ffi.Tensor):
        return "tvm"
    return type(value).__module__.split(".")[0]


def as_kernel_tensor(value, name: str, shape=None, alignment: int = ALIGNMENT) -> tvm_ffi.Tensor:
    """`value` as a compact tvm_ffi tensor whose data is `alignment`-byte aligned, reshaped (a
    view) to `shape` when given.

    Zero-copy when the memory already qualifies. Raises TypeError for objects that are neither
    NumPy arrays nor DLPack-capable tensors.
    """
    if isinstance(value, np.ndarray):
        return _from_numpy(value if shape is None else value.reshape(shape), alignment)
    if isinstance(value, tvm_ffi.Tensor):
        tensor = value
    elif hasattr(value, "__dlpack__"):
        tensor = tvm_ffi.from_dlpack(value)
    else:
        raise TypeError(f"{name} must be a NumPy array or a DLPack-capable tensor, "
                        f"got {type(value).__name__}")
    on_cpu = on_host(tensor.device)
    usable = tensor.is_contiguous() and tensor.data_ptr() % alignment == 0
    if on_cpu and (not usable or (shape is not None and tuple(tensor.shape) != tuple(shape))):
        # NumPy views the same memory, reshapes it for free, and copies only when it must.
        array = np.from_dlpack(tensor)
        return _from_numpy(array if shape is None else array.reshape(shape), alignment)
    if not usable:
        raise ValueError(f"{name} is a non-contiguous or misaligned tensor on {tensor.device}; "
                         "make it contiguous first")
    if shape is not None and tuple(tensor.shape) != tuple(shape):
        raise ValueError(f"{name} on {tensor.device} cannot be reshaped to {tuple(shape)} here")
    return tensor


def _from_numpy(array: np.ndarray, alignment: int = ALIGNMENT) -> tvm_ffi.Tensor:
    array = aligned(array, alignment)
    if not array.flags.writeable:
        # NumPy exports no DLPack of a read-only array (a layer's owned weight). The kernels
        # only read their inputs: a writable alias of the same memory is safe, else a copy.
        alias = array.view()
        try:
            alias.flags.writeable = True
        except ValueError:
            alias = aligned(array.copy())
        array = alias
    return tvm_ffi.from_dlpack(array)


def dtype_name(value, name: str = "input") -> str:
    """The dtype of a NumPy array, TVM tensor or other DLPack tensor as 'float32', 'float16', ...

    TypeError for anything else (lists, scalars): surfaces take tensors, not nested sequences.
    """
    if isinstance(value, np.ndarray):
        return value.dtype.name
    if isinstance(value, tvm_ffi.Tensor):
        return str(value.dtype)
    if not hasattr(value, "__dlpack__") or not hasattr(value, "dtype"):
        raise TypeError(f"{name} must be a NumPy array or a DLPack-capable tensor, "
                        f"got {type(value).__name__}")
    return str(value.dtype).rsplit(".", 1)[-1]  # torch.float32 -> float32


def astype(value, dtype: str):
    """`value` converted to `dtype`, in its own kind (NumPy, TVM or another DLPack tensor)."""
    kind = kind_of(value)
    if kind == "torch":
        return value.to(getattr(sys.modules["torch"], dtype))
    array = aligned_empty(shape_of(value), dtype)
    array[...] = value if kind == "numpy" else np.from_dlpack(value)
    if kind == "numpy":
        return array
    if kind == "tvm":
        return tvm_ffi.from_dlpack(array)
    return getattr(sys.modules.get(kind), "from_dlpack", tvm_ffi.from_dlpack)(array)


def shape_of(value) -> tuple[int, ...]:
    return tuple(int(s) for s in value.shape)


def new_output(kernel_shape, user_shape, dtype: str, kind: str):
    """(kernel_tensor, result): an aligned output buffer and the object handed to the user.

    The user's result has `user_shape` (e.g. without the batch axis of unbatched input) and
    shares memory with the kernel's tensor.
    """
    array = aligned_empty(user_shape, dtype)
    tensor = tvm_ffi.from_dlpack(array.reshape(kernel_shape))
    if kind == "numpy":
        return tensor, array
    user_tensor = tvm_ffi.from_dlpack(array) if tuple(user_shape) != tuple(kernel_shape) else tensor
    if kind == "tvm":
        return tensor, user_tensor
    from_dlpack = getattr(sys.modules.get(kind), "from_dlpack", None)
    return tensor, (from_dlpack(user_tensor) if from_dlpack is not None else user_tensor)
