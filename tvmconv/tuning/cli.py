"""``tvmconv tune``: the command-line front of tuning.job."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..layers import Layer, layer_from_dict, load_layers, split_file, split_names
from ..layers import select_layers as layers_named


def parse_one(text: str) -> Layer:
    """'in_channels=256 out_channels=128 kernel_size=4 stride=2,2 ...' -> a Layer (batch 1,
    padding 0 and name 'one' unless given). Values with commas are lists."""
    fields = {"name": "one", "batch": 1, "padding": 0}
    items = text.replace(";", " ").split()
    if not items:
        raise ValueError("--one: no layer parameters given (an empty string); e.g. --one "
                         "\"in_channels=256 out_channels=128 height=8 width=8 kernel_size=4 "
                         "stride=2 padding=1\"")
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--one: expected KEY=VALUE, got {item!r}")
        if key in ("name", "dtype", "layout", "source"):
            fields[key] = value
        elif key == "bias":
            if value.lower() not in ("true", "false"):
                raise ValueError(f"--one: bias must be true or false, got {value!r}")
            fields[key] = value.lower() == "true"
        else:
            try:
                parts = [int(v) for v in value.split(",")]
            except ValueError:
                raise ValueError(f"--one: {key} must be an int or ints separated by commas, "
                                 f"got {value!r}") from None
            fields[key] = parts[0] if len(parts) == 1 else parts
    return layer_from_dict(fields)


def one_layer(text: str, command: str) -> Layer:
    """parse_one for a command's --one: a command-line error, not a traceback."""
    try:
        return parse_one(text)
    except ValueError as err:
        raise SystemExit(f"tvmconv {command}: {err}") from None


def select_layers(args) -> list[Layer]:
    if args.one is not None:  # an empty --one is an error, never "the whole suite"
        return [one_layer(args.one, "tune")]
    layers = layers_named(load_layers(args.layers), args.only, "tune")
    held_out = set(split_names(args.layers).get("heldout", [])) & {x.name for x in layers}
    if held_out:  # the held-out part judges the defaults: a record of it would void that
        raise SystemExit(f"tvmconv tune: {', '.join(sorted(held_out))} belong to the held-out "
                         f"part of {args.layers}, which is never tuned; pass --only with layers "
                         f"of its tuned part ({split_file(args.layers).name})")
    return layers


def main(args) -> int:
    # Before TVM starts its thread pool: kernels measured with the threads they will run with.
    os.environ.setdefault("TVM_NUM_THREADS", str(args.threads))
    os.environ.setdefault("TVM_THREAD_POOL_SPIN_COUNT", "0")
    from ..compiler.targets import as_target, target_name
    from .job import default_log_dir, format_reports, run_job
    from .report import plot_job

    target = as_target(args.target)
    log_dir = Path(args.log_dir) if args.log_dir else default_log_dir(target)
    if args.reindex:
        from .records import write_index

        print(f"wrote {write_index(log_dir)}")
        return 0
    if args.prune_stale:
        from .records import prune_stale

        kept, removed = prune_stale(log_dir)
        print(f"{log_dir}: removed {removed} records of changed computes, kept {kept}")
        return 0
    layers = select_layers(args)
    runner = None
    if args.rpc:
        from .rpc import rpc_runner

        runner = rpc_runner(args.rpc, args.key, workers=args.rpc_workers)
    deadline = time.time() + args.budget_min * 60 if args.budget_min else None
    # With --rpc this machine is not the device: no local timing of the results.
    reports = run_job(layers, target, log_dir, trials=args.trials, trials_per_iter=args.per_batch,
                      cores=args.cores or "physical", seed=args.seed,
                      emit=lambda line: print(line, flush=True), runner=runner,
                      time_results=not args.rpc and not args.no_timing, deadline=deadline,
                      algorithm=args.algorithm)
    print(format_reports(reports))
    if not args.no_plot:
        job_name = "one" if args.one else Path(args.layers).stem
        path = plot_job(log_dir, layers, job_name, target_name(target))
        print(f"plot: {path}" if path else "plot skipped: pip install -e '.[plot]' (matplotlib)")
    print(how_builds_find(log_dir, target_name(target)))
    return 0


def how_builds_find(log_dir: Path, name: str) -> str:
    """Whether builds for the target named `name` read log_dir, and how to make them."""
    from .records import ENV_VAR, log_dirs_named

    searched = log_dirs_named(name)
    if any(d.resolve() == log_dir.resolve() for d in searched):
        order = ", ".join(str(d) for d in searched)
        return f"builds for {name} use these records (they search, first match wins: {order})"
    return (f"builds do not search {log_dir}: export {ENV_VAR}={log_dir} (os.pathsep-separated "
            f"directories, searched first), or pass build(..., log_dirs=[...])")


if __name__ == "__main__":
    sys.exit(1)


def tuned_main(args) -> int:
    """``tvmconv tuned``: the layers each log directory for a target holds tuned records of,
    their tuning-time speed-up over the default schedule, and where the logs are."""
    import json

    from ..compiler.targets import as_target, target_name
    from ..description import ConvTranspose2dDesc
    from .job import LAYERS_FILE
    from .records import index_entries, log_dirs_named

    name = target_name(as_target(args.target))
    dirs = log_dirs_named(name)
    if not dirs:
        print(f"no tuning logs for {name} (searched $TVMCONV_TUNING_LOGS, the user's logs and "
              "the committed ones)")
        return 0
    for log_dir in dirs:
        entries = index_entries(log_dir)
        print(f"{log_dir}:")
        if entries is None:
            print("  no current index.json: run tvmconv tune --reindex --target ... for it")
            continue
        names_file = log_dir / LAYERS_FILE
        named = json.loads(names_file.read_text()) if names_file.is_file() else {}
        by_desc = {ConvTranspose2dDesc.from_dict(d): n for n, d in named.items()}
        print(f"  {'layer':<22} {'default ms':>10} {'tuned ms':>9} {'speed-up':>8}  key")
        for entry in entries:
            desc = ConvTranspose2dDesc.from_dict(entry["desc"])
            best, default = entry.get("best_ms"), entry.get("default_ms")
            speedup = f"{default / best:7.2f}x" if best and default else "       -"
            print(f"  {by_desc.get(desc, '-'):<22} "
                  f"{default if default is not None else float('nan'):>10.4f} "
                  f"{best if best is not None else float('nan'):>9.4f} {speedup}  {desc.key}")
        print(f"  {len(entries)} tuned descriptions (times measured while tuning)")
    return 0

