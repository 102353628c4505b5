"""tvmconv.torch: the custom op (opcheck: schema, fake kernel, autograd), the module, swap() on
the DCGAN generator of pytorch/examples (outputs and gradients against torch's own), export."""

import warnings

import pytest

torch = pytest.importorskip("torch")
tt = pytest.importorskip("tvmconv.torch")
from tvmconv.testing.models import dcgan_generator  # noqa: E402

F = torch.nn.functional
OP = torch.ops.tvmconv.conv_transpose2d.default

CASES = [  # (input shape, weight shape, bias?, stride, padding, output_padding, groups, dilation)
    ((2, 8, 5, 5), (8, 4, 3, 3), True, [2, 2], [1, 1], [1, 1], 1, [1, 1]),
    ((1, 6, 4, 7), (6, 2, 4, 2), False, [2, 3], [0, 1], [0, 2], 3, [1, 2]),
    ((4, 5, 6), (4, 3, 3, 3), True, [1, 1], [1, 0], [0, 0], 1, [2, 1]),   # unbatched
    ((1, 4, 3, 3), (4, 1, 3, 3), True, [2, 2], [1, 1], [1, 1], 4, [1, 1]),  # depthwise
]


def _args(case, dtype=torch.float32, requires_grad=True):
    x_shape, w_shape, bias, *params = case
    gen = torch.Generator().manual_seed(len(x_shape) * 7 + w_shape[0])
    x = torch.randn(x_shape, generator=gen, dtype=dtype, requires_grad=requires_grad)
    w = torch.randn(w_shape, generator=gen, dtype=dtype, requires_grad=requires_grad)
    out_channels = w_shape[1] * params[3]
    b = (torch.randn(out_channels, generator=gen, dtype=dtype, requires_grad=requires_grad)
         if bias else None)
    return (x, w, b, *params)


@pytest.mark.parametrize("case", CASES)
def test_the_op_passes_opcheck(case):
    torch.library.opcheck(OP, _args(case))


@pytest.mark.parametrize("case", CASES)
def test_the_op_matches_torch_forward_and_backward(case):
    args = _args(case)
    got, ref = OP(*args), F.conv_transpose2d(*args)
    torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)
    grad = torch.randn_like(ref)
    inputs = [t for t in args[:3] if t is not None]
    for g, r in zip(torch.autograd.grad(got, inputs, grad), torch.autograd.grad(ref, inputs, grad)):
        torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-5)


def test_float16_and_unsupported_dtypes():
    args = _args(CASES[0], torch.float16, requires_grad=False)
    ref = F.conv_transpose2d(*[a.float() if isinstance(a, torch.Tensor) else a for a in args])
    got = OP(*args)
    assert got.dtype == torch.float16
    torch.testing.assert_close(got.float(), ref, rtol=1e-2, atol=2e-2)
    args = _args(CASES[0], torch.float64, requires_grad=False)  # aten's forward serves it
    torch.testing.assert_close(OP(*args), F.conv_transpose2d(*args))


@pytest.mark.slow
def test_swap_keeps_the_dcgan_generators_outputs_gradients_and_state():
    torch.manual_seed(0)
    model = dcgan_generator(ngf=16)
    reference = dcgan_generator(ngf=16)
    reference.load_state_dict(model.state_dict())
    keys = list(model.state_dict())
    assert tt.swap(model) is model
    assert sum(type(m) is tt.ConvTranspose2d for m in model.modules()) == 5
    assert list(model.state_dict()) == keys
    z = torch.randn(4, 100, 1, 1)
    out, ref = model(z), reference(z)
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-4)
    out.square().sum().backward()
    ref.square().sum().backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-3, atol=1e-3, msg=name)
    model.eval()
    program = torch.export.export(model, (z,))
    ops = [n.target for n in program.graph.nodes if n.op == "call_function"]
    assert ops.count(OP) == 5


def test_the_module_takes_output_size_and_sees_weight_changes():
    torch.manual_seed(1)
    layer = tt.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    plain = torch.nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    plain.load_state_dict(layer.state_dict())
    x = torch.randn(1, 4, 5, 5)
    with torch.no_grad():
        out = layer(x, output_size=[10, 10])
        assert out.shape == (1, 3, 10, 10)
        torch.testing.assert_close(out, plain(x, output_size=[10, 10]))
        layer.weight.data.mul_(2)  # invisible to the version counter
        plain.weight.data.mul_(2)
        torch.testing.assert_close(layer(x), plain(x))


def test_swap_keeps_torchs_forward_where_tvmconv_does_not_run_with_one_warning():
    model = torch.nn.Sequential(torch.nn.ConvTranspose2d(4, 4, 3),
                                torch.nn.ConvTranspose2d(4, 4, 3).to(torch.bfloat16),
                                torch.nn.ConvTranspose2d(4, 4, 3).double())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tt.swap(model)
    assert [type(m) for m in model] == [tt.ConvTranspose2d, torch.nn.ConvTranspose2d,
                                        torch.nn.ConvTranspose2d]
    assert len(caught) == 1 and "1 (torch.bfloat16" in str(caught[0].message)
    assert "2 (torch.float64" in str(caught[0].message)
