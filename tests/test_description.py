import dataclasses

import pytest

from tvmconv.description import ConvTranspose2dDesc

BASE = dict(batch=2, in_channels=4, out_channels=6, height=5, width=7, kernel_h=3, kernel_w=2,
            stride_h=2, stride_w=3, dilation_h=1, dilation_w=2, pad_top=1, pad_bottom=0,
            pad_left=2, pad_right=1, output_padding_h=1, output_padding_w=0, groups=2)


def test_output_shape_follows_pytorch_formula():
    d = ConvTranspose2dDesc(**BASE)
    assert d.out_height == (5 - 1) * 2 - 1 - 0 + 1 * (3 - 1) + 1 + 1
    assert d.out_width == (7 - 1) * 3 - 2 - 1 + 2 * (2 - 1) + 0 + 1
    assert d.output_shape == (2, 6, d.out_height, d.out_width)
    assert d.weight_shape == (4, 3, 3, 2)
    nhwc = d.replace(layout="NHWC")
    assert nhwc.input_shape == (2, 5, 7, 4) and nhwc.weight_shape == (4, 3, 2, 3)


def test_flops_count_no_inserted_zeros():
    d = ConvTranspose2dDesc(**BASE)
    assert d.flops == 2 * 2 * 4 * 3 * 3 * 2 * 5 * 7


def test_key_is_stable_and_changes_with_every_field():
    d = ConvTranspose2dDesc(**BASE)
    assert d.key == ConvTranspose2dDesc(**BASE).key
    changes = {f.name: None for f in dataclasses.fields(d)}
    changes.update(batch=3, in_channels=8, out_channels=8, height=6, width=8, kernel_h=2,
                   kernel_w=3, stride_h=3, stride_w=2, dilation_h=2, dilation_w=1, pad_top=0,
                   pad_bottom=1, pad_left=1, pad_right=0, output_padding_h=0,
                   output_padding_w=1, groups=1, layout="NHWC", dtype="float16", has_bias=True,
                   activation="tanh")
    del changes["accum_dtype"]  # only float16 may accumulate in anything but float32: below
    keys = {d.key}
    for name, value in changes.items():
        other = d.replace(**{name: value})
        assert other.key != d.key, name
        keys.add(other.key)
    assert len(keys) == len(changes) + 1
    half = d.replace(dtype="float16")
    assert half.replace(accum_dtype="float16").key != half.key


@pytest.mark.parametrize("field, value, exc, words", [
    ("stride_h", 0, ValueError, "stride_h"),
    ("kernel_w", -1, ValueError, "kernel_w"),
    ("pad_left", -1, ValueError, "pad_left"),
    ("output_padding_h", 2, ValueError, "output_padding_h"),
    ("groups", 3, ValueError, "divisible"),
    ("layout", "NC", ValueError, "layout"),
    ("dtype", "int8", TypeError, "dtype"),
    ("batch", 1.5, TypeError, "batch"),
    ("has_bias", 1, TypeError, "has_bias"),
    ("pad_top", 50, ValueError, "padding too large"),
])
def test_invalid_fields_raise_naming_the_parameter(field, value, exc, words):
    with pytest.raises(exc, match=words):
        ConvTranspose2dDesc(**dict(BASE, **{field: value}))


def test_accumulation_dtype():
    assert ConvTranspose2dDesc(**BASE).accum_dtype == "float32"
    half = ConvTranspose2dDesc(**dict(BASE, dtype="float16"))
    assert half.accum_dtype == "float32"
    with pytest.raises(TypeError, match="accum_dtype"):
        ConvTranspose2dDesc(**dict(BASE, accum_dtype="float16"))


def test_dict_round_trip():
    d = ConvTranspose2dDesc(**BASE)
    assert ConvTranspose2dDesc.from_dict(d.to_dict()) == d


@pytest.mark.parametrize("changes, tensor", [
    (dict(batch=64, height=512, width=512, in_channels=64, out_channels=64), "output"),
    (dict(batch=2**25, in_channels=64, height=1, width=1, kernel_h=1, kernel_w=1), "input"),
    (dict(in_channels=2**16, out_channels=2**16, kernel_h=1, kernel_w=1), "weight")])
def test_tensors_beyond_int32_indexing_are_refused_with_the_limit(changes, tensor):
    """They failed inside TVM ('Literal value ... exceeds range of int32')."""
    from tvmconv.description import ConvTranspose2dDesc

    base = dict(batch=1, in_channels=2, out_channels=2, height=4, width=4, kernel_h=4,
                kernel_w=4, stride_h=2, stride_w=2)
    with pytest.raises(ValueError, match=rf"the {tensor} would have [\d,]+ elements .*2\*\*31"):
        ConvTranspose2dDesc(**{**base, **changes})


def test_activations_are_part_of_the_key_and_validated():
    from tvmconv.description import ConvTranspose2dDesc

    base = ConvTranspose2dDesc(batch=1, in_channels=2, out_channels=2, height=3, width=3,
                               kernel_h=3, kernel_w=3, has_bias=True)
    assert "activation" not in base.to_dict()  # older descriptions keep their text and hashes
    relu = base.replace(activation="relu")
    assert relu.key != base.key and relu.to_dict()["activation"] == "relu"
    assert ConvTranspose2dDesc.from_dict(relu.to_dict()) == relu
    assert base.replace(activation="leaky_relu:0.2").key.endswith("_leaky_relu0.2")
    for bad in ("gelu", "leaky_relu", "leaky_relu:x", "leaky_relu:inf", 1):
        with pytest.raises(ValueError, match="activation must be one of"):
            base.replace(activation=bad)
