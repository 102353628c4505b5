"""CUDA kernels without a GPU: the schedules' arithmetic checked on the CPU
(tvmconv.testing.emulate), the design space's samples through meta-schedule's GPU postprocessors
and nvcc, and the whole suite compiled to fatbins for sm_80 and sm_90 with shared-memory staging
in every phase kernel. Running them is the device script's job (tvmconv/tools/gpu_check.py)."""

import os
import sys

import numpy as np
import pytest
import tvm
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import descriptions

from tvmconv.compiler.targets import as_target, parse_target_spec
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.layers import load_layers
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference

EXAMPLES = int(os.environ.get("TVMCONV_TEST_EXAMPLES", "300")) // 5
CUDA = "cuda -arch=sm_90"


def emulated_kernel(desc, sch):
    """desc's kernel as CUDA schedule `sch` computes it, built for this CPU."""
    import tvm

    from tvmconv.compiler.builder import kernel_module
    from tvmconv.compute import prim_func
    from tvmconv.runtime.kernel import Kernel
    from tvmconv.testing.emulate import emulate_on_cpu

    cpu = tvm.target.Target("llvm")
    mod = kernel_module(desc, cpu, emulate_on_cpu(sch, prim_func(desc)))
    return Kernel(desc, tvm.compile(mod, target=cpu).jit(), tvm.cpu(0))


def check_emulated(desc, sch, seed):
    import tvm

    kernel = emulated_kernel(desc, sch)
    x, w, b = random_inputs(desc, seed)
    out = tvm.runtime.tensor(np.full(desc.output_shape, np.nan, dtype=desc.dtype))
    kernel(x, w, b, out=out)
    assert_matches_reference(desc, out.numpy(), x, w, b)


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(desc=descriptions(("float32", "float16")), seed=st.integers(0, 2**31 - 1))
def test_default_schedule_arithmetic(desc, seed):
    """Covers TVM #19524's trigger too (output_padding > 0): the descriptions draw it."""
    from tvmconv.compiler.builder import schedule

    check_emulated(desc, schedule(desc, as_target(CUDA)), seed)


@pytest.mark.slow
@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
@given(desc=descriptions(), seed=st.integers(1, 2**31 - 1))
def test_design_space_samples_arithmetic(desc, seed):
    """Sampled tile sizes (the tuner's candidates) compute the same thing."""
    from tvm import s_tir

    from tvmconv.compute import prim_func
    from tvmconv.schedules import rule_for

    target = as_target(CUDA)
    sch = rule_for(target).design_spaces(s_tir.Schedule(prim_func(desc), seed=seed), target)[0]
    try:
        check_emulated(desc, sch, seed)
    except tvm.error.InternalError as err:  # TVM cannot lower the candidate: not arithmetic
        assume("Divide by zero" not in str(err))  # (test_a_candidate_tvm_cannot_lower)
        raise


@pytest.mark.xfail(strict=True, reason="TVM 0.27's FlattenBuffer divides by zero lowering this "
                                       "sampled candidate of a 1-wide output (emulated on the "
                                       "CPU); tuning would count it a failed trial")
def test_a_candidate_tvm_cannot_lower(monkeypatch):
    from tvm import s_tir

    from tvmconv.compute import phases, prim_func
    from tvmconv.schedules import rule_for

    monkeypatch.setattr(phases, "BAND_MIN_WASTE", 1.0)  # (the whole axis: cut, it lowers)
    desc = ConvTranspose2dDesc(batch=2, in_channels=1, out_channels=1, height=1, width=1,
                               kernel_h=2, kernel_w=2, stride_w=2, pad_left=1)
    target = as_target(CUDA)
    sch = rule_for(target).design_spaces(s_tir.Schedule(prim_func(desc), seed=1), target)[0]
    check_emulated(desc, sch, 1)


@pytest.mark.slow
def test_design_space_samples_build_with_threads_bound():
    """Every sample that passes meta-schedule's CUDA postprocessors builds: the space binds
    blocks and threads itself (PRs #18159/#18545: tasks ending without thread binding)."""
    import tvm
    from tvm import s_tir
    from tvm.s_tir import meta_schedule as ms

    from tvmconv.compute import prim_func
    from tvmconv.schedules import rule_for
    from tvmconv.tuning.space import design_space

    target = as_target(CUDA)
    for layer in load_layers("suite")[:4] + load_layers("tiny"):
        func = prim_func(layer.desc)
        ctx = ms.TuneContext(mod=tvm.IRModule({"main": func}), target=target,
                             space_generator=design_space(target), task_name=layer.name)
        ctx.generate_design_space()
        built = 0
        for seed in range(1, 5):
            sch = rule_for(target).design_spaces(s_tir.Schedule(func, seed=seed), target)[0]
            if all(p.apply(sch) for p in ctx.space_generator.postprocs):
                script = sch.mod.script()
                assert "blockIdx.x" in script and "threadIdx.x" in script
                tvm.compile(sch.mod, target=target)
                built += 1
        assert built > 0, f"{layer.name}: no sample passed the GPU postprocessors"


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_suite_compiles_to_device_code(tmp_path, arch):
    """The whole benchmark suite, compiled here with nvcc for `arch`: one fatbin, every
    layer's kernels in it, each phase kernel staging through shared memory within limits."""
    from tvmconv.package.compile import compile_package

    layers = load_layers("suite")
    manifest = compile_package(layers, f"cuda -arch={arch}", tmp_path, use_tuned=False,
                               progress=lambda *_: None)
    (module,) = manifest["device_code"]
    assert module["format"] == "fatbin" and module["arch"] == arch and module["bytes"] > 0
    usage = module["kernels"]
    for entry in manifest["kernels"]:
        assert entry["schedule"] == "default"
        mine = {k: v for k, v in usage.items() if k.startswith(entry["entry"] + "_kernel")}
        assert mine, f"{entry['layer']}: no device kernel in the fatbin"
        staged = [v for v in mine.values() if v["smem_bytes"] > 0]
        assert staged, f"{entry['layer']}: no kernel stages through shared memory (naive?)"
        for name, v in mine.items():
            assert v["smem_bytes"] <= 48 * 1024, (name, v)
            assert v["registers"] <= 255 and v["spill_bytes"] <= 256, (name, v)


def test_target_strings():
    assert parse_target_spec("cuda -arch=sm_80") == {"kind": "cuda", "arch": "sm_80"}
    assert parse_target_spec("llvm -mtriple=aarch64-linux-gnu -mattr=+neon,+v8.2a") == {
        "kind": "llvm", "mtriple": "aarch64-linux-gnu", "mattr": ["+neon", "+v8.2a"]}
    target = as_target("cuda -arch=sm_90")
    assert int(target.attrs["max_shared_memory_per_block"]) == 49152
    with pytest.raises(ValueError, match="-key=value"):
        parse_target_spec("cuda arch=sm_90")
    with pytest.raises(ValueError, match="kind first"):
        parse_target_spec("-arch=sm_90")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


@pytest.mark.slow
def test_tuning_builder_exports_cuda_candidates_with_device_code():
    """The tuner's builder compiles CUDA candidates with nvcc in its own workers, so the
    runner on the GPU machine loads binaries (no NVRTC, no compiler there)."""
    from tvm.s_tir import meta_schedule as ms

    from tvmconv.compiler.builder import schedule
    from tvmconv.tuning.job import builder

    target = as_target(CUDA)
    desc = load_layers("tiny")[0].desc
    (result,) = builder(2, target).build([ms.builder.BuilderInput(schedule(desc, target).mod,
                                                                  target)])
    assert result.error_msg is None, result.error_msg
    data = open(result.artifact_path, "rb").read()
    assert b"fatbin" in data and os.path.getsize(result.artifact_path) > 10_000


def test_gpu_job_dry_run(tmp_path):
    """The device script's check and bench phases, on this CPU (llvm, tiny suite)."""
    import json

    from tvmconv.tools.gpu_check import main

    assert main(["check", "--dry-run", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "check.json").read_text())
    assert len(rows) == 4 and all(r["ok"] for r in rows)
    assert main(["bench", "--dry-run", "--out", str(tmp_path), "--rounds", "2",
                 "--dtypes", "float32"]) == 0
    assert "| tiny_s2 | float32 |" in (tmp_path / "bench.md").read_text()
