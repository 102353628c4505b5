"""tvmconv.mint.nn.functional.conv_transpose2d: PyTorch semantics, NumPy in and out."""

import numpy as np
import pytest

from tvmconv.description import ConvTranspose2dDesc
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.testing.tolerances import assert_matches_reference

RNG = np.random.default_rng(11)


def _data(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2)),
    dict(stride=[3, 1], padding=[2, 1], dilation=[2, 1], groups=2),
])
def test_matches_reference(kwargs):
    x, w, b = _data(2, 4, 5, 6), _data(4, 3, 3, 2), _data(6 if kwargs.get("groups") else 3)
    out = conv_transpose2d(x, w, b if not kwargs.get("groups") else b[:6], **kwargs)
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    s, p = pair(kwargs.get("stride", 1)), pair(kwargs.get("padding", 0))
    op, d = pair(kwargs.get("output_padding", 0)), pair(kwargs.get("dilation", 1))
    g = kwargs.get("groups", 1)
    desc = ConvTranspose2dDesc(batch=2, in_channels=4, out_channels=3 * g, height=5, width=6,
                               kernel_h=3, kernel_w=2, stride_h=s[0], stride_w=s[1],
                               dilation_h=d[0], dilation_w=d[1], pad_top=p[0], pad_bottom=p[0],
                               pad_left=p[1], pad_right=p[1], output_padding_h=op[0],
                               output_padding_w=op[1], groups=g, has_bias=True)
    assert isinstance(out, np.ndarray)
    assert_matches_reference(desc, out, x, w, b[:3 * g])


def test_seed_example_shape():
    out = conv_transpose2d(_data(1, 4, 5, 5), _data(4, 8, 3, 3))
    assert out.shape == (1, 8, 7, 7)


def test_unbatched_input_gives_unbatched_output():
    x, w = _data(4, 5, 5), _data(4, 2, 3, 3)
    out = conv_transpose2d(x, w, stride=2)
    assert out.shape == (2, 11, 11)
    np.testing.assert_allclose(out, conv_transpose2d(x[None], w, stride=2)[0], rtol=1e-6)


def test_float16_input():
    x, w = _data(1, 4, 5, 5, dtype="float16"), _data(4, 2, 3, 3, dtype="float16")
    out = conv_transpose2d(x, w, stride=2, padding=1)
    assert out.dtype == np.float16
    desc = ConvTranspose2dDesc(batch=1, in_channels=4, out_channels=2, height=5, width=5,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                               pad_bottom=1, pad_left=1, pad_right=1, dtype="float16")
    assert_matches_reference(desc, out, x, w)


X, W = _data(1, 4, 5, 5), _data(4, 2, 3, 3)


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(stride=1.5), TypeError, "stride"),
    (dict(padding="1"), TypeError, "padding"),
    (dict(output_padding=None), TypeError, "output_padding"),
    (dict(dilation={1: 1}), TypeError, "dilation"),
    (dict(groups=1.0), TypeError, "groups"),
    (dict(stride=0), ValueError, "stride"),
    (dict(dilation=(1, 0)), ValueError, "dilation"),
    (dict(padding=-1), ValueError, "padding"),
    (dict(output_padding=(0, -1)), ValueError, "output_padding"),
    (dict(stride=(1, 2, 3)), ValueError, "stride"),
    (dict(padding=(1,)), ValueError, "padding"),
    (dict(bias=np.zeros(3, "float32")), ValueError, "bias"),
    (dict(stride=2, output_padding=2), ValueError, "output_padding"),
    (dict(groups=3), ValueError, "groups"),
])
def test_documented_errors(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        conv_transpose2d(X, W, **kwargs)


def test_shape_and_dtype_errors():
    with pytest.raises(ValueError, match="weight.shape"):
        conv_transpose2d(X, _data(3, 2, 3, 3))
    with pytest.raises(ValueError, match="input must be 3-D"):
        conv_transpose2d(X[0, 0], W)
    with pytest.raises(TypeError, match="weight dtype float16 does not match"):
        conv_transpose2d(X, W.astype("float16"))
