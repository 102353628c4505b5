"""Exact schedules, compiling nothing (dlight's Before/After style): for a few fixed layers per
rule, the default schedule must be, structurally, the TVMScript in tests/schedule_scripts/.

Before: the layer's compute (the description below). After: the file. A deliberate schedule
change rewrites the files (read the diff before committing it):

    python tests/test_schedule_scripts.py --write
"""

import sys
from pathlib import Path

import pytest
import tvm

from tvmconv.compiler import as_target, schedule
from tvmconv.description import ConvTranspose2dDesc

SCRIPTS = Path(__file__).parent / "schedule_scripts"
ZNVER4 = {"kind": "llvm", "mcpu": "znver4", "num-cores": 2}
SM90 = {"kind": "cuda", "arch": "sm_90"}
# A DCGAN-like k4 s2 p1 upsampler (one phase stage), a 1x1 latent projection (GEMM's home
# ground), a depthwise k3 s2 layer (spatial vectors, no reduction), an NHWC k3 s1 layer (two
# phase classes per axis, channel vectors), a dilated k3 s1 layer whose border taps are over a
# fifth of each axis's (cut into 3x3 bands, the output stage partitioned at their edges).
K4S2 = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=16, height=4, width=4,
                           kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                           pad_bottom=1, pad_left=1, pad_right=1)
LATENT = ConvTranspose2dDesc(batch=1, in_channels=16, out_channels=32, height=1, width=1,
                             kernel_h=4, kernel_w=4)
DEPTHWISE = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=8, groups=8, height=8,
                                width=8, kernel_h=3, kernel_w=3, stride_h=2, stride_w=2,
                                pad_top=1, pad_bottom=1, pad_left=1, pad_right=1,
                                output_padding_h=1, output_padding_w=1)
NHWC = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=16, height=6, width=6,
                           kernel_h=3, kernel_w=3, pad_top=1, pad_bottom=1, pad_left=1,
                           pad_right=1, layout="NHWC", has_bias=True)
BANDS = ConvTranspose2dDesc(batch=1, in_channels=16, out_channels=32, height=12, width=12,
                            kernel_h=3, kernel_w=3, dilation_h=4, dilation_w=4, pad_top=4,
                            pad_bottom=4, pad_left=4, pad_right=4)

CASES = {  # file name -> (description, target, algorithm)
    "cpu_polyphase_k4s2": (K4S2, ZNVER4, "polyphase"),
    "cpu_polyphase_depthwise": (DEPTHWISE, ZNVER4, "polyphase"),
    "cpu_polyphase_nhwc": (NHWC, ZNVER4, "polyphase"),
    "cpu_polyphase_bands": (BANDS, ZNVER4, "polyphase"),
    "cpu_gemm_latent": (LATENT, ZNVER4, "gemm"),
    "cpu_gemm_k4s2": (K4S2, ZNVER4, "gemm"),
    "cuda_polyphase_k4s2": (K4S2, SM90, "polyphase"),
    "cuda_polyphase_nhwc": (NHWC, SM90, "polyphase"),
}


def scheduled(name: str):
    desc, target, algorithm = CASES[name]
    return schedule(desc, as_target(target), algorithm=algorithm).mod


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_schedule_is_exactly_the_script(name):
    expected = tvm.script.from_source((SCRIPTS / f"{name}.py").read_text())
    tvm.ir.assert_structural_equal(scheduled(name), expected)


def test_a_changed_schedule_fails_the_comparison():
    from tvm import s_tir

    from tvmconv.compute import prim_func

    unscheduled = tvm.IRModule({"main": prim_func(K4S2)})
    expected = tvm.script.from_source((SCRIPTS / "cpu_polyphase_k4s2.py").read_text())
    with pytest.raises(ValueError):
        tvm.ir.assert_structural_equal(s_tir.Schedule(unscheduled).mod, expected)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    for case in sorted(CASES):
        (SCRIPTS / f"{case}.py").write_text(scheduled(case).script() + "\n")
        print(f"wrote {SCRIPTS / case}.py")
