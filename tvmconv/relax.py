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

Fused epilogues: where a transposed convolution with a constant weight is followed (each
step the only user of the one before) by a constant bias add, an inference BatchNorm (its
statistics constant) and/or a ReLU, LeakyReLU, Tanh or Sigmoid, the BatchNorm is folded into
the weight and bias and the bias and activation run in the kernel's output stage: no pass of
their own over the output (``legalize(mod, fuse_epilogues=False)`` keeps them apart).

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


def legalize(mod: tvm.IRModule, target=None, fuse_epilogues: bool = True) -> tvm.IRModule:
    """`mod` with its transposed convolutions lowered onto tvmconv's kernels for `target`
    (None: this CPU), bias, BatchNorm and activation fused where they follow one (see the
    module docstring), every other operator legalized as ``tvm.compile`` would."""
    legalizer = _Legalizer(as_target(target))
    if fuse_epilogues:
        mod = relax.transform.FoldConstant()(mod)  # a bias reshape of a constant: a constant
        mod = _fuse_epilogues(mod, legalizer)
    return relax.transform.LegalizeOps(customize_legalize_map={OP: legalizer})(mod)


class _Legalizer:
    def __init__(self, target):
        self.target = target
        self.stock = tvm.ir.Op.get(OP).get_attr("FLegalize")
        self.kernels: dict = {}  # desc -> GlobalVar of its PrimFunc in the module
        self.funcs: dict = {}  # desc -> its scheduled PrimFunc (a layer repeated: scheduled once)

    def __call__(self, bb: relax.BlockBuilder, call: relax.Call) -> relax.Expr:
        desc = describe(call)
        if desc is None:
            return self.stock(bb, call)
        x, w = call.args
        func = self.kernel(desc)
        weight = _in_layout(bb, w, call.attrs.kernel_layout, _weight_layout(desc, func))
        gvar = self.kernels.get(desc)
        if gvar is None:
            gvar = self.kernels[desc] = bb.add_func(func, _kernel_name(desc))
        return relax.call_tir(gvar, [x, weight], relax.TensorType(desc.output_shape, desc.dtype))

    def kernel(self, desc: ConvTranspose2dDesc):
        """desc's scheduled PrimFunc (tuned record or default), marked for Relax."""
        if desc not in self.funcs:
            mod, _ = main_schedule(desc, self.target)
            self.funcs[desc] = (mod["main"].with_attr("global_symbol", _kernel_name(desc))
                                .with_attr("tirx.is_scheduled", True)
                                .with_attr("op_pattern", OPAQUE))
        return self.funcs[desc]


def _kernel_name(desc: ConvTranspose2dDesc) -> str:
    return f"tvmconv_{desc.key}".replace(".", "_")


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


# ----- fused epilogues -----------------------------------------------------------------------

ACTIVATIONS = {"relax.nn.relu": "relu", "relax.tanh": "tanh", "relax.sigmoid": "sigmoid",
               "relax.nn.leakyrelu": "leaky_relu"}


def _fuse_epilogues(mod: tvm.IRModule, legalizer: _Legalizer) -> tvm.IRModule:
    """Each Relax function of mod with its conv -> [bias] -> [BatchNorm] -> [activation]
    chains replaced by one call_tir of a kernel that computes them all."""
    bb = relax.BlockBuilder(mod)
    kernels: dict = {}  # desc -> GlobalVar of its PrimFunc, added to bb's module once

    def kernel_of(desc):
        func = legalizer.kernel(desc)
        if desc not in kernels:
            kernels[desc] = bb.add_func(func, _kernel_name(desc))
        return kernels[desc], func

    for gvar, func in list(mod.functions.items()):
        if isinstance(func, relax.Function):
            fused = _fuse_function(func, kernel_of)
            if fused is not None:
                bb.update_func(gvar, fused)
    return bb.get()


def _fuse_function(func, kernel_of):
    body = func.body
    if not isinstance(body, relax.SeqExpr):
        return None
    bindings = [b for block in body.blocks for b in block.bindings]
    consumers = _consumers(bindings)
    returned = set(relax.analysis.free_vars(body.body))
    replace, drop = {}, set()
    for binding in bindings:
        call = binding.value if isinstance(binding, relax.VarBinding) else None
        if not _is_op(call, OP) or not isinstance(call.args[1], tvm.ir.expr.Constant):
            continue
        chain = _epilogue_chain(binding.var, consumers, returned)
        if not chain.fused:
            continue  # nothing to fuse: legalized as a plain conv later
        fused = _fused_call(call, chain, kernel_of)
        if fused is None:
            continue
        replace[chain.last] = fused
        drop.update(chain.vars[:-1])
    if not replace:
        return None
    blocks = []
    for block in body.blocks:
        kept = [relax.VarBinding(b.var, replace[b.var]) if b.var in replace else b
                for b in block.bindings if b.var not in drop]
        kind = relax.DataflowBlock if isinstance(block, relax.DataflowBlock) else \
            relax.BindingBlock
        blocks.append(kind(kept))
    return relax.Function(func.params, relax.SeqExpr(blocks, body.body), func.ret_ty,
                          func.is_pure, func.attrs)


def _is_op(expr, name: str) -> bool:
    return isinstance(expr, relax.Call) and isinstance(expr.op, tvm.ir.Op) and \
        expr.op.name == name


def _consumers(bindings) -> dict:
    """var -> the bindings whose value reads it."""
    out: dict = {}
    for b in bindings:
        for var in relax.analysis.free_vars(b.value):
            out.setdefault(var, []).append(b)
    return out


class _Chain:
    """The epilogue steps after a convolution: the vars along it, its bias constant, its
    BatchNorm call and its activation."""

    def __init__(self, var):
        self.vars = [var]
        self.bias = self.batch_norm = self.activation = None

    @property
    def last(self):
        return self.vars[-1]

    @property
    def fused(self) -> bool:
        """Whether any step follows the convolution."""
        return len(self.vars) > 1


def _epilogue_chain(var, consumers, returned) -> _Chain:
    """The steps after the conv bound to var, in their order (bias, BatchNorm, activation,
    each optional), each the only user of the one before and not returned itself."""
    chain = _Chain(var)

    def only_consumer(v):
        users = consumers.get(v, [])
        return users[0] if len(users) == 1 and v not in returned else None

    while True:
        user = only_consumer(chain.last)
        value = user.value if user is not None else None
        if value is None:
            return chain
        if not chain.fused and _is_op(value, "relax.add"):
            other = value.args[1] if value.args[0].same_as(chain.last) else value.args[0]
            if not isinstance(other, tvm.ir.expr.Constant):
                return chain
            chain.bias = other
        elif chain.batch_norm is None and chain.activation is None and \
                _is_op(value, "relax.nn.batch_norm") and value.args[0].same_as(chain.last) and \
                all(isinstance(a, tvm.ir.expr.Constant) for a in value.args[1:]):
            item = only_consumer(user.var)
            if item is None or not isinstance(item.value, relax.TupleGetItem) or \
                    item.value.index != 0:
                return chain
            chain.batch_norm = value
            chain.vars.append(user.var)
            user = item
        elif chain.activation is None and isinstance(value, relax.Call) and \
                isinstance(value.op, tvm.ir.Op) and value.op.name in ACTIVATIONS:
            chain.activation = value
        else:
            return chain
        chain.vars.append(user.var)


def _fused_call(conv, chain: _Chain, kernel_of):
    """The call_tir computing conv and its chain, or None when the chain's pieces do not fit
    (a bias not along the channels, a BatchNorm on another axis)."""
    desc = describe(conv)
    if desc is None:
        return None
    channel_axis = 1 if desc.layout == "NCHW" else 3
    cout = desc.out_channels
    w = conv.args[1].value.numpy().astype(np.float64)
    have = str(conv.attrs.kernel_layout)
    w = w.transpose([have.index(axis) for axis in "IOHW"])  # (Cin, Cout/G, kh, kw)
    bias = np.zeros(cout)
    if chain.bias is not None:
        b = chain.bias.value.numpy()
        along_channels = b.ndim == 1 or (b.ndim == 4 and b.shape[channel_axis] == cout)
        if b.size != cout or not along_channels:
            return None
        bias = b.reshape(cout).astype(np.float64)
    if chain.batch_norm is not None:
        a = chain.batch_norm.attrs
        if int(a.axis) not in (channel_axis, channel_axis - 4) or bool(a.training):
            return None
        gamma, beta, mean, var = (c.value.numpy().astype(np.float64)
                                  for c in chain.batch_norm.args[1:])
        gamma = gamma if bool(a.scale) else np.ones(cout)
        beta = beta if bool(a.center) else np.zeros(cout)
        scale = gamma / np.sqrt(var + float(a.epsilon))
        cig, cog = desc.in_channels // desc.groups, cout // desc.groups
        out_channel = (np.arange(desc.in_channels)[:, None] // cig) * cog + np.arange(cog)
        w = w * scale[out_channel][:, :, None, None]
        bias = (bias - mean) * scale + beta
    activation = "none"
    if chain.activation is not None:
        activation = ACTIVATIONS[chain.activation.op.name]
        if activation == "leaky_relu":
            activation = f"leaky_relu:{float(chain.activation.attrs.alpha)!r}"
    desc = desc.replace(has_bias=chain.bias is not None or chain.batch_norm is not None,
                        activation=activation)
    gvar, func = kernel_of(desc)
    want = _weight_layout(desc, func)
    w = np.ascontiguousarray(w.transpose(["IOHW".index(axis) for axis in want]))
    args = [conv.args[0], relax.const(w.astype(desc.dtype))]
    if desc.has_bias:
        args.append(relax.const(bias.astype(desc.dtype)))
    return relax.call_tir(gvar, args, relax.TensorType(desc.output_shape, desc.dtype))
