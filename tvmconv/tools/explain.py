"""``tvmconv explain LAYER``: which compute and which schedule a build of a layer gets, and why,
in a few lines (what a user asks when a layer is slow)."""

from __future__ import annotations


def explain(desc, target=None) -> list[str]:
    """The lines ``tvmconv explain`` prints for desc on target (None: this CPU)."""
    from ..compiler import algorithm_for
    from ..compiler.targets import as_target, target_name
    from ..compute import algorithm_of
    from ..schedules import rule_for
    from ..tuning import lenders
    from ..tuning.records import database_gains, open_database, search_dirs, tuned_schedule

    target = as_target(target)
    name = target_name(target)
    rule = rule_for(target)
    lines = [f"{desc.key}", f"  target {name}; {desc.landed_flops / 1e9:.3f} useful GFLOP per call"]
    default = algorithm_for(desc, target)
    reason = rule.algorithm_reason(desc, target) if rule is not None else "no schedule rule"
    lines.append(f"  untuned compute: {default}: {reason}")
    lines += _bands(desc) if default == "polyphase" else []
    dirs = search_dirs(name)
    tuned = tuned_schedule(desc, target)
    if tuned is not None:
        algorithm = algorithm_of(tuned.schedule.mod["main"])
        how = ("its own tuned record" if tuned.source == "tuned"
               else f"the structure and tiles of the tuned layer {tuned.origin}")
        lines.append(f"  schedule: {tuned.source} ({algorithm}), {how} in {tuned.log_dir}, "
                     f"{tuned.run_ms:.4f} ms when tuned")
        return lines
    rejected = [d for d in dirs if open_database(d)[1].get(desc, False) is None]
    if rejected:
        lines.append(f"  schedule: default; its tuned records in {rejected[0]} did not beat the "
                     "default side by side (rejected.json)")
    elif dirs:
        gains = {}
        for log_dir in reversed(dirs):
            gains.update(database_gains(log_dir))
        lines.append(f"  schedule: default; no record of it in {', '.join(str(d) for d in dirs)}, "
                     f"and it borrows from none: {lenders.why_not(desc, gains)}")
    else:
        lines.append(f"  schedule: default; no tuning logs for {name} (tvmconv tune --layers "
                     "... writes some)")
    return lines


def _bands(desc) -> list[str]:
    """The polyphase compute's axes cut into bands (compute/phases.py), in a line."""
    from ..compute.phases import cut_axes

    cut = [f"{axis} into {bands} bands ({share:.0%} of its taps read the border)"
           for axis, (bands, share) in cut_axes(desc).items()]
    return [f"  polyphase cuts the {' and the '.join(cut)}"] if cut else []


def main(args) -> int:
    from ..layers import load_layers
    from ..layers import select_layers as layers_named
    from ..tuning.cli import one_layer

    if args.one is not None:
        layers = [one_layer(args.one, "explain")]
    else:
        layers = layers_named(load_layers(args.layers), args.layer, "explain")
    for layer in layers:
        print(f"{layer.name}:")
        for line in explain(layer.desc, args.target):
            print("  " + line)
    return 0
