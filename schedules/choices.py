"""The free parameters of a schedule rule, and where their values come from."""

from __future__ import annotations


class Choices:
    """Where the rule's free parameters come from, in the order the rule asks for them:

    * tunable: sampled (sample_categorical / sample_perfect_tile), so meta-schedule can search
      them and its traces record them;
    * hints: a list of values taken from a tuned record of a similar shape (``hint_values``):
      a categorical's index, a split's inner factor (clipped to the loop; tails are predicated);
    * otherwise: the heuristic default the caller passes.
    """

    def __init__(self, sch, tunable: bool, hints=None):
        self.sch, self.tunable = sch, tunable
        self.hints = list(hints) if hints and not tunable else []

    def categorical(self, options: list, default):
        if len(options) == 1:
            return options[0]
        if self.tunable:
            index = self.sch.sample_categorical(list(range(len(options))),
                                                [1.0 / len(options)] * len(options))
            return options[int(self.sch.get(index))]
        if self.hints:
            return options[min(int(self.hints.pop(0)), len(options) - 1)]
        return default

    def split(self, loop, extent: int, inner: int, max_inner: int):
        """(outer, inner) loops and the inner factor."""
        if self.tunable:
            factors = self.sch.sample_perfect_tile(loop, n=2, max_innermost_factor=max_inner)
            inner = int(self.sch.get(factors[1]))
        else:
            if self.hints:
                inner = max(1, min(int(self.hints.pop(0)), extent))
            factors = [-(-extent // inner), inner]
        outer_loop, inner_loop = self.sch.split(loop, factors)
        return outer_loop, inner_loop, inner


def hint_values(trace) -> list[int]:
    """The free parameters a trace of this rule decided, in Choices' order."""
    values = []
    for inst in trace.insts:
        decision = trace.decisions.get(inst) if inst in trace.decisions else None
        if decision is None:
            continue
        if inst.kind.name == "SampleCategorical":
            values.append(int(decision))
        elif inst.kind.name == "SamplePerfectTile":
            values.append(int(list(decision)[-1]))
    return values
