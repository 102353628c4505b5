"""The frameworks' contracts the recordings (tests/fixtures) do not pin down, each checked here:
MindSpore's pad_list and check order, nn's exception classes, MegEngine's exception class and
dtype promotion, float16 accumulation, autograd and weights changed behind a layer's back."""

import numpy as np
import pytest

from tvmconv import megengine, nn, ops
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.testing.reference import conv2d_transpose_reference

RNG = np.random.default_rng(20)


def _ops_case(pad_list, pad=0, size=9):
    op = ops.Conv2DTranspose(out_channel=3, kernel_size=3, pad_mode="pad", pad=pad,
                             pad_list=pad_list, stride=2)
    dout = RNG.standard_normal((1, 3, 4, 4)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 3)).astype(np.float32)
    return op, dout, w, (1, 2, size, size)


# ----- MindSpore ops ------------------------------------------------------------------------

@pytest.mark.parametrize("pad_list", [(1, -1, 1, -1), (-1, 0, 0, 0), (2, 2, -1, 2)])
def test_a_pad_list_with_any_minus_one_means_not_set(pad_list):
    """MindSpore's shape inference keeps a pad_list only when every entry is >= 0; otherwise the
    kernel gets `pad` (SetPadList): the result equals the same op without a pad_list."""
    op, dout, w, size = _ops_case(pad_list, pad=1, size=7)
    plain = ops.Conv2DTranspose(out_channel=3, kernel_size=3, pad_mode="pad", pad=1, stride=2)
    out = op(dout, w, size)
    np.testing.assert_array_equal(out, plain(dout, w, size))
    desc = op.describe(dout.shape, w.shape, size, "float32")
    assert desc.pads == (1, 1, 1, 1)
    np.testing.assert_allclose(out, conv2d_transpose_reference(desc, dout, w), atol=1e-5)


def test_a_full_pad_list_replaces_pad_and_below_minus_one_is_refused():
    op, dout, w, size = _ops_case((1, 0, 2, 0), pad=0, size=8)
    assert op.describe(dout.shape, w.shape, size, "float32").pads == (1, 0, 2, 0)
    with pytest.raises(ValueError, match="'pad_list' must be >= 0, or -1"):
        _ops_case((-2, 1, 1, 1))


def test_input_size_with_a_float_is_a_type_error():
    op, dout, w, _ = _ops_case(None)
    with pytest.raises(TypeError, match="elements of 'input_size' must be ints"):
        op(dout, w, (1, 2, 9, 9.0))
    with pytest.raises(ValueError, match="'input_size' must hold 4 ints"):
        op(dout, w, (1, 2, 9))


@pytest.mark.parametrize("dout", [1.5, True, np.ones((1, 3, 4, 4), np.int32)])
def test_the_tensor_type_error_comes_before_a_bad_input_size(dout):
    op, _, w, _ = _ops_case(None)
    with pytest.raises(TypeError, match="dout"):
        op(dout, w, (1, 2, 9, 9.0))


# ----- MindSpore nn -------------------------------------------------------------------------

@pytest.mark.parametrize("name, value, error", [
    ("kernel_size", (3, 3, 3), TypeError), ("kernel_size", (3,), TypeError),
    ("stride", (1, 2, 2), TypeError), ("dilation", (1, 1, 1, 1), TypeError),
    ("kernel_size", (3, 3.0), TypeError), ("stride", (True, 1), TypeError),
    ("kernel_size", (3, 0), ValueError), ("dilation", -1, ValueError)])
def test_nn_sizes_raise_what_mindspore_twice_raises(name, value, error):
    with pytest.raises(error, match=f"'nn.Conv2dTranspose', .*'{name}'"):
        nn.Conv2dTranspose(4, 2, **{"kernel_size": 3, name: value})


@pytest.mark.parametrize("pad_mode", [1, None, b"same"])
def test_nn_a_pad_mode_that_is_not_a_str_is_a_value_error(pad_mode):
    # MindSpore's check_string: "should be str and must be in [...]", a ValueError
    with pytest.raises(ValueError, match="'pad_mode'"):
        nn.Conv2dTranspose(4, 2, 3, pad_mode=pad_mode)


def test_nn_errors_name_the_surface_the_user_called():
    layer = nn.Conv2dTranspose(4, 2, 3)
    with pytest.raises(ValueError, match=r"^For 'nn.Conv2dTranspose', x has 3 channels"):
        layer(np.ones((1, 3, 5, 5), np.float32))


# ----- MegEngine ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(stride=0), dict(kernel_size=(3, 3, 3)),
                                    dict(padding=-1), dict(output_padding=2, stride=2),
                                    dict(groups=3), dict(compute_mode="half"),
                                    dict(conv_mode="convolution")])
def test_megengine_bad_arguments_are_both_assertion_and_value_errors(kwargs):
    args = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **kwargs}
    with pytest.raises(AssertionError):
        megengine.module.ConvTranspose2d(**args)
    with pytest.raises(ValueError, match="megengine.module.ConvTranspose2d"):
        megengine.module.ConvTranspose2d(**args)


def test_megengine_a_bad_forward_is_both_too():
    layer = megengine.module.ConvTranspose2d(4, 6, 3)
    with pytest.raises(AssertionError, match="channels"):
        layer(np.ones((1, 5, 4, 4), np.float32))


@pytest.mark.parametrize("x_dtype, param_dtype", [("float16", "float32"), ("float32", "float16")])
def test_megengine_promotes_float16_against_float32_to_float32(x_dtype, param_dtype):
    layer = megengine.module.ConvTranspose2d(4, 6, 3, stride=2)
    layer.weight = RNG.standard_normal(layer.weight_shape).astype(param_dtype)
    layer.bias = RNG.standard_normal((1, 6, 1, 1)).astype(param_dtype)
    x = RNG.standard_normal((2, 4, 5, 5)).astype(x_dtype)
    out = layer(x)
    assert out.dtype == np.float32
    desc = next(iter(layer._descs.values()))  # noqa: SLF001
    expected = conv2d_transpose_reference(desc, x.astype(np.float64),
                                          layer.weight.reshape(desc.weight_shape),
                                          layer.bias.reshape(-1))
    np.testing.assert_allclose(out, expected, atol=1e-4)


@pytest.mark.parametrize("compute_mode", ["default", "float32"])
def test_megengine_float16_accumulates_in_float32_in_both_modes(compute_mode):
    """A deep float16 sum: float16 accumulation misses the float64 reference by 2.5e-2 here;
    float32 accumulation stays within float16's own rounding of the result."""
    layer = megengine.module.ConvTranspose2d(256, 8, 4, stride=2, padding=1, bias=False,
                                             compute_mode=compute_mode)
    layer.weight = (RNG.standard_normal(layer.weight_shape) * 0.1).astype(np.float16)
    x = RNG.standard_normal((1, 256, 6, 6)).astype(np.float16)
    out = layer(x)
    desc = next(iter(layer._descs.values()))  # noqa: SLF001
    assert desc.accum_dtype == "float32"
    expected = conv2d_transpose_reference(desc, x, layer.weight)
    error = np.abs(out.astype(np.float64) - expected)
    assert (error <= 2 ** -10 * np.abs(expected) + 1e-3).all(), error.max()


# ----- autograd and tensors changed behind a layer's back ----------------------------------

def test_a_tensor_that_requires_grad_is_refused_not_silently_dropped():
    torch = pytest.importorskip("torch")
    x = torch.randn(1, 4, 5, 5)
    w = torch.randn(4, 2, 3, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="weight requires grad.*torch.no_grad"):
        conv_transpose2d(x, w)
    with torch.no_grad():
        out = conv_transpose2d(x, w)
    np.testing.assert_allclose(out.numpy(), torch.nn.functional.conv_transpose2d(
        x, w.detach()).numpy(), atol=1e-5)
    with pytest.raises(RuntimeError, match="input requires grad"):
        conv_transpose2d(x.requires_grad_(), w.detach())


@pytest.mark.parametrize("how", ["data", "numpy_view", "in_place"])
def test_a_torch_weight_changed_any_way_is_seen(how):
    torch = pytest.importorskip("torch")
    layer = nn.Conv2dTranspose(4, 2, 3, stride=2)
    w = torch.from_numpy(RNG.standard_normal(layer.weight_shape).astype(np.float32))
    layer.weight = w
    x = torch.from_numpy(RNG.standard_normal((1, 4, 5, 5)).astype(np.float32))
    before = layer(x).clone()
    if how == "data":
        w.data[...] = 3 * w.data  # does not bump w._version
    elif how == "numpy_view":
        w.numpy()[...] *= 3
    else:
        w.mul_(3)
    np.testing.assert_allclose(layer(x).numpy(), 3 * before.numpy(), rtol=1e-5, atol=1e-5)


def test_desc_reference_helper_is_consistent():
    """The tests above read descriptions back from the layers: they are real descriptions."""
    layer = megengine.module.ConvTranspose2d(4, 6, 3)
    layer(np.ones((1, 4, 4, 4), np.float32))
    assert isinstance(next(iter(layer._descs.values())), ConvTranspose2dDesc)  # noqa: SLF001
