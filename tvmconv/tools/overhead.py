"""``tvmconv overhead``: what each public surface adds to a kernel call, on a tiny shape.

Times, per surface, a repeated call with the same shapes (cached kernel), next to the bare
compiled function on pre-wrapped tensors; the difference is the Python-side cost per call.
Inputs are 64-byte aligned NumPy arrays (used in place); one more row shows the cost of a
misaligned array, which is copied on every call.
Medians of rounds, alternating the contenders.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def _contenders(rng):
    import tvm_ffi

    from .. import megengine, nn, ops
    from ..compiler.builder import kernel_for
    from ..mint.nn.functional import conv_transpose2d
    from ..runtime import tensors

    x = tensors.aligned(rng.standard_normal((1, 4, 4, 4)).astype(np.float32))
    w = tensors.aligned(rng.standard_normal((4, 4, 3, 3)).astype(np.float32))
    # The same values 4 bytes past a 16-byte-aligned allocation: never 64-byte aligned (the
    # kernels need an element's alignment only, so it is used in place too).
    x_plain = np.empty(x.size + 1, np.float32)[1:].reshape(x.shape)
    x_plain[...] = x
    op = ops.Conv2DTranspose(4, 3, pad_mode="same", stride=2)
    layer = nn.Conv2dTranspose(4, 4, 3, stride=2, pad_mode="same", weight_init=w)
    meg = megengine.module.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1,
                                           bias=False)
    meg.weight = w
    op(x, w, (1, 4, 8, 8))
    desc = next(iter(op._descs.values()))  # pylint: disable=protected-access
    kernel = kernel_for(desc)
    out = np.empty(desc.output_shape, np.float32)
    bare_args = [tvm_ffi.from_dlpack(a) for a in (x, w, out)]
    run = kernel.run
    contenders = {
        "bare kernel (pre-wrapped tensors)": lambda: run(bare_args[:2], bare_args[2]),
        "ops.Conv2DTranspose": lambda: op(x, w, (1, 4, 8, 8)),
        "nn.Conv2dTranspose": lambda: layer(x),
        "mint conv_transpose2d": lambda: conv_transpose2d(x, w, stride=2, padding=1,
                                                          output_padding=1),
        "megengine ConvTranspose2d": lambda: meg(x),
        "mint, input 4 bytes off 64 (in place)": lambda: conv_transpose2d(
            x_plain, w, stride=2, padding=1, output_padding=1),
    }
    return contenders


def measure(rounds: int = 15, calls: int = 2000) -> list[tuple[str, float]]:
    """[(name, median microseconds per call)] on a 1x4x4x4 -> 1x4x8x8 stride-2 problem."""
    contenders = _contenders(np.random.default_rng(0))
    for fn in contenders.values():
        fn()  # compile / warm
    samples = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - start) / calls * 1e6)
    return [(name, statistics.median(values)) for name, values in samples.items()]


def main(args) -> int:
    rows = measure(rounds=args.rounds, calls=args.calls)
    bare = rows[0][1]
    print("per-call time on a tiny shape (1x4x4x4 -> 1x4x8x8, k3 s2), median of "
          f"{args.rounds} rounds of {args.calls} calls")
    for name, us in rows:
        extra = "" if name.startswith("bare") else f"   (+{us - bare:5.1f} us over the bare kernel)"
        print(f"  {name:36s} {us:7.1f} us{extra}")
    return 0
