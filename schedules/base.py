"""What every tvmconv schedule rule shares: recognising tvmconv kernels, and dlight's apply()."""

from __future__ import annotations

import json

from tvm import s_tir, tirx
from tvm.s_tir.dlight import ScheduleRule
from tvm.target import Target

from ..compute import algorithm_of
from .choices import Choices


def kernel_description(sch: s_tir.Schedule) -> dict:
    """The description fields (ConvTranspose2dDesc.to_dict) of the kernel sch holds."""
    return json.loads(str(sch.mod["main"].attrs["tvmconv.desc"]))


def is_tvmconv_kernel(func: tirx.PrimFunc) -> bool:
    """Whether func is a kernel of tvmconv's compute (it carries the attributes rules read)."""
    return func.attrs is not None and "tvmconv.layout" in func.attrs


class ConvTranspose2dRule(ScheduleRule):
    """A dlight-style rule for tvmconv kernels on targets of kind `target_kind` computed by one
    of `algorithms`. Subclasses implement schedule(sch, target, tunable, structure=None,
    tiles=None), starting from kernel_blocks(), and design_spaces(sch, target) for tuning; they
    may override default_algorithm and schedule_pack_weight."""

    target_kind = ""
    algorithms = ("polyphase", "gemm")  # the computes (compute.ALGORITHMS) the rule schedules

    def is_target_available(self, target: Target) -> bool:
        """Whether this rule schedules kernels for target (the registry asks each in turn)."""
        return target.kind.name == self.target_kind

    def default_algorithm(self, desc, target: Target) -> str:
        """The compute desc gets on target when no tuned record says otherwise."""
        return "polyphase"

    def algorithm_reason(self, desc, target: Target) -> str:
        """Why default_algorithm chose what it did, in a line (``tvmconv explain``)."""
        return "the only compute this target's rule schedules"

    def schedule_pack_weight(self, sch: s_tir.Schedule, target: Target) -> s_tir.Schedule:
        """The schedule of the kernel that packs an NCHW weight (compute.pack_weight_func)."""
        return sch

    def argument_alignment(self, dtype: str) -> int | None:
        """The alignment the compiled kernel may assume of its input pointers; None keeps
        TVM's 64 bytes (the caller must then align, or copy, what it passes)."""
        return None

    def kernel_blocks(self, sch: s_tir.Schedule, tunable: bool, structure, tiles):
        """(layout, block names in compute order, blocks by name) of the kernel sch holds,
        with self.last_choices set to the Choices of this schedule; None when sch is not a
        tvmconv kernel of one of self.algorithms.

        Blocks are looked up by name (get_sblock): a traced get_child_blocks would not replay
        in meta-schedule once the schedule has added cache blocks."""
        func = sch.mod["main"]
        if not is_tvmconv_kernel(func) or algorithm_of(func) not in self.algorithms:
            return None
        self.last_choices = Choices(sch, tunable, structure, tiles)
        names = [str(n) for n in func.attrs["tvmconv.blocks"]]
        return str(func.attrs["tvmconv.layout"]), names, {n: sch.get_sblock(n) for n in names}

    def apply(self, func: tirx.PrimFunc, target: Target, tunable: bool):
        if not self.is_target_available(target) or not is_tvmconv_kernel(func):
            return None
        return self.schedule(s_tir.Schedule(func), target, tunable)

    def schedule(self, sch: s_tir.Schedule, target: Target, tunable: bool, structure=None,
                 tiles=None):
        raise NotImplementedError
