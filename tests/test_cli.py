"""Layer files and the command line (bench and demo) on smoke-sized layers."""

import json
import subprocess
import sys

import pytest

from tvmconv.layers import layer_from_dict, load_layers


def test_benchmark_suite_is_real_and_valid():
    layers = load_layers("suite")
    assert len(layers) >= 10
    names = {layer.name for layer in layers}
    assert len(names) == len(layers)
    for layer in layers:
        assert layer.source, layer.name
    descs = [layer.desc for layer in layers]
    assert any(d.groups == d.in_channels == d.out_channels > 1 for d in descs)  # depthwise
    assert any(d.dilation_h > 1 for d in descs)
    assert any(d.batch >= 8 for d in descs)


def test_layer_padding_forms():
    base = dict(name="x", batch=1, in_channels=2, out_channels=2, height=4, width=4,
                kernel_size=3, stride=2)
    assert layer_from_dict(dict(base, padding=1)).desc.pads == (1, 1, 1, 1)
    assert layer_from_dict(dict(base, padding=[1, 2])).desc.pads == (1, 1, 2, 2)
    assert layer_from_dict(dict(base, padding=[0, 1, 2, 0])).desc.pads == (0, 1, 2, 0)
    with pytest.raises(ValueError, match="padding"):
        layer_from_dict(dict(base, padding=[1, 2, 3]))
    with pytest.raises(ValueError, match="lacks"):
        layer_from_dict({"name": "y"})


@pytest.mark.slow
def test_bench_runs_and_reports(tmp_path):
    out = tmp_path / "rows.json"
    proc = subprocess.run(
        [sys.executable, "-m", "tvmconv", "bench", "--layers", "tiny", "--rounds", "1",
         "--round-ms", "1", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "geometric mean" in proc.stdout
    report = json.loads(out.read_text())
    assert report["sgemm_peak_gflops"] > 0
    rows = report["rows"]
    assert [r["name"] for r in rows] == ["tiny_s2", "tiny_dw"]
    for r in rows:
        assert r["max_rel_error"] < 1e-4 and r["layer_ms"] > 0 and r["fn_ms"] > 0


def test_demo_checks_and_times(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tvmconv", "demo", "--layers", "tiny",
                           "--layer", "tiny_s2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout and "GFLOP/s" in proc.stdout
