"""``tvmconv demo``: the newcomer's first run. One layer compiled for this CPU (or loaded from the
cache), checked against the float64 reference, and timed next to PyTorch when it is installed."""

from __future__ import annotations

import os
import statistics
import time


def main(args) -> int:
    os.environ.setdefault("TVM_NUM_THREADS", str(args.threads))
    from ..compiler.builder import build
    from ..compiler.targets import host_target
    from ..layers import load_layers
    from ..testing.inputs import random_inputs
    from ..testing.reference import max_relative_error

    layer = next((x for x in load_layers(args.layers) if x.name == args.layer), None)
    if layer is None:
        raise SystemExit(f"no layer named {args.layer!r} in {args.layers}")
    desc = layer.desc
    target = host_target()
    print(f"layer {layer.name} ({layer.source}): {desc.key}")
    print(f"target {target.export()}")
    t0 = time.perf_counter()
    kernel = build(desc, target)
    print(f"kernel ready in {time.perf_counter() - t0:.2f} s (compiled, or loaded from the cache); "
          f"schedule: {kernel.schedule_source}"
          + (" (a record in tuning_logs/)" if kernel.schedule_source != "default" else ""))
    x, w, b = random_inputs(desc)
    err = max_relative_error(desc, kernel(x, w, b), x, w, b)
    ok = err < 1e-4
    print(f"max relative error vs float64 reference: {err:.2e} ({'OK' if ok else 'FAILED'})")
    times = kernel.time_ms(x, w, *([b] if b is not None else []), number=20, repeat=7)
    ms = statistics.median(times)
    print(f"time: {ms:.3f} ms median of 7x20 calls, "
          f"{desc.landed_flops / ms / 1e6:.1f} useful GFLOP/s ({args.threads} threads)")
    torch_ms = _torch_ms(desc, x, w, b, args.threads)
    if torch_ms is not None:
        print(f"PyTorch conv_transpose2d: {torch_ms:.3f} ms; "
              f"ours is {torch_ms / ms:.2f}x its speed")
    return 0 if ok else 1


def _torch_ms(desc, x, w, b, threads):
    """PyTorch's median time on the same data, when it is installed (the bench extra)."""
    from .baselines import torch_available, torch_conv_transpose2d
    from .bench import time_batch_ms

    if not torch_available() or (run := torch_conv_transpose2d(desc)) is None:
        return None
    import torch

    torch.set_num_threads(threads)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    tb = torch.from_numpy(b) if b is not None else None
    run(tx, tw, tb)
    return statistics.median(time_batch_ms(lambda: run(tx, tw, tb), 20) for _ in range(7))
