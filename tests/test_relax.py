"""tvmconv.relax.legalize: Relax conv2d_transpose calls become tvmconv kernels, the rest of the
graph compiles with tvm.compile as usual, and the results match the float64 reference; what it
cannot take keeps TVM's stock legalization. Through TVM's PyTorch frontend too."""

import numpy as np
import pytest
import tvm
from tvm import relax

import tvmconv.relax
from tvmconv.compiler.targets import host_target
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.testing.reference import conv2d_transpose_reference

RNG = np.random.default_rng(19)


def _module(x_shape, w_shape, dtype="float32", constant_weight=False, out_dtype=None, **attrs):
    x = relax.Var("x", relax.TensorType(x_shape, dtype))
    params = [x]
    if constant_weight:
        w_value = RNG.standard_normal(w_shape).astype(dtype)
        w = relax.const(w_value)
    else:
        w_value = None
        w = relax.Var("w", relax.TensorType(w_shape, dtype))
        params.append(w)
    bb = relax.BlockBuilder()
    with bb.function("main", params):
        with bb.dataflow():
            y = bb.emit(relax.op.nn.conv2d_transpose(x, w, out_dtype=out_dtype, **attrs))
            y = bb.emit_output(relax.op.nn.relu(y))
        bb.emit_func_output(y)
    return bb.get(), w_value


def _run(mod, *arrays):
    vm = relax.VirtualMachine(tvm.compile(mod, host_target()), tvm.cpu())
    out = vm["main"](*[tvm.runtime.tensor(a) for a in arrays])
    return (out if hasattr(out, "numpy") else out[0]).numpy()  # the torch frontend: a tuple


def _names(mod):
    return [gv.name_hint for gv in mod.get_global_vars()]


# (x shape, kernel layout, w shape in that layout, attrs, desc fields)
CASES = [
    ((2, 4, 5, 6), "IOHW", (4, 3, 3, 3), dict(strides=2, padding=(1, 0, 0, 1),
                                              output_padding=1),
     dict(stride_h=2, stride_w=2, pad_top=1, pad_left=0, pad_bottom=0, pad_right=1,
          output_padding_h=1, output_padding_w=1)),
    ((1, 6, 4, 4), "IOHW", (6, 2, 4, 2), dict(strides=(2, 1), dilation=(1, 2), groups=3),
     dict(stride_h=2, dilation_w=2, groups=3)),
    ((1, 4, 1, 1), "OIHW", (3, 4, 4, 4), dict(), dict()),          # DCGAN's 1x1, OIHW weight
    ((1, 5, 6, 4), "IOHW", (4, 3, 3, 3), dict(strides=2, padding=1, data_layout="NHWC",
                                              out_layout="NHWC"),
     dict(stride_h=2, stride_w=2, pad_top=1, pad_left=1, pad_bottom=1, pad_right=1,
          layout="NHWC")),
]


@pytest.mark.parametrize("constant_weight", [False, True])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_legalized_conv_transpose_matches_the_reference(case, constant_weight):
    x_shape, kernel_layout, w_shape, attrs, fields = CASES[case]
    mod, w_value = _module(x_shape, w_shape, constant_weight=constant_weight,
                           kernel_layout=kernel_layout, **attrs)
    lowered = tvmconv.relax.legalize(mod)
    assert any(n.startswith("tvmconv_ct2d") for n in _names(lowered))
    x = RNG.standard_normal(x_shape).astype(np.float32)
    w = w_value if constant_weight else RNG.standard_normal(w_shape).astype(np.float32)
    out = _run(lowered, x) if constant_weight else _run(lowered, x, w)
    # the reference reads NCHW data and an IOHW weight
    layout = fields.get("layout", "NCHW")
    x_nchw = x if layout == "NCHW" else x.transpose(0, 3, 1, 2)
    w_iohw = w if kernel_layout == "IOHW" else w.transpose(1, 0, 2, 3)
    groups = fields.get("groups", 1)
    desc = ConvTranspose2dDesc(batch=x_nchw.shape[0], in_channels=x_nchw.shape[1],
                               out_channels=w_iohw.shape[1] * groups, height=x_nchw.shape[2],
                               width=x_nchw.shape[3], kernel_h=w_iohw.shape[2],
                               kernel_w=w_iohw.shape[3],
                               **{k: v for k, v in fields.items() if k != "layout"})
    expected = np.maximum(conv2d_transpose_reference(desc, x_nchw, w_iohw), 0)
    if layout == "NHWC":
        expected = expected.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(out, expected, atol=1e-4, rtol=1e-5)


def test_float16_runs_on_tvmconv():
    mod, _ = _module((1, 8, 4, 4), (8, 4, 4, 4), dtype="float16", strides=2, padding=1)
    lowered = tvmconv.relax.legalize(mod)
    assert any(n.startswith("tvmconv_ct2d") for n in _names(lowered))
    x = RNG.standard_normal((1, 8, 4, 4)).astype(np.float16)
    w = RNG.standard_normal((8, 4, 4, 4)).astype(np.float16)
    desc = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=4, height=4, width=4,
                               kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1)
    expected = np.maximum(conv2d_transpose_reference(desc, x, w), 0)
    np.testing.assert_allclose(_run(lowered, x, w).astype(np.float64), expected, atol=2e-2)


def test_what_tvmconv_does_not_take_keeps_the_stock_legalization():
    """out_dtype other than the input's (TVM's torch frontend always says float32): topi."""
    mod, _ = _module((1, 4, 3, 3), (4, 2, 3, 3), dtype="float16", out_dtype="float32")
    lowered = tvmconv.relax.legalize(mod)
    assert not any(n.startswith("tvmconv_") for n in _names(lowered))
    x = RNG.standard_normal((1, 4, 3, 3)).astype(np.float16)
    w = RNG.standard_normal((4, 2, 3, 3)).astype(np.float16)
    desc = ConvTranspose2dDesc(batch=1, in_channels=4, out_channels=2, height=3, width=3,
                               kernel_h=3, kernel_w=3)
    np.testing.assert_allclose(_run(lowered, x, w), np.maximum(
        conv2d_transpose_reference(desc, x, w), 0), atol=2e-2)


@pytest.mark.slow
def test_the_dcgan_generator_through_the_torch_frontend():
    torch = pytest.importorskip("torch")
    from tvm.relax.frontend.torch import from_exported_program

    from tvmconv.testing.models import dcgan_generator

    torch.manual_seed(0)
    model = dcgan_generator(ngf=16).eval()
    z = torch.randn(2, 100, 1, 1)
    with torch.no_grad():
        expected = model(z).numpy()
    mod = from_exported_program(torch.export.export(model, (z,)))
    lowered = tvmconv.relax.legalize(mod)
    assert sum(n.startswith("tvmconv_ct2d") for n in _names(lowered)) == 5
    out = _run(lowered, z.numpy())
    assert np.abs(out - expected).max() <= 1e-4 * np.abs(expected).max()


def _torch_module(torch, *layers):
    model = torch.nn.Sequential(*layers).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # statistics away from 0/1
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-1, 1)
    return model


@pytest.mark.parametrize("activation", ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", None])
@pytest.mark.parametrize("batch_norm", [True, False])
def test_bias_batch_norm_and_activation_run_in_the_kernels_output_stage(activation, batch_norm):
    torch = pytest.importorskip("torch")
    from tvm.relax.frontend.torch import from_exported_program

    torch.manual_seed(3)
    layers = [torch.nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, bias=True)]
    layers += [torch.nn.BatchNorm2d(6)] if batch_norm else []
    layers += [getattr(torch.nn, activation)(*([0.2] if activation == "LeakyReLU" else []))] \
        if activation else []
    model = _torch_module(torch, *layers)
    x = torch.randn(2, 4, 5, 5)
    lowered = tvmconv.relax.legalize(from_exported_program(torch.export.export(model, (x,))))
    prim_funcs = [gv.name_hint for gv, f in lowered.functions.items()
                  if isinstance(f, tvm.tirx.PrimFunc)]
    assert len(prim_funcs) == 1 and prim_funcs[0].startswith("tvmconv_ct2d")  # nothing else
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(_run(lowered, x.numpy()), expected, atol=1e-5, rtol=1e-5)


def test_an_intermediate_used_twice_is_not_fused_and_stays_right():
    torch = pytest.importorskip("torch")
    from tvm.relax.frontend.torch import from_exported_program

    class TwoUses(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.up = torch.nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1)

        def forward(self, x):
            y = self.up(x)
            return torch.relu(y) + y

    model = TwoUses().eval()
    x = torch.randn(1, 3, 4, 4)
    mod = from_exported_program(torch.export.export(model, (x,)))
    for fuse in (True, False):
        lowered = tvmconv.relax.legalize(mod, fuse_epilogues=fuse)
        with torch.no_grad():
            np.testing.assert_allclose(_run(lowered, x.numpy()), model(x).numpy(), atol=1e-5)
