"""Both computes of each layer under their default schedules, side by side with PyTorch: the
data the CPU rule's algorithm choice (schedules/cpu_gemm.gemm_preferred) is decided on.

    .venv/bin/python tools/algorithm_sweep.py --split tuned > sweep.json
    .venv/bin/python tools/algorithm_sweep.py --layers suite > sweep-suite.json

Only the zoo's tuned part and other layer files may be used to decide anything; the zoo's
held-out part is for checking.
Alternating rounds (each competitor ~0.25 s a round, 50 ms apart), medians in ms. Run on an
idle machine (see the README's Benchmark section).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from tvmconv.tools.bench import ensure_environment


def time_layer(desc, rounds: int) -> dict:
    import torch
    import tvm
    from tvm import s_tir

    from tvmconv.compiler.builder import compile_module, kernel_module, rule_for_target
    from tvmconv.compiler.targets import as_target, device_for
    from tvmconv.compute import prim_func
    from tvmconv.compute.gemm import gemm_supported
    from tvmconv.runtime.kernel import Kernel
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.testing.reference import max_relative_error
    from tvmconv.tools.baselines import torch_conv_transpose2d

    target = as_target(None)
    rule = rule_for_target(target)
    x, w, b = random_inputs(desc)
    run = torch_conv_transpose2d(desc)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    competitors = {"torch": lambda: run(tx, tw, None)}
    for algorithm in ("gemm", "polyphase"):
        if algorithm == "gemm" and not gemm_supported(desc):
            continue
        sch = rule.schedule(s_tir.Schedule(prim_func(desc, algorithm)), target, False)
        kernel = Kernel(desc, compile_module(kernel_module(desc, target, sch.mod), target),
                        device=device_for(target), algorithm=algorithm,
                        argument_alignment=rule.argument_alignment(desc.dtype))
        assert max_relative_error(desc, kernel(x, w, b), x, w, b) < 1e-3, algorithm
        out = tvm.runtime.empty(desc.output_shape, desc.dtype, kernel.device)
        args = kernel.arguments(tvm.runtime.tensor(x, kernel.device), bias=None,
                                packed_weight=kernel.pack_weight(w))
        competitors[algorithm] = lambda k=kernel, a=args, o=out: k.run_packed(a, o)
    calls = {}
    for name, fn in competitors.items():
        fn()
        start = time.perf_counter()
        fn()
        calls[name] = max(1, min(500, int(0.25 / max(time.perf_counter() - start, 1e-5))))
    samples = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, fn in competitors.items():
            time.sleep(0.05)
            start = time.perf_counter()
            for _ in range(calls[name]):
                fn()
            samples[name].append((time.perf_counter() - start) / calls[name] * 1e3)
    return {name: round(statistics.median(v), 3) for name, v in samples.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", default="zoo", help="layer file or built-in suite (zoo)")
    p.add_argument("--split", choices=["tuned", "heldout"],
                   help="part of the layer file's split (the zoo: tuned unless given)")
    p.add_argument("--only", help="comma-separated layer names")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    ensure_environment(2, sys.argv)
    from tvmconv.layers import load_layers, split_layers

    split = args.split or ("tuned" if args.layers == "zoo" else None)
    layers = split_layers(load_layers(args.layers), args.layers, split)
    if args.only:
        layers = [layer for layer in layers if layer.name in args.only.split(",")]
    results = {}
    for layer in layers:
        results[layer.name] = time_layer(layer.desc, args.rounds)
        print(layer.name, results[layer.name], file=sys.stderr, flush=True)
    json.dump(results, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
