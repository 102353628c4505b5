"""From a description to a callable kernel: schedule, compile (or hit the cache), wrap."""

from __future__ import annotations

import hashlib
import json
import warnings

from ..description import ConvTranspose2dDesc
from ..runtime.kernel import Kernel
from .cache import ModuleCache, cache_key, default_cache
from .targets import as_target, device_for, exporter, target_name

# How many kernels this process compiled (tests use it to prove a cache hit compiled nothing).
COMPILE_COUNT = 0


def rule_for_target(target):
    """The schedule rule of target; ValueError when tvmconv has none for it."""
    from ..schedules import rule_for

    rule = rule_for(target)
    if rule is None:
        raise ValueError(f"tvmconv has no schedule for target kind {target.kind.name!r}")
    return rule


def algorithm_for(desc: ConvTranspose2dDesc, target) -> str:
    """The compute of desc's kernel for target when no tuned record says otherwise: the
    target's rule decides ('gemm' or 'polyphase'; polyphase where it has no rule)."""
    from ..schedules import rule_for

    rule = rule_for(target)
    return rule.default_algorithm(desc, target) if rule is not None else "polyphase"


def schedule(desc: ConvTranspose2dDesc, target=None, tunable: bool = False,
             algorithm: str | None = None):
    """A tvm.s_tir.Schedule of desc's kernel for target, from the target's schedule rule.
    algorithm: the compute's ('polyphase', 'gemm'); default: algorithm_for(desc, target)."""
    from ..compute import prim_func

    target = as_target(target)
    rule = rule_for_target(target)
    algorithm = algorithm or rule.default_algorithm(desc, target)
    sch = rule.apply(prim_func(desc, algorithm), target, tunable)
    if sch is None:
        raise ValueError(f"the {target.kind.name} schedule rule does not apply to {desc.key} "
                         f"(computed by {algorithm}; it schedules {', '.join(rule.algorithms)})")
    return sch


def schedule_hash(mod) -> str:
    """Hash of a scheduled IRModule's text: changes whenever the schedule changes the code."""
    return hashlib.sha256(mod.script().encode()).hexdigest()[:16]


def compile_module(mod, target):
    """tvm.compile, counted."""
    import tvm

    global COMPILE_COUNT  # pylint: disable=global-statement
    COMPILE_COUNT += 1
    return tvm.compile(mod, target=target)


def build(desc: ConvTranspose2dDesc, target=None, cache: ModuleCache | None = None,
          use_tuned: bool = True, log_dirs=None, algorithm: str | None = None) -> Kernel:
    """The compiled kernel of `desc` for `target` (default: this CPU), cached.

    Its schedule: the best tuned record for desc in the tuning logs (tuning.records), else one
    transferred from a tuned sibling shape, else the target's default schedule; the kernel's
    `schedule_source` says which ('tuned', 'transferred', 'default'). log_dirs: search these
    tuning log directories instead of the standard ones. algorithm: force the compute
    ('polyphase' or 'gemm'; records of the other are then ignored)."""
    import tvm

    target = as_target(target)
    cache = cache if cache is not None else default_cache()
    main, source = main_schedule(desc, target, use_tuned, log_dirs, algorithm)
    try:
        module = _cached_module(desc, target, cache, main)
    except tvm.error.InternalError as err:
        if "verification failed" not in str(err):
            raise
        # TVM's LLVM code generator emits invalid IR ("Instruction does not dominate all uses")
        # for a few tiny shapes under the default schedule (seen: outputs 2-3 wide, several
        # phase stages); the unscheduled compute always builds.
        warnings.warn(f"tvmconv: the scheduled kernel for {desc.key} failed LLVM verification; "
                      "using the unscheduled compute", RuntimeWarning, stacklevel=2)
        module = _cached_module(desc, target, cache, None)
        source, main = "unscheduled", None
    from ..compute import algorithm_of

    return Kernel(desc, module, device=device_for(target), schedule_source=source,
                  algorithm=algorithm_of(main["main"]) if main is not None else "polyphase")


def main_schedule(desc: ConvTranspose2dDesc, target, use_tuned: bool = True, log_dirs=None,
                  algorithm: str | None = None):
    """(scheduled IRModule of desc's main function, its source: tuned/transferred/default)."""
    if use_tuned:
        from ..compute import algorithm_of
        from ..tuning.records import tuned_schedule

        tuned = tuned_schedule(desc, target, dirs=log_dirs)
        if tuned is not None and algorithm in (None, algorithm_of(tuned.schedule.mod["main"])):
            return tuned.schedule.mod, tuned.source
    return schedule(desc, target, algorithm=algorithm).mod, "default"


# Kernels this process has built, by (description, target): the front ends' second call with
# the same shapes costs a dict lookup, not a schedule and a cache probe.
_KERNELS: dict = {}


def kernel_for(desc: ConvTranspose2dDesc, target=None) -> Kernel:
    """build(desc, target), memoised for the life of the process."""
    key = (desc, None if target is None else str(target))
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = build(desc, target)
    return kernel


def kernel_module(desc: ConvTranspose2dDesc, target, main_mod=None):
    """The IRModule a kernel library holds: `main` (scheduled, or the bare compute when main_mod
    is None) and, when main's compute needs desc's weight packed, `pack_weight`."""
    import tvm
    from tvm import s_tir

    from ..compute import algorithm_of, pack_weight_func, prim_func

    funcs = {"main": main_mod["main"] if main_mod is not None else prim_func(desc)}
    pack = pack_weight_func(desc, algorithm_of(funcs["main"]))
    if pack is not None:
        sch = rule_for_target(target).schedule_pack_weight(s_tir.Schedule(pack), target)
        funcs["pack_weight"] = sch.mod["main"]
    return tvm.IRModule(funcs)


def _cached_module(desc, target, cache: ModuleCache, main_mod):
    import tvm

    mod = kernel_module(desc, target, main_mod)
    digest = cache_key(desc.key, json.dumps(target.export(), sort_keys=True, default=str),
                       tvm.__version__, schedule_hash(mod))
    return cache.get_or_build(target_name(target), desc.key, digest,
                              lambda: compile_module(mod, target), export=exporter(target))
