"""Compilation targets: the host CPU, detected once, user-given target specs, and what each
target kind needs besides its schedule rule (a device, a way to write libraries to disk)."""

from __future__ import annotations

import functools
import os


@functools.cache
def host_target():
    """llvm target for this machine's CPU (its -mcpu, so AVX2/AVX-512 get used)."""
    import tvm
    from tvm.target import codegen

    spec = {"kind": "llvm", "mcpu": str(codegen.llvm_get_system_cpu()),
            "num-cores": os.cpu_count() or 1}
    return tvm.target.Target(spec)


# What meta-schedule's GPU verifier needs and a bare {"kind": "cuda"} lacks (H100/A100 values).
CUDA_DEFAULTS = {"max_shared_memory_per_block": 49152, "max_threads_per_block": 1024,
                 "registers_per_block": 65536, "thread_warp_size": 32}
LIST_ATTRS = {"mattr", "libs", "keys"}


def parse_target_spec(spec: str) -> dict:
    """The JSON form of a command-line target string: "cuda -arch=sm_90" ->
    {"kind": "cuda", "arch": "sm_90"}; "llvm -mtriple=aarch64-linux-gnu -mattr=+neon" ->
    {"kind": "llvm", "mtriple": ..., "mattr": ["+neon"]}. TVM 0.27 parses only the JSON form."""
    tokens = spec.split()
    if not tokens or tokens[0].startswith("-"):
        raise ValueError(f"target {spec!r}: expected a kind first, e.g. 'cuda -arch=sm_90'")
    out: dict = {"kind": tokens[0]}
    for token in tokens[1:]:
        key, eq, value = token.lstrip("-").partition("=")
        if not token.startswith("-") or not key or not eq:
            raise ValueError(f"target {spec!r}: {token!r} is not of the form -key=value")
        if key in LIST_ATTRS:
            out[key] = value.split(",")
        else:
            out[key] = int(value) if value.lstrip("-").isdigit() else value
    return out


def as_target(target=None):
    """A tvm Target from None (the host), a Target, a JSON-style dict, a tag
    ("nvidia/nvidia-h100"), a command-line string ("cuda -arch=sm_90"), or 'llvm'/'cuda'."""
    import tvm

    if target is None or target == "host":
        return host_target()
    if isinstance(target, tvm.target.Target):
        return target
    if target == "llvm":
        return host_target()
    if isinstance(target, str) and not target.lstrip().startswith("{") and "/" not in target:
        target = parse_target_spec(target)
    if isinstance(target, dict) and target.get("kind") == "cuda":
        target = {**CUDA_DEFAULTS, **target}
    return tvm.target.Target(target)


def cuda_target_for(index: int):
    """The CUDA target of device `index` of this machine: its compute capability's arch."""
    import tvm

    device = tvm.cuda(index)
    if not device.exist:
        raise RuntimeError(f"CUDA device {index} is not available to TVM's runtime here "
                           "(no GPU, or no driver)")
    major, minor = str(device.compute_version).split(".")
    return as_target({"kind": "cuda", "arch": f"sm_{major}{minor}"})


def target_name(target) -> str:
    """A short filesystem-safe name for a target: llvm-znver4, cuda-sm_90, ..."""
    kind = target.kind.name
    attrs = target.attrs
    detail = attrs.get("mcpu") or attrs.get("arch") or ""
    return f"{kind}-{detail}" if detail else kind


def device_for(target):
    """The device a target's kernels run on (device 0 of its kind)."""
    import tvm

    return tvm.cpu(0) if target.kind.name == "llvm" else tvm.device(target.kind.name, 0)


def exporter(target):
    """How a compiled executable is written to disk: CUDA libraries carry nvcc fatbins (see
    cuda_binary.py), so loading them compiles nothing; other targets the TVM default (None)."""
    if target.kind.name != "cuda":
        return None
    from .cuda_binary import cuda_arch, export_library

    arch = cuda_arch(target)
    return lambda executable, path: export_library(executable, path, arch)
