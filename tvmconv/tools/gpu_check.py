"""The GPU job: check, tune and benchmark the suite on a CUDA device, writing under --out.

    python -m tvmconv.tools.gpu_check check --out $OUT     # every layer vs float64, fp32 + fp16
    python -m tvmconv.tools.gpu_check tune --out $OUT --trials 64 --budget-min 8  # resumable
    python -m tvmconv.tools.gpu_check bench --out $OUT     # tuned vs torch (cuDNN), side by side
    python -m tvmconv.tools.gpu_check surfaces --out $OUT  # the front ends on CUDA tensors
    python -m tvmconv.tools.gpu_check all --out $OUT --dry-run  # the same plumbing on this CPU

Each phase writes its results to --out (check.json, bench.json, bench.md, the tuning database
in tuning_logs/<target>/), so a device session of several short calls can run them one at a
time and carry the database from call to call. --dry-run runs everything on the CPU (llvm,
the tiny suite, wall-clock timing) to test the script where no GPU is.

Benchmark method: the same input tensors for both competitors, several input buffers used in
rotation (no competitor gets a warm L2 from the previous call), CUDA events around a batch of
calls, a warm-up batch first, competitors alternated in rounds, medians reported with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROTATE = 4  # input buffers used in rotation when timing


def _target(args):
    from ..compiler.targets import as_target

    return as_target("llvm" if args.dry_run else args.target)


def _layers(args, dtype="float32"):
    import dataclasses

    from ..layers import load_layers, select_layers

    layers = select_layers(load_layers("tiny" if args.dry_run else args.layers), args.only,
                           "gpu_job")
    return [dataclasses.replace(layer, desc=layer.desc.replace(dtype=dtype)) for layer in layers]


def _device_inputs(desc, seed, dry_run):
    """(x, w, b) as torch tensors on the GPU (NumPy arrays in a dry run) and as NumPy."""
    from ..testing.inputs import random_inputs

    host = random_inputs(desc, seed)
    if dry_run:
        return host, host
    import torch

    return [None if a is None else torch.from_numpy(a).cuda() for a in host], host


def check(args) -> dict:
    """Every layer, fp32 and fp16 (fp32 accumulation), against the float64 reference on fresh
    random data; the output buffer poisoned with NaN first, so an unwritten element fails."""
    from ..compiler.builder import build
    from ..testing.reference import max_scaled_error

    target, results = _target(args), []
    for dtype, tol in (("float32", 1e-4), ("float16", 5e-3)):
        for layer in _layers(args, dtype):
            desc = layer.desc
            kernel = build(desc, target, log_dirs=[_log_dir(args, target)])
            dev, host = _device_inputs(desc, seed=len(results) + 11, dry_run=args.dry_run)
            if args.dry_run:
                got = kernel(*dev).astype("float64")
            else:
                out = _poisoned_output(desc, kernel)
                kernel(*dev, out=out)
                got = out.numpy().astype("float64")
            err = max_scaled_error(desc, got, *host)
            ok = bool(err <= tol)  # False for NaN: an unwritten element
            results.append({"layer": layer.name, "dtype": dtype, "max_scaled_error": err,
                            "ok": ok, "schedule": kernel.schedule_source})
            print(f"check {layer.name:<20} {dtype:<8} {kernel.schedule_source:<11} "
                  f"err {err:.2e} {'ok' if ok else 'FAIL'}", flush=True)
    _write(args, "check.json", results)
    return {"ok": all(r["ok"] for r in results), "rows": results}


def surfaces(args) -> dict:
    """The front ends on torch CUDA tensors (CPU tensors in a dry run): mint's functional,
    MindSpore's nn layer and tvmconv.torch's op against torch's conv_transpose2d on the same
    device, the result checked to be on the input's device."""
    import numpy as np
    import torch

    import tvmconv.torch  # noqa: F401  (registers torch.ops.tvmconv)

    from ..mint.nn.functional import conv_transpose2d as mint_conv
    from ..nn import Conv2dTranspose

    device = "cpu" if args.dry_run else "cuda"
    results = []
    for layer in _layers(args):
        d = layer.desc
        if d.layout != "NCHW" or d.pad_top != d.pad_bottom or d.pad_left != d.pad_right:
            continue
        gen = torch.Generator().manual_seed(len(results) + 3)
        x = torch.randn(d.input_shape, generator=gen).to(device)
        w = torch.randn(d.weight_shape, generator=gen).to(device)
        pairs = dict(stride=(d.stride_h, d.stride_w), padding=(d.pad_top, d.pad_left),
                     output_padding=(d.output_padding_h, d.output_padding_w),
                     groups=d.groups, dilation=(d.dilation_h, d.dilation_w))
        want = torch.nn.functional.conv_transpose2d(x, w, None, **pairs).double().cpu()
        nn_layer = Conv2dTranspose(d.in_channels, d.out_channels, (d.kernel_h, d.kernel_w),
                                   stride=pairs["stride"], pad_mode="pad",
                                   padding=(d.pad_top, d.pad_bottom, d.pad_left, d.pad_right),
                                   dilation=pairs["dilation"], group=d.groups)
        nn_layer.weight = w.cpu().numpy()
        got = {"mint": mint_conv(x, w, None, **pairs),
               "torch_op": torch.ops.tvmconv.conv_transpose2d(
                   x, w, None, list(pairs["stride"]), list(pairs["padding"]),
                   list(pairs["output_padding"]), d.groups, list(pairs["dilation"]))}
        if d.output_padding_h == d.output_padding_w == 0:  # MindSpore's nn has none
            got["nn"] = nn_layer(x)
        scale = float(want.abs().max()) or 1.0
        for name, y in got.items():
            err = float((y.double().cpu() - want).abs().max()) / scale
            ok = bool(err <= 1e-4) and y.device.type == device and not np.isnan(err)
            results.append({"layer": layer.name, "surface": name, "max_scaled_error": err,
                            "device": str(y.device), "ok": ok})
            print(f"surfaces {layer.name:<20} {name:<9} {y.device} err {err:.2e} "
                  f"{'ok' if ok else 'FAIL'}", flush=True)
    _write(args, "surfaces.json", results)
    return {"ok": all(r["ok"] for r in results), "rows": results}


def _poisoned_output(desc, kernel):
    import numpy as np
    import tvm

    return tvm.runtime.tensor(np.full(desc.output_shape, np.nan, dtype=desc.dtype),
                              kernel.device)


def _log_dir(args, target) -> Path:
    from ..compiler.targets import target_name

    return Path(args.out) / "tuning_logs" / target_name(target)


def tune(args) -> None:
    """meta-schedule + XGBoost over our design space, resumable, within --budget-min."""
    from ..tuning.job import format_reports, run_job

    target = _target(args)
    deadline = time.time() + args.budget_min * 60 if args.budget_min else None
    reports = run_job(_layers(args), target, _log_dir(args, target), trials=args.trials,
                      trials_per_iter=args.per_batch, deadline=deadline,
                      emit=lambda line: print(line, flush=True), time_results=False)
    print(format_reports(reports), flush=True)


def bench(args) -> list:
    """Tuned (or default) tvmconv kernels vs torch.nn.functional.conv_transpose2d."""
    from ..compiler.builder import build

    target, rows = _target(args), []
    for dtype in args.dtypes.split(","):
        for layer in _layers(args, dtype):
            desc = layer.desc
            kernel = build(desc, target, log_dirs=[_log_dir(args, target)])
            sets = [_device_inputs(desc, seed=s, dry_run=args.dry_run)[0]
                    for s in range(ROTATE)]
            packed = [kernel.pack_weight(w) for _, w, _ in sets]
            ours = _ours(kernel, sets, packed)
            theirs = _torch(desc, sets, args.dry_run)
            times = {"tvmconv": [], "torch": []}
            for _ in range(args.rounds):  # alternate, then medians
                for name, fn in (("tvmconv", ours), ("torch", theirs)):
                    if fn is not None:
                        times[name].append(_time_ms(fn, args.dry_run))
            med = {k: statistics.median(v) if v else None for k, v in times.items()}
            row = {"layer": layer.name, "dtype": dtype, "schedule": kernel.schedule_source,
                   "tvmconv_ms": med["tvmconv"], "torch_ms": med["torch"],
                   "useful_gflops": desc.flops / med["tvmconv"] / 1e6,
                   "speedup_vs_torch": (med["torch"] / med["tvmconv"]) if med["torch"] else None}
            rows.append(row)
            print(f"bench {layer.name:<20} {dtype:<8} {row['schedule']:<11} "
                  f"tvmconv {med['tvmconv']:.4f} ms  torch "
                  f"{med['torch'] if med['torch'] is not None else float('nan'):.4f} ms  "
                  f"x{row['speedup_vs_torch'] or float('nan'):.2f}", flush=True)
    _write(args, "bench.json", rows)
    _write_markdown(args, rows)
    return rows


def _ours(kernel, sets, packed):
    d = kernel.desc
    outs = [kernel._empty(d.output_shape) for _ in sets]  # pylint: disable=protected-access
    args = [kernel.arguments(x, bias=b, packed_weight=p) for (x, _, b), p in zip(sets, packed)]
    state = {"i": 0}

    def call():
        i = state["i"] = (state["i"] + 1) % len(sets)
        kernel.run_packed(args[i], outs[i])
    return call


def _torch(desc, sets, dry_run):
    """torch's conv_transpose2d on the same tensors (NCHW, symmetric pads only)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    if desc.layout != "NCHW" or desc.pad_top != desc.pad_bottom or \
            desc.pad_left != desc.pad_right:
        return None
    tsets = [[None if a is None else (torch.from_numpy(a) if dry_run else a) for a in s]
             for s in sets]
    state = {"i": 0}

    def call():
        i = state["i"] = (state["i"] + 1) % len(tsets)
        x, w, b = tsets[i]
        F.conv_transpose2d(x, w, b, stride=(desc.stride_h, desc.stride_w),
                           padding=(desc.pad_top, desc.pad_left),
                           output_padding=(desc.output_padding_h, desc.output_padding_w),
                           groups=desc.groups, dilation=(desc.dilation_h, desc.dilation_w))
    return call


def _time_ms(fn, dry_run, target_ms=20.0) -> float:
    """Per-call ms of a batch sized to ~target_ms (CUDA events on the GPU), after a warm-up."""
    if dry_run:
        fn()
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < target_ms / 1e3:
            fn()
            n += 1
        return (time.perf_counter() - start) * 1e3 / n
    import torch

    fn()
    torch.cuda.synchronize()
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    fn()
    end.record()
    end.synchronize()
    n = max(1, min(2000, int(target_ms / max(begin.elapsed_time(end), 1e-3))))
    for _ in range(3):  # warm-up
        fn()
    begin.record()
    for _ in range(n):
        fn()
    end.record()
    end.synchronize()
    return begin.elapsed_time(end) / n


def _write(args, name, data):
    path = Path(args.out) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


def _write_markdown(args, rows):
    lines = ["| layer | dtype | schedule | tvmconv ms | torch ms | tvmconv/torch speed | GFLOP/s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        torch_ms = f"{r['torch_ms']:.4f}" if r["torch_ms"] else "-"
        speed = f"{r['speedup_vs_torch']:.2f}" if r["speedup_vs_torch"] else "-"
        lines.append(f"| {r['layer']} | {r['dtype']} | {r['schedule']} | {r['tvmconv_ms']:.4f} "
                     f"| {torch_ms} | {speed} | {r['useful_gflops']:.0f} |")
    for dtype in sorted({r["dtype"] for r in rows}):
        ratios = [r["speedup_vs_torch"] for r in rows
                  if r["dtype"] == dtype and r["speedup_vs_torch"]]
        if ratios:
            geo = statistics.geometric_mean(ratios)
            lines.append(f"\n{dtype}: geometric mean speed vs torch {geo:.2f}x over "
                         f"{len(ratios)} layers")
    (Path(args.out) / "bench.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tvmconv.tools.gpu_check", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("phase", choices=["check", "tune", "bench", "surfaces", "all"])
    p.add_argument("--out", default=os.environ.get("OUT", "gpu-job-out"))
    p.add_argument("--target", default="cuda -arch=sm_90")
    p.add_argument("--layers", default="suite")
    p.add_argument("--only", help="comma-separated layer names")
    p.add_argument("--trials", type=int, default=64)
    p.add_argument("--per-batch", type=int, default=32)
    p.add_argument("--budget-min", type=float, default=8.0)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--dtypes", default="float32,float16")
    p.add_argument("--dry-run", action="store_true", help="on this CPU: llvm, tiny suite")
    args = p.parse_args(argv)
    ok = True
    if args.phase in ("check", "all"):
        ok = check(args)["ok"]
    if args.phase in ("surfaces", "all"):
        ok = surfaces(args)["ok"] and ok
    if args.phase in ("tune", "all"):
        tune(args)
    if args.phase in ("bench", "all"):
        bench(args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
