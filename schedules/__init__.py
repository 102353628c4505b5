"""Schedules for tvmconv's transposed-convolution kernels, one rule per target.

Each rule follows dlight's ``ScheduleRule`` contract: ``apply(func, target, tunable)`` returns a
schedule, or None when it does not apply. ``tunable=False`` gives the fixed default schedule used
for untuned shapes; ``tunable=True`` gives the same structure with sampled tile sizes, which is the
meta-schedule design space. Rules plug into ``tvm.s_tir.dlight.ApplyDefaultSchedule`` as well.

Installed as ``tvmconv.schedules`` (see pyproject.toml).
"""

from .choices import Choices, hints_from_trace
from .cpu import CPUConvTranspose2d
from .cuda import CUDAConvTranspose2d

__all__ = ["CPUConvTranspose2d", "CUDAConvTranspose2d", "Choices", "hints_from_trace", "rule_for"]


def rule_for(target):
    """The schedule rule for a target, or None when tvmconv has none for its kind."""
    if target.kind.name == "llvm":
        return CPUConvTranspose2d()
    if target.kind.name == "cuda":
        return CUDAConvTranspose2d()
    return None
