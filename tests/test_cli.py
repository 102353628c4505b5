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
    assert report["peak_gflops"] > 0 and report["copy_bandwidth_gbs"] > 0
    rows = report["rows"]
    assert [r["name"] for r in rows] == ["tiny_s2", "tiny_dw"]
    for r in rows:
        assert r["max_rel_error"] < 1e-4 and r["layer_ms"] > 0 and r["fn_ms"] > 0


def test_demo_checks_and_times(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tvmconv", "demo", "--layers", "tiny",
                           "--layer", "tiny_s2"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout and "GFLOP/s" in proc.stdout


def _layer(**changes):
    layer = {"name": "g3", "batch": 1, "in_channels": 8, "out_channels": 4, "height": 4,
             "width": 4, "kernel_size": 4, "stride": 2, "padding": 1}
    layer.update(changes)
    return layer


@pytest.mark.parametrize("changes, words", [
    ({"dilatation": 2}, "unknown key(s) ['dilatation'] ('dilatation' -> 'dilation'?); the keys"),
    ({"out_padding": 1}, "unknown key(s) ['out_padding']"),
    ({"bias": "false"}, "bias must be true or false, got 'false'"),
    ({"height": 3.7}, "height must be an int, got 3.7"),
    ({"stride": [2, 2, 2]}, "stride must be an int or 2 ints"),
    ({"groups": 3}, "in_channels (8) must be divisible by groups (3)"),
])
def test_layer_files_reject_what_they_would_misread(tmp_path, changes, words):
    from tvmconv.layers import LayerFileError, load_layers

    path = tmp_path / "layers.json"
    path.write_text(json.dumps([_layer(**changes)]))
    with pytest.raises(LayerFileError) as err:
        load_layers(path)
    assert words in str(err.value) and str(path) in str(err.value)


def test_layer_files_reject_repeated_names_and_say_where_json_breaks(tmp_path):
    from tvmconv.layers import LayerFileError, load_layers

    path = tmp_path / "layers.json"
    path.write_text(json.dumps([_layer(), _layer()]))
    with pytest.raises(LayerFileError, match="two layers are named 'g3'"):
        load_layers(path)
    path.write_text('[\n {"name": "g3",\n  "batch": 1,,\n}]')
    with pytest.raises(LayerFileError, match="not valid JSON at line 3"):
        load_layers(path)
    with pytest.raises(LayerFileError, match="built-in ones: suite, tiny"):
        load_layers(tmp_path / "missing.json")


@pytest.mark.parametrize("argv, words", [
    (["tune", "--one", ""], "no layer parameters given"),
    (["tune", "--one", "in_channels=8 out_chanels=4 height=4 width=4 kernel_size=4 stride=2"],
     "unknown key(s) ['out_chanels']"),
    (["tune", "--one", "in_channels=x"], "in_channels must be an int"),
    (["tune", "--only", "", "--layers", "tiny"], "--only names no layer"),
    (["tune", "--layers", "nope.json"], "no layer file or built-in suite named 'nope.json'"),
])
def test_the_cli_answers_bad_layers_with_a_message(argv, words, capsys):
    from tvmconv.tools.cli import main

    with pytest.raises(SystemExit) as err:
        main(argv)
    assert words in str(err.value)


@pytest.mark.parametrize("option", ["--trials", "--per-batch", "--cores", "--threads"])
@pytest.mark.parametrize("value", ["0", "-5", "x"])
def test_tune_refuses_counts_below_one(option, value, capsys):
    from tvmconv.tools.cli import main

    with pytest.raises(SystemExit) as err:
        main(["tune", "--layers", "tiny", option, value])
    assert err.value.code == 2 and option in capsys.readouterr().err


def test_version(capsys):
    from tvmconv import __version__
    from tvmconv.tools.cli import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"tvmconv {__version__}"


def test_tuned_lists_the_committed_layers_with_their_speed_up(capsys):
    from tvmconv.tools.cli import main

    assert main(["tuned", "--target", '{"kind": "llvm", "mcpu": "znver4", "num-cores": 2}']) == 0
    out = capsys.readouterr().out
    assert "tuning_logs/llvm-znver4:" in out and "speed-up" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("fcn32s_up32"))
    assert row.split()[3].endswith("x") and "ct2d_n1_ci21_co21" in row


def test_every_option_has_help():
    import argparse

    from tvmconv.tools.cli import _parser

    parser = _parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    missing = [f"{name} {'/'.join(action.option_strings) or action.dest}"
               for name, sub in subparsers.choices.items() for action in sub._actions  # noqa: SLF001
               if not isinstance(action, argparse._HelpAction) and not action.help]  # noqa: SLF001
    assert not missing, missing


def test_layers_lists_a_suites_names(capsys):
    from tvmconv.tools.cli import main

    assert main(["layers", "tiny"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("tiny_s2 ") and "2 layers in tiny" in out


def test_explain_says_which_compute_and_schedule_and_why(capsys, monkeypatch):
    from tvmconv.tools.cli import main

    monkeypatch.setenv("TVMCONV_TUNING_LOGS", "tuning_logs")
    znver4 = '{"kind": "llvm", "mcpu": "znver4", "num-cores": 2}'
    assert main(["explain", "dcgan_g2", "--target", znver4]) == 0
    out = capsys.readouterr().out
    assert "untuned compute: gemm:" in out and "schedule: tuned" in out
    assert main(["explain", "--one", "in_channels=64 out_channels=64 height=33 width=33 "
                 "kernel_size=3 stride=1 dilation=2 padding=2", "--target", znver4]) == 0
    out = capsys.readouterr().out
    assert "untuned compute: polyphase:" in out and "schedule: default; no record" in out
    assert "bands" not in out  # (dilation 2 on 33x33: a 24th of the taps on the border)
    assert main(["explain", "--one", "in_channels=64 out_channels=64 height=33 width=33 "
                 "kernel_size=3 stride=1 dilation=12 padding=12", "--target", znver4]) == 0
    out = capsys.readouterr().out
    assert ("polyphase cuts the height into 3 bands (24% of its taps read the border) and the "
            "width into 3 bands" in out)


def test_the_explained_algorithm_is_the_one_chosen():
    from hypothesis import given, settings
    from strategies import descriptions

    from tvmconv.compiler import algorithm_for
    from tvmconv.compiler.targets import host_target
    from tvmconv.schedules import rule_for

    target = host_target()

    @settings(max_examples=200, deadline=None)
    @given(desc=descriptions())
    def check(desc):
        reason = rule_for(target).algorithm_reason(desc, target)
        gemm = algorithm_for(desc, target) == "gemm"
        polyphase_reasons = ("gemm cannot", "its taps overlap much", "gemm's cols (",
                             "gemm's tiles")
        assert reason.startswith(polyphase_reasons) != gemm
    check()


def test_the_zoo_is_real_layers_with_a_fixed_stratified_split():
    from tvmconv.layers import split_layers, split_names

    zoo = load_layers("zoo")
    assert len(zoo) >= 60 and all(layer.source for layer in zoo)
    raw = json.loads((load_layers.__globals__["BUILTIN_DIR"] / "zoo.json").read_text())
    classes = {entry["name"]: entry["class"] for entry in raw}
    split = split_names("zoo")
    tuned, held = set(split["tuned"]), set(split["heldout"])
    assert tuned | held == {layer.name for layer in zoo} and not tuned & held
    for cls in set(classes.values()):  # about a third of every class may be tuned
        members = [n for n, c in classes.items() if c == cls]
        assert 0 < sum(n in tuned for n in members) <= (len(members) + 2) // 3, cls
    assert {layer.name for layer in split_layers(zoo, "zoo", "heldout")} == held
    assert {d.batch for d in (layer.desc for layer in zoo)} >= {1, 8, 32}


def test_tune_refuses_held_out_layers():
    import argparse

    from tvmconv.tuning.cli import select_layers

    held = json.loads((load_layers.__globals__["BUILTIN_DIR"] / "zoo_split.json").read_text())
    args = argparse.Namespace(one=None, layers="zoo", only=held["heldout"][0])
    with pytest.raises(SystemExit, match="held-out part of zoo, which is never tuned"):
        select_layers(args)
    args.only = held["tuned"][0]
    assert [layer.name for layer in select_layers(args)] == [held["tuned"][0]]
