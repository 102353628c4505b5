"""The TE compute of a transposed convolution, by one of two algorithms.

    phases.py     the polyphase decomposition of an axis (AxisPlan) and the index arithmetic
                  both computes share
    polyphase.py  zero-free stride-1 correlations per phase, then an interleave (every layer)
    gemm.py       one GEMM per image and group, then col2im (layers whose taps overlap little)

This module is the dispatcher: a description and an algorithm in, the kernel's PrimFunc out,
carrying the attributes the schedule rules and the tuning logs read. Which algorithm a layer
gets is the schedule rule's call (``tvmconv.compiler.algorithm_for``): the compute never asks
the schedules.
"""

from __future__ import annotations

import json

from tvm import te

from ..description import ConvTranspose2dDesc
from .gemm import conv2d_transpose_gemm, gemm_supported
from .polyphase import conv2d_transpose

ALGORITHMS = ("polyphase", "gemm")

__all__ = ["ALGORITHMS", "algorithm_of", "algorithms_for", "pack_weight_func", "placeholders",
           "prim_func", "workload_of"]


def placeholders(desc: ConvTranspose2dDesc, algorithm: str = "polyphase") -> list[te.Tensor]:
    """The kernel's inputs in argument order: input, weight (as `algorithm` reads it: see
    ConvTranspose2dDesc.weight_shape_for) and (if any) bias."""
    args = [te.placeholder(desc.input_shape, desc.dtype, name="input"),
            te.placeholder(desc.weight_shape_for(algorithm), desc.dtype, name="weight")]
    if desc.has_bias:
        args.append(te.placeholder(desc.bias_shape, desc.dtype, name="bias"))
    return args


def prim_func(desc: ConvTranspose2dDesc, algorithm: str = "polyphase"):
    """The whole kernel as a TIR PrimFunc (arguments: input, weight, [bias], output), computed
    by `algorithm`: 'polyphase' (every layer) or 'gemm' (layers gemm_supported)."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    args = placeholders(desc, algorithm)
    compute = conv2d_transpose if algorithm == "polyphase" else conv2d_transpose_gemm
    out = compute(desc, *args)
    func = te.create_prim_func(args + [out]).with_attr("global_symbol", "main")
    # The schedule rules recognise our kernels, their layout and their blocks by these attributes.
    # tvmconv.desc lets the tuning logs name the description of every workload they hold.
    if algorithm != "polyphase":  # (absent: polyphase, as in the logs tuned before gemm existed)
        func = func.with_attr("tvmconv.algorithm", algorithm)
    return (func.with_attr("tvmconv.layout", desc.layout).with_attr("tvmconv.key", desc.key)
            .with_attr("tvmconv.desc", json.dumps(desc.to_dict(), sort_keys=True))
            .with_attr("tvmconv.blocks", _stage_names(out))
            .with_attr("tvmconv.strides", [desc.stride_h, desc.stride_w])
            .with_attr("tvmconv.out_per_group", desc.out_channels // desc.groups))


def workload_of(desc: ConvTranspose2dDesc, algorithm: str = "polyphase"):
    """The IRModule meta-schedule tunes and keys its records by (structural hash)."""
    import tvm

    return tvm.IRModule({"main": prim_func(desc, algorithm)})


def algorithms_for(desc: ConvTranspose2dDesc) -> list[str]:
    """The algorithms that can compute desc."""
    return [a for a in ALGORITHMS if a != "gemm" or gemm_supported(desc)]


def algorithm_of(func) -> str:
    """The algorithm a kernel PrimFunc was computed with."""
    attrs = func.attrs
    return str(attrs["tvmconv.algorithm"]) if "tvmconv.algorithm" in attrs else "polyphase"


def pack_weight_func(desc: ConvTranspose2dDesc, algorithm: str = "polyphase"):
    """The PrimFunc that packs an NCHW weight (Cin, Cout/G, kh, kw) into the kernel's
    (Cin, kh, kw, Cout/G); None when the kernel of `algorithm` reads desc's weight as it is."""
    if not desc.weight_needs_packing_for(algorithm):
        return None
    w = te.placeholder(desc.weight_shape, desc.dtype, name="weight")
    packed = te.compute(desc.kernel_weight_shape, lambda ci, kh, kw, co: w[ci, co, kh, kw],
                        name="pack_weight")
    return (te.create_prim_func([w, packed]).with_attr("global_symbol", "pack_weight")
            .with_attr("tvmconv.pack_weight", True))


def _stage_names(out: te.Tensor) -> list[str]:
    """Names of the compute stages feeding `out` (placeholders excluded), out last."""
    names: list[str] = []

    def visit(tensor):
        if isinstance(tensor.op, te.ComputeOp) and tensor.op.name not in names:
            for t in tensor.op.input_tensors:
                visit(t)
            names.append(tensor.op.name)

    visit(out)
    return names
