"""The free parameters of a schedule rule, and where their values come from.

A rule has two kinds of free parameters:

* structural ones (which axis to vectorise, how wide, whether to block the reduction): they
  decide which schedule instructions run, so they are plain Python values. meta-schedule samples
  by *replaying* a design-space trace with fresh random decisions, never re-running the rule, so
  each structural combination is its own design space (``enumerate_structures``);
* tile sizes: sampled inside the trace (``sample_perfect_tile``), which meta-schedule replays,
  mutates and learns.

Each design space records its structure as a block annotation (``STRUCTURE_KEY``), so that a tuned
record says which structure won, and a similar shape can borrow it (``hints_from_trace``).
"""

from __future__ import annotations

import itertools
import json

STRUCTURE_KEY = "tvmconv.structure"


class Choices:
    """Where the rule's free parameters come from, in the order the rule asks for them.

    structure: name -> option index for structural choices (clipped to the options offered);
    tunable: tile sizes sampled; tiles (fixed mode): inner tile factors to use, in order
    (clipped to the loop; tails are predicated); otherwise: the heuristic defaults.
    """

    def __init__(self, sch, tunable: bool, structure=None, tiles=None):
        self.sch, self.tunable = sch, tunable
        self.structure = dict(structure or {})
        self.tiles = list(tiles or []) if not tunable else []
        self.options: dict[str, int] = {}  # name -> most options any stage offered

    def categorical(self, name: str, options: list, default):
        self.options[name] = max(self.options.get(name, 1), len(options))
        if name in self.structure:
            return options[min(int(self.structure[name]), len(options) - 1)]
        return default

    def split(self, loop, extent: int, inner: int, max_inner: int):
        """(outer, inner) loops: the inner factor sampled, hinted, or `inner`."""
        return self.sch.split(loop, self._factors(loop, extent, inner, max_inner))

    def spread_split(self, loop, extent: int, inner: int, max_inner: int):
        """Like split, but the inner tile strides over the whole extent: index = tile +
        spread * extent/inner, the spread loop outside the tile loop in the nest. Returns
        (tile loop, spread loop, True), or split's (outer, inner, False) when the factors do
        not divide the extent."""
        factors = self._factors(loop, extent, inner, max_inner)
        if not self.tunable and extent % int(factors[1]) != 0:
            return (*self.sch.split(loop, factors), False)
        spread_loop, tile_loop = self.sch.split(loop, [factors[1], factors[0]])
        return tile_loop, spread_loop, True

    def _factors(self, loop, extent: int, inner: int, max_inner: int) -> list:
        if self.tunable:
            return self.sch.sample_perfect_tile(loop, n=2, max_innermost_factor=max_inner)
        if self.tiles:
            inner = max(1, min(int(self.tiles.pop(0)), extent))
        return [-(-extent // inner), inner]


def enumerate_structures(options: dict[str, int]) -> list[dict[str, int]]:
    """Every combination of structural option indices."""
    names = sorted(options)
    return [dict(zip(names, combo))
            for combo in itertools.product(*(range(options[n]) for n in names))]


def structure_text(structure: dict) -> str:
    return json.dumps(structure, sort_keys=True)


def hints_from_trace(trace) -> tuple[dict, list[int]]:
    """(structure, inner tile factors in order) a trace of a tvmconv rule decided."""
    structure, tiles = {}, []
    for inst in trace.insts:
        if inst.kind.name == "Annotate" and str(inst.attrs[0]) == STRUCTURE_KEY:
            structure = json.loads(str(inst.inputs[1]))
        elif inst.kind.name == "SamplePerfectTile" and inst in trace.decisions:
            tiles.append(int(list(trace.decisions[inst])[-1]))
    return structure, tiles
