"""Module cache: memory and disk hits, loads in a fresh process without compiling, corrupt
entries rebuilt, unwritable directories degrade to memory, keys that move with every input."""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import tvmconv.build as build_mod
from conftest import assert_matches_reference, run_kernel_poisoned
from tvmconv.baselines import random_inputs
from tvmconv.cache import ModuleCache, cache_key
from tvmconv.description import ConvTranspose2dDesc

DESC = ConvTranspose2dDesc(batch=1, in_channels=4, out_channels=6, height=5, width=6,
                           kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, pad_top=1,
                           pad_bottom=1, pad_left=1, pad_right=1, has_bias=True)


def _check_kernel(kernel, desc=DESC):
    x, w, b = random_inputs(desc, seed=7)
    assert_matches_reference(desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)


def _entries(root):
    return sorted(p for p in root.rglob("*.so"))


def test_miss_then_memory_hit_then_disk_hit(tmp_path):
    cache = ModuleCache(tmp_path)
    before = build_mod.COMPILE_COUNT
    k1 = build_mod.build(DESC, cache=cache)
    assert build_mod.COMPILE_COUNT == before + 1 and cache.stats["misses"] == 1
    k2 = build_mod.build(DESC, cache=cache)
    assert build_mod.COMPILE_COUNT == before + 1 and cache.stats["memory_hits"] == 1
    assert k2.module is k1.module
    cache.clear_memory()
    k3 = build_mod.build(DESC, cache=cache)
    assert build_mod.COMPILE_COUNT == before + 1 and cache.stats["disk_hits"] == 1
    _check_kernel(k3)
    assert len(_entries(tmp_path)) == 1
    assert not list(tmp_path.rglob(".tmp-*")), "temporary files left behind"


def test_second_process_loads_without_compiling(tmp_path):
    build_mod.build(DESC, cache=ModuleCache(tmp_path))
    script = textwrap.dedent(f"""
        import numpy as np
        import tvmconv.build as b
        from tvmconv.cache import ModuleCache
        from tvmconv.description import ConvTranspose2dDesc
        desc = ConvTranspose2dDesc.from_dict({DESC.to_dict()!r})
        cache = ModuleCache({str(tmp_path)!r})
        kernel = b.build(desc, cache=cache)
        print(b.COMPILE_COUNT, cache.stats["disk_hits"])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, env=dict(os.environ))
    assert out.stdout.split() == ["0", "1"], out.stdout + out.stderr


@pytest.mark.parametrize("damage", ["truncate", "flip", "no-sidecar", "garbage-sidecar"])
def test_corrupt_entry_is_discarded_and_rebuilt(tmp_path, damage):
    cache = ModuleCache(tmp_path)
    build_mod.build(DESC, cache=cache)
    (lib,) = _entries(tmp_path)
    sidecar = lib.with_suffix(".json")
    data = lib.read_bytes()
    mid = len(data) // 2
    # Damage a new inode: this process still has the old library mapped (rewriting that file in
    # place would crash it, as it would crash any process that loaded it).
    if damage == "truncate":
        _replace(lib, data[:mid])
    elif damage == "flip":
        _replace(lib, data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1:])
    elif damage == "no-sidecar":
        sidecar.unlink()
    else:
        sidecar.write_text("{not json")
    fresh = ModuleCache(tmp_path)
    before = build_mod.COMPILE_COUNT
    with pytest.warns(RuntimeWarning, match="corrupt"):
        kernel = build_mod.build(DESC, cache=fresh)
    assert build_mod.COMPILE_COUNT == before + 1 and fresh.stats["corrupt"] == 1
    _check_kernel(kernel)
    meta = json.loads(sidecar.read_text())
    assert meta["size"] == lib.stat().st_size  # rewritten whole


def _replace(path, data):
    tmp = path.with_name("damaged")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; see the file variant")
def test_unwritable_directory_degrades_to_memory(tmp_path):
    root = tmp_path / "ro"
    root.mkdir()
    root.chmod(0o500)
    _unwritable_case(root)


def test_cache_dir_that_is_a_file_degrades_to_memory(tmp_path):
    root = tmp_path / "a-file"
    root.write_text("not a directory")
    _unwritable_case(root)


def _unwritable_case(root):
    cache = ModuleCache(root)
    with pytest.warns(RuntimeWarning, match="memory only") as record:
        kernel = build_mod.build(DESC, cache=cache)
    assert len([w for w in record if "memory only" in str(w.message)]) == 1
    _check_kernel(kernel)
    other = DESC.replace(out_channels=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning is given once, not per kernel
        _check_kernel(build_mod.build(other, cache=cache), other)


def test_key_changes_with_description_target_version_and_schedule():
    base = cache_key(DESC.key, "{llvm}", "0.27", "aaaa")
    assert base == cache_key(DESC.key, "{llvm}", "0.27", "aaaa")
    assert base != cache_key(DESC.replace(stride_w=3).key, "{llvm}", "0.27", "aaaa")
    assert base != cache_key(DESC.key, "{cuda}", "0.27", "aaaa")
    assert base != cache_key(DESC.key, "{llvm}", "0.28", "aaaa")
    assert base != cache_key(DESC.key, "{llvm}", "0.27", "bbbb")


def test_a_different_schedule_is_a_different_entry(tmp_path, monkeypatch):
    cache = ModuleCache(tmp_path)
    build_mod.build(DESC, cache=cache)
    import tvmconv.schedules.cpu as cpu  # the rule build() uses

    # another register tile: other code
    monkeypatch.setattr(cpu, "MAX_ACCUMULATORS", {"channel": 2, "spatial": 2})
    before = build_mod.COMPILE_COUNT
    kernel = build_mod.build(DESC, cache=cache)
    assert build_mod.COMPILE_COUNT == before + 1
    assert len(_entries(tmp_path)) == 2
    _check_kernel(kernel)


def test_env_var_sets_the_default_directory(tmp_path, monkeypatch):
    from tvmconv.cache import default_cache

    monkeypatch.setenv("TVMCONV_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache().root == tmp_path / "env"
