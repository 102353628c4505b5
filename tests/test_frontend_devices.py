"""Where the front ends run a kernel: where the input is (frontend.conv_transpose). This machine
may have no GPU: a CUDA input is faked by a tensor-like object that says it lives on CUDA, so
what is checked here is the routing and its errors; tools/gpu_check.py's `surfaces` phase runs
the front ends on real CUDA tensors on a lent GPU."""

import numpy as np
import pytest

from tvmconv import frontend
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.nn import Conv2dTranspose
from tvmconv.runtime import tensors


class OnDevice:
    """A float32 tensor-like that reports a DLPack device and never hands over its data."""

    def __init__(self, shape, device=(2, 0)):
        self.shape, self.dtype, self.ndim = tuple(shape), "float32", len(shape)
        self._device = device

    def __dlpack_device__(self):
        return self._device

    def __dlpack__(self, *args, **kwargs):
        raise AssertionError("the routing must decide before touching the data")


def _cuda_available() -> bool:
    import tvm

    return bool(tvm.cuda(0).exist)


def test_device_of_reads_dlpack_devices():
    import tvm

    assert tensors.device_of(np.zeros(2)) == (1, 0)
    assert tensors.device_of(tvm.runtime.tensor(np.zeros(2, "float32"))) == (1, 0)
    assert tensors.device_of(OnDevice((2,), (2, 3))) == (2, 3)
    assert tensors.device_name((2, 3)) == "cuda:3" and tensors.device_name((10, 0)) == "rocm:0"


def test_cpu_inputs_run_on_the_host_target():
    assert frontend._target_for((1, 0)) is None


@pytest.mark.parametrize("device,message", [((10, 0), "on the CPU and on CUDA GPUs"),
                                            ((2, 1), "device 0 only")])
def test_unsupported_devices_are_refused_by_name(device, message):
    x = OnDevice((1, 4, 3, 3), device)
    with pytest.raises(ValueError, match=message):
        conv_transpose2d(x, OnDevice((4, 2, 3, 3), device), stride=2)


def test_tensors_on_different_devices_are_refused_naming_the_parameter():
    x = np.zeros((1, 4, 3, 3), np.float32)
    with pytest.raises(ValueError, match=r"weight is on cuda:0 but input is on cpu:0"):
        conv_transpose2d(x, OnDevice((4, 2, 3, 3)), stride=2)
    with pytest.raises(ValueError, match=r"bias is on cuda:0 but input is on cpu:0"):
        conv_transpose2d(x, np.zeros((4, 2, 3, 3), np.float32), OnDevice((2,)), stride=2)


@pytest.mark.skipif("_cuda_available()", reason="a GPU is here: gpu_check surfaces runs it")
def test_a_cuda_input_without_a_gpu_says_so():
    x = OnDevice((1, 4, 3, 3))
    with pytest.raises(RuntimeError, match="CUDA device 0 is not available"):
        conv_transpose2d(x, OnDevice((4, 2, 3, 3)), stride=2)
    layer = Conv2dTranspose(4, 2, 3, stride=2, pad_mode="valid")  # host weight: allowed
    with pytest.raises(RuntimeError, match="CUDA device 0 is not available"):
        layer(x)


def test_the_torch_op_sends_cuda_device_0_tensors_to_tvmconv():
    torch = pytest.importorskip("torch")
    from types import SimpleNamespace

    from tvmconv.torch import _runs_on_tvmconv

    def t(device, dtype=torch.float32):
        return SimpleNamespace(device=torch.device(device), dtype=dtype)

    assert _runs_on_tvmconv(t("cpu"), t("cpu"), None)
    assert _runs_on_tvmconv(t("cuda:0"), t("cuda:0"), t("cuda:0"))
    assert not _runs_on_tvmconv(t("cuda:1"), t("cuda:1"), None)
    assert not _runs_on_tvmconv(t("cpu", torch.bfloat16), t("cpu"), None)
