"""A model's transposed convolutions as layers (tvmconv layers MODEL, --layers MODEL): ONNX's
rules resolved exactly (its own node tests pass through this path), torch.export programs, and
ONNX models through TVM's ONNX frontend and tvmconv.relax.legalize."""

import json
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402

from tvmconv.compiler import build  # noqa: E402
from tvmconv.layers import LayerFileError, load_layers  # noqa: E402


def _onnx_node_cases():
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [c for c in collect_testcases(None) if c.name.startswith("test_convtranspose")]
    return [c for c in cases if len(c.data_sets[0][0][0].shape) == 4]  # the 2-D ones


ONNX_CASES = _onnx_node_cases()


def test_the_onnx_node_tests_are_there():
    assert len(ONNX_CASES) >= 9


@pytest.mark.parametrize("case", ONNX_CASES, ids=lambda c: c.name)
def test_onnxs_convtranspose_node_tests_pass_through_the_onnx_path(case, tmp_path):
    path = tmp_path / "model.onnx"
    onnx.save(case.model, path)
    (layer,) = load_layers(path)
    (inputs, outputs), = case.data_sets
    got = build(layer.desc)(*[np.ascontiguousarray(a) for a in inputs])
    np.testing.assert_allclose(got, outputs[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in ONNX_CASES
                                  if "output_shape" not in c.name and "kernel_shape" not in c.name],
                         ids=lambda c: c.name)
def test_onnx_models_through_tvms_frontend_and_legalize(case):
    """(TVM's ONNX frontend ignores output_shape: those cases are tvmconv's path only.)"""
    import tvm
    from tvm import relax
    from tvm.relax.frontend.onnx import from_onnx

    import tvmconv.relax
    from tvmconv.compiler.targets import host_target

    (inputs, outputs), = case.data_sets
    mod = tvmconv.relax.legalize(from_onnx(case.model, keep_params_in_input=False))
    assert any(gv.name_hint.startswith("tvmconv_") for gv in mod.get_global_vars())
    vm = relax.VirtualMachine(tvm.compile(mod, host_target()), tvm.cpu())
    out = vm["main"](*[tvm.runtime.tensor(np.ascontiguousarray(a)) for a in inputs])
    np.testing.assert_allclose(out.numpy(), outputs[0], rtol=1e-5, atol=1e-5)


def _convtranspose_model(path, x_shape, w_shape, **attrs):
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape),
                      helper.make_tensor_value_info("w", TensorProto.FLOAT, w_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph), path)
    return path


@pytest.mark.parametrize("attrs, pads, output_padding", [
    (dict(strides=[2, 2], auto_pad="SAME_LOWER"), (1, 0, 1, 0), (0, 0)),
    (dict(strides=[2, 2], auto_pad="SAME_UPPER"), (0, 1, 0, 1), (0, 0)),
    (dict(strides=[2, 2], output_shape=[12, 11]), (0, 0, 0, 0), (1, 0)),   # beyond the reach
    (dict(strides=[2, 2], output_shape=[9, 9]), (1, 1, 1, 1), (0, 0)),
    (dict(strides=[3, 1], pads=[1, 0, 2, 1]), (1, 2, 0, 1), (0, 0)),       # begins, ends
])
def test_onnx_padding_rules_resolve_exactly(tmp_path, attrs, pads, output_padding):
    (layer,) = load_layers(_convtranspose_model(tmp_path / "m.onnx", [1, 2, 5, 5],
                                                [2, 3, 3, 3], **attrs))
    assert layer.desc.pads == pads
    assert (layer.desc.output_padding_h, layer.desc.output_padding_w) == output_padding


def test_models_tvmconv_cannot_read_say_why(tmp_path):
    with pytest.raises(LayerFileError, match="no such model file"):
        load_layers(tmp_path / "missing.onnx")
    dynamic = _convtranspose_model(tmp_path / "d.onnx", ["n", 2, 5, 5], [2, 3, 3, 3])
    with pytest.raises(LayerFileError, match="not static"):
        load_layers(dynamic)
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(LayerFileError, match="not a readable ONNX model"):
        load_layers(tmp_path / "junk.onnx")


@pytest.mark.slow
def test_tvmconv_layers_lists_the_dcgan_generators_five_layers(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from tvmconv.testing.models import dcgan_generator
    from tvmconv.tools.cli import main

    model = dcgan_generator().eval()
    z = torch.randn(1, 100, 1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (z,), tmp_path / "dcgan.onnx", dynamo=False)
    torch.export.save(torch.export.export(model, (z,)), tmp_path / "dcgan.pt2")
    expected = [(100, 512, 1, 1, [0, 0, 0, 0]), (512, 256, 4, 2, [1, 1, 1, 1]),
                (256, 128, 8, 2, [1, 1, 1, 1]), (128, 64, 16, 2, [1, 1, 1, 1]),
                (64, 3, 32, 2, [1, 1, 1, 1])]
    for name in ("dcgan.onnx", "dcgan.pt2"):
        assert main(["layers", str(tmp_path / name)]) == 0
        entries = json.loads(capsys.readouterr().out)
        got = [(e["in_channels"], e["out_channels"], e["height"], e["stride"][0], e["padding"])
               for e in entries]
        assert got == expected, name
        assert all(e["kernel_size"] == [4, 4] and e["width"] == e["height"] and
                   "bias" not in e for e in entries)
