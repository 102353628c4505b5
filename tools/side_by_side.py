"""Timing helpers the tools/ scripts share: a scheduled kernel ready to run, and competitors
timed side by side (alternating rounds, each ~0.25 s a round, 50 ms apart, medians in ms).
Run on an idle machine (see the README's Benchmark section)."""

from __future__ import annotations

import statistics
import time

from tvmconv.tools.bench import time_batch_ms


def kernel_runner(desc, sch, algorithm: str, inputs):
    """A no-argument callable running desc's kernel scheduled by sch (a Schedule of
    prim_func(desc, algorithm)) on inputs = (x, w, bias), after checking its result against
    the float64 reference."""
    import tvm

    from tvmconv.compiler.builder import compile_module, kernel_module, rule_for_target
    from tvmconv.compiler.targets import as_target, device_for
    from tvmconv.runtime.kernel import Kernel
    from tvmconv.testing.reference import max_relative_error

    target = as_target(None)
    x, w, b = inputs
    kernel = Kernel(desc, compile_module(kernel_module(desc, target, sch.mod), target),
                    device=device_for(target), algorithm=algorithm,
                    argument_alignment=rule_for_target(target).argument_alignment(desc.dtype))
    assert max_relative_error(desc, kernel(x, w, b), x, w, b) < 1e-3, algorithm
    out = tvm.runtime.empty(desc.output_shape, desc.dtype, kernel.device)
    args = kernel.arguments(tvm.runtime.tensor(x, kernel.device), bias=None,
                            packed_weight=kernel.pack_weight(w))
    return lambda: kernel.run_packed(args, out)


def torch_runner(desc, inputs):
    """A no-argument callable running PyTorch's conv_transpose2d of desc on inputs."""
    import torch

    from tvmconv.tools.baselines import torch_conv_transpose2d

    run = torch_conv_transpose2d(desc)
    tx, tw = torch.from_numpy(inputs[0]), torch.from_numpy(inputs[1])
    return lambda: run(tx, tw, None)


def default_runner(desc, algorithm: str, inputs):
    """kernel_runner of desc's `algorithm` compute under this CPU's default schedule."""
    from tvm import s_tir

    from tvmconv.compiler.builder import rule_for_target
    from tvmconv.compiler.targets import as_target
    from tvmconv.compute import prim_func

    target = as_target(None)
    sch = rule_for_target(target).schedule(s_tir.Schedule(prim_func(desc, algorithm)), target,
                                           False)
    return kernel_runner(desc, sch, algorithm, inputs)


def alternate(competitors: dict, rounds: int) -> dict:
    """{name: median ms per call} of competitors ({name: callable}) timed in alternating
    rounds."""
    calls = {}
    for name, fn in competitors.items():
        fn()
        start = time.perf_counter()
        fn()
        calls[name] = max(1, min(500, int(0.25 / max(time.perf_counter() - start, 1e-5))))
    samples = {name: [] for name in competitors}
    for _ in range(rounds):
        for name, fn in competitors.items():
            time.sleep(0.05)
            samples[name].append(time_batch_ms(fn, calls[name]))
    return {name: round(statistics.median(v), 3) for name, v in samples.items()}
