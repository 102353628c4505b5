"""The meta-schedule design space: our schedule rule's (schedules/, tunable=True)."""

from __future__ import annotations


def design_space(target):
    """meta-schedule SpaceGenerator: our rule's design spaces (one per structural choice, tile
    sizes sampled)."""
    from tvm.s_tir import meta_schedule as ms

    from ..schedules import rule_for

    rule = rule_for(target)
    if rule is None:
        raise ValueError(f"no tvmconv schedule rule for target kind {target.kind.name!r}")
    return ms.space_generator.ScheduleFn(lambda sch: rule.design_spaces(sch, target),
                                         sch_rules=[], postprocs="from-target",
                                         mutator_probs="from-target")

