"""The warm start: a kernel built before loads in a new process with TVM's runtime only, and
anything that could change the kernel (the compute or schedule code, the tuned record, the TVM
version) is a miss that rebuilds."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tvmconv.compiler.builder as builder
from tvmconv.compiler import warm_start
from tvmconv.compiler.cache import ModuleCache
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned
from tvmconv.tuning import records

DESC = ConvTranspose2dDesc(batch=1, in_channels=8, out_channels=16, height=4, width=5,
                           kernel_h=4, kernel_w=4, stride_h=2, stride_w=2, pad_top=1,
                           pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)
ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys
import numpy as np
from tvmconv.mint.nn.functional import conv_transpose2d
from tvmconv.testing.reference import conv2d_transpose_reference
from tvmconv.compiler import kernel_for
from tvmconv.description import ConvTranspose2dDesc
desc = ConvTranspose2dDesc.from_dict(json.loads(sys.argv[1]))
rng = np.random.default_rng(0)
x = rng.standard_normal(desc.input_shape).astype("float32")
w = rng.standard_normal(desc.weight_shape).astype("float32")
b = rng.standard_normal(desc.bias_shape).astype("float32")
y = conv_transpose2d(x, w, b, stride=2, padding=1)
err = float(np.abs(y - conv2d_transpose_reference(desc, x, w, b)).max())
# a layer owns its weight: packed (or copied) once into the kernel's layout
from tvmconv.megengine import module as M
layer = M.ConvTranspose2d(desc.in_channels, desc.out_channels, 4, stride=2, padding=1)
layer.weight, layer.bias = w, b.reshape(1, -1, 1, 1)
err = max(err, float(np.abs(layer(x) - conv2d_transpose_reference(desc, x, w, b)).max()))
maps = open("/proc/self/maps").read()
print(json.dumps({"err": err, "compiler_loaded": "libtvm_compiler.so" in maps,
                  "tvm_imported": "tvm" in sys.modules,
                  "source": kernel_for(desc).schedule_source}))
"""


def _child(cache_dir):
    env = dict(os.environ, TVMCONV_CACHE_DIR=str(cache_dir))
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(DESC.to_dict())], env=env,
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_new_process_runs_a_cached_kernel_without_the_compiler(tmp_path):
    first = _child(tmp_path)
    assert first["compiler_loaded"] and first["err"] < 1e-4
    second = _child(tmp_path)
    assert not second["compiler_loaded"] and not second["tvm_imported"]
    assert second["err"] < 1e-4 and second["source"] == first["source"]


def _build(tmp_path, **kwargs):
    cache = ModuleCache(tmp_path / "cache")  # a fresh one: no memory hits
    return builder.build(DESC, cache=cache, **kwargs), cache


def test_the_second_build_starts_warm_and_is_exact(tmp_path):
    cold, cache = _build(tmp_path)
    assert cache.stats["warm_hits"] == 0 and cache.stats["misses"] == 1
    compiled = builder.COMPILE_COUNT
    warm, cache = _build(tmp_path)
    assert cache.stats["warm_hits"] == 1 and builder.COMPILE_COUNT == compiled
    assert (warm.schedule_source, warm.algorithm) == (cold.schedule_source, cold.algorithm)
    x, w, b = random_inputs(DESC, 4)
    assert_matches_reference(DESC, run_kernel_poisoned(warm, x, w, b), x, w, b)
    assert min(warm.time_ms(x, w, b, number=1, repeat=1)) > 0  # timing needs the full module


@pytest.mark.parametrize("change", ["code_version", "tvm_version"])
def test_other_kernel_code_or_tvm_is_a_miss(tmp_path, monkeypatch, change):
    _build(tmp_path)
    monkeypatch.setattr(warm_start, change, lambda: "something else")
    _, cache = _build(tmp_path)
    assert cache.stats["warm_hits"] == 0


def test_another_cpu_is_a_miss(tmp_path, monkeypatch):
    _build(tmp_path)
    monkeypatch.setattr(warm_start, "host_fingerprint", lambda: "another cpu")
    _, cache = _build(tmp_path)
    assert cache.stats["warm_hits"] == 0


def test_an_explicit_target_or_algorithm_builds_in_full(tmp_path):
    _build(tmp_path)
    _, cache = _build(tmp_path, algorithm="polyphase")
    assert cache.stats["warm_hits"] == 0


def _fake_log_dir(path: Path, record: str, desc=DESC) -> Path:
    """A log directory whose index says `record` serves desc (the database is a stand-in:
    the index is valid for its checksum)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / records.WORKLOAD_FILE).write_text("")
    (path / records.RECORD_FILE).write_text(f"{record}\n")
    (path / records.INDEX_FILE).write_text(json.dumps({
        "format": records.INDEX_FORMAT, "tvm_version": warm_start.tvm_version(),
        "code_version": warm_start.code_version(),
        "database_sha256": records.database_checksum(path),
        "records": [{"desc": desc.to_dict(), "record": record, "best_ms": 1.0,
                     "default_ms": 2.0}]}))
    return path


def test_schedule_identity_follows_the_index(tmp_path):
    logs = _fake_log_dir(tmp_path / "logs", "r1")
    assert records.schedule_identity(DESC, [logs]) == "tuned:r1"
    assert records.schedule_identity(DESC.replace(batch=2), [logs]) == "transferred:r1"
    assert records.schedule_identity(DESC.replace(groups=2), [logs]) == "default"
    _fake_log_dir(logs, "r2")
    assert records.schedule_identity(DESC, [logs]) == "tuned:r2"
    (logs / records.RECORD_FILE).write_text("r2\nanother trial\n")  # index now stale
    assert records.schedule_identity(DESC, [logs]) is None
    assert records.schedule_identity(DESC, []) == "default"


@pytest.fixture
def default_schedules(monkeypatch):
    """Builds use the default schedule whatever the (stand-in) logs say."""
    monkeypatch.setattr(builder, "main_schedule",
                        lambda desc, target, *a, **k: (builder.schedule(desc, target).mod,
                                                       "default"))


def test_another_tuned_record_is_a_miss(tmp_path, default_schedules):
    """The warm key includes the record's id: a retuned layer is not served its old kernel."""
    logs = _fake_log_dir(tmp_path / "logs", "r1", desc=DESC.replace(batch=2))
    _build(tmp_path, log_dirs=[logs])
    _, cache = _build(tmp_path, log_dirs=[logs])
    assert cache.stats["warm_hits"] == 1
    _fake_log_dir(logs, "r2", desc=DESC.replace(batch=2))
    _, cache = _build(tmp_path, log_dirs=[logs])
    assert cache.stats["warm_hits"] == 0


def test_a_stale_index_builds_in_full(tmp_path, default_schedules):
    logs = _fake_log_dir(tmp_path / "logs", "r1", desc=DESC.replace(batch=2))
    _build(tmp_path, log_dirs=[logs])
    (logs / records.RECORD_FILE).write_text("r1\na record the index does not know\n")
    _, cache = _build(tmp_path, log_dirs=[logs])
    assert cache.stats["warm_hits"] == 0


def test_a_damaged_library_is_not_loaded_warm(tmp_path):
    kernel, _ = _build(tmp_path)
    damaged = kernel.library.with_suffix(".damaged")  # a new file: this process maps the old
    damaged.write_bytes(b"not a library")
    damaged.replace(kernel.library)
    rebuilt, cache = _build(tmp_path)
    assert cache.stats["warm_hits"] == 0 and cache.stats["corrupt"] == 1
    x, w, b = random_inputs(DESC, 5)
    assert_matches_reference(DESC, run_kernel_poisoned(rebuilt, x, w, b), x, w, b)


def test_the_code_version_covers_the_compute_and_the_schedules():
    files = {str(p) for p in warm_start.code_files()}
    for name in ("compute/polyphase.py", "compute/gemm.py", "compute/phases.py",
                 "cpu_polyphase.py", "cpu_gemm.py", "cuda.py", "config.py", "description.py",
                 "compiler/builder.py", "tuning/records.py"):
        assert any(f.endswith(name) for f in files), name


def test_the_committed_indexes_are_current():
    """Every committed tuning log's index.json matches its database and today's kernel code
    (else no new process starts warm on it): after changing a compute or a schedule rule, run
    `tvmconv tune --reindex` per log directory, or retune."""
    stale = [d.name for d in (ROOT / "tuning_logs").iterdir()
             if (d / records.WORKLOAD_FILE).is_file() and records.read_index(d) is None]
    assert stale == []


def test_reading_the_index_needs_no_tvm():
    code = ("import sys, pathlib; from tvmconv.tuning import records; "
            "from tvmconv.description import ConvTranspose2dDesc as D; "
            f"print(records.schedule_identity(D.from_dict({DESC.to_dict()!r}), "
            "[pathlib.Path('tuning_logs/llvm-znver4')]), 'tvm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()
    assert out[-1] == "False" and out[0] != "None"


def test_a_users_log_without_an_index_gets_one_and_then_starts_warm(tmp_path, monkeypatch,
                                                                     default_schedules):
    """Logs tuned by an older tvmconv have no index.json: the first full build writes it
    (here a stand-in for records.write_index, the database being a stand-in too), the next
    build starts warm."""
    logs = _fake_log_dir(tmp_path / "logs", "r1", desc=DESC.replace(batch=2))
    (logs / records.INDEX_FILE).unlink()
    written = []

    def write_index(log_dir):
        written.append(log_dir)
        return _fake_log_dir(Path(log_dir), "r1", desc=DESC.replace(batch=2))

    monkeypatch.setattr(records, "write_index", write_index)
    _build(tmp_path, log_dirs=[logs])
    assert written == [logs]
    _, cache = _build(tmp_path, log_dirs=[logs])
    assert cache.stats["warm_hits"] == 1
