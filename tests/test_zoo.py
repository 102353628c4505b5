"""Every zoo layer (tvmconv/layers/zoo.json, at batch <= 2) builds under its default schedule
and matches the float64 reference on NaN-poisoned outputs."""

import pytest

from tvmconv.compiler.builder import build
from tvmconv.layers import load_layers
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

ZOO = load_layers("zoo")


@pytest.mark.slow
@pytest.mark.parametrize("layer", ZOO, ids=lambda layer: layer.name)
def test_every_zoo_layer_builds_and_matches_the_reference(layer):
    desc = layer.desc.replace(batch=min(layer.desc.batch, 2))
    kernel = build(desc, use_tuned=False)
    x, w, b = random_inputs(desc, 0)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)
