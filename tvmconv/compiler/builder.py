"""From a description to a callable kernel: schedule, compile (or hit the cache), wrap."""

from __future__ import annotations

import hashlib
import json
import re
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

    Its schedule: the best tuned record for desc in the tuning logs (tuning.records), else the
    choices of a near tuned layer (tuning.lenders), else the target's default schedule; the
    kernel's `schedule_source` says which ('tuned', 'transferred', 'default'). log_dirs:
    search these tuning log directories instead of the standard ones. algorithm: force the compute
    ('polyphase' or 'gemm'; records of the other are then ignored).

    For the host target and the default algorithm, a kernel built before (by any process) is
    loaded without scheduling, TVM's compiler or the tuning database: see warm_start.py."""
    cache = cache if cache is not None else default_cache()
    warm = target is None and algorithm is None
    if warm:
        kernel = _warm_start(desc, cache, use_tuned, log_dirs)
        if kernel is not None:
            return kernel
    import tvm

    target = as_target(target)
    main, source = main_schedule(desc, target, use_tuned, log_dirs, algorithm)
    try:
        module, library = _cached_module(desc, target, cache, main, source)
    except tvm.error.InternalError as err:
        if "verification failed" not in str(err):
            raise
        # TVM's LLVM code generator emits invalid IR ("Instruction does not dominate all uses")
        # for a few tiny shapes under the default schedule (seen: outputs 2-3 wide, several
        # phase stages); the unscheduled compute always builds.
        warnings.warn(f"tvmconv: the scheduled kernel for {desc.key} failed LLVM verification; "
                      "using the unscheduled compute", RuntimeWarning, stacklevel=2)
        module, library = _cached_module(desc, target, cache, None)
        source, main = "unscheduled", None
    from ..compute import algorithm_of

    facts = {"schedule_source": source,
             "algorithm": algorithm_of(main["main"]) if main is not None else "polyphase",
             "argument_alignment": argument_alignment(desc, target)}
    if warm:
        _file_warm_link(desc, target, cache, use_tuned, log_dirs, library, facts)
    return Kernel(desc, module, device=device_for(target), library=library, **facts)


def argument_alignment(desc: ConvTranspose2dDesc, target) -> int:
    """What desc's kernel for target assumes of its argument pointers (see kernel_module)."""
    from ..runtime.tensors import ALIGNMENT

    return rule_for_target(target).argument_alignment(desc.dtype) or ALIGNMENT


def _warm_start(desc: ConvTranspose2dDesc, cache: ModuleCache, use_tuned: bool, log_dirs):
    """desc's host kernel from a link a full build filed, loaded with TVM's runtime only; None
    when there is none for today's facts (see warm_start.py)."""
    from . import warm_start

    host = warm_start.known_host_target(cache.root)
    if host is None:
        return None
    target_text, name = host
    identity = _schedule_identity(desc, name, use_tuned, log_dirs)
    if identity is None:
        return None
    link = warm_start.read_link(cache.root, name,
                                warm_start.warm_key(desc.key, target_text, identity))
    module = cache.load_runtime_only(name, link["library"]) if link is not None else None
    if module is None:
        return None
    import tvm_ffi

    return Kernel(desc, module, device=tvm_ffi.device("cpu", 0),
                  library=cache.root / name / link["library"], **link["facts"])


def _file_warm_link(desc, target, cache: ModuleCache, use_tuned: bool, log_dirs, library,
                    facts: dict) -> None:
    """After a full host build: remember the host target and link the library under the
    warm key, so that the next process starts warm."""
    from . import warm_start

    if library is None:  # a memory-only cache
        return
    target_text = _target_json(target)
    warm_start.remember_host_target(cache.root, target_text, target_name(target))
    identity = _schedule_identity(desc, target_name(target), use_tuned, log_dirs)
    if identity is None:  # a user's log without a current index (an older tvmconv tuned it)
        _index_users_logs(target_name(target), log_dirs)
        identity = _schedule_identity(desc, target_name(target), use_tuned, log_dirs)
    if identity is not None:
        key = warm_start.warm_key(desc.key, target_text, identity)
        warm_start.write_link(cache.root, target_name(target), key, library, facts)


def _index_users_logs(name: str, log_dirs) -> None:
    """Write the missing or stale index of every log directory a build searches, except the
    committed ones (a checkout's are kept by tvmconv tune and a test; a wheel's are read-only):
    this process has parsed their databases already."""
    from ..tuning.records import PROJECT_LOGS, read_index, search_dirs, write_index

    for log_dir in search_dirs(name, log_dirs):
        if log_dir.resolve().parent != PROJECT_LOGS.resolve() and read_index(log_dir) is None:
            try:
                write_index(log_dir)
            except OSError:
                pass


def _schedule_identity(desc, name: str, use_tuned: bool, log_dirs) -> str | None:
    """Which tuned record desc's build uses, from the log indexes (None: unknown)."""
    if not use_tuned:
        return "default"
    from ..tuning.records import schedule_identity, search_dirs

    return schedule_identity(desc, search_dirs(name, log_dirs))


def _target_json(target) -> str:
    return json.dumps(target.export(), sort_keys=True, default=str)


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

    rule = rule_for_target(target)
    funcs = {"main": main_mod["main"] if main_mod is not None else prim_func(desc)}
    pack = pack_weight_func(desc, algorithm_of(funcs["main"]))
    if pack is not None:
        funcs["pack_weight"] = rule.schedule_pack_weight(s_tir.Schedule(pack), target).mod["main"]
    align = rule.argument_alignment(desc.dtype)
    if align is not None:
        funcs = {name: with_argument_alignment(func, align) for name, func in funcs.items()}
    return tvm.IRModule(funcs)


_SIGNATURE_BUFFER = re.compile(r'(T\.Buffer\(\([^()]*\), "\w+")(?:, align=\d+)?\)')


def with_argument_alignment(func, align: int):
    """func with its input buffers declared `align`-byte aligned (TVM declares 64; the output,
    which tvmconv allocates, keeps that): the code then assumes only `align` of the caller's
    inputs, so user arrays of any alignment are used in place. (TIR's Specialize refuses to
    change an alignment, so the signature is rewritten in the function's TVMScript and parsed
    back; the body is untouched.)"""
    import tvm

    text = func.script()
    head, sep, body = text.partition("):\n")
    if "def main(" not in head and "def pack_weight(" not in head:
        raise ValueError("unexpected TVMScript signature: " + head[-200:])
    inputs = len(func.params) - 1  # the last is the output, which tvmconv allocates itself
    head, count = _SIGNATURE_BUFFER.subn(rf"\1, align={align})", head, count=inputs)
    if count != inputs:
        raise ValueError(f"rewrote {count} of {inputs} input buffers")
    return tvm.script.from_source(head + sep + body)


def _cached_module(desc, target, cache: ModuleCache, main_mod, source: str = "unscheduled"):
    """(module, its library path in the cache, None when the cache is in memory only)."""
    import tvm

    mod = kernel_module(desc, target, main_mod)
    digest = cache_key(desc.key, _target_json(target), tvm.__version__, schedule_hash(mod))
    module = cache.get_or_build(target_name(target), desc.key, digest,
                                lambda: compile_module(mod, target), export=exporter(target),
                                info={"schedule_source": source})
    library = cache.library_path(target_name(target), desc.key, digest)
    return module, (library if library.exists() else None)
