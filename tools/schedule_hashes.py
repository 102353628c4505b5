"""Print (or compare) the workload and schedule hashes of every suite and tiny layer.

A refactor that must not change behaviour runs this before and after:

    python tools/schedule_hashes.py > before.json      # on the old tree
    python tools/schedule_hashes.py --compare before.json

tools/schedule_hashes.json holds today's hashes (tests/test_layout.py compares them, as a slow
test); a deliberate schedule or compute change rewrites it:

    python tools/schedule_hashes.py > tools/schedule_hashes.json

Per layer and algorithm: the workload's structural hash (what tuning records are keyed by), the
default schedule's hash for llvm and cuda, every design space's hash (seeded sampling), and the
hash of the schedule the committed tuning logs give it.
"""

from __future__ import annotations

import argparse
import json
import sys

LLVM = {"kind": "llvm", "mcpu": "znver4", "num-cores": 2}
CUDA = {"kind": "cuda", "arch": "sm_90"}


def _api():
    """The functions this script needs, wherever the tree keeps them."""
    from tvmconv.compiler import as_target, schedule
    from tvmconv.compiler.builder import schedule_hash
    from tvmconv.compute import prim_func, workload_of
    from tvmconv.compute.gemm import gemm_supported
    from tvmconv.schedules import rule_for
    from tvmconv.tuning.records import tuned_schedule

    return dict(prim_func=prim_func, schedule=schedule, schedule_hash=schedule_hash,
                gemm_supported=gemm_supported, rule_for=rule_for, as_target=as_target,
                tuned_schedule=tuned_schedule, workload_of=workload_of)


def hashes() -> dict:
    import tvm_ffi
    from tvm import s_tir

    from tvmconv.layers import load_layers

    api = _api()
    out = {}
    for target_spec in (LLVM, CUDA):
        target = api["as_target"](target_spec)
        rule = api["rule_for"](target)
        kind = target.kind.name
        for suite in ("suite", "tiny"):
            for layer in load_layers(suite):
                desc = layer.desc
                row = out.setdefault(f"{suite}/{layer.name}", {})
                row[f"{kind}/default"] = api["schedule_hash"](api["schedule"](desc, target).mod)
                algorithms = ["polyphase"] + (["gemm"] if api["gemm_supported"](desc) else [])
                for algorithm in algorithms:
                    if algorithm not in rule.algorithms:
                        continue
                    row[f"workload/{algorithm}"] = str(tvm_ffi.structural_hash(
                        api["workload_of"](desc, algorithm)))
                    row[f"{kind}/default/{algorithm}"] = api["schedule_hash"](
                        api["schedule"](desc, target, algorithm=algorithm).mod)
                    if hasattr(rule, "design_spaces"):
                        sch = s_tir.Schedule(api["prim_func"](desc, algorithm), seed=1)
                        spaces = rule.design_spaces(sch, target)
                        row[f"{kind}/spaces/{algorithm}"] = [
                            api["schedule_hash"](s.mod) for s in spaces]
                if kind == "llvm":
                    tuned = api["tuned_schedule"](desc, target)
                    row["llvm/logs"] = (None if tuned is None else
                                        [tuned.source, api["schedule_hash"](tuned.schedule.mod)])
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", help="a JSON file this script printed before")
    args = parser.parse_args(argv)
    now = hashes()
    if not args.compare:
        print(json.dumps(now, indent=1, sort_keys=True))
        return 0
    before = json.loads(open(args.compare).read())
    diffs = [(layer, key) for layer in sorted(set(before) | set(now))
             for key in sorted(set(before.get(layer, {})) | set(now.get(layer, {})))
             if before.get(layer, {}).get(key) != now.get(layer, {}).get(key)]
    for layer, key in diffs:
        print(f"changed: {layer} {key}")
    print(f"{len(now)} layers, {sum(len(v) for v in now.values())} hash entries, "
          f"{len(diffs)} changed")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
