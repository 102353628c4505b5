"""Every surface against what the real MindSpore 2.10 and MegEngine 1.13 did on the same input.

Where tvmconv deliberately differs (README, "Where tvmconv differs"), the case is listed here
with the reason, and checked against the float64 reference instead.
"""

import builtins

import numpy as np
import pytest
from fixtures import cases, decode, load

from tvmconv import megengine, nn, ops
from tvmconv.testing.reference import conv2d_transpose_reference

# Errors the frameworks raise from deep inside a kernel or an assert: tvmconv checks the same
# condition up front and raises ValueError, the class for a bad argument value.
INTERNAL_ERRORS = {"RuntimeError", "AssertionError", "AttributeError", "AsyncError"}

# Cases where tvmconv succeeds and the framework fails or is wrong.
SUCCEEDS_INSTEAD = {
    "ops_mode_PAD": "MindSpore compares the un-lowered pad_mode with 'pad': 'PAD' + pad fails",
    "ops_mode_Pad": "same bug as 'PAD'",
    "meg_op_w_only": "MegEngine ignores an output_padding that is zero in height",
    "meg_op_groups": "MegEngine's output_padding path reads the 5-D grouped weight as 4-D",
}


def expected_error(case):
    error = case["expect"]["error"]
    return "ValueError" if error in INTERNAL_ERRORS else error


@pytest.fixture(autouse=True)
def poisoned_outputs(monkeypatch):
    """Every output buffer the surfaces allocate starts as NaN: an unwritten element shows."""
    from tvmconv.runtime import tensors

    real = tensors.aligned_empty

    def poisoned(shape, dtype):
        array = real(shape, dtype)
        array.fill(np.nan)
        return array
    monkeypatch.setattr(tensors, "aligned_empty", poisoned)


def check(case, run, arrays, reference=None):
    """Run a case; compare its output or its exception class with the recording."""
    expect = case["expect"]
    if "error" in expect and case["id"] not in SUCCEEDS_INSTEAD:
        with pytest.raises(Exception) as info:
            run()
        said = f"{case['id']}: framework said {expect['error']}: {expect['message']}"
        if expect["error"] == "AssertionError":  # MegEngine's: ours is both, for either except
            assert isinstance(info.value, AssertionError) and isinstance(info.value, ValueError)
        elif case["surface"].startswith("megengine"):  # its ValueErrors are InvalidArgument
            assert isinstance(info.value, getattr(builtins, expected_error(case))), said
        else:
            assert type(info.value).__name__ == expected_error(case), said
        return
    out = run()
    assert not np.isnan(out.astype(np.float64)).any()
    if case["id"] in SUCCEEDS_INSTEAD:
        expected = reference()
    else:
        expected = arrays[expect["output"]]
    assert out.shape == expected.shape
    assert out.dtype == np.dtype(case["dtype"])
    scale = max(1.0, float(np.abs(expected).max()))
    tol = 1e-2 if case["dtype"] == "float16" else 2e-5
    np.testing.assert_allclose(out.astype(np.float64), expected, atol=tol * scale, rtol=0)


@pytest.mark.parametrize("case", cases("mindspore", "ops."), ids=lambda c: c["id"])
def test_ops(case):
    _, arrays = load("mindspore")
    dout, w = arrays[f"{case['id']}/dout"], arrays[f"{case['id']}/weight"]
    make = lambda: getattr(ops, case["surface"].split(".")[1])(**decode(case["init"]))  # noqa

    def reference():
        op = make()
        desc = op.describe(dout.shape, w.shape, tuple(decode(case["input_size"])), str(dout.dtype))
        return conv2d_transpose_reference(desc, dout, w)
    check(case, lambda: make()(dout, w, decode(case["input_size"])), arrays, reference)


@pytest.mark.parametrize("case", cases("mindspore", "nn.Conv2dTranspose"), ids=lambda c: c["id"])
def test_nn(case):
    _, arrays = load("mindspore")
    kwargs = decode(case["init"])
    if "weight" in case:
        kwargs["weight_init"] = arrays[case["weight"]].astype(case["dtype"])
    if "bias" in case:
        kwargs["bias_init"] = arrays[case["bias"]].astype(case["dtype"])
    if "weight_init_shape" in case:
        kwargs["weight_init"] = np.zeros(case["weight_init_shape"], np.float32)
    kwargs["dtype"] = case["dtype"]
    x = arrays[f"{case['id']}/x"]
    check(case, lambda: nn.Conv2dTranspose(**kwargs)(x), arrays)


@pytest.mark.parametrize("case", cases("mindspore", "mint."), ids=lambda c: c["id"])
def test_mint_argument_errors(case):
    # MindSpore 2.10's CPU build has no mint conv_transpose2d kernel: only its argument checks
    # were recordable. Results are checked against PyTorch and the reference in test_mint.py.
    from tvmconv.mint.nn.functional import conv_transpose2d

    _, arrays = load("mindspore")
    x, w = arrays[f"{case['id']}/x"], arrays[f"{case['id']}/weight"]
    bias = arrays[case["bias"]] if "bias" in case else None
    check(case, lambda: conv_transpose2d(x, w, bias, **decode(case["args"])), arrays)


@pytest.mark.parametrize("case", cases("megengine", "megengine.ConvTranspose2d"),
                         ids=lambda c: c["id"])
def test_megengine(case):
    _, arrays = load("megengine")
    x = arrays[f"{case['id']}/x"]

    def make():
        layer = megengine.module.ConvTranspose2d(**decode(case["init"]))
        if "weight" in case:
            layer.weight = arrays[case["weight"]]
            layer.bias = arrays[case["bias"]] if "bias" in case else None
        return layer

    def reference():
        layer = make()
        desc = layer._describe(x.shape, str(x.dtype), layer.weight.shape,  # pylint: disable=protected-access
                               None if layer.bias is None else layer.bias.shape)
        w = layer.weight.reshape(desc.weight_shape)
        b = None if layer.bias is None else layer.bias.reshape(-1)
        return conv2d_transpose_reference(desc, x, w, b)
    check(case, lambda: make()(x), arrays, reference)


def test_fixture_coverage():
    """The recordings cover every surface, with both outputs and errors."""
    for framework, prefixes in (("mindspore", ("ops.Conv2DTranspose", "ops.Conv2DBackpropInput",
                                               "nn.Conv2dTranspose", "mint.")),
                                ("megengine", ("megengine.ConvTranspose2d",))):
        for prefix in prefixes:
            recorded = cases(framework, prefix)
            assert any("output" in c["expect"] for c in recorded) or prefix == "mint."
            assert any("error" in c["expect"] for c in recorded), prefix


@pytest.mark.parametrize("name", sorted(
    next(c for c in load("mindspore")[0] if c["id"] == "nn_init_stats")["stats"]))
def test_nn_initializer_distributions(name):
    """Each weight_init (and the defaults) draws from MindSpore's distribution: same bounds/std."""
    stats = next(c for c in load("mindspore")[0] if c["id"] == "nn_init_stats")["stats"][name]
    layer = nn.Conv2dTranspose(16, 32, 3, weight_init=stats["init"], has_bias=True, seed=0)
    w, b = layer.weight, layer.bias
    assert list(w.shape) == stats["shape"] and w.dtype == np.float32
    assert abs(w.std() - stats["std"]) <= 0.06 * stats["std"] + 1e-7
    assert abs(w.mean() - stats["mean"]) <= 0.1 * stats["std"] + 1e-7
    if stats["std"] == 0:
        assert (w == stats["mean"]).all()
    elif "uniform" in str(stats["init"]).lower() or stats["init"] is None:
        # Uniform draws reach close to their bound: the bounds must agree within 3%.
        assert abs(np.abs(w).max() - max(-stats["min"], stats["max"])) <= 0.03 * stats["max"]
    # The default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = 32 * 3 * 3, in
    # MindSpore's 32 draws as in ours (only 32: compare with the bound, not with each other).
    bound = 1 / np.sqrt(32 * 9)
    assert max(-stats["bias_min"], stats["bias_max"]) <= bound * (1 + 1e-6)
    assert 0.7 * bound <= np.abs(b).max() <= bound * (1 + 1e-6)


def test_megengine_initialization():
    stats = next(c for c in load("megengine")[0] if c["id"] == "meg_init_stats")["stats"]
    layer = megengine.module.ConvTranspose2d(16, 32, 3)
    assert list(layer.weight.shape) == stats["shape"]
    assert abs(layer.weight.std() - stats["std"]) <= 0.05 * stats["std"]
    assert list(layer.bias.shape) == stats["bias_shape"] and not layer.bias.any()
