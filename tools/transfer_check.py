"""Leave-one-out check of schedule transfer: each tuned layer's default schedule side by side
with the choices of each near tuned layer of its kind (tvmconv/tuning/lenders.py), as a layer
with no record of its own would borrow them. The data lenders.MIN_GAIN and MAX_DISTANCE are
chosen on.

    .venv/bin/python tools/transfer_check.py > benchmarks/results/<target>/transfer-check.json

Reads this CPU's committed tuning logs (tuning_logs/<target name>/: the suite and the zoo's
tuned part; the zoo's held-out part is never tuned). Timed side by side
(tools/side_by_side.py), in ms.
"""

from __future__ import annotations

import argparse
import json
import sys

from side_by_side import alternate, kernel_runner

from tvmconv.tools.bench import ensure_environment


def check_layer(desc, near, index, target, rounds: int) -> dict:
    from tvm import s_tir

    from tvmconv.compiler import algorithm_for
    from tvmconv.compiler.builder import rule_for_target
    from tvmconv.compute import algorithm_of, prim_func
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.tuning.records import _transfer

    inputs = random_inputs(desc)
    algorithm = algorithm_for(desc, target)
    sch = rule_for_target(target).schedule(s_tir.Schedule(prim_func(desc, algorithm)), target,
                                           False)
    competitors = {"default": kernel_runner(desc, sch, algorithm, inputs)}
    for _, other, _, _ in near:
        lent = _transfer(desc, index[other], target)
        competitors[other.key] = kernel_runner(desc, lent, algorithm_of(lent.mod["main"]),
                                               inputs)
    ms = alternate(competitors, rounds)
    return {"algorithm": algorithm, "default_ms": ms["default"],
            "lenders": [{"name": name, "distance": round(dist, 3),
                         "gain": None if gain is None else round(gain, 3),
                         "algorithm": algorithm_of(index[other].workload.mod["main"]),
                         "ms": ms[other.key]}
                        for dist, other, gain, name in near]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated tuned layer names")
    p.add_argument("--nearest", type=int, default=6, help="lenders tried per layer")
    p.add_argument("--within", type=float, default=4.0, help="largest distance tried")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    ensure_environment(2, sys.argv)
    from tvmconv.compiler.targets import as_target, target_name
    from tvmconv.description import ConvTranspose2dDesc
    from tvmconv.tuning import lenders
    from tvmconv.tuning.records import PROJECT_LOGS, database_gains, open_database

    target = as_target(None)
    log_dir = PROJECT_LOGS / target_name(target)
    names = json.loads((log_dir / "layers.json").read_text())
    named = {ConvTranspose2dDesc.from_dict(d): n for n, d in names.items()}
    _, index = open_database(log_dir)
    gains = database_gains(log_dir)
    results = {}
    for desc, name in sorted(((d, n) for d, n in named.items() if d in gains),
                             key=lambda pair: pair[1]):
        if args.only and name not in args.only.split(","):
            continue
        near = [(dist, other, gains[other], named.get(other, other.key))
                for dist, other in lenders.candidates(desc, gains)
                if dist <= args.within and index[other] is not None][:args.nearest]
        if not near:
            continue
        results[name] = check_layer(desc, near, index, target, args.rounds)
        print(name, results[name], file=sys.stderr, flush=True)
    json.dump({"gains": {named.get(d, d.key): None if g is None else round(g, 3)
                         for d, g in gains.items()}, "layers": results}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
