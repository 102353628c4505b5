"""``tvmconv bench``: our kernels vs TVM's untuned topi vs PyTorch, side by side in one run.

Method (these machines are noisy): competitors alternate in rounds, each timed over a batch of
calls per round, with a 50 ms pause between competitors so idle worker threads settle; the
reported time is the median over rounds. Useful GFLOP/s count no stride-inserted zeros
(ConvTranspose2dDesc.flops). Every kernel of ours is first checked against the float64 reference.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time

from .baselines import build_topi, random_inputs, topi_supports, torch_available, \
    torch_conv_transpose2d
from .layers import load_layers

# Set before TVM's and torch's thread pools exist (bench re-executes itself with them).
BENCH_ENV = {
    "TVM_THREAD_POOL_SPIN_COUNT": "0",      # idle TVM workers must not spin into the next timing
    "MALLOC_MMAP_THRESHOLD_": str(1 << 30),  # keep torch's per-call buffers out of fresh mmaps:
    "MALLOC_TRIM_THRESHOLD_": str(1 << 31),  # page faults are slow in these VMs
}
PAUSE_S = 0.05


def ensure_environment(threads: int) -> None:
    """Re-exec this process with the benchmark environment if it is not already set."""
    want = dict(BENCH_ENV, TVM_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    if all(os.environ.get(k) == v for k, v in want.items()):
        return
    os.environ.update(want)
    os.execv(sys.executable, [sys.executable, "-m", "tvmconv"] + sys.argv[1:])


def time_batch_ms(fn, number: int) -> float:
    """Mean milliseconds per call of `number` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e3


def _calls_for(fn, budget_ms: float) -> int:
    """Calls per round so that one round takes about budget_ms (at least 1)."""
    first = time_batch_ms(fn, 1)
    return max(1, min(1000, int(budget_ms / max(first, 1e-3))))


def bench_layer(layer, target, rounds: int, topi_limit_gmac: float, round_ms: float) -> dict:
    import tvm

    from .build import build
    from .polyphase import executed_macs
    from .reference import max_relative_error

    desc = layer.desc
    x, w, b = random_inputs(desc)
    kernel = build(desc, target)
    row = {"name": layer.name, "gflop": desc.flops / 1e9, "key": desc.key,
           "max_rel_error": max_relative_error(desc, kernel(x, w, b), x, w, b),
           "executed_mac_ratio": executed_macs(desc) * 2 / desc.flops}
    dev = kernel.device
    tx, tw = tvm.runtime.tensor(x, dev), tvm.runtime.tensor(w, dev)
    tb = tvm.runtime.tensor(b, dev) if b is not None else None
    competitors = {"ours": lambda: kernel(tx, tw, tb)}

    topi_macs = (desc.batch * desc.in_channels * desc.out_channels // desc.groups
                 * desc.out_height * desc.out_width * desc.kernel_h * desc.kernel_w)
    if topi_supports(desc) and topi_macs / 1e9 <= topi_limit_gmac:
        topi_fn = build_topi(desc, target)
        out = tvm.runtime.empty(desc.output_shape, desc.dtype, dev)
        competitors["topi"] = lambda: topi_fn(tx, tw, out)
    elif topi_supports(desc):
        row["topi_note"] = f"skipped: {topi_macs / 1e9:.0f} GMAC untuned exceeds --topi-limit"
    if torch_available():
        import torch

        run = torch_conv_transpose2d(desc)
        if run is not None:
            txx, tww = torch.from_numpy(x), torch.from_numpy(w)
            tbb = torch.from_numpy(b) if b is not None else None
            competitors["torch"] = lambda: run(txx, tww, tbb)

    calls = {}
    for name, fn in competitors.items():
        fn()  # warm up (first call of a kernel/library)
        calls[name] = 1 if name == "topi" else _calls_for(fn, round_ms)
    samples = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, fn in competitors.items():
            if name == "topi" and len(samples["topi"]) >= 2:
                continue  # untuned topi is slow: two samples bound it well enough
            time.sleep(PAUSE_S)
            samples[name].append(time_batch_ms(fn, calls[name]))
    for name, values in samples.items():
        row[f"{name}_ms"] = statistics.median(values)
    row["ours_gflops"] = desc.flops / row["ours_ms"] / 1e6
    if "torch_ms" in row:
        row["speed_vs_torch"] = row["torch_ms"] / row["ours_ms"]
    if "topi_ms" in row:
        row["speed_vs_topi"] = row["topi_ms"] / row["ours_ms"]
    return row


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def format_table(rows: list[dict]) -> str:
    head = (f"{'layer':<20} {'GFLOP':>7} {'ours ms':>9} {'topi ms':>9} {'torch ms':>9} "
            f"{'ours GF/s':>9} {'x torch':>8} {'x topi':>8} {'rel err':>8}")
    lines = [head, "-" * len(head)]

    def fmt(v, spec):
        return format(v, spec) if v is not None else "-"

    for r in rows:
        lines.append(
            f"{r['name']:<20} {r['gflop']:>7.3f} {fmt(r.get('ours_ms'), '9.3f'):>9} "
            f"{fmt(r.get('topi_ms'), '9.2f'):>9} {fmt(r.get('torch_ms'), '9.3f'):>9} "
            f"{r['ours_gflops']:>9.1f} {fmt(r.get('speed_vs_torch'), '8.2f'):>8} "
            f"{fmt(r.get('speed_vs_topi'), '8.1f'):>8} {r['max_rel_error']:>8.1e}")
    lines.append("-" * len(head))
    lines.append(f"geometric mean speed vs torch: {geomean(r.get('speed_vs_torch') for r in rows):.2f}x"
                 f"   vs topi (untuned): {geomean(r.get('speed_vs_topi') for r in rows):.1f}x"
                 "   (ratios > 1: ours is faster)")
    return "\n".join(lines)


def main(args) -> int:
    ensure_environment(args.threads)
    if torch_available():
        import torch

        torch.set_num_threads(args.threads)
    else:
        print("note: PyTorch not installed (pip install -e '.[bench]'); no torch column",
              file=sys.stderr)
    from .target import as_target

    target = as_target(args.target)
    layers = load_layers(args.layers)
    if args.only:
        wanted = set(args.only.split(","))
        layers = [layer for layer in layers if layer.name in wanted]
    print(f"target {target.export()}, {args.threads} threads, {args.rounds} rounds", flush=True)
    rows = []
    for layer in layers:
        row = bench_layer(layer, target, args.rounds, args.topi_limit, args.round_ms)
        rows.append(row)
        print(f"  {layer.name}: ours {row['ours_ms']:.3f} ms"
              + (f", torch {row['torch_ms']:.3f} ms" if "torch_ms" in row else "")
              + (f", topi {row['topi_ms']:.1f} ms" if "topi_ms" in row else ""), flush=True)
    print(format_table(rows))
    bad = [r["name"] for r in rows if not r["max_rel_error"] < 1e-3]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    if bad:
        print(f"ERROR: results differ from the reference on {bad}", file=sys.stderr)
        return 1
    return 0
