"""Side by side, per layer: the polyphase compute with its stride-1 axes cut into bands
(compute/phases.py) and whole, both under the default schedule, and PyTorch.

    .venv/bin/python tools/band_check.py --layers zoo --split tuned [--only a,b] [--json F]

Every layer an axis of which has at least --min-waste border taps; what BAND_MIN_WASTE was
decided on. Run on an idle machine (see side_by_side.py)."""

from __future__ import annotations

import argparse
import json
import sys

from side_by_side import alternate, default_runner, torch_runner

from tvmconv.tools.bench import ensure_environment


def cut_axes(desc, min_waste: float) -> list[float]:
    """The border-tap share of each axis that bands would cut at min_waste."""
    from tvmconv.compute import phases

    kept, phases.BAND_MIN_WASTE = phases.BAND_MIN_WASTE, min_waste
    try:
        return [round(share, 3) for _, share in phases.cut_axes(desc).values()]
    finally:
        phases.BAND_MIN_WASTE = kept


def time_layer(desc, min_waste: float, rounds: int) -> dict:
    from tvmconv.compute import phases
    from tvmconv.testing.inputs import random_inputs

    inputs = random_inputs(desc)
    competitors = {"torch": torch_runner(desc, inputs)}
    kept = phases.BAND_MIN_WASTE
    try:
        for name, waste in (("bands", min_waste), ("whole", 1.0)):  # (1.0: never cut)
            phases.BAND_MIN_WASTE = waste
            competitors[name] = default_runner(desc, "polyphase", inputs)
    finally:
        phases.BAND_MIN_WASTE = kept
    return alternate(competitors, rounds)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", default="zoo", help="layer file or built-in suite (zoo)")
    p.add_argument("--split", choices=["tuned", "heldout", "all"], default="tuned")
    p.add_argument("--only", help="comma-separated layer names")
    p.add_argument("--min-waste", type=float, default=1 / 16,
                   help="cut axes whose border taps are at least this share (1/16)")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--json", help="write the rows here")
    args = p.parse_args()
    ensure_environment(2, sys.argv)
    from tvmconv.layers import load_layers, split_layers

    layers = load_layers(args.layers)
    if args.split != "all":
        layers = split_layers(layers, args.layers, args.split)
    if args.only:
        keep = set(args.only.split(","))
        layers = [layer for layer in layers if layer.name in keep]
    rows = []
    for layer in layers:
        shares = cut_axes(layer.desc, args.min_waste)
        if not shares:
            continue
        times = time_layer(layer.desc, args.min_waste, args.rounds)
        rows.append({"name": layer.name, "border_share": shares, **times,
                     "whole/bands": round(times["whole"] / times["bands"], 3)})
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
