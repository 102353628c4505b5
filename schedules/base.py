"""What every tvmconv schedule rule shares: recognising tvmconv kernels, and dlight's apply()."""

from __future__ import annotations

from tvm import s_tir, tirx
from tvm.s_tir.dlight import ScheduleRule
from tvm.target import Target


def is_tvmconv_kernel(func: tirx.PrimFunc) -> bool:
    """Whether func is a kernel of tvmconv's compute (it carries the attributes rules read)."""
    return func.attrs is not None and "tvmconv.layout" in func.attrs


class ConvTranspose2dRule(ScheduleRule):
    """A dlight-style rule for tvmconv kernels on targets of kind `target_kind`; subclasses
    implement schedule(sch, target, tunable, structure=None, tiles=None)."""

    target_kind = ""

    def apply(self, func: tirx.PrimFunc, target: Target, tunable: bool):
        if target.kind.name != self.target_kind or not is_tvmconv_kernel(func):
            return None
        return self.schedule(s_tir.Schedule(func), target, tunable)

    def schedule(self, sch: s_tir.Schedule, target: Target, tunable: bool, structure=None,
                 tiles=None):
        raise NotImplementedError
