"""A compiled kernel and how to call it with NumPy arrays or TVM tensors."""

from __future__ import annotations

import math
import sys
import threading

import numpy as np
import tvm_ffi

from ..description import ConvTranspose2dDesc
from . import tensors


class Kernel:
    """A callable compiled transposed convolution for one description.

    ``kernel(x, w, bias=None, out=None)``: x, w (and bias when the description has one) as NumPy
    arrays or DLPack tensors of exactly the description's shapes and dtype, used in place when
    contiguous and 64-byte aligned. Returns `out` (allocated when not given) in the kind of x:
    NumPy for NumPy, a TVM tensor for a TVM tensor, a PyTorch tensor for a PyTorch tensor.
    """

    def __init__(self, desc: ConvTranspose2dDesc, module, device, schedule_source="default",
                 entry: str = "main", pack_entry: str = "pack_weight",
                 algorithm: str = "polyphase", library=None,
                 argument_alignment: int = tensors.ALIGNMENT):
        self.desc = desc
        self.module = module
        self.device = device
        self.on_host = tensors.on_host(device)  # False: a GPU kernel
        self.schedule_source = schedule_source  # tuned, transferred, default or unscheduled
        self.algorithm = algorithm  # the compute: polyphase or gemm (see compute.algorithm_for)
        self.entry = entry  # the function's name in module (a package holds many kernels)
        self.library = library  # the library file module was loaded from, when known
        # what the compiled code assumes of its input pointers (bytes): anything less aligned is
        # copied first, since it would crash the vector code. Outputs are always 64-byte
        # aligned (tvmconv allocates them; a caller's `out` below that is refused).
        self.argument_alignment = argument_alignment
        self._func = module[entry]
        self._pack = module[pack_entry] if desc.weight_needs_packing_for(algorithm) else None
        self._scratch = threading.local()  # per thread: the packed weight of the current call

    @property
    def weight_arg_shape(self) -> tuple[int, ...]:
        """The shape run() wants the weight in: the user's layout when the kernel packs it,
        else the kernel layout (for which the user's weight is a reshape)."""
        return self.desc.weight_shape if self._pack is not None else self.packed_weight_shape

    @property
    def packed_weight_shape(self) -> tuple[int, ...]:
        """The weight as the kernel reads it (what pack_weight returns)."""
        return self.desc.weight_shape_for(self.algorithm)

    def __call__(self, x, w, bias=None, out=None):
        d = self.desc
        if not self.on_host and isinstance(x, np.ndarray) and out is None:
            # NumPy in, GPU kernel: copy in, run, copy the result back.
            import tvm

            on_device = [None if v is None else tvm.runtime.tensor(np.ascontiguousarray(v),
                                                                   self.device)
                         for v in (x, w, bias)]
            return self(*on_device).numpy()
        if (bias is not None) != d.has_bias:
            raise ValueError(f"bias {'missing' if d.has_bias else 'given'} for a kernel compiled "
                             f"{'with' if d.has_bias else 'without'} bias")
        self._check(x, d.input_shape, "input")
        self._check(w, d.weight_shape, "weight")
        if bias is not None:
            self._check(bias, d.bias_shape, "bias")
        args = self.arguments(x, w, bias)
        if out is None and not self.on_host:
            # A GPU kernel: the result stays on the device, in the kind of x
            out_tensor, result = self.device_output(d.output_shape, like=x)
        elif out is None:
            out_tensor, result = tensors.new_output(d.output_shape, d.output_shape, d.dtype,
                                                    tensors.kind_of(x))
        else:
            if isinstance(out, np.ndarray):
                raise TypeError("out must be a TVM tensor (NumPy results are returned, not filled)")
            out_tensor = result = out
            self._check(out, d.output_shape, "out")
            pointer = tvm_ffi.from_dlpack(out).data_ptr() if not isinstance(
                out, tvm_ffi.Tensor) else out.data_ptr()
            if pointer % tensors.ALIGNMENT:
                raise ValueError(f"out must be {tensors.ALIGNMENT}-byte aligned (its data "
                                 f"is at {pointer:#x}); allocate it with "
                                 "tvmconv.runtime.tensors.aligned_empty")
        self.run(args, out_tensor)
        return result

    def arguments(self, x, w=None, bias=None, packed_weight=None) -> list:
        """The kernel's argument tensors from user tensors of the description's shapes (or of
        its element counts: a reshape is a free view), no checks: x, the weight (w in the
        user's layout, or packed_weight already in the kernel's, see pack_weight) and the bias.
        Pass the result to run() (w) or run_packed() (packed_weight): the one call path every
        caller shares."""
        d = self.desc
        align = self.argument_alignment
        weight = (packed_weight if packed_weight is not None
                  else tensors.as_kernel_tensor(w, "weight", self.weight_arg_shape, align))
        args = [tensors.as_kernel_tensor(x, "input", d.input_shape, align), weight]
        if bias is not None:
            args.append(tensors.as_kernel_tensor(bias, "bias", d.bias_shape, align))
        return args

    def run(self, args, out) -> None:
        """The bare call: compact, aligned tensors of the right shapes (the weight in
        weight_arg_shape) and dtype, no checks. Packs the weight first when it needs it."""
        if self._pack is not None:
            packed = getattr(self._scratch, "weight", None)
            if packed is None:
                packed = self._scratch.weight = self._empty(self.packed_weight_shape)
            self._pack(args[1], packed)
            args = [args[0], packed, *args[2:]]
        self._func(*args, out)

    def run_packed(self, args, out) -> None:
        """The bare call with the weight already in the kernel layout (see pack_weight)."""
        self._func(*args, out)

    def pack_weight(self, w):
        """w (the user's layout: a NumPy array or DLPack tensor) as a new TVM tensor in the
        kernel layout, for callers that own their weight and pack it once (run_packed)."""
        d = self.desc
        if math.prod(w.shape) != math.prod(d.weight_shape):  # a reshape of it is welcome
            self._check(w, d.weight_shape, "weight")
        if not self.on_host and tensors.device_of(w)[0] == tensors.KDLCPU:
            w = self.to_device(w, self.weight_arg_shape)
        w = tensors.as_kernel_tensor(w, "weight", self.weight_arg_shape)
        packed = self._empty(self.packed_weight_shape)
        if self._pack is not None:
            self._pack(w, packed)
        else:
            self._copy(w, packed)
        return packed

    def to_device(self, value, shape=None):
        """A host tensor (NumPy or DLPack) copied to a GPU kernel's device, reshaped (a view
        of the same elements) to `shape` when given."""
        import tvm

        array = np.ascontiguousarray(value if isinstance(value, np.ndarray)
                                     else np.from_dlpack(value))
        return tvm.runtime.tensor(array.reshape(shape) if shape else array, self.device)

    def device_output(self, user_shape, like):
        """(kernel tensor, result) of a GPU kernel's output on its device: the result in the
        kind of `like` (a torch CUDA tensor from torch's allocator, else a TVM tensor or a
        DLPack view of one) with `user_shape`, sharing memory with the kernel's tensor."""
        d = self.desc
        kind = tensors.kind_of(like)
        if kind == "torch":
            torch = sys.modules["torch"]
            result = torch.empty(tuple(user_shape), dtype=getattr(torch, d.dtype),
                                 device=like.device)
            return tvm_ffi.from_dlpack(result.view(d.output_shape)), result
        out = self._empty(d.output_shape)
        result = out if tuple(user_shape) == tuple(d.output_shape) else \
            out._create_view(tuple(user_shape))
        if kind not in ("tvm", "numpy"):
            result = getattr(sys.modules.get(kind), "from_dlpack", lambda t: t)(result)
        return out, result

    def _copy(self, source, dest) -> None:
        """dest[...] = source: through NumPy on the host (tvm_ffi tensors have no copyfrom
        until TVM itself is imported, and a warm start never imports it)."""
        if self.on_host:
            np.from_dlpack(dest)[...] = np.from_dlpack(source).reshape(tuple(dest.shape))
        else:
            dest.copyfrom(source)

    def _empty(self, shape):
        """A new tensor on the kernel's device (host memory through NumPy: no TVM import)."""
        if self.on_host:
            return tvm_ffi.from_dlpack(tensors.aligned_empty(shape, self.desc.dtype))
        import tvm

        return tvm.runtime.empty(shape, self.desc.dtype, self.device)

    def _check(self, value, shape, name):
        tensors.dtype_name(value, name)  # TypeError for what is not a tensor (a list, None)
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(value.shape)}")
        if tensors.dtype_name(value) != self.desc.dtype:
            raise TypeError(f"{name} must have dtype {self.desc.dtype}, got {value.dtype}")

    def warm_up(self) -> Kernel:
        """Pay now what the first call would: TVM's thread pool starting, this thread's scratch
        for the packed weight, the library's first touch. Runs the kernel once on zeros (so it
        costs one call of it). Returns self."""
        d = self.desc
        zeros = [self._zeros(d.input_shape), self._zeros(self.weight_arg_shape)]
        if d.has_bias:
            zeros.append(self._zeros(d.bias_shape))
        self.run(zeros, self._empty(d.output_shape))
        return self

    def _zeros(self, shape):
        tensor = self._empty(shape)
        self._copy(tvm_ffi.from_dlpack(np.zeros(shape, self.desc.dtype)), tensor)
        return tensor

    def time_ms(self, *args, number: int = 10, repeat: int = 5) -> list[float]:
        """Per-call milliseconds of `repeat` batches of `number` calls (TVM's time_evaluator)."""
        import tvm

        d = self.desc
        for value, shape, name in zip(args, (d.input_shape, d.weight_shape, d.bias_shape),
                                      ("input", "weight", "bias")):
            self._check(value, shape, name)
        x, w, *bias = args
        inputs = self.arguments(x, bias=bias[0] if bias else None,
                                packed_weight=self.pack_weight(w))
        out = tvm.runtime.empty(d.output_shape, d.dtype, self.device)
        # Times the kernel on a packed weight (what a layer that owns its weight runs).
        module = self.module
        if not hasattr(module, "time_evaluator"):  # loaded by the runtime alone (warm start)
            module = tvm.runtime.load_module(str(self.library))
        timer = module.time_evaluator(self.entry, self.device, number=number, repeat=repeat)
        return [t * 1e3 for t in timer(*inputs, out).results]
