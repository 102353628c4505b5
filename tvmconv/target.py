"""Compilation targets: the host CPU, detected once, and user-given target specs."""

from __future__ import annotations

import functools
import os


@functools.lru_cache(maxsize=None)
def host_target():
    """llvm target for this machine's CPU (its -mcpu, so AVX2/AVX-512 get used)."""
    import tvm
    from tvm.target import codegen

    spec = {"kind": "llvm", "mcpu": str(codegen.llvm_get_system_cpu()),
            "num-cores": os.cpu_count() or 1}
    return tvm.target.Target(spec)


def as_target(target=None):
    """A tvm Target from None (the host), a Target, a JSON-style dict, or 'llvm'/'cuda' etc."""
    import tvm

    if target is None or target == "host":
        return host_target()
    if isinstance(target, tvm.target.Target):
        return target
    if target == "llvm":
        return host_target()
    return tvm.target.Target(target)


def target_name(target) -> str:
    """A short filesystem-safe name for a target: llvm-znver4, cuda-sm_90, ..."""
    kind = target.kind.name
    attrs = target.attrs
    detail = attrs.get("mcpu") or attrs.get("arch") or ""
    return f"{kind}-{detail}" if detail else kind
