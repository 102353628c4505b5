"""Random inputs for a description: what tests, benchmarks and tuning feed the kernels."""

from __future__ import annotations

import numpy as np

from ..description import ConvTranspose2dDesc


def random_inputs(desc: ConvTranspose2dDesc, seed: int = 0):
    """Fresh random (x, w, bias-or-None) NumPy arrays for desc."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(desc.input_shape).astype(desc.dtype)
    w = (rng.standard_normal(desc.weight_shape) / np.sqrt(desc.kernel_h * desc.kernel_w
                                                         * desc.in_channels)).astype(desc.dtype)
    b = rng.standard_normal(desc.bias_shape).astype(desc.dtype) if desc.has_bias else None
    return x, w, b
