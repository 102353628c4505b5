"""Competitors for benchmarks: TVM's own topi compute (untuned) and PyTorch, when installed."""

from __future__ import annotations

import numpy as np

from ..description import ConvTranspose2dDesc


def topi_supports(desc: ConvTranspose2dDesc) -> bool:
    """topi's conv2d_transpose: NCHW, no bias; dilation is emulated by dilating the kernel."""
    return desc.layout == "NCHW" and not desc.has_bias


def build_topi(desc: ConvTranspose2dDesc, target):
    """topi.nn.(group_)conv2d_transpose_nchw with no schedule: what TVM gives untuned.

    Returns a callable f(x, w, out) on TVM tensors. topi has no dilation argument, so a dilated
    kernel is first spread out with zeros (topi.nn.dilate), as TVM's own legalisation does.
    """
    import tvm
    from tvm import te, topi

    x = te.placeholder(desc.input_shape, desc.dtype, name="input")
    w = te.placeholder(desc.weight_shape, desc.dtype, name="weight")
    kernel = w
    if desc.dilation_h > 1 or desc.dilation_w > 1:
        kernel = topi.nn.dilate(w, (1, 1, desc.dilation_h, desc.dilation_w), name="dilated")
    stride = (desc.stride_h, desc.stride_w)
    padding = (desc.pad_top, desc.pad_left, desc.pad_bottom, desc.pad_right)
    out_pad = (desc.output_padding_h, desc.output_padding_w)
    if desc.groups == 1:
        y = topi.nn.conv2d_transpose_nchw(x, kernel, stride, padding, desc.dtype, out_pad)
    else:
        y = topi.nn.group_conv2d_transpose_nchw(x, kernel, stride, padding, desc.dtype, out_pad,
                                                desc.groups)
    func = te.create_prim_func([x, w, y])
    return tvm.compile(tvm.IRModule({"main": func}), target=target).jit()["main"]


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_conv_transpose2d(desc: ConvTranspose2dDesc):
    """A closure f(x, w) calling torch.nn.functional.conv_transpose2d, or None if unsupported.

    PyTorch pads symmetrically: asymmetric pads are not expressible, so they return None.
    """
    import torch

    if desc.pad_top != desc.pad_bottom or desc.pad_left != desc.pad_right:
        return None
    kwargs = dict(stride=(desc.stride_h, desc.stride_w), padding=(desc.pad_top, desc.pad_left),
                  output_padding=(desc.output_padding_h, desc.output_padding_w),
                  groups=desc.groups, dilation=(desc.dilation_h, desc.dilation_w))
    nhwc = desc.layout == "NHWC"

    def run(x: torch.Tensor, w: torch.Tensor, bias=None):
        if nhwc:
            x = x.permute(0, 3, 1, 2)
            w = w.permute(0, 3, 1, 2)
        y = torch.nn.functional.conv_transpose2d(x, w, bias, **kwargs)
        return y.permute(0, 2, 3, 1) if nhwc else y

    return run


def ort_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def ort_conv_transpose2d(desc: ConvTranspose2dDesc, w, bias=None, threads: int = 2):
    """A closure f(x) running ONNX Runtime's ConvTranspose (MLAS) with w (and bias) as
    initializers, the way a deployed ONNX model holds them; None for NHWC (ONNX is NCHW-only)."""
    if desc.layout != "NCHW":
        return None
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    elem = {"float32": TensorProto.FLOAT, "float16": TensorProto.FLOAT16}[desc.dtype]
    inits = [numpy_helper.from_array(w, "w")] + (
        [numpy_helper.from_array(bias, "b")] if bias is not None else [])
    node = helper.make_node(
        "ConvTranspose", ["x", "w"] + (["b"] if bias is not None else []), ["y"],
        strides=[desc.stride_h, desc.stride_w], dilations=[desc.dilation_h, desc.dilation_w],
        pads=[desc.pad_top, desc.pad_left, desc.pad_bottom, desc.pad_right],
        output_padding=[desc.output_padding_h, desc.output_padding_w], group=desc.groups,
        kernel_shape=[desc.kernel_h, desc.kernel_w])
    graph = helper.make_graph(
        [node], "conv_transpose", [helper.make_tensor_value_info("x", elem, desc.input_shape)],
        [helper.make_tensor_value_info("y", elem, desc.output_shape)], inits)
    # IR version 8 (opset 17's): onnx may default to an IR newer than onnxruntime reads.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(model.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
    except ort.capi.onnxruntime_pybind11_state.NotImplemented:
        return None  # e.g. no fp16 ConvTranspose kernel in this build

    def run(x):
        return session.run(["y"], {"x": x})[0]

    return run


def _best_seconds(fn, repeats: int) -> float:
    import time

    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_gflops(threads: int, n: int = 3072, repeats: int = 5) -> float:
    """This machine's practical fp32 peak, at `threads` threads: the fastest of a large matrix
    product by NumPy's BLAS and PyTorch's, and (with PyTorch) oneDNN's kernel of a wide
    transposed convolution (256 -> 2048 channels, 3x3, 32x32: FMA-bound). oneDNN's JIT code
    is the one that reaches it on AMD CPUs, where MKL's sgemm takes a path at a third of it."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((n, n)).astype(np.float32)
    out = np.empty((n, n), np.float32)
    rates = [2 * n ** 3 / _best_seconds(lambda: np.matmul(a, b, out=out), repeats)]
    if torch_available():
        import torch

        torch.set_num_threads(threads)
        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        rates.append(2 * n ** 3 / _best_seconds(lambda: torch.mm(ta, tb, out=tout), repeats))
        x, w = torch.rand(1, 256, 32, 32), torch.rand(256, 2048, 3, 3)
        deconv = lambda: torch.nn.functional.conv_transpose2d(x, w, padding=1)  # noqa: E731
        rates.append(2 * 256 * 2048 * 9 * 32 * 32 / _best_seconds(deconv, repeats))
    return max(rates) / 1e9


def copy_bandwidth_gbs(threads: int, megabytes: int = 256, repeats: int = 5) -> float:
    """This machine's practical memory bandwidth: bytes read plus bytes written per second by
    the fastest copy of a buffer far larger than the caches (NumPy's, one thread, and
    PyTorch's, `threads` threads)."""
    src = np.ones(megabytes << 18, np.float32)
    dst = np.empty_like(src)
    seconds = [_best_seconds(lambda: np.copyto(dst, src), repeats)]
    if torch_available():
        import torch

        torch.set_num_threads(threads)
        tsrc, tdst = torch.from_numpy(src), torch.from_numpy(dst)
        seconds.append(_best_seconds(lambda: tdst.copy_(tsrc), repeats))
    return 2 * src.nbytes / min(seconds) / 1e9
