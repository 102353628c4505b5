"""Layers pack the weight they own once; an owned weight is never silently stale."""

import numpy as np
import pytest

from tvmconv import megengine, nn
from tvmconv.mint.nn.functional import conv_transpose2d

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 4, 5, 6)).astype(np.float32)


def _nn_layer():
    return nn.Conv2dTranspose(4, 16, 3, stride=2, pad_mode="pad", padding=1)


def test_assigned_weight_is_a_read_only_copy():
    layer = _nn_layer()
    w = RNG.standard_normal(layer.weight_shape).astype(np.float32)
    layer.weight = w
    w[...] = 0  # the caller's array is not the layer's
    np.testing.assert_allclose(layer(X), conv_transpose2d(X, layer.weight, stride=2, padding=1),
                               rtol=1e-5, atol=1e-5)
    assert np.abs(layer.weight).max() > 0
    with pytest.raises(ValueError, match="read-only"):
        layer.weight[0] = 1.0


def test_reassigning_the_weight_repacks_it():
    layer = _nn_layer()
    first = layer(X)
    w = RNG.standard_normal(layer.weight_shape).astype(np.float32)
    layer.weight = w
    second = layer(X)
    assert not np.allclose(first, second)
    np.testing.assert_allclose(second, conv_transpose2d(X, w, stride=2, padding=1),
                               rtol=1e-5, atol=1e-5)


def test_the_weight_is_packed_once(monkeypatch):
    from tvmconv.runtime.kernel import Kernel

    layer = _nn_layer()
    layer(X)
    calls = []
    original = Kernel.pack_weight
    monkeypatch.setattr(Kernel, "pack_weight", lambda self, w: calls.append(1) or original(self, w))
    for _ in range(3):
        layer(X)
    assert calls == []
    layer.weight = layer.weight * 2
    layer(X)
    layer(X)
    assert calls == [1]


def test_megengine_grouped_weight_is_packed_and_right():
    layer = megengine.module.ConvTranspose2d(4, 8, 3, stride=2, groups=2)
    layer.weight = RNG.standard_normal(layer.weight_shape).astype(np.float32)
    out = layer(X)
    expected = conv_transpose2d(X, layer.weight.reshape(4, 4, 3, 3), layer.bias.reshape(8),
                                stride=2, groups=2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer(X), out)


def test_torch_weight_changed_in_place_is_seen():
    torch = pytest.importorskip("torch")
    layer = _nn_layer()
    w = torch.from_numpy(RNG.standard_normal(layer.weight_shape).astype(np.float32))
    layer.weight = w
    x = torch.from_numpy(X)
    before = layer(x).clone()
    with torch.no_grad():
        w.mul_(2)  # bumps the tensor's version counter
    np.testing.assert_allclose(layer(x).numpy(), 2 * before.numpy(), rtol=1e-5, atol=1e-5)


def test_megengine_reads_its_hyper_parameters_on_every_forward():
    """MegEngine's module reads stride, padding, ... on each forward: reassigning one after a
    first call changes the next result (it was ignored for shapes seen before)."""
    from tvmconv.testing.reference import conv2d_transpose_reference

    layer = megengine.module.ConvTranspose2d(4, 6, 3, stride=2, padding=1, bias=False)
    x = np.random.default_rng(1).standard_normal((1, 4, 5, 5)).astype(np.float32)
    assert layer(x).shape == (1, 6, 9, 9)
    layer.padding = 0
    layer.stride = (1, 2)
    y = layer(x)
    desc = next(d for d in layer._descs.values() if d.pad_top == 0)  # noqa: SLF001
    assert y.shape == (1, 6, 7, 11) and (desc.stride_h, desc.stride_w) == (1, 2)
    np.testing.assert_allclose(y, conv2d_transpose_reference(desc, x, layer.weight), atol=1e-4)
    layer.output_padding = 2  # >= stride 1 on the height axis
    with pytest.raises(ValueError, match=r"output_padding\[0\] \(2\) must be smaller"):
        layer(x)


def test_megengine_sees_a_list_changed_in_place():
    layer = megengine.module.ConvTranspose2d(4, 6, 3, stride=2, padding=1, bias=False)
    x = np.ones((1, 4, 5, 5), np.float32)
    layer.padding = [1, 1]
    assert layer(x).shape == (1, 6, 9, 9)
    layer.padding[1] = 0
    assert layer(x).shape == (1, 6, 9, 11)
