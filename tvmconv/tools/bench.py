"""``tvmconv bench``: our kernels vs PyTorch (oneDNN), ONNX Runtime (MLAS) and TVM's untuned topi,
side by side in one run.

Ours is timed twice: ``fn``, the functional surfaces' path (the weight packed into the kernel
layout on every call), and ``layer``, the path of a layer that owns its weight (packed once).
ONNX Runtime holds the weight as an initializer, as a deployed model does.

Method (these machines are noisy): competitors alternate in rounds, each timed over a batch of
calls per round, with a 50 ms pause between competitors so idle worker threads settle; the
reported time is the median over rounds. Useful GFLOP/s count only products that land in the
output: no stride-inserted zeros, none the padding crops (ConvTranspose2dDesc.landed_flops). A
layer whose bytes (input, weight and output, once each) take longer at the measured copy
bandwidth than its products at the measured peak is memory-bound: its row says what share of
that bandwidth it reached. Every kernel of ours is first checked against the float64 reference.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import statistics
import sys
import time

import numpy as np

from ..layers import load_layers, select_layers, split_layers
from ..testing.inputs import random_inputs
from .baselines import (
    build_topi,
    copy_bandwidth_gbs,
    ort_available,
    ort_conv_transpose2d,
    peak_gflops,
    topi_supports,
    torch_available,
    torch_conv_transpose2d,
)

# Set before TVM's and torch's thread pools exist (bench re-executes itself with them).
BENCH_ENV = {
    "TVM_THREAD_POOL_SPIN_COUNT": "0",      # idle TVM workers must not spin into the next timing
    "MALLOC_MMAP_THRESHOLD_": str(1 << 30),  # keep torch's per-call buffers out of fresh mmaps:
    "MALLOC_TRIM_THRESHOLD_": str(1 << 31),  # page faults are slow in these VMs
}
PAUSE_S = 0.05


def ensure_environment(threads: int, command: list[str] | None = None) -> None:
    """Re-exec this process with the benchmark environment if it is not already set.
    command: what to re-run after the interpreter (default: ``-m tvmconv`` and this argv)."""
    want = dict(BENCH_ENV, TVM_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    if all(os.environ.get(k) == v for k, v in want.items()):
        return
    os.environ.update(want)
    command = command if command is not None else ["-m", "tvmconv"] + sys.argv[1:]
    os.execv(sys.executable, [sys.executable] + command)


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


def bench_layer(layer, target, rounds: int, topi_limit_gmac: float, round_ms: float,
                threads: int = 2, use_tuned: bool = True, pause_s: float = PAUSE_S) -> dict:
    import tvm

    from ..compiler.builder import build
    from ..compute.phases import executed_macs
    from ..testing.reference import max_relative_error

    desc = layer.desc
    x, w, b = random_inputs(desc)
    kernel = build(desc, target, use_tuned=use_tuned)
    row = {"name": layer.name, "gflop": desc.landed_flops / 1e9, "key": desc.key,
           "min_bytes": min_bytes(desc),
           "schedule": kernel.schedule_source,
           "max_rel_error": max_relative_error(desc, kernel(x, w, b), x, w, b),
           "algorithm": kernel.algorithm,
           # multiply-adds the kernel does per useful one (polyphase: border zeros too)
           "executed_mac_ratio": (executed_macs(desc) * 2 / desc.flops
                                  if kernel.algorithm == "polyphase" else 1.0)}
    dev = kernel.device
    tx, tw = tvm.runtime.tensor(x, dev), tvm.runtime.tensor(w, dev)
    tb = tvm.runtime.tensor(b, dev) if b is not None else None
    out_fn = tvm.runtime.empty(desc.output_shape, desc.dtype, dev)
    out_layer = tvm.runtime.empty(desc.output_shape, desc.dtype, dev)
    args_fn = kernel.arguments(tx, tw, tb)
    args_layer = kernel.arguments(tx, bias=tb, packed_weight=kernel.pack_weight(w))
    kernel.run_packed(args_layer, out_layer)  # the layer path must be right too
    row["max_rel_error"] = max(row["max_rel_error"],
                               max_relative_error(desc, out_layer.numpy(), x, w, b))
    competitors = {"fn": lambda: kernel.run(args_fn, out_fn),
                   "layer": lambda: kernel.run_packed(args_layer, out_layer)}

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
    if ort_available():
        ort_run = ort_conv_transpose2d(desc, w, b, threads)
        if ort_run is not None:
            competitors["ort"] = lambda: ort_run(x)

    calls = {}
    for name, fn in list(competitors.items()):
        try:
            fn()  # warm up (first call of a kernel/library)
        except Exception as err:  # pylint: disable=broad-except
            # a peer without this case (e.g. fp16 on this CPU build) is a note, not a crash
            row[f"{name}_note"] = f"failed: {str(err).splitlines()[0][:120]}"
            print(f"  {layer.name}: {name} {row[name + '_note']}", file=sys.stderr)
            del competitors[name]
            continue
        calls[name] = 1 if name == "topi" else _calls_for(fn, round_ms)
    samples = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, fn in competitors.items():
            if name == "topi" and len(samples["topi"]) >= 2:
                continue  # untuned topi is slow: two samples bound it well enough
            time.sleep(pause_s)
            samples[name].append(time_batch_ms(fn, calls[name]))
    for name, values in samples.items():
        row[f"{name}_ms"] = statistics.median(values)
        row[f"{name}_rounds_ms"] = values  # in round order: a burst of noise shows as a run
    row["ours_ms"] = row["layer_ms"]
    row["ours_gflops"] = desc.landed_flops / row["layer_ms"] / 1e6
    row["ours_gbs"] = row["min_bytes"] / row["layer_ms"] / 1e6
    peers = [row[k] for k in ("torch_ms", "ort_ms") if k in row]
    if peers:
        row["best_peer_ms"] = min(peers)
        row["layer_vs_best_peer"] = row["best_peer_ms"] / row["layer_ms"]
    if "torch_ms" in row:
        row["fn_vs_torch"] = row["torch_ms"] / row["fn_ms"]
        row["speed_vs_torch"] = row["torch_ms"] / row["layer_ms"]
    if "topi_ms" in row:
        row["speed_vs_topi"] = row["topi_ms"] / row["layer_ms"]
    return row


def min_bytes(desc) -> int:
    """Bytes any kernel must move: the input, weight and output once each."""
    elements = (math.prod(desc.input_shape) + math.prod(desc.weight_shape)
                + math.prod(desc.output_shape))
    return elements * np.dtype(desc.dtype).itemsize


def memory_bound(row: dict, peak_gflops: float, bandwidth_gbs: float) -> bool:
    """Whether the row's bytes at the copy bandwidth take longer than its products at peak."""
    return row["min_bytes"] / bandwidth_gbs > row["gflop"] * 1e9 / peak_gflops


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def format_table(rows: list[dict], peak_gflops: float | None = None,
                 bandwidth_gbs: float | None = None) -> str:
    head = (f"{'layer':<20} {'algo':<4} {'sched':<6} {'GFLOP':>6} {'fn ms':>8} {'layer ms':>8} "
            f"{'torch ms':>8} {'ort ms':>8} {'GF/s':>6} {'%peak':>5} {'%bw':>4} {'lay/best':>8} "
            f"{'fn/torch':>8} {'rel err':>7}")
    lines = [head, "-" * len(head)]

    def fmt(v, spec):
        return format(v, spec) if v is not None else "-"

    for r in rows:
        peak = r["ours_gflops"] / peak_gflops * 100 if peak_gflops else None
        bw = (r["ours_gbs"] / bandwidth_gbs * 100
              if peak_gflops and bandwidth_gbs and memory_bound(r, peak_gflops, bandwidth_gbs)
              else None)
        lines.append(
            f"{r['name']:<20} {r.get('algorithm', '')[:4]:<4} {r.get('schedule', '')[:6]:<6} "
            f"{r['gflop']:>6.3f} "
            f"{fmt(r.get('fn_ms'), '8.3f'):>8} {fmt(r.get('layer_ms'), '8.3f'):>8} "
            f"{fmt(r.get('torch_ms'), '8.3f'):>8} {fmt(r.get('ort_ms'), '8.3f'):>8} "
            f"{r['ours_gflops']:>6.1f} {fmt(peak, '5.0f'):>5} {fmt(bw, '4.0f'):>4} "
            f"{fmt(r.get('layer_vs_best_peer'), '8.2f'):>8} {fmt(r.get('fn_vs_torch'), '8.2f'):>8} "
            f"{r['max_rel_error']:>7.0e}")
    lines.append("-" * len(head))
    lines.append(
        "geometric means: layer vs faster peer "
        f"{geomean(r.get('layer_vs_best_peer') for r in rows):.2f}x"
        f", fn vs torch {geomean(r.get('fn_vs_torch') for r in rows):.2f}x"
        f", layer vs topi (untuned) {geomean(r.get('speed_vs_topi') for r in rows):.1f}x"
        "  (ratios > 1: ours is faster)")
    if peak_gflops:
        lines.append(f"fp32 peak (fastest of sgemm and oneDNN's 256->2048 3x3 deconvolution, "
                     f"same threads): {peak_gflops:.0f} GFLOP/s")
    if bandwidth_gbs:
        lines.append(f"copy bandwidth (256 MB, read + write): {bandwidth_gbs:.1f} GB/s; %bw: "
                     "memory-bound rows only (their bytes take longer than their "
                     "products; bytes that stay in cache can pass 100%)")
    return "\n".join(lines)


def main(args) -> int:
    ensure_environment(args.threads)
    if torch_available():
        import torch

        torch.set_num_threads(args.threads)
    else:
        print("note: PyTorch not installed (pip install -e '.[bench]'); no torch column",
              file=sys.stderr)
    from ..compiler.targets import as_target

    target = as_target(args.target)
    layers = load_layers(args.layers)
    if args.dtype != "float32":  # fp16 in, fp32 accumulate
        layers = [dataclasses.replace(layer, desc=layer.desc.replace(
            dtype=args.dtype, accum_dtype="float32")) for layer in layers]
    layers = select_layers(split_layers(layers, args.layers, args.split), args.only, "bench")
    print(f"target {target.export()}, {args.threads} threads, {args.rounds} rounds"
          f"{f', {args.split} part of {args.layers}' if args.split else ''}", flush=True)
    rows = []
    for layer in layers:
        row = bench_layer(layer, target, args.rounds, args.topi_limit, args.round_ms,
                          args.threads, use_tuned=not args.untuned,
                          pause_s=args.pause_ms / 1e3)
        rows.append(row)
        print(f"  {layer.name}: layer {row['layer_ms']:.3f} ms, fn {row['fn_ms']:.3f} ms"
              + "".join(f", {k} {row[k + '_ms']:.3f} ms" for k in ("torch", "ort", "topi")
                        if k + "_ms" in row), flush=True)
    peak, bandwidth = peak_gflops(args.threads), copy_bandwidth_gbs(args.threads)
    print(format_table(rows, peak, bandwidth))
    bad = [r["name"] for r in rows if not r["max_rel_error"] < 1e-3]
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"peak_gflops": peak, "copy_bandwidth_gbs": bandwidth,
                       "threads": args.threads, "rows": rows}, f,
                      indent=1)
    if bad:
        print(f"ERROR: results differ from the reference on {bad}", file=sys.stderr)
        return 1
    return 0
