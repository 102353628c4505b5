"""How a kernel's result is judged against the float64 reference, for tests and checks."""

from __future__ import annotations

import numpy as np

from .reference import max_scaled_error


def tolerance(desc) -> float:
    """Relative tolerance for comparing with the float64 reference."""
    if desc.dtype == "float16":
        return 2e-2 if desc.accum_dtype == "float16" else 4e-3
    return 1e-5


def run_kernel_poisoned(kernel, x, w, b=None):
    """Call a kernel into an output buffer filled with NaN, so an unwritten element shows."""
    import tvm

    d = kernel.desc
    out = tvm.runtime.tensor(np.full(d.output_shape, np.nan, dtype=d.dtype), kernel.device)
    kernel(tvm.runtime.tensor(x, kernel.device), tvm.runtime.tensor(w, kernel.device),
           None if b is None else tvm.runtime.tensor(b, kernel.device), out=out)
    return out.numpy()


def assert_matches_reference(desc, got, x, w, b=None):
    """got has desc's output shape, no unwritten (NaN) element, and is within tolerance(desc)."""
    assert tuple(got.shape) == tuple(desc.output_shape)
    assert not np.isnan(got.astype(np.float64)).any(), "kernel left output elements unwritten"
    # Scaled by the sum of |terms| an element adds up: rounding error grows with it. Rounding
    # into the output dtype is also exact only to its smallest subnormal step (6e-8 for
    # float16): an absolute floor, or a result of ~1e-6 would demand a precision fp16 lacks.
    floor = float(np.finfo(np.dtype(desc.dtype)).smallest_subnormal)
    if desc.activation in ("tanh", "sigmoid"):
        # TVM's CPU tanh is exact to 9e-8 absolute, not relative: near 0 that is 4e-5 of it
        floor += float(np.finfo(np.dtype(desc.dtype)).eps)
    err = max_scaled_error(desc, got, x, w, b, floor)
    assert err <= tolerance(desc), f"{desc.key}: max scaled error {err:.2e}"
