"""What the surfaces accept and give back: tensor kinds, memory layouts, dtypes, NaN/Inf, errors,
and that a repeated call does no compilation."""

import numpy as np
import pytest

import tvmconv.compiler.builder as build_module
from tvmconv import megengine, nn, ops
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.runtime import tensors

RNG = np.random.default_rng(7)
X = RNG.standard_normal((2, 4, 5, 6)).astype(np.float32)
W = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
B = RNG.standard_normal(3).astype(np.float32)


def expected():
    return conv_transpose2d(X, W, B, stride=2, padding=1)


def test_tvm_tensor_in_tvm_tensor_out():
    import tvm

    out = conv_transpose2d(tvm.runtime.tensor(X), tvm.runtime.tensor(W), tvm.runtime.tensor(B),
                           stride=2, padding=1)
    assert isinstance(out, tvm.runtime.Tensor)
    np.testing.assert_array_equal(out.numpy(), expected())


def test_torch_tensor_in_torch_tensor_out():
    torch = pytest.importorskip("torch")
    x = torch.from_numpy(X.copy())
    out = conv_transpose2d(x, torch.from_numpy(W.copy()), torch.from_numpy(B.copy()), stride=2,
                           padding=1)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), expected())
    reference = torch.nn.functional.conv_transpose2d(x, torch.from_numpy(W), torch.from_numpy(B),
                                                     stride=2, padding=1)
    np.testing.assert_allclose(out.numpy(), reference.numpy(), atol=1e-5)


def test_aligned_contiguous_input_is_not_copied():
    x = tensors.aligned_empty(X.shape, X.dtype)
    x[...] = X
    assert tensors.as_kernel_tensor(x, "input").data_ptr() == x.ctypes.data
    import tvm

    t = tvm.runtime.tensor(X)
    assert tensors.as_kernel_tensor(t, "input").data_ptr() == t.data_ptr()


def test_misaligned_and_strided_inputs_are_copied_and_correct():
    raw = np.empty(X.size + 1, np.float32)[1:]  # 4 bytes past an allocation: misaligned
    misaligned = raw.reshape(X.shape)
    misaligned[...] = X
    assert misaligned.ctypes.data % tensors.ALIGNMENT
    np.testing.assert_array_equal(conv_transpose2d(misaligned, W, B, stride=2, padding=1),
                                  expected())
    strided = np.ascontiguousarray(X.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    assert not strided.flags.c_contiguous
    np.testing.assert_array_equal(conv_transpose2d(strided, W, B, stride=2, padding=1),
                                  expected())


def test_results_are_aligned_and_writable():
    out = expected()
    assert out.ctypes.data % tensors.ALIGNMENT == 0 and out.flags.writeable


@pytest.mark.parametrize("poison", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_propagate_like_the_reference(poison):
    from tvmconv.description import ConvTranspose2dDesc
    from tvmconv.testing.reference import conv2d_transpose_reference

    x = X.copy()
    x[1, 2, 3, 4] = poison
    x[0, 0, 0, 0] = np.nan
    out = conv_transpose2d(x, W, B, stride=2, padding=1)
    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=3, height=5, width=6,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)
    with np.errstate(invalid="ignore"):
        ref = conv2d_transpose_reference(desc, x, W, B)
    assert (np.isnan(out) == np.isnan(ref)).all()
    assert (np.isinf(out) == np.isinf(ref)).all()
    finite = np.isfinite(ref)
    np.testing.assert_allclose(out[finite], ref[finite], atol=1e-4)


SURFACES = {
    "mint": lambda x, w: conv_transpose2d(x, w),
    "ops": lambda x, w: ops.Conv2DTranspose(4, 3)(x, w, (2, 3, 7, 8)),
    "nn": lambda x, w: _layer(nn.Conv2dTranspose(4, 3, 3, pad_mode="valid"), w)(x),
    "megengine": lambda x, w: _layer(megengine.module.ConvTranspose2d(4, 3, 3, bias=False), w)(x),
}


def _layer(layer, w):
    layer.weight = w
    return layer


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_dtype_mismatch_is_a_type_error(surface):
    w = W if surface != "ops" else RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    if surface != "megengine":  # MegEngine promotes float16 against float32 (test_contracts)
        with pytest.raises(TypeError, match="float16"):
            SURFACES[surface](X, w.astype(np.float16))
    with pytest.raises(TypeError, match="int32"):
        SURFACES[surface](X.astype(np.int32), w.astype(np.int32))
    with pytest.raises(TypeError):
        SURFACES[surface]([[1.0]], w)


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_bad_call_leaves_the_surface_working(surface):
    w = W if surface != "ops" else RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    good = SURFACES[surface](X, w)
    with pytest.raises(ValueError):
        SURFACES[surface](X[:, :3], w)
    np.testing.assert_array_equal(SURFACES[surface](X, w), good)


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_second_call_compiles_and_schedules_nothing(surface, monkeypatch):
    w = W if surface != "ops" else RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    first = SURFACES[surface](X, w)

    def forbidden(*args, **kwargs):
        raise AssertionError("the second call scheduled or compiled a kernel")
    monkeypatch.setattr(build_module, "schedule", forbidden)
    monkeypatch.setattr(build_module, "compile_module", forbidden)
    np.testing.assert_array_equal(SURFACES[surface](X, w), first)


def test_layer_parameters_are_plain_assignable_attributes():
    layer = nn.Conv2dTranspose(4, 3, 3, has_bias=True, weight_init="zeros", bias_init=2.0)
    assert isinstance(layer.weight, np.ndarray) and (layer.bias == 2).all()
    assert (layer(X) == 2).all()
    layer.weight = W
    layer.bias = B
    np.testing.assert_allclose(layer(X), conv_transpose2d(X, W, B, padding=1), atol=1e-5)
    layer.weight = W[:, :2]
    with pytest.raises(ValueError, match="weight must have shape"):
        layer(X)


def test_seeded_initialisation_repeats():
    a = nn.Conv2dTranspose(4, 3, 3, seed=5, has_bias=True)
    b = nn.Conv2dTranspose(4, 3, 3, seed=5, has_bias=True)
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)
    nn.init.set_seed(3)
    c = nn.Conv2dTranspose(4, 3, 3)
    nn.init.set_seed(3)
    np.testing.assert_array_equal(c.weight, nn.Conv2dTranspose(4, 3, 3).weight)


def test_megengine_grouped_weight_and_bias_layout():
    layer = megengine.module.ConvTranspose2d(4, 6, 3, groups=2)
    assert layer.weight.shape == (2, 2, 3, 3, 3) and layer.bias.shape == (1, 6, 1, 1)
    layer.weight = RNG.standard_normal(layer.weight.shape).astype(np.float32)
    layer.bias = RNG.standard_normal((1, 6, 1, 1)).astype(np.float32)
    out = layer(X)
    expected_out = conv_transpose2d(X, layer.weight.reshape(4, 3, 3, 3), layer.bias.reshape(6),
                                    groups=2)
    np.testing.assert_allclose(out, expected_out, atol=1e-5)


def test_error_messages_name_the_parameter_and_value():
    with pytest.raises(ValueError, match=r"'pad_mode'.*'full'"):
        ops.Conv2DTranspose(3, 3, pad_mode="full")
    with pytest.raises(ValueError, match=r"input_size's height 9"):
        ops.Conv2DTranspose(3, 2, stride=2)(RNG.standard_normal((1, 3, 3, 3)).astype(np.float32),
                                            RNG.standard_normal((3, 2, 2, 2)).astype(np.float32),
                                            (1, 2, 9, 6))
    with pytest.raises(ValueError, match=r"weight_init 'gaussian'"):
        nn.Conv2dTranspose(3, 3, 3, weight_init="gaussian")
    with pytest.raises(ValueError, match=r"output_padding\[1\] \(2\).*stride\[1\] \(2\)"):
        megengine.module.ConvTranspose2d(3, 3, 3, stride=2, output_padding=(0, 2))
    with pytest.raises(ValueError, match=r"conv_mode.*'convolution'"):
        megengine.module.ConvTranspose2d(3, 3, 3, conv_mode="convolution")


@pytest.mark.parametrize("offset_bytes", [4, 16, 32, 60])
def test_inputs_of_any_element_alignment_are_used_in_place(offset_bytes, monkeypatch):
    """The CPU kernels assume an element's alignment of their arguments, not TVM's 64 bytes:
    a contiguous array at any float offset (glibc's 16-byte NumPy arrays included) is read in
    place. Counted: the only allocation of the call is its result."""
    from tvmconv.compiler import kernel_for
    from tvmconv.description import ConvTranspose2dDesc

    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=3, height=5, width=6,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)  # X, W, B
    kernel = kernel_for(desc)
    assert kernel.argument_alignment == 4

    def at_offset(values):
        base = tensors.aligned_empty((values.size + 16,), values.dtype)
        view = base[offset_bytes // 4:offset_bytes // 4 + values.size].reshape(values.shape)
        view[...] = values
        assert view.ctypes.data % 64 == offset_bytes
        return view

    x, w, b = (at_offset(v) for v in (X, W, B))
    for value, name, shape in ((x, "input", desc.input_shape), (w, "weight", W.shape)):
        assert tensors.as_kernel_tensor(value, name, shape, 4).data_ptr() == value.ctypes.data
    allocations = []
    real = tensors.aligned_empty
    monkeypatch.setattr(tensors, "aligned_empty",
                        lambda shape, dtype: allocations.append(shape) or real(shape, dtype))
    got = conv_transpose2d(x, w, b, stride=2, padding=1)
    assert allocations == [desc.output_shape], "an input was copied"
    np.testing.assert_array_equal(got, expected())


def test_an_out_buffer_the_kernel_cannot_use_is_refused_not_a_crash():
    import tvm_ffi

    from tvmconv.compiler import kernel_for
    from tvmconv.description import ConvTranspose2dDesc

    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=3, height=5, width=6,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)  # X, W, B
    kernel = kernel_for(desc)
    size = int(np.prod(desc.output_shape))
    base = tensors.aligned_empty((size + 16,), np.float32)
    out = tvm_ffi.from_dlpack(base[1:1 + size].reshape(desc.output_shape))  # 4 bytes off
    with pytest.raises(ValueError, match="out must be 64-byte aligned"):
        kernel(X, W, B, out=out)  # outputs are declared 64-byte aligned: would crash
    aligned_out = tvm_ffi.from_dlpack(base[:size].reshape(desc.output_shape))
    kernel(X, W, B, out=aligned_out)
    np.testing.assert_array_equal(np.from_dlpack(aligned_out), expected())


def test_float64_input_says_how_to_convert_it():
    with pytest.raises(TypeError, match=r"got float64: convert it first, e\.g\. "
                                        r"a\.astype\('float32'\)"):
        conv_transpose2d(X.astype(np.float64), W, B, stride=2, padding=1)
    with pytest.raises(TypeError, match=r"weight dtype float64 does not match the input dtype "
                                        r"float32: convert it first"):
        conv_transpose2d(X, W.astype(np.float64), B, stride=2, padding=1)


@pytest.mark.parametrize("bad", [None, [[1.0]], 3.0])
def test_a_kernel_given_a_non_tensor_raises_type_error(bad):
    from tvmconv.compiler import kernel_for
    from tvmconv.description import ConvTranspose2dDesc

    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=3, height=5, width=6,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)
    kernel = kernel_for(desc)
    with pytest.raises(TypeError, match="input must be a NumPy array or a DLPack"):
        kernel(bad, W, B)
    with pytest.raises(TypeError, match="weight must be a NumPy array or a DLPack"):
        kernel(X, bad, B)
