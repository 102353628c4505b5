"""Schedules for tvmconv's transposed-convolution kernels: a registry of rules, one per target.

Each rule follows dlight's ``ScheduleRule`` contract: ``apply(func, target, tunable)`` returns a
schedule, or None when it does not apply. ``tunable=False`` gives the fixed default schedule used
for untuned shapes; ``tunable=True`` gives the same structure with sampled tile sizes, which is the
meta-schedule design space. Rules plug into ``tvm.s_tir.dlight.ApplyDefaultSchedule`` as well.

    base.py           what every rule shares (recognising tvmconv kernels)
    choices.py        a rule's free parameters: structural choices and tile sizes
    config.py         the hardware numbers of each target kind (CPUConfig, CUDAConfig)
    cpu_polyphase.py  llvm: the rule, and the polyphase stages
    cpu_gemm.py       llvm: the GEMM stage, and when a layer gets the GEMM compute
    cpu_util.py       llvm: vector widths, tiles, the memory-bound stages
    cuda.py           cuda: the rule (polyphase only)

A new target: a rule file (a ConvTranspose2dRule subclass whose ``is_target_available`` says
which targets it takes) and one line in RULES below. Installed as ``tvmconv.schedules``.
"""

from .choices import Choices, hints_from_trace
from .cpu_polyphase import CPUConvTranspose2d
from .cuda import CUDAConvTranspose2d

__all__ = ["CPUConvTranspose2d", "CUDAConvTranspose2d", "Choices", "RULES", "hints_from_trace",
           "rule_for"]

# Asked in order; the first rule available for a target schedules it.
RULES = (CPUConvTranspose2d, CUDAConvTranspose2d)


def rule_for(target):
    """A new instance of the schedule rule for target, or None when tvmconv has none for it."""
    for rule_class in RULES:
        rule = rule_class()
        if rule.is_target_available(target):
            return rule
    return None
