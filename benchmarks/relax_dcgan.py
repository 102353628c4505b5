"""pytorch/examples' DCGAN generator (nz=100, ngf=64) through TVM Relax: exported with
torch.export, imported with tvm.relax.frontend.torch.from_exported_program, then compiled with
tvm.compile after tvmconv.relax.legalize (fused epilogues: BatchNorm folded, ReLU/Tanh in the
kernel; and unfused), or as it comes (TVM's stock legalization), against PyTorch eager; side
by side in one process, alternating rounds, medians. Idle machine:

    .venv/bin/python benchmarks/relax_dcgan.py [--threads 2] [--batches 1,16]
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TVM_THREAD_POOL_SPIN_COUNT", "0")


def _randomise_batchnorm(model, torch):
    """Running statistics and affine parameters away from 0/1, so a wrong fold would show."""
    gen = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2, generator=gen)
            m.running_var.uniform_(0.5, 2.0, generator=gen)
            m.weight.data.uniform_(0.5, 1.5, generator=gen)
            m.bias.data.uniform_(-0.2, 0.2, generator=gen)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--round-ms", type=float, default=150.0)
    p.add_argument("--batches", default="1,16")
    p.add_argument("--no-stock", action="store_true", help="skip TVM's stock legalization")
    args = p.parse_args(argv)
    os.environ.setdefault("TVM_NUM_THREADS", str(args.threads))
    import numpy as np
    import torch
    import tvm
    from tvm import relax
    from tvm.relax.frontend.torch import from_exported_program

    import tvmconv.relax
    from tvmconv.compiler.targets import as_target, target_name
    from tvmconv.testing.models import dcgan_generator

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = dcgan_generator().eval()
    with torch.no_grad():
        _randomise_batchnorm(model, torch)
    target = as_target(None)
    print(f"DCGAN generator, {target_name(target)}, {args.threads} threads, {args.rounds} "
          f"alternating rounds, medians (ms); error: max |out - torch| / max |torch|")
    print(f"{'batch':>5} {'torch':>9} {'tvmconv':>9} {'unfused':>9} {'stock':>9} "
          f"{'vs torch':>9} {'vs stock':>9} {'error':>9}")
    for batch in (int(b) for b in args.batches.split(",")):
        z = torch.randn(batch, 100, 1, 1)
        with torch.no_grad():
            expected = model(z).numpy()
        mod = from_exported_program(torch.export.export(model, (z,)))
        runs = {"torch": lambda z=z: model(z)}
        variants = [("tvmconv", tvmconv.relax.legalize(mod, target)),
                    ("unfused", tvmconv.relax.legalize(mod, target, fuse_epilogues=False))]
        if not args.no_stock:
            variants.append(("stock", mod))
        errors = {}
        for name, m in variants:
            vm = relax.VirtualMachine(tvm.compile(m, target), tvm.cpu())
            z_tvm = tvm.runtime.tensor(z.numpy())
            out = vm["main"](z_tvm)
            out = (out[0] if not hasattr(out, "numpy") else out).numpy()
            errors[name] = float(np.abs(out - expected).max() / np.abs(expected).max())
            runs[name] = (lambda vm=vm, z_tvm=z_tvm: vm["main"](z_tvm))
        calls, times = {}, {name: [] for name in runs}
        with torch.no_grad():
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                calls[name] = max(1, int(args.round_ms / 1e3 / max(time.perf_counter() - start,
                                                                   1e-6)))
            for _ in range(args.rounds):
                for name, run in runs.items():
                    time.sleep(0.05)
                    start = time.perf_counter()
                    for _ in range(calls[name]):
                        run()
                    times[name].append((time.perf_counter() - start) / calls[name] * 1e3)
        med = {name: statistics.median(t) for name, t in times.items()}
        stock = med.get("stock", float("nan"))
        print(f"{batch:>5} {med['torch']:>9.3f} {med['tvmconv']:>9.3f} {med['unfused']:>9.3f} "
              f"{stock:>9.3f} "
              f"{med['torch'] / med['tvmconv']:>8.2f}x {stock / med['tvmconv']:>8.1f}x "
              f"{errors['tvmconv']:>9.1e}" + (f"  (stock error {errors['stock']:.1e})"
                                             if "stock" in errors else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
