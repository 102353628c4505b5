"""Run a CUDA schedule on the CPU: a check of its loop and index arithmetic without a GPU.

A TIR schedule's thread bindings and memory scopes do not change what the program computes
(every block's semantics is that of its loop nest run serially: a cooperative fetch bound to
threadIdx fetches the whole tile in each serial iteration). So replaying a CUDA schedule's
trace without its ``Bind`` instructions, with ``shared``/``local`` caches in ``global`` memory,
gives an llvm program with the same tiles, splits, predicates, staged windows and write-backs:
wrong tile arithmetic, a window that misses a tap or an unwritten output shows up as a wrong
result. What it cannot catch: races and missing barriers, and resource limits (checked
separately by TVM's GPU verifier on the real build).
"""

from __future__ import annotations


def emulate_on_cpu(sch, func):
    """An llvm-buildable IRModule computing what CUDA schedule `sch` of `func` computes."""
    from tvm import s_tir
    from tvm.s_tir.schedule import Instruction, Trace

    trace = sch.trace
    insts, decisions = [], {}
    for inst in trace.insts:
        kind = inst.kind.name
        if kind == "Bind":
            continue
        if kind in ("CacheRead", "CacheWrite") and str(inst.attrs[1]) != "global":
            attrs = list(inst.attrs)
            attrs[1] = "global"
            inst = Instruction(inst.kind, inst.inputs, attrs, inst.outputs)
        elif kind == "SetScope":
            inst = Instruction(inst.kind, inst.inputs, [inst.attrs[0], "global"], inst.outputs)
        if inst in trace.decisions:
            decisions[inst] = trace.decisions[inst]
        insts.append(inst)
    cpu = s_tir.Schedule(func)
    Trace(insts, decisions).apply_to_schedule(cpu, remove_postproc=False)
    return cpu.mod
