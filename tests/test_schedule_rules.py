"""The schedule-rule registry: a rule for a new target is one class plus one RULES entry, and
build() then uses it with no other change (the README's "Adding a schedule rule")."""

import pytest

from tvmconv import schedules
from tvmconv.compiler import build
from tvmconv.compiler.cache import ModuleCache
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.schedules.base import ConvTranspose2dRule
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

DESC = ConvTranspose2dDesc(batch=1, in_channels=3, out_channels=4, height=5, width=6,
                           kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                           pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)
# A made-up target the registry has no rule for: an llvm CPU named "tvmconv-test".
TARGET = {"kind": "llvm", "mcpu": "x86-64", "tag": "", "keys": ["cpu", "tvmconv-test"]}


class SerialCPURule(ConvTranspose2dRule):
    """A new target's rule: every stage left as the compute wrote it, its outer loop parallel."""

    target_kind = "llvm"
    algorithms = ("polyphase",)
    scheduled = []

    def is_target_available(self, target) -> bool:
        return "tvmconv-test" in [str(k) for k in target.keys]

    def schedule(self, sch, target, tunable, structure=None, tiles=None):
        kernel = self.kernel_blocks(sch, tunable, structure, tiles)
        if kernel is None:
            return None
        _, names, blocks = kernel
        sch.parallel(sch.get_loops(blocks["conv2d_transpose"])[0])
        SerialCPURule.scheduled.append(names)
        return sch


@pytest.fixture
def registered(monkeypatch):
    SerialCPURule.scheduled.clear()
    monkeypatch.setattr(schedules, "RULES", (SerialCPURule, *schedules.RULES))


def test_a_registered_rule_serves_its_target(registered, tmp_path):
    kernel = build(DESC, TARGET, cache=ModuleCache(tmp_path), use_tuned=False)
    assert SerialCPURule.scheduled, "build() did not ask the registered rule"
    assert kernel.algorithm == "polyphase" and kernel.schedule_source == "default"
    x, w, b = random_inputs(DESC, 3)
    assert_matches_reference(DESC, run_kernel_poisoned(kernel, x, w, b), x, w, b)


def test_other_targets_keep_their_rules(registered):
    from tvmconv.compiler import as_target
    from tvmconv.schedules import CPUConvTranspose2d, rule_for

    assert isinstance(rule_for(as_target(TARGET)), SerialCPURule)
    assert isinstance(rule_for(as_target(None)), CPUConvTranspose2d)


def test_a_target_without_a_rule_is_a_clear_error():
    from tvmconv.compiler import schedule

    with pytest.raises(ValueError, match="no schedule for target kind 'ext_dev'"):
        schedule(DESC, {"kind": "ext_dev"})


@pytest.mark.parametrize("machine,layers,missed", [
    ("llvm-znver5", "zoo", {"linknet_dec4", "simplebaseline_d2"}),
    ("llvm-znver5", "suite", set()),
    ("llvm-emeraldrapids", "zoo", {"maskrcnn_mask_b100", "r50_l2_3x3_s2"}),
    ("llvm-emeraldrapids", "suite", {"dcgan_g2", "unet_up1", "resnet_bwd_s2"})])
def test_the_cpu_algorithm_choice_matches_the_measurements(machine, layers, missed):
    """The committed side-by-side times of both computes on the zoo's tuned part and on the
    suite (tools/algorithm_sweep.py), on a Zen 5 and on an Emerald Rapids Xeon: the rule
    picks the faster on all but the layers named here, and costs at most 1.05x over always
    picking the faster, in geomean."""
    import json
    import math
    from pathlib import Path

    from tvmconv.layers import load_layers
    from tvmconv.schedules.cpu_gemm import gemm_preferred

    name = "tuned" if layers == "zoo" else layers
    sweep = json.loads((Path(__file__).parent.parent / "benchmarks/results" / machine /
                        f"algorithm-sweep-{name}.json").read_text())
    descs = {layer.name: layer.desc for layer in load_layers(layers)}
    wrong, regret = set(), []
    for layer, ms in sweep.items():
        chosen = ms["gemm"] if gemm_preferred(descs[layer], 16) else ms["polyphase"]
        best = min(ms.get("gemm", math.inf), ms["polyphase"])
        regret.append(math.log(chosen / best))
        if chosen > best:
            wrong.add(layer)
    assert wrong == missed
    assert math.exp(sum(regret) / len(regret)) <= 1.05
