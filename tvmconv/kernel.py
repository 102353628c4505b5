"""A compiled kernel and how to call it with NumPy arrays or TVM tensors."""

from __future__ import annotations

import numpy as np

from . import tensors
from .description import ConvTranspose2dDesc


class Kernel:
    """A callable compiled transposed convolution for one description.

    ``kernel(x, w, bias=None, out=None)``: x, w (and bias when the description has one) as NumPy
    arrays or DLPack tensors of exactly the description's shapes and dtype, used in place when
    contiguous and 64-byte aligned. Returns `out` (allocated when not given) in the kind of x:
    NumPy for NumPy, a TVM tensor for a TVM tensor, a PyTorch tensor for a PyTorch tensor.
    """

    def __init__(self, desc: ConvTranspose2dDesc, module, device):
        self.desc = desc
        self.module = module
        self.device = device
        self._func = module["main"]

    def __call__(self, x, w, bias=None, out=None):
        d = self.desc
        if (bias is not None) != d.has_bias:
            raise ValueError(f"bias {'missing' if d.has_bias else 'given'} for a kernel compiled "
                             f"{'with' if d.has_bias else 'without'} bias")
        args = [self._tensor(x, d.input_shape, "input"), self._tensor(w, d.weight_shape, "weight")]
        if bias is not None:
            args.append(self._tensor(bias, d.bias_shape, "bias"))
        if out is None:
            out_tensor, result = tensors.new_output(d.output_shape, d.output_shape, d.dtype,
                                                    tensors.kind_of(x))
        else:
            if isinstance(out, np.ndarray):
                raise TypeError("out must be a TVM tensor (NumPy results are returned, not filled)")
            out_tensor = result = out
            self._check(out, d.output_shape, "out")
        self.run(args, out_tensor)
        return result

    def run(self, args, out) -> None:
        """The bare call: compact, aligned tensors of the right shapes and dtype, no checks."""
        self._func(*args, out)

    def _tensor(self, value, shape, name):
        self._check(value, shape, name)
        return tensors.as_kernel_tensor(value, name)

    def _check(self, value, shape, name):
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(value.shape)}")
        if tensors.dtype_name(value) != self.desc.dtype:
            raise TypeError(f"{name} must have dtype {self.desc.dtype}, got {value.dtype}")

    def time_ms(self, *args, number: int = 10, repeat: int = 5) -> list[float]:
        """Per-call milliseconds of `repeat` batches of `number` calls (TVM's time_evaluator)."""
        import tvm

        inputs = [self._tensor(a, s, n) for a, s, n in zip(
            args, (self.desc.input_shape, self.desc.weight_shape, self.desc.bias_shape),
            ("input", "weight", "bias"))]
        out = tvm.runtime.empty(self.desc.output_shape, self.desc.dtype, self.device)
        timer = self.module.time_evaluator("main", self.device, number=number, repeat=repeat)
        return [t * 1e3 for t in timer(*inputs, out).results]
