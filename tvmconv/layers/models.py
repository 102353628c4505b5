"""The transposed convolutions of a model, as layer-file entries: an ONNX model (``.onnx``) or
a ``torch.export`` program (``.pt2``). What ``tvmconv layers MODEL`` prints, and what
``--layers MODEL`` reads in ``tvmconv tune`` and ``tvmconv compile``.

ONNX's rules are resolved exactly (the ConvTranspose operator's specification): ``pads`` are
(x1_begin, x2_begin, x1_end, x2_end); ``auto_pad`` SAME_UPPER/SAME_LOWER ask for an output of
input * stride; an ``output_shape`` (given, or so asked) sets the pads: total = stride*(in - 1)
+ output_padding + dilation*(kernel - 1) + 1 - out, split with the odd one at the end for
SAME_UPPER and at the beginning otherwise; a negative total asks for more rows than the
kernels reach: zeros, as output_padding.
"""

from __future__ import annotations

import re
from pathlib import Path

MODEL_SUFFIXES = (".onnx", ".pt2")
_ONNX_DTYPES = {1: "float32", 10: "float16"}


class ModelError(ValueError):
    """A model tvmconv cannot read layers from (the message says why)."""


def is_model(spec) -> bool:
    return Path(str(spec)).suffix in MODEL_SUFFIXES


def model_layers(path) -> list[dict]:
    """The layer-file entries of every 2-D transposed convolution in the model at `path`."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    entries = _onnx_layers(path) if path.suffix == ".onnx" else _exported_layers(path)
    if not entries:
        raise ModelError(f"{path}: no 2-D transposed convolution in this model")
    return entries


def _entry(name, source, x_shape, w_io, kernel, stride, pads, output_padding, dilation,
           groups, dtype, bias) -> dict:
    """pads: (top, bottom, left, right)."""
    return {"name": name, "source": source, "batch": x_shape[0], "in_channels": x_shape[1],
            "out_channels": w_io[1] * groups, "height": x_shape[2], "width": x_shape[3],
            "kernel_size": list(kernel), "stride": list(stride), "padding": list(pads),
            "output_padding": list(output_padding), "dilation": list(dilation),
            "groups": groups, "dtype": dtype, "bias": bias}


def _unique(name: str, taken: set) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "layer"
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


# ----- ONNX --------------------------------------------------------------------------------

def onnx_pads(attrs: dict, in_hw, kernel, stride, dilation, output_padding):
    """(top, bottom, left, right), output_padding of an ONNX ConvTranspose's attributes."""
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
    output_shape = attrs.get("output_shape")
    if auto_pad == "VALID":
        return (0, 0, 0, 0), output_padding
    if output_shape is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        output_shape = [size * s for size, s in zip(in_hw, stride)]
    if output_shape is None:
        p = list(attrs.get("pads", [0, 0, 0, 0]))
        return (p[0], p[2], p[1], p[3]), output_padding
    output_shape = list(output_shape)[-2:]  # spatial (some exporters write N, C too)
    begins, ends, extra = [], [], []
    for size, k, s, d, op, out in zip(in_hw, kernel, stride, dilation, output_padding,
                                      output_shape):
        total = s * (size - 1) + op + d * (k - 1) + 1 - out
        if total < 0:  # rows beyond the kernels' reach: zeros
            begins.append(0)
            ends.append(0)
            extra.append(op - total)
            continue
        half = total // 2
        begin, end = (half, total - half) if auto_pad == "SAME_UPPER" else (total - half, half)
        begins.append(begin)
        ends.append(end)
        extra.append(op)
    return (begins[0], ends[0], begins[1], ends[1]), tuple(extra)


def _onnx_layers(path: Path) -> list[dict]:
    try:
        import onnx
        from onnx import helper, numpy_helper, shape_inference
    except ImportError:
        raise ModelError(f"{path}: reading ONNX models needs the onnx package "
                         "(pip install onnx)") from None
    try:
        model = shape_inference.infer_shapes(onnx.load(str(path)))
    except Exception as err:  # noqa: BLE001 (onnx raises its own and protobuf errors)
        raise ModelError(f"{path}: not a readable ONNX model ({err})") from None
    graph = model.graph
    shapes, dtypes = {}, {}
    for info in list(graph.input) + list(graph.value_info) + list(graph.output):
        tensor = info.type.tensor_type
        shapes[info.name] = [d.dim_value if d.HasField("dim_value") else None
                             for d in tensor.shape.dim]
        dtypes[info.name] = tensor.elem_type
    for init in graph.initializer:
        shapes[init.name] = list(numpy_helper.to_array(init).shape)
        dtypes[init.name] = init.data_type
    entries, taken = [], set()
    for index, node in enumerate(graph.node):
        if node.op_type != "ConvTranspose":
            continue
        label = node.name or f"ConvTranspose_{index}"
        x_shape, w_shape = shapes.get(node.input[0]), shapes.get(node.input[1])
        if x_shape is None or w_shape is None or None in x_shape or None in w_shape:
            raise ModelError(f"{path}: node {label}: its input or weight shape is not static "
                             f"({x_shape}, {w_shape}); export the model with fixed shapes")
        if len(x_shape) != 4:
            continue  # 1-D and 3-D transposed convolutions: not tvmconv's
        dtype = _ONNX_DTYPES.get(dtypes.get(node.input[0]))
        if dtype is None:
            raise ModelError(f"{path}: node {label}: element type "
                             f"{dtypes.get(node.input[0])} is not float32 or float16")
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        kernel = tuple(attrs.get("kernel_shape", w_shape[2:]))
        stride = tuple(attrs.get("strides", (1, 1)))
        dilation = tuple(attrs.get("dilations", (1, 1)))
        output_padding = tuple(attrs.get("output_padding", (0, 0)))
        pads, output_padding = onnx_pads(attrs, x_shape[2:], kernel, stride, dilation,
                                         output_padding)
        entries.append(_entry(
            _unique(label, taken), f"{path.name}: ONNX node {label}", x_shape, w_shape,
            kernel, stride, pads, output_padding, dilation, int(attrs.get("group", 1)), dtype,
            len(node.input) > 2 and node.input[2] != ""))
    return entries


# ----- torch.export ------------------------------------------------------------------------

def _exported_layers(path: Path) -> list[dict]:
    try:
        import torch
    except ImportError:
        raise ModelError(f"{path}: reading .pt2 programs needs torch") from None
    try:
        program = torch.export.load(str(path))
    except Exception as err:  # noqa: BLE001 (torch raises many kinds here)
        raise ModelError(f"{path}: not a torch.export program ({err})") from None
    entries, taken = [], set()
    for node in program.graph.nodes:
        if node.op != "call_function":
            continue
        args = list(node.args)
        op = node.target.name() if hasattr(node.target, "name") else ""
        if op in ("aten::conv_transpose2d.input", "tvmconv::conv_transpose2d"):
            names = ("input", "weight", "bias", "stride", "padding", "output_padding",
                     "groups", "dilation")
            defaults = (None, None, None, [1, 1], [0, 0], [0, 0], 1, [1, 1])
        elif op == "aten::convolution" and len(args) > 6 and args[6]:
            # (input, weight, bias, stride, padding, dilation, transposed, output_padding, g)
            args = [args[0], args[1], args[2], args[3], args[4], args[7], args[8], args[5]]
            names, defaults = None, None
        else:
            continue
        if names is not None:
            values = dict(zip(names, defaults))
            values.update(zip(names, args))
            values.update(node.kwargs)
            args = [values[n] for n in names]
        x, w, bias, stride, padding, output_padding, groups, dilation = args
        x_val, w_val = x.meta.get("val"), w.meta.get("val")
        if x_val is None or w_val is None or x_val.dim() != 4:
            continue
        x_shape, w_shape = [int(s) for s in x_val.shape], [int(s) for s in w_val.shape]
        dtype = str(x_val.dtype).rsplit(".", 1)[-1]
        pairs = [(v, v) if isinstance(v, int) else tuple(v)
                 for v in (stride, padding, output_padding, dilation)]
        (sh, sw), (ph, pw), output_padding, dilation = pairs
        entries.append(_entry(
            _unique(node.name, taken), f"{path.name}: node {node.name}", x_shape, w_shape,
            w_shape[2:], (sh, sw), (ph, ph, pw, pw), output_padding, dilation, int(groups),
            dtype, bias is not None))
    return entries
