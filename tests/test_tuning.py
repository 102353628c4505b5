"""Tuning: a smoke-sized job (a few trials on a tiny layer) that writes a log, resumes from it,
and whose best record the front ends then pick up; the records a build finds. Never more
tuning than this in CI. (The design spaces themselves: test_schedules_cpu.py.)"""

import numpy as np
import pytest
from strategies import SMALL_DESC as DESC
from tvm import s_tir

import tvmconv.compiler.builder as build_module
from tvmconv.compiler.builder import build, schedule
from tvmconv.compiler.targets import host_target
from tvmconv.compute import workload_of
from tvmconv.layers import Layer
from tvmconv.schedules import rule_for
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned
from tvmconv.tuning.cli import parse_one
from tvmconv.tuning.job import is_default_record, open_job_database, run_job, trials_in
from tvmconv.tuning.records import ENV_VAR, tuned_schedule

# The smoke job tunes the polyphase compute (with gemm, the resumed job's database held two
# records without sampled tiles, unexplained; gemm's spaces are tested in test_schedules_cpu).
ALGORITHM = "polyphase"


@pytest.fixture(scope="module")
def tuned_logs(tmp_path_factory):
    """A log directory holding a 4-trial job on DESC, then resumed to 6 trials."""
    log_dir = tmp_path_factory.mktemp("tuning_logs")
    layers = [Layer("tiny", "test", DESC)]
    first = run_job(layers, host_target(), log_dir, trials=4, trials_per_iter=4, seed=1,
                    emit=lambda line: None, time_results=False, algorithm=ALGORITHM)
    resumed = run_job(layers, host_target(), log_dir, trials=6, trials_per_iter=4, seed=2,
                      emit=lambda line: None, time_results=False, algorithm=ALGORITHM)
    return log_dir, first[0], resumed[0]


@pytest.mark.slow
def test_job_writes_a_log_and_resumes_from_it(tuned_logs):
    log_dir, first, resumed = tuned_logs
    assert (log_dir / "database_tuning_record.json").stat().st_size > 0
    # the default schedule is measured and stored first: tuning can only improve on it
    assert first.resumed == 1 and first.trials == 3
    assert resumed.resumed == 4 and resumed.trials == 2  # only the trials it still lacked
    secs = trials_in(log_dir, DESC)
    assert len(secs) == 6 and min(secs) < float("inf")
    db = open_job_database(log_dir)
    records = db.get_top_k(db.commit_workload(workload_of(DESC, ALGORITHM)), 100)
    assert sum(is_default_record(r) for r in records) == 1


@pytest.mark.slow
def test_the_index_tells_the_gains_the_database_does(tuned_logs):
    """The warm start (from the index) and a build (from the database) choose lenders alike."""
    from tvmconv.tuning.records import database_gains, index_gains

    log_dir, _, _ = tuned_logs
    gains = database_gains(log_dir)
    assert gains.keys() == {DESC} and gains[DESC] is not None and gains[DESC] >= 1.0
    assert index_gains(log_dir) == gains


@pytest.mark.slow
def test_front_end_picks_up_the_tuned_record(tuned_logs, monkeypatch):
    from tvmconv.mint.nn.functional import conv_transpose2d

    log_dir, _, _ = tuned_logs
    monkeypatch.setenv(ENV_VAR, str(log_dir))
    monkeypatch.setattr(build_module, "_KERNELS", {})
    tuned = tuned_schedule(DESC, host_target())
    assert tuned is not None and tuned.source == "tuned"
    kernel = build(DESC)
    assert kernel.schedule_source == "tuned"
    x, w, _ = random_inputs(DESC, seed=3)
    assert_matches_reference(DESC, run_kernel_poisoned(kernel, x, w), x, w)
    # the functional surface goes through the same lookup
    got = conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)
    assert build_module.kernel_for(DESC).schedule_source == "tuned"
    assert_matches_reference(DESC, got, x, w)


@pytest.mark.slow
def test_a_near_layer_borrows_the_tuned_structure(tuned_logs, monkeypatch):
    """(Whatever the smoke job's record gained over its default: MIN_GAIN is lowered to 0.)"""
    from tvmconv.tuning import lenders

    log_dir, _, _ = tuned_logs
    monkeypatch.setenv(ENV_VAR, str(log_dir))
    monkeypatch.setattr(lenders, "MIN_GAIN", 0.0)
    for near in (DESC.replace(batch=2, height=6), DESC.replace(out_channels=8)):
        kernel = build(near)
        assert kernel.schedule_source == "transferred"
        x, w, _ = random_inputs(near, seed=4)
        assert_matches_reference(near, run_kernel_poisoned(kernel, x, w), x, w)
    assert build(DESC.replace(stride_h=1, output_padding_h=0)).schedule_source == "default"
    monkeypatch.setattr(lenders, "MIN_GAIN", float("inf"))  # nothing gained enough to lend
    assert build(DESC.replace(batch=3)).schedule_source == "default"


@pytest.mark.slow
def test_a_tuned_record_changes_the_cache_key(tuned_logs, monkeypatch):
    """A sampled record's kernel is another library than the default's; the stored default
    record (measured first) replays to the default's very code."""
    from tvmconv.compiler.builder import kernel_module, main_schedule, schedule_hash
    from tvmconv.tuning.records import open_database

    log_dir, _, _ = tuned_logs
    target = host_target()
    _, index = open_database(log_dir)
    default_hash = schedule_hash(kernel_module(DESC, target, main_schedule(
        DESC, target, False, algorithm=ALGORITHM)[0]))
    tuned_hash = schedule_hash(kernel_module(DESC, target, main_schedule(
        DESC, target, True, log_dirs=[log_dir])[0]))
    assert (tuned_hash == default_hash) == is_default_record(index[DESC])
    db = open_job_database(log_dir)
    for record in db.get_top_k(db.commit_workload(workload_of(DESC, ALGORITHM)), 100):
        sch = s_tir.Schedule(workload_of(DESC, ALGORITHM))
        record.trace.apply_to_schedule(sch, remove_postproc=False)
        if not is_default_record(record):
            assert schedule_hash(kernel_module(DESC, target, sch.mod)) != default_hash


@pytest.mark.slow
def test_records_of_a_changed_compute_are_ignored_and_pruned(tuned_logs, tmp_path):
    """A record tuned on yesterday's compute (here: a faster-looking one whose workload differs
    from today's) never serves, and --prune-stale removes it and only it."""
    import shutil

    import tvm
    from tvm.s_tir import meta_schedule as ms

    from tvmconv.tuning.records import mean_run_secs, open_database, prune_stale

    log_dir = tmp_path / "logs"
    shutil.copytree(tuned_logs[0], log_dir)
    db = open_job_database(log_dir)
    best = open_database(log_dir)[1][DESC]
    func = workload_of(DESC, ALGORITHM)["main"]
    changed = tvm.IRModule({"main": func.with_attr("tvmconv.strides", [3, 3])})
    db.commit_tuning_record(ms.database.TuningRecord(
        best.trace, db.commit_workload(changed), [1e-9], best.target, best.args_info))
    assert len(db.get_all_tuning_records()) == 7
    assert mean_run_secs(open_database(log_dir)[1][DESC].run_secs) > 1e-9  # not the stale one
    assert prune_stale(log_dir) == (6, 1)
    db = open_job_database(log_dir)
    assert len(db.get_all_tuning_records()) == 6 and not db.has_workload(changed)
    assert tuned_schedule(DESC, host_target(), dirs=[log_dir]).source == "tuned"


def test_parse_one_layer():
    layer = parse_one("in_channels=256 out_channels=128 height=8 width=8 kernel_size=4 "
                      "stride=2 padding=1 name=g3")
    assert layer.name == "g3" and layer.desc.kernel_h == 4 and layer.desc.stride_w == 2
    assert layer.desc.pad_left == 1 and layer.desc.batch == 1
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_one("in_channels")


def test_progress_table_formats():
    from tvmconv.tuning.job import LayerReport, format_reports

    r = LayerReport("x", DESC, resumed=2, trials=3, wall_s=75, best_ms=0.5, default_ms=1.0)
    text = format_reports([r])
    assert "x" in text and "2.00" in text and "1m15s" in text
    assert np.isclose(r.speedup, 2.0)


def test_a_changed_default_schedule_is_measured_again(tmp_path):
    """A record of yesterday's default (no sampled tiles, other choices) does not count as
    today's default: the tuning job measures the new one first."""
    from tvm.s_tir import meta_schedule as ms

    from tvmconv.compute import prim_func
    from tvmconv.tuning.job import _has_default_record

    target = host_target()
    db = open_job_database(tmp_path)
    workload = db.commit_workload(workload_of(DESC, "gemm"))
    args_info = ms.arg_info.ArgInfo.from_prim_func(prim_func(DESC, "gemm"))
    old = rule_for(target).schedule(s_tir.Schedule(prim_func(DESC, "gemm")), target, False,
                                    structure={"gemm_pack": 1})
    db.commit_tuning_record(ms.database.TuningRecord(old.trace, workload, [1e-3], target,
                                                     args_info))
    assert is_default_record(db.get_all_tuning_records()[0])
    assert not _has_default_record(db, DESC, target, "gemm")
    today = schedule(DESC, target, algorithm="gemm")
    db.commit_tuning_record(ms.database.TuningRecord(today.trace, workload, [1e-3], target,
                                                     args_info))
    assert _has_default_record(db, DESC, target, "gemm")


def test_logs_are_searched_user_dirs_first_and_tune_writes_to_the_users(tmp_path, monkeypatch):
    from tvmconv.tuning import records

    user = tmp_path / "data" / "tvmconv" / "tuning_logs" / "llvm-x"
    user.mkdir(parents=True)
    (user / records.WORKLOAD_FILE).write_text("")
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert records.log_dirs_named("llvm-x") == [user]
    env = tmp_path / "env"
    monkeypatch.setenv(ENV_VAR, str(env))
    assert records.default_log_dir_named("llvm-x") == env / "llvm-x"
    monkeypatch.delenv(ENV_VAR)
    # a checkout writes into its committed logs; an installed package into the user's
    monkeypatch.setattr(records, "IN_CHECKOUT", False)
    assert records.default_log_dir_named("llvm-x") == user
    monkeypatch.setattr(records, "IN_CHECKOUT", True)
    assert records.default_log_dir_named("llvm-x") == records.PROJECT_LOGS / "llvm-x"


@pytest.mark.slow
def test_a_wheel_carries_the_tuned_records(tmp_path):
    """pip install of the built wheel (into a folder of its own, run with this interpreter):
    a tuned suite layer's build there finds its committed record."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path / "dist"), str(root)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("tvmconv-*.whl"))
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    code = """
import json, tvmconv
from tvmconv.compiler import as_target
from tvmconv.compiler.builder import main_schedule
from tvmconv.layers import load_layers
from tvmconv.tuning import records
target = as_target({"kind": "llvm", "mcpu": "znver4", "num-cores": 2})
layer = next(l for l in load_layers("suite") if l.name == "dcgan_g3")
print(json.dumps({"file": tvmconv.__file__, "logs": str(records.PROJECT_LOGS),
                  "checkout": records.IN_CHECKOUT,
                  "source": main_schedule(layer.desc, target)[1]}))
"""
    env = {k: v for k, v in __import__("os").environ.items() if k != ENV_VAR}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["file"].startswith(str(site)) and not got["checkout"]
    assert got["logs"].startswith(str(site)) and got["source"] == "tuned"


@pytest.mark.slow
def test_a_torn_line_in_a_log_is_skipped_and_repaired(tmp_path):
    """What a kill or a full disk during `tvmconv tune` leaves: one half-written line at the
    end of each file. Builds still find the log's records (with a warning) and the next job
    repairs the files."""
    import shutil
    from pathlib import Path

    from tvmconv.compiler import as_target
    from tvmconv.layers import load_layers
    from tvmconv.tuning import records

    committed = Path(records.PROJECT_LOGS) / "llvm-znver4"
    logs = tmp_path / "llvm-znver4"
    shutil.copytree(committed, logs)
    for name in (records.WORKLOAD_FILE, records.RECORD_FILE):
        with open(logs / name, "a") as f:
            f.write('[0, [["half a trace", ')
    target = as_target({"kind": "llvm", "mcpu": "znver4", "num-cores": 2})
    desc = next(layer.desc for layer in load_layers("suite") if layer.name == "dcgan_g3")
    with pytest.warns(RuntimeWarning, match="skipping 2 torn line"):
        tuned = tuned_schedule(desc, target, dirs=[logs])
    assert tuned is not None and tuned.source == "tuned"
    lines = []
    open_job_database(logs, emit=lines.append)
    assert lines and "dropped 2 torn line(s)" in lines[0]
    assert records.complete_lines(logs / records.RECORD_FILE)[1] == 0
    (logs / records.WORKLOAD_FILE).write_text('[1, 2]\n{"torn": \n[3, 4]\n')
    with pytest.raises(ValueError, match="line 2 of 3 is not valid JSON"):
        records.repair_database(logs)


def test_a_silent_job_says_it_is_still_working():
    """meta-schedule searches and compiles for tens of seconds between measurements: the job
    prints a line at least every HEARTBEAT_S (it was silent for 35 s on a short job)."""
    import time

    from tvmconv.tuning.job import Heartbeat, LayerReport

    lines = []
    report = LayerReport("tiny", DESC, resumed=3, trials=1)
    with Heartbeat(report, total=8, start=time.time(), emit=lines.append, every=0.2) as beat:
        time.sleep(0.9)
        beat.said("a measured batch")
        time.sleep(0.1)
    assert any("trial 4/11, searching and compiling the next batch" in line for line in lines)
    assert "a measured batch" in lines
    count = len(lines)
    time.sleep(0.6)
    assert len(lines) == count  # stopped with the job


def _timed_as(monkeypatch, default_ms, tuned_ms):
    from tvmconv.runtime.kernel import Kernel

    def time_ms(self, *args, number=10, repeat=5):
        return [tuned_ms if self.schedule_source == "tuned" else default_ms] * repeat
    monkeypatch.setattr(Kernel, "time_ms", time_ms)


@pytest.mark.slow
def test_a_record_that_does_not_beat_the_default_side_by_side_is_rejected(
        tuned_logs, tmp_path, monkeypatch):
    import shutil

    from tvmconv.tuning.job import LayerReport, time_schedules
    from tvmconv.tuning.records import read_index, rejected, schedule_identity, write_index

    log_dir = tmp_path / "logs"
    shutil.copytree(tuned_logs[0], log_dir)
    write_index(log_dir)
    kept = LayerReport("tiny", DESC)
    _timed_as(monkeypatch, default_ms=1.0, tuned_ms=0.5)
    time_schedules(kept, host_target(), log_dir, emit=lambda line: None)
    assert kept.kept and kept.speedup == 2.0 and not rejected(log_dir)

    lines = []
    lost = LayerReport("tiny", DESC)
    _timed_as(monkeypatch, default_ms=1.0, tuned_ms=0.99)  # 1.01x: noise
    time_schedules(lost, host_target(), log_dir, emit=lines.append)
    assert lost.kept is False and "kept the default schedule" in lines[0]
    assert len(rejected(log_dir)) == 1
    assert tuned_schedule(DESC, host_target(), dirs=[log_dir]) is None
    assert build(DESC, log_dirs=[log_dir], algorithm=ALGORITHM).schedule_source == "default"
    # the warm start reads the same answer from the index, once it is rewritten
    assert read_index(log_dir) is None  # rejected.json is part of what the index was made of
    write_index(log_dir)
    assert read_index(log_dir)[DESC] is None
    assert schedule_identity(DESC, [log_dir]) == "default"
    # a later run with no better record says so rather than timing it again
    again = LayerReport("tiny", DESC)
    time_schedules(again, host_target(), log_dir, emit=lambda line: None)
    assert again.kept is False and again.best_ms is None


def test_the_job_says_how_builds_will_find_its_records(tmp_path, monkeypatch):
    from tvmconv.tuning.cli import how_builds_find
    from tvmconv.tuning.records import WORKLOAD_FILE

    log_dir = tmp_path / "mine"
    log_dir.mkdir()
    (log_dir / WORKLOAD_FILE).write_text("")
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert f"export {ENV_VAR}={log_dir}" in how_builds_find(log_dir, "llvm-test")
    monkeypatch.setenv(ENV_VAR, str(log_dir))
    assert how_builds_find(log_dir, "llvm-test").startswith("builds for llvm-test use these")


@pytest.mark.slow
def test_the_plot_shows_trials_best_and_default(tuned_logs):
    pytest.importorskip("matplotlib")
    from tvmconv.tuning.report import default_gflops, plot_job, trial_gflops

    log_dir = tuned_logs[0]
    assert len(trial_gflops(log_dir, DESC)) == 6 and default_gflops(log_dir, DESC) > 0
    path = plot_job(log_dir, [Layer("tiny", "test", DESC)], "smoke", "llvm-test")
    assert path.stat().st_size > 10_000
