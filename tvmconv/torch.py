"""tvmconv inside PyTorch: an operator, a module and a swap.

    import tvmconv.torch
    y = torch.ops.tvmconv.conv_transpose2d(x, w, b, [2, 2], [1, 1], [0, 0], 1, [1, 1])
    layer = tvmconv.torch.ConvTranspose2d(64, 32, 4, stride=2, padding=1)   # nn.ConvTranspose2d
    model = tvmconv.torch.swap(model)   # every nn.ConvTranspose2d runs tvmconv's kernels

* ``torch.ops.tvmconv.conv_transpose2d(input, weight, bias, stride, padding, output_padding,
  groups, dilation)``: ``torch.nn.functional.conv_transpose2d``'s arguments in its order, the
  pairs as lists. A ``torch.library.custom_op`` with a fake (meta) kernel, so ``torch.export``
  and ``torch.compile`` keep it as one node, and autograd: the backward is aten's own
  (``convolution_backward``), input, weight and bias gradients. Contiguous float32/float16
  tensors on the CPU or CUDA device 0 are read in place (DLPack; CUDA kernels on torch's
  current stream); other dtypes and devices run aten's forward.
* ``ConvTranspose2d``: a subclass of ``torch.nn.ConvTranspose2d`` with its constructor,
  parameters and state_dict; ``forward(input, output_size=None)`` computes output_padding the
  way PyTorch does and calls the operator. The weight is packed on every call: PyTorch's
  version counter misses changes through ``.data``, and a stale packed copy would be silently
  wrong.
* ``swap(model)``: every ``nn.ConvTranspose2d`` in the model becomes one of these, in place
  (same parameters, same state_dict keys). Settings tvmconv does not run (``padding_mode``
  other than 'zeros', bfloat16 or float64 parameters) keep torch's module, with one warning.
"""

from __future__ import annotations

import warnings

import torch

from .mint.nn.functional import conv_transpose2d as _tvmconv_conv_transpose2d

__all__ = ["ConvTranspose2d", "conv_transpose2d", "swap"]

SUPPORTED_DTYPES = (torch.float32, torch.float16)


def _runs_on_tvmconv(*tensors) -> bool:
    """Whether tvmconv's kernels serve these tensors (CPU, or CUDA device 0; else aten's
    forward does)."""
    def served(t):
        return (t.dtype in SUPPORTED_DTYPES
                and (t.device.type == "cpu" or (t.device.type == "cuda" and t.device.index in
                                                (0, None))))

    return all(t is None or served(t) for t in tensors)


@torch.library.custom_op("tvmconv::conv_transpose2d", mutates_args=())
def conv_transpose2d(input: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None,
                     stride: list[int], padding: list[int], output_padding: list[int],
                     groups: int, dilation: list[int]) -> torch.Tensor:
    """torch.nn.functional.conv_transpose2d computed by tvmconv (see the module docstring)."""
    if not _runs_on_tvmconv(input, weight, bias):
        return torch.nn.functional.conv_transpose2d(input, weight, bias, stride, padding,
                                                    output_padding, groups, dilation)
    # autograd is this operator's (register_autograd below), not the front end's concern
    args = [t.detach().contiguous() if t is not None else None for t in (input, weight, bias)]
    return _tvmconv_conv_transpose2d(*args, tuple(stride), tuple(padding),
                                     tuple(output_padding), groups, tuple(dilation))


@conv_transpose2d.register_fake
def _(input, weight, bias, stride, padding, output_padding, groups, dilation):
    size = [(input.shape[-2 + axis] - 1) * stride[axis] - 2 * padding[axis]
            + dilation[axis] * (weight.shape[2 + axis] - 1) + output_padding[axis] + 1
            for axis in (0, 1)]
    return input.new_empty((*input.shape[:-3], weight.shape[1] * groups, *size))


def _setup_context(ctx, inputs, output):
    input, weight, bias, stride, padding, output_padding, groups, dilation = inputs
    ctx.save_for_backward(input, weight)
    ctx.has_bias = bias is not None
    ctx.bias_shape = list(bias.shape) if bias is not None else None
    ctx.params = (stride, padding, output_padding, groups, dilation)


def _backward(ctx, grad):
    input, weight = ctx.saved_tensors
    stride, padding, output_padding, groups, dilation = ctx.params
    unbatched = input.dim() == 3
    if unbatched:
        input, grad = input.unsqueeze(0), grad.unsqueeze(0)
    mask = [ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.has_bias and
            ctx.needs_input_grad[2]]
    grad_input, grad_weight, grad_bias = torch.ops.aten.convolution_backward(
        grad, input, weight, ctx.bias_shape, stride, padding, dilation, True, output_padding,
        groups, mask)
    if unbatched and grad_input is not None:
        grad_input = grad_input.squeeze(0)
    return grad_input, grad_weight, grad_bias, None, None, None, None, None


conv_transpose2d.register_autograd(_backward, setup_context=_setup_context)


class ConvTranspose2d(torch.nn.ConvTranspose2d):
    """torch.nn.ConvTranspose2d whose forward runs tvmconv's kernel (the module docstring)."""

    def forward(self, input: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if self.padding_mode != "zeros":  # what torch itself refuses for transposed convs
            return super().forward(input, output_size)
        output_padding = self._output_padding(input, output_size, self.stride, self.padding,
                                              self.kernel_size, 2, self.dilation)
        return torch.ops.tvmconv.conv_transpose2d(
            input, self.weight, self.bias, list(self.stride), list(self.padding),
            list(output_padding), self.groups, list(self.dilation))


def unsupported(module: torch.nn.ConvTranspose2d) -> str | None:
    """Why tvmconv does not run this module (None: it does)."""
    if module.padding_mode != "zeros":
        return f"padding_mode={module.padding_mode!r}"
    if module.weight.dtype not in SUPPORTED_DTYPES:
        return f"{module.weight.dtype} parameters"
    return None


def swap(model: torch.nn.Module) -> torch.nn.Module:
    """Every torch.nn.ConvTranspose2d in `model` (itself included) runs tvmconv from now on, in
    place; returns the model. Modules with settings tvmconv does not run are left as they
    are, and named in one warning."""
    kept = []
    for name, module in model.named_modules():
        if type(module) is not torch.nn.ConvTranspose2d:
            continue
        reason = unsupported(module)
        if reason is None:
            module.__class__ = ConvTranspose2d  # same attributes, parameters and state_dict
        else:
            kept.append(f"{name or type(model).__name__} ({reason})")
    if kept:
        warnings.warn(f"tvmconv.torch.swap: kept torch's forward for {', '.join(kept)}",
                      UserWarning, stacklevel=2)
    return model
