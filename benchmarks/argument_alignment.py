"""Does declaring the kernels' argument buffers element-aligned (what lets NumPy's 16-byte
arrays be used in place) cost speed? Side by side, one process, alternating rounds, medians.

For each layer: the same scheduled kernel compiled twice, its arguments declared 64-byte
aligned (TVM's default, as before) and element-aligned (tvmconv's now), timed on 64-byte
aligned inputs; the element-aligned one also on inputs 16 bytes off (glibc's NumPy arrays);
and the 64-byte one on those 16-byte inputs the way it must take them: copied first.

    TVM_NUM_THREADS=2 TVM_THREAD_POOL_SPIN_COUNT=0 python benchmarks/argument_alignment.py
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np


def main(names: list[str], rounds: int = 9) -> None:
    from tvmconv.compiler import as_target
    from tvmconv.layers import load_layers

    target = as_target(None)
    print(f"target {target}; {rounds} rounds; ms per call (median)")
    print(f"{'layer':<22}{'64B decl':>10}{'elem decl':>11}{'elem, +16B':>12}{'64B, copy':>11}"
          f"{'elem/64B':>10}")
    for layer in load_layers("suite"):
        if not names or layer.name in names:
            _bench_layer(layer, target, rounds)


def _bench_layer(layer, target, rounds: int) -> None:
    import tvm

    from tvmconv.compiler import build
    from tvmconv.compiler.builder import kernel_module, main_schedule
    from tvmconv.runtime import tensors

    desc = layer.desc
    kernel = build(desc, target)  # element-aligned declaration (tvmconv's default now)
    main, _ = main_schedule(desc, target)
    old = tvm.compile(_with_64(kernel_module(desc, target, main)), target=target)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(desc.input_shape).astype(desc.dtype)
    w = rng.standard_normal(desc.weight_shape).astype(desc.dtype)
    x64, x16 = _placed(x, 0), _placed(x, 16)
    packed = kernel.pack_weight(w)
    out = kernel._empty(desc.output_shape)  # pylint: disable=protected-access
    new_fn = kernel.module["main"]
    old_fn = old["main"]
    args64 = [tensors.as_kernel_tensor(x64, "input", alignment=64), packed]
    args16 = [tensors.as_kernel_tensor(x16, "input", alignment=4), packed]
    np.testing.assert_allclose(_run(new_fn, args16, out), _run(old_fn, args64, out),
                               rtol=1e-5, atol=1e-5)
    calls = {
        "old": lambda: old_fn(*args64, out),
        "new": lambda: new_fn(*args64, out),
        "new16": lambda: new_fn(*args16, out),
        "old16copy": lambda: old_fn(tensors.as_kernel_tensor(x16, "input", alignment=64),
                                    packed, out),
    }
    times = {k: [] for k in calls}
    number = max(1, int(30 / max(_ms(calls["old"], 1), 1e-3)))
    order = list(calls)
    for r in range(rounds):
        for name in order[r % len(order):] + order[:r % len(order)]:  # rotated: no slot bias
            call = calls[name]
            time.sleep(0.05)  # the last competitor's workers stop spinning
            times[name].append(_ms(call, number))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{layer.name:<22}{med['old']:>10.4f}{med['new']:>11.4f}{med['new16']:>12.4f}"
          f"{med['old16copy']:>11.4f}{med['new'] / med['old']:>10.3f}", flush=True)


def _with_64(mod):
    import tvm

    return tvm.IRModule({gv.name_hint: _declared_64(mod[gv]) for gv in mod.get_global_vars()})


def _declared_64(func):
    from tvmconv.compiler.builder import with_argument_alignment

    return with_argument_alignment(func, 64)


def _placed(array, offset):
    from tvmconv.runtime import tensors

    base = tensors.aligned_empty((array.size + 64,), array.dtype)
    start = offset // array.itemsize
    view = base[start:start + array.size].reshape(array.shape)
    view[...] = array
    return view


def _run(fn, args, out):
    fn(*args, out)
    return np.from_dlpack(out).copy()


def _ms(call, number):
    start = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - start) / number * 1e3


if __name__ == "__main__":
    main(sys.argv[1:])
