"""Random calls, valid and invalid, through all five surfaces: no crash, no hang, no silent wrong
value. Every call either

* raises TypeError or ValueError whose message names a parameter of the surface as the user
  wrote it (or one of its tensors), or
* returns what an independent oracle computes in float64 from the surface's own arguments, on
  NaN-poisoned output buffers: PyTorch's conv_transpose2d for mint and MegEngine, and for
  MindSpore (its sizes and pads re-derived here from its documentation, not from tvmconv) a
  NumPy scatter of each tap into the padded output window (``oracle``).

TVMCONV_FUZZ_EXAMPLES sets the count (CI: 150; `TVMCONV_FUZZ_EXAMPLES=2000 pytest
tests/test_fuzz_surfaces.py` for the full run).
"""

import math
import os
import signal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from tvmconv import megengine, nn, ops
from tvmconv.mint.nn.functional import conv_transpose2d

torch = pytest.importorskip("torch")
F = torch.nn.functional

EXAMPLES = int(os.environ.get("TVMCONV_FUZZ_EXAMPLES", "150"))
HANG_S = 120  # one call (compiling its kernel included) longer than this is a hang

# Values that are wrong for most parameters: each surface must say which parameter.
BAD = st.sampled_from([-1, 0, 1.5, "2", None, True, (1,), (1, 2, 3), [1, 2], (1, -1), (2.0, 1),
                       100000])

PARAMS = {
    "mint": {"input", "weight", "bias", "stride", "padding", "output_padding", "groups",
             "dilation"},
    "megengine": {"in_channels", "out_channels", "kernel_size", "stride", "padding",
                  "output_padding", "dilation", "groups", "bias", "conv_mode", "compute_mode",
                  "inp", "weight"},
    "nn": {"in_channels", "out_channels", "kernel_size", "stride", "pad_mode", "padding",
           "dilation", "group", "has_bias", "output_padding", "dtype", "x", "weight", "bias",
           "weight_init", "bias_init"},
    "ops": {"out_channel", "kernel_size", "pad_mode", "pad", "pad_list", "mode", "stride",
            "dilation", "group", "data_format", "dout", "weight", "input_size"},
}


BAD_ABLE = ("groups", "kernel_size", "stride", "dilation", "padding", "output_padding",
            "pad_mode", "pad4")


# The description's fields: no surface has them; a message must say what the user wrote.
INTERNAL_NAMES = ("output_padding_h", "output_padding_w", "pad_top", "pad_bottom", "pad_left",
                  "pad_right", "stride_h", "stride_w", "dilation_h", "dilation_w", "kernel_h",
                  "kernel_w", "ConvTranspose2dDesc")


def pair_of(lo, hi):
    return st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


@st.composite
def calls(draw):
    """(surface, arguments): at most one argument drawn from BAD (half the calls: none), the
    others valid alone (they may still clash: a too-large padding, a stray output_padding)."""
    surface = draw(st.sampled_from(["mint", "megengine", "nn", "ops.Conv2DTranspose",
                                    "ops.Conv2DBackpropInput"]))
    bad = draw(st.sampled_from([None] * len(BAD_ABLE) + list(BAD_ABLE)))

    def value(name, valid):
        return draw(BAD) if name == bad else draw(valid)

    groups = draw(st.sampled_from([1, 1, 2]))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    args = {
        "groups": value("groups", st.just(groups)),
        "cin": cin, "cout": cout,
        "kernel_size": value("kernel_size", pair_of(1, 4)),
        "stride": value("stride", pair_of(1, 3)),
        "dilation": value("dilation", pair_of(1, 2)),
        "padding": value("padding", pair_of(0, 2)),
        "output_padding": value("output_padding", pair_of(0, 1)),
        "batch": draw(st.integers(1, 2)),
        "hw": draw(st.tuples(st.integers(1, 5), st.integers(1, 5))),
        "dtype": draw(st.sampled_from(["float32"] * 8 + ["float16", "float64", "int32"])),
        "bias": draw(st.booleans()),
        "pad_mode": value("pad_mode", st.sampled_from(["same", "valid", "pad"])),
        "pad4": value("pad4", st.one_of(st.integers(0, 2), st.tuples(*[st.integers(0, 2)] * 4))),
        "pad_list": draw(st.one_of(st.none(), st.none(), st.tuples(*[st.integers(-1, 2)] * 4))),
        "size_delta": draw(st.sampled_from([0] * 8 + [-1, 1, 2])),
        "shape_error": draw(st.sampled_from([None] * 12 + ["channels", "rank", "kernel"])),
        "seed": draw(st.integers(0, 2**31 - 1)),
    }
    return surface, args


# ----- the oracle: a float64 scatter of every tap, with any pads (a crop of the unpadded result) -

def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def oracle(x, w, b, stride, pads, out_hw, dilation, groups):
    """conv_transpose2d with pads (top, bottom, left, right) and an output of out_hw: the full
    (unpadded) result cropped at (top, left), zeros where out_hw reaches beyond it.

    Scattered tap by tap straight into the output window: the full result of a huge dilation
    under a 1x1 'same' output would not fit in memory (dilation 100000: 80 GB)."""
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    n, cin, h, wd = x.shape
    cog, kh, kw = w.shape[1:]
    cig = cin // groups
    top, _, left, _ = pads
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    out = np.zeros((n, cog * groups, *out_hw))
    for r in range(kh):
        rows = np.arange(h) * sh + r * dh - top
        ih = np.nonzero((rows >= 0) & (rows < out_hw[0]))[0]
        for c in range(kw):
            cols = np.arange(wd) * sw + c * dw - left
            iw = np.nonzero((cols >= 0) & (cols < out_hw[1]))[0]
            if not (ih.size and iw.size):
                continue
            for g in range(groups):
                xs = x64[:, g * cig:(g + 1) * cig][:, :, ih][:, :, :, iw]
                tap = np.einsum("nihw,io->nohw", xs, w64[g * cig:(g + 1) * cig, :, r, c])
                out[:, g * cog:(g + 1) * cog, rows[ih, None], cols[None, iw]] += tap
    if b is not None:
        out += b.astype(np.float64).reshape(1, -1, 1, 1)
    return out


def forward_length(size, k, s, d, pads):
    return (size + pads - d * (k - 1) - 1) // s + 1


# ----- each surface, called as a user would ---------------------------------------------------

def tensors(a, x_channels, w_shape, rng):
    n, (h, w) = a["batch"], a["hw"]
    x_shape = [n, x_channels, h, w]
    if a["shape_error"] == "channels":
        x_shape[1] += 1
    if a["shape_error"] == "rank":
        x_shape = x_shape[1:] + [1]
    w_shape = list(w_shape)
    if a["shape_error"] == "kernel":
        w_shape[-1] += 1
    dtype = a["dtype"]
    x = rng.standard_normal(x_shape).astype(dtype)
    weight = rng.standard_normal(w_shape).astype(dtype)
    return x, weight


def _valid_pair(value, default):
    """value as (a, b) if it is an int or 2 ints in 1..8 (a weight the harness can build)."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple)):
        return default
    items = _pair(value)
    ok = len(items) == 2 and all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 8
                                 for v in items)
    return items if ok else default


def run_mint(a, rng):
    k = _valid_pair(a["kernel_size"], (3, 3))
    g = a["groups"] if isinstance(a["groups"], int) and a["groups"] > 0 else 1
    x, w = tensors(a, a["cin"], (a["cin"], max(a["cout"] // g, 1), *k), rng)
    b = rng.standard_normal(w.shape[1] * g).astype(a["dtype"]) if a["bias"] else None
    got = conv_transpose2d(x, w, b, a["stride"], a["padding"], a["output_padding"],
                           a["groups"], a["dilation"])
    # PyTorch itself is the oracle of this surface (mint has PyTorch's semantics)
    return got, lambda: F.conv_transpose2d(torch.from_numpy(x.astype(np.float64)),
                             torch.from_numpy(w.astype(np.float64)),
                             None if b is None else torch.from_numpy(b.astype(np.float64)),
                             a["stride"], a["padding"], a["output_padding"], a["groups"],
                             a["dilation"]).numpy()


def run_megengine(a, rng):
    layer = megengine.module.ConvTranspose2d(
        a["cin"], a["cout"], a["kernel_size"], a["stride"], a["padding"], a["output_padding"],
        a["dilation"], a["groups"], bias=a["bias"])
    x, _ = tensors(a, a["cin"], layer.weight_shape, rng)
    layer.weight = rng.standard_normal(layer.weight_shape).astype(np.float32)
    got = layer(x)
    g = layer.groups
    w = layer.weight.reshape(a["cin"], a["cout"] // g, *layer.weight_shape[-2:])
    return got, lambda: F.conv_transpose2d(torch.from_numpy(x.astype(np.float64)),
                             torch.from_numpy(w.astype(np.float64)),
                             None if layer.bias is None else
                             torch.from_numpy(layer.bias.reshape(-1).astype(np.float64)),
                             _pair(layer.stride), _pair(layer.padding),
                             _pair(layer.output_padding), g, _pair(layer.dilation)).numpy()


def run_nn(a, rng):
    pad = a["pad4"] if a["pad_mode"] == "pad" else 0
    op = a["output_padding"] if a["pad_mode"] == "pad" else 0
    layer = nn.Conv2dTranspose(a["cin"], a["cout"], a["kernel_size"], a["stride"],
                               a["pad_mode"], pad, a["dilation"], a["groups"],
                               has_bias=a["bias"], output_padding=op,
                               dtype="float16" if a["dtype"] == "float16" else "float32")
    x, _ = tensors(a, a["cin"], layer.weight_shape, rng)
    got = layer(x)
    (kh, kw), (sh, sw), (dh, dw) = layer.kernel_size, layer.stride, layer.dilation
    pads = (pad,) * 4 if isinstance(pad, int) else pad
    # MindSpore's _deconv_output_length, from its documentation
    def length(size, k, s, d, total):
        span = d * (k - 1) + 1
        return {"valid": size * s + max(span - s, 0), "same": size * s,
                "pad": (size - 1) * s + span - total}[a["pad_mode"]]
    n, _, h, w = x.shape
    out_hw = (length(h, kh, sh, dh, pads[0] + pads[1]), length(w, kw, sw, dw, pads[2] + pads[3]))
    if a["pad_mode"] == "same":
        pads = same_pads(out_hw, (h, w), (kh, kw), (sh, sw), (dh, dw))
    elif a["pad_mode"] == "valid":
        pads = (0, 0, 0, 0)
    b = layer.bias if layer.has_bias else None
    ref = oracle(x, layer.weight, b, (sh, sw), pads, out_hw, (dh, dw), layer.group)
    opad = _pair(op)
    ref = np.pad(ref, ((0, 0), (0, 0), (0, opad[0]), (0, opad[1])))  # zeros after the bias
    return got, lambda: ref


def same_pads(size_hw, dout_hw, k, s, d):
    pads = []
    for size, dout, kk, ss, dd in zip(size_hw, dout_hw, k, s, d):
        needed = max(0, (dout - 1) * ss + dd * (kk - 1) + 1 - size)
        pads += [needed // 2, needed - needed // 2]
    return tuple(pads)


def run_ops(a, rng, name):
    cls = getattr(ops, name)
    pad = a["pad4"] if a["pad_mode"] == "pad" else 0
    op = cls(out_channel=a["cin"], kernel_size=a["kernel_size"], pad_mode=a["pad_mode"], pad=pad,
             pad_list=a["pad_list"], stride=a["stride"], dilation=a["dilation"],
             group=a["groups"])
    (kh, kw), (sh, sw), (dh, dw) = op.kernel_size, op.stride, op.dilation
    assume(max(kh, kw) <= 8)  # a weight the harness can build
    g = op.group
    dout, w = tensors(a, a["cin"], (a["cin"], max(a["cout"] // g, 1), kh, kw), rng)
    n, _, h, wd = dout.shape if dout.ndim == 4 else (1, 0, 1, 1)
    if op.pad_mode == "pad":
        pl = a["pad_list"]
        pads = pl if pl is not None and -1 not in pl else ((pad,) * 4 if isinstance(pad, int)
                                                          else tuple(pad))
    else:
        pads = (0, 0, 0, 0)
    # the smallest input a forward convolution maps onto dout, then a few rows more or less
    size_hw = [max(1, (dout_len - 1) * s + d * (k - 1) + 1 - total) + a["size_delta"]
               for dout_len, k, s, d, total in ((h, kh, sh, dh, pads[0] + pads[1]),
                                                (wd, kw, sw, dw, pads[2] + pads[3]))]
    size = (n, a["cout"] // g * g if a["cout"] >= g else g, *size_hw)
    got = op(dout, w, size)
    if op.pad_mode == "same":
        pads = same_pads(size_hw, (h, wd), (kh, kw), (sh, sw), (dh, dw))
    fits = all(forward_length(length, k, s, d, total) == dout_len for length, k, s, d, total,
               dout_len in ((size_hw[0], kh, sh, dh, pads[0] + pads[1], h),
                            (size_hw[1], kw, sw, dw, pads[2] + pads[3], wd)))
    assert fits, f"accepted an input_size {size} no forward convolution maps to {dout.shape}"
    assert got.shape == tuple(size)
    return got, lambda: oracle(dout, w, None, (sh, sw), pads, size_hw, (dh, dw), g)


# ----- the test ------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def poisoned_outputs(monkeypatch):
    from tvmconv.runtime import tensors as runtime_tensors

    real = runtime_tensors.aligned_empty

    def poisoned(shape, dtype):
        array = real(shape, dtype)
        if np.dtype(dtype).kind == "f":
            array.fill(np.nan)
        return array
    monkeypatch.setattr(runtime_tensors, "aligned_empty", poisoned)


def _hang(signum, frame):
    raise TimeoutError(f"a call ran over {HANG_S} s")


@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(call=calls())
# A huge dilation under a 'same' output of 1x1: the oracle once built the 80 GB full result.
@example(call=("nn", {"groups": 1, "cin": 1, "cout": 1, "kernel_size": 2, "stride": 1,
                      "dilation": 100000, "padding": 0, "output_padding": 0, "batch": 1,
                      "hw": (1, 1), "dtype": "float32", "bias": False, "pad_mode": "same",
                      "pad4": 0, "pad_list": None, "size_delta": 0, "shape_error": None,
                      "seed": 0}))
def test_every_call_raises_a_named_error_or_returns_the_oracles_value(call):
    surface, a = call
    rng = np.random.default_rng(a["seed"])
    run = {"mint": run_mint, "megengine": run_megengine, "nn": run_nn}.get(surface)
    names = PARAMS[surface.split(".")[0]]
    previous = signal.signal(signal.SIGALRM, _hang)
    signal.alarm(HANG_S)
    try:
        got, ref = run(a, rng) if run else run_ops(a, rng, surface.split(".")[1])
    except (TypeError, ValueError) as err:
        message = str(err)
        event(f"{surface}: {type(err).__name__}")
        assert any(name in message for name in names), \
            f"{surface}: {type(err).__name__} names no parameter: {message}"
        internal = [n for n in INTERNAL_NAMES if n in message]
        assert not internal, f"{surface}: the message names {internal}, not the user's: {message}"
        return
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    try:
        ref = ref()
    except RuntimeError as err:  # PyTorch refuses the arguments tvmconv accepted
        pytest.fail(f"{surface} accepted arguments PyTorch refuses: {err}")
    event(f"{surface}: computed")
    got = np.asarray(got, dtype=np.float64)
    assert got.shape == ref.shape, f"{surface}: shape {got.shape}, the oracle's {ref.shape}"
    assert not np.isnan(got).any(), f"{surface}: unwritten output elements"
    scale = max(1.0, float(np.abs(ref).max()))
    tol = 2e-2 if a["dtype"] == "float16" else 1e-4
    assert np.abs(got - ref).max() <= tol * scale, f"{surface}: wrong values"
    assert math.isfinite(scale)
