"""Both computes of each layer under their default schedules, side by side with PyTorch: the
data the CPU rule's algorithm choice (schedules/cpu_gemm.gemm_preferred) is decided on.

    .venv/bin/python tools/algorithm_sweep.py --split tuned > sweep.json
    .venv/bin/python tools/algorithm_sweep.py --layers suite > sweep-suite.json

Only the zoo's tuned part and other layer files may be used to decide anything; the zoo's
held-out part is for checking.
Timed side by side (tools/side_by_side.py), in ms.
"""

from __future__ import annotations

import argparse
import json
import sys

from side_by_side import alternate, default_runner, torch_runner

from tvmconv.tools.bench import ensure_environment


def time_layer(desc, rounds: int) -> dict:
    from tvmconv.compute.gemm import gemm_supported
    from tvmconv.testing.inputs import random_inputs

    inputs = random_inputs(desc)
    competitors = {"torch": torch_runner(desc, inputs)}
    for algorithm in ("gemm", "polyphase"):
        if algorithm == "gemm" and not gemm_supported(desc):
            continue
        competitors[algorithm] = default_runner(desc, algorithm, inputs)
    return alternate(competitors, rounds)


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
