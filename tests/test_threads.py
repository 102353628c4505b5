"""The thread count kernels get: every physical core unless the user chose (runtime/threads.py)."""

import os
import subprocess
import sys

import pytest

from tvmconv.runtime import threads

# (cores counted first: TVM's pool pins the calling thread to one CPU when it starts)
POOL_SIZE = """
import tvmconv, tvm_ffi
from tvmconv.runtime.library import load_runtime
from tvmconv.runtime.threads import physical_cores
cores = physical_cores()
load_runtime("llvm")
print(tvm_ffi.get_global_func("runtime.NumThreads")(), cores)
"""


def _pool_and_cores(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("TVM_NUM_THREADS", "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", POOL_SIZE], env=dict(clean, **env), check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1])


def test_the_pool_gets_every_physical_core_by_default():
    # TVM alone would take half of os.cpu_count() on x86 (it assumes SMT)
    pool, cores = _pool_and_cores()
    assert pool == cores


@pytest.mark.parametrize("variable", ["TVM_NUM_THREADS", "OMP_NUM_THREADS"])
def test_a_count_the_user_set_is_kept(variable):
    pool, _ = _pool_and_cores(**{variable: "1"})
    assert pool == 1  # (TVM caps the pool at the CPU count)


def _fake_topology(tmp_path, monkeypatch, cpus: dict):
    """cpus: cpu number -> (package, core) written as sysfs would."""
    for cpu, (package, core) in cpus.items():
        d = tmp_path / f"cpu{cpu}" / "topology"
        d.mkdir(parents=True)
        (d / "physical_package_id").write_text(f"{package}\n")
        (d / "core_id").write_text(f"{core}\n")
    monkeypatch.setattr(threads, "_TOPOLOGY", str(tmp_path) + "/cpu{}/topology/{}")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(cpus), raising=False)


def test_smt_siblings_count_once(tmp_path, monkeypatch):
    _fake_topology(tmp_path, monkeypatch, {0: (0, 0), 1: (0, 1), 2: (0, 0), 3: (0, 1)})
    assert threads.physical_cores() == 2


def test_cores_of_two_packages_with_the_same_core_id_are_distinct(tmp_path, monkeypatch):
    _fake_topology(tmp_path, monkeypatch, {0: (0, 0), 1: (1, 0), 2: (0, 1)})
    assert threads.physical_cores() == 3


def test_a_cpu_without_topology_counts_as_a_core(tmp_path, monkeypatch):
    _fake_topology(tmp_path, monkeypatch, {0: (0, 0), 1: (0, 0)})
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 7}, raising=False)
    assert threads.physical_cores() == 2
