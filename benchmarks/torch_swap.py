"""tvmconv.torch.swap on pytorch/examples' DCGAN generator (nz=100, ngf=64), eval mode, no grad:
torch's own forward against the swapped model's, side by side in one process, alternating
rounds, medians. Run on an idle machine:

    TVM_THREAD_POOL_SPIN_COUNT=0 .venv/bin/python benchmarks/torch_swap.py [--threads 2]
"""

import argparse
import copy
import os
import statistics
import sys
import time

os.environ.setdefault("TVM_THREAD_POOL_SPIN_COUNT", "0")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=11)
    p.add_argument("--round-ms", type=float, default=100.0)
    p.add_argument("--batches", default="1,16")
    args = p.parse_args(argv)
    os.environ.setdefault("TVM_NUM_THREADS", str(args.threads))
    import torch

    import tvmconv.torch as tt
    from tvmconv.testing.models import dcgan_generator

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    eager = dcgan_generator().eval()
    swapped = tt.swap(copy.deepcopy(eager)).eval()
    print(f"DCGAN generator, {args.threads} threads, {args.rounds} alternating rounds, medians")
    print(f"{'batch':>5} {'torch ms':>9} {'tvmconv ms':>11} {'speed-up':>9} {'max |diff|':>11}")
    for batch in (int(b) for b in args.batches.split(",")):
        z = torch.randn(batch, 100, 1, 1)
        with torch.no_grad():
            diff = (swapped(z) - eager(z)).abs().max().item()
            calls = {}
            for name, model in (("torch", eager), ("tvmconv", swapped)):
                start = time.perf_counter()
                model(z)
                once = time.perf_counter() - start
                calls[name] = max(1, int(args.round_ms / 1e3 / max(once, 1e-6)))
            times = {"torch": [], "tvmconv": []}
            for _ in range(args.rounds):
                for name, model in (("torch", eager), ("tvmconv", swapped)):
                    time.sleep(0.05)  # the other's worker threads stop spinning
                    start = time.perf_counter()
                    for _ in range(calls[name]):
                        model(z)
                    times[name].append((time.perf_counter() - start) / calls[name] * 1e3)
        t, v = statistics.median(times["torch"]), statistics.median(times["tvmconv"])
        print(f"{batch:>5} {t:>9.3f} {v:>11.3f} {t / v:>8.2f}x {diff:>11.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
