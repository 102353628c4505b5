"""tvmconv inside TVM Relax models: ``legalize(mod, target)`` lowers every
``relax.nn.conv2d_transpose`` it can onto tvmconv's scheduled kernel (tuned records used as
in every build), and leaves the rest of the graph to TVM's stock legalization:

    mod = tvm.relax.frontend.torch.from_exported_program(torch.export.export(model, (z,)))
    mod = tvmconv.relax.legalize(mod)               # this CPU; or a target tvmconv takes
    vm = tvm.relax.VirtualMachine(tvm.compile(mod, target), tvm.cpu())

What tvmconv takes: static shapes; NCHW or NHWC data with the same out_layout; any kernel
layout (permuted to the kernel's own, once at compile time when the weight is a constant);
any groups, dilation, padding and output_padding; float32, or float16, with out_dtype the
input's. Anything else (dynamic shapes, another out_dtype) gets TVM's stock legalization.

The kernel is a ``call_tir`` of the scheduled PrimFunc, marked ``tirx.is_scheduled`` (no
dlight rule reschedules it) and opaque (op_pattern 8): FuseOps would otherwise try to fuse its
int32-shaped buffers with Relax's int64 ones and fail ("Inconsistent buffers").
"""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax

from .compiler.builder import main_schedule
from .compiler.targets import as_target
from .compute import algorithm_of
from .description import DTYPES, ConvTranspose2dDesc

__all__ = ["legalize"]

OP = "relax.nn.conv2d_transpose"
OPAQUE = 8  # relax's op_pattern kOpaque


def legalize(mod: tvm.IRModule, target=None) -> tvm.IRModule:
    """`mod` with its transposed convolutions lowered onto tvmconv's kernels for `target`
    (None: this CPU), every other operator legalized as ``tvm.compile`` would."""
    legalizer = _Legalizer(as_target(target))
    return relax.transform.LegalizeOps(customize_legalize_map={OP: legalizer})(mod)


class _Legalizer:
    def __init__(self, target):
        self.target = target
        self.stock = tvm.ir.Op.get(OP).get_attr("FLegalize")
        self.kernels: dict = {}  # desc -> GlobalVar of its PrimFunc in the module

    def __call__(self, bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        desc = describe(call)
        if desc is None:
            return self.stock(bb, call)
        x, w = call.args
        mod, _ = main_schedule(desc, self.target)
        func = mod["main"]
        weight = _in_layout(bb, w, call.attrs.kernel_layout, _weight_layout(desc, func))
        gvar = self.kernels.get(desc)
        if gvar is None:
            name = f"tvmconv_{desc.key}"
            func = (func.with_attr("global_symbol", name).with_attr("tirx.is_scheduled", True)
                    .with_attr("op_pattern", OPAQUE))
            gvar = self.kernels[desc] = bb.add_func(func, name)
        return relax.call_tir(gvar, [x, weight], relax.TensorType(desc.output_shape, desc.dtype))


def describe(call: relax.Call) -> ConvTranspose2dDesc | None:
    """The description of a conv2d_transpose call, or None when tvmconv does not take it."""
    a = call.attrs
    x, w = call.args
    layout = str(a.data_layout)
    if layout not in ("NCHW", "NHWC") or str(a.out_layout) != layout:
        return None
    kernel_layout = str(a.kernel_layout)
    if sorted(kernel_layout) != sorted("IOHW"):
        return None
    try:
        x_shape = [int(s) for s in x.ty.shape]
        w_shape = dict(zip(kernel_layout, (int(s) for s in w.ty.shape)))
    except (TypeError, ValueError, AttributeError):  # symbolic shapes
        return None
    dtype = str(x.ty.dtype)
    if dtype not in DTYPES or str(w.ty.dtype) != dtype or str(call.ty.dtype) != dtype:
        return None
    n, c, h, wd = x_shape if layout == "NCHW" else (x_shape[0], x_shape[3], *x_shape[1:3])
    top, left, bottom, right = (int(p) for p in a.padding)  # Relax's order
    groups = int(a.groups)
    try:
        return ConvTranspose2dDesc(
            batch=n, in_channels=c, out_channels=w_shape["O"] * groups, height=h, width=wd,
            kernel_h=w_shape["H"], kernel_w=w_shape["W"], stride_h=int(a.strides[0]),
            stride_w=int(a.strides[1]), dilation_h=int(a.dilation[0]),
            dilation_w=int(a.dilation[1]), pad_top=top, pad_bottom=bottom, pad_left=left,
            pad_right=right, output_padding_h=int(a.output_padding[0]),
            output_padding_w=int(a.output_padding[1]), groups=groups, layout=layout,
            dtype=dtype)
    except (TypeError, ValueError):
        return None


def _weight_layout(desc: ConvTranspose2dDesc, func) -> str:
    """The layout the kernel reads its weight in: an NCHW kernel that packs its weight reads
    (Cin, kh, kw, Cout/G) 'IHWO', the others read the description's weight: NCHW (Cin, Cout/G,
    kh, kw) 'IOHW', NHWC 'IHWO' (see ConvTranspose2dDesc.weight_shape_for)."""
    packs = desc.weight_needs_packing_for(algorithm_of(func))
    return "IOHW" if desc.layout == "NCHW" and not packs else "IHWO"


def _in_layout(bb: relax.BlockBuilder, w: relax.Expr, have: str, want: str) -> relax.Expr:
    """w permuted from layout `have` to `want`: folded now for a constant weight (packed once,
    at compile time), a transpose in the graph otherwise."""
    if have == want:
        return w
    axes = [have.index(axis) for axis in want]
    if isinstance(w, tvm.ir.expr.Constant):
        return relax.const(np.ascontiguousarray(w.value.numpy().transpose(axes)))
    return bb.emit(relax.op.permute_dims(w, axes))
