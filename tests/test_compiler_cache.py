"""Module cache: memory and disk hits, loads in a fresh process without compiling, corrupt
entries rebuilt, unwritable directories degrade to memory, keys that move with every input."""

import json
import os
import subprocess
import sys
import textwrap
import warnings

import pytest

import tvmconv.compiler.builder as build_mod
from tvmconv.compiler.cache import ModuleCache, cache_key
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.testing.inputs import random_inputs
from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

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
    k3 = build_mod.build(DESC, cache=cache)  # the host, default algorithm: a warm start
    assert build_mod.COMPILE_COUNT == before + 1 and cache.stats["warm_hits"] == 1
    _check_kernel(k3)
    cache.clear_memory()
    k4 = build_mod.build(DESC, build_mod.as_target(None), cache=cache)  # a named target
    assert build_mod.COMPILE_COUNT == before + 1 and cache.stats["disk_hits"] == 1
    _check_kernel(k4)
    assert len(_entries(tmp_path)) == 1
    assert not list(tmp_path.rglob(".tmp-*")), "temporary files left behind"


@pytest.mark.slow
def test_second_process_loads_without_compiling(tmp_path):
    build_mod.build(DESC, cache=ModuleCache(tmp_path))
    script = textwrap.dedent(f"""
        import numpy as np
        import tvmconv.compiler.builder as b
        from tvmconv.compiler.cache import ModuleCache
        from tvmconv.description import ConvTranspose2dDesc
        desc = ConvTranspose2dDesc.from_dict({DESC.to_dict()!r})
        cache = ModuleCache({str(tmp_path)!r})
        kernel = b.build(desc, cache=cache)
        print(b.COMPILE_COUNT, cache.stats["disk_hits"] + cache.stats["warm_hits"])
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
    build_mod.build(DESC, cache=cache, algorithm="polyphase")
    import dataclasses

    from tvmconv.schedules.config import CPUConfig  # what the rule build() uses reads

    # another register tile: other code
    real = CPUConfig.from_target

    def small_tiles(cls, target):
        return dataclasses.replace(real(target), channel_accumulators=2, spatial_accumulators=2)

    monkeypatch.setattr(CPUConfig, "from_target", classmethod(small_tiles))
    before = build_mod.COMPILE_COUNT
    kernel = build_mod.build(DESC, cache=cache, algorithm="polyphase")
    assert build_mod.COMPILE_COUNT == before + 1
    assert len(_entries(tmp_path)) == 2
    _check_kernel(kernel)


def test_env_var_sets_the_default_directory(tmp_path, monkeypatch):
    from tvmconv.compiler.cache import default_cache

    monkeypatch.setenv("TVMCONV_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache().root == tmp_path / "env"


CONCURRENT = textwrap.dedent("""
    import json, sys, time
    import tvmconv.compiler.builder as b
    from tvmconv.compiler.cache import ModuleCache
    from tvmconv.description import ConvTranspose2dDesc
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.testing.reference import conv2d_transpose_reference
    import numpy as np
    desc = ConvTranspose2dDesc.from_dict(json.loads(sys.argv[2]))
    while time.time() < float(sys.argv[3]):  # start together
        time.sleep(0.001)
    cache = ModuleCache(sys.argv[1])
    t = time.perf_counter()
    kernel = b.build(desc, cache=cache, use_tuned=False)
    wall = time.perf_counter() - t
    x, w, bias = random_inputs(desc, 5)
    err = np.abs(kernel(x, w, bias) - conv2d_transpose_reference(desc, x, w, bias)).max()
    print(json.dumps({"compiled": b.COMPILE_COUNT, "stats": cache.stats, "wall": wall,
                      "err": float(err)}))
""")


@pytest.mark.slow
def test_processes_compiling_the_same_kernel_at_once(tmp_path):
    """Four processes ask for the same uncached kernel at the same instant: exactly one
    compiles, the others wait for it and load its library; all compute the right thing."""
    import time

    start = time.time() + 4.0  # after every interpreter has started
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(tmp_path),
                               json.dumps(DESC.to_dict()), str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["compiled"] for r in results) == 1, results
    assert sum(r["stats"]["disk_hits"] for r in results) == 3, results
    assert all(r["stats"]["corrupt"] == 0 for r in results)
    assert all(r["err"] < 1e-4 for r in results)
    assert len(_entries(tmp_path)) == 1
    assert not list(tmp_path.rglob(".tmp-*")), "temporary files left behind"


def _other_desc(i):
    return ConvTranspose2dDesc(batch=1, in_channels=2, out_channels=3, height=4 + i, width=4,
                               kernel_h=3, kernel_w=3, stride_h=2, stride_w=2)


def test_size_cap_evicts_least_recently_used(tmp_path):
    import time

    cache = ModuleCache(tmp_path, max_bytes=1 << 40)
    for i in range(3):
        build_mod.build(_other_desc(i), cache=cache, use_tuned=False)
        time.sleep(0.05)
    entries = sorted(cache.entries(), key=lambda e: e["last_used"])
    assert len(entries) == 3
    # Use the oldest one again: now the second-built is the least recently used.
    cache.clear_memory()
    time.sleep(0.05)
    build_mod.build(_other_desc(0), cache=cache, use_tuned=False)
    per_entry = max(e["bytes"] for e in entries)
    cache.max_bytes = 3 * per_entry  # room for three
    build_mod.build(_other_desc(3), cache=cache, use_tuned=False)  # a fourth: one must go
    keys = {e["key"].rsplit("-", 1)[0] for e in cache.entries()}
    assert _other_desc(1).key not in keys, "the least recently used entry survived"
    assert {_other_desc(0).key, _other_desc(2).key, _other_desc(3).key} <= keys
    assert cache.total_bytes() <= cache.max_bytes


def test_cache_command_line(tmp_path, capsys):
    from tvmconv.tools.cli import main

    cache = ModuleCache(tmp_path)
    build_mod.build(_other_desc(0), cache=cache, use_tuned=False)
    assert main(["cache", "info", "--dir", str(tmp_path)]) == 0
    assert "entries:   1" in capsys.readouterr().out
    assert main(["cache", "ls", "--dir", str(tmp_path)]) == 0
    assert _other_desc(0).key in capsys.readouterr().out
    assert main(["cache", "clear", "--dir", str(tmp_path), "--target", "no-such"]) == 0
    assert len(ModuleCache(tmp_path).entries()) == 1
    assert main(["cache", "clear", "--dir", str(tmp_path)]) == 0
    assert "removed 1 entries" in capsys.readouterr().out
    assert ModuleCache(tmp_path).entries() == []


def test_clear_leaves_nothing_and_stale_temporaries_are_swept(tmp_path):
    cache = ModuleCache(tmp_path)
    kernel = build_mod.build(DESC, cache=cache)
    folder = kernel.library.parent
    assert list(folder.glob("*.lock")) and list(folder.glob("links/*.json"))
    stale = folder / ".tmp-killed.so"  # what a kill mid-export leaves
    stale.write_bytes(b"half a library")
    fresh = folder / ".tmp-writing.so"  # another process is writing this one right now
    fresh.write_bytes(b"")
    os.utime(stale, (0, 0))
    cache.evict()
    assert not stale.exists() and fresh.exists()
    assert cache.clear() == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["host-targets.json"]


def test_cache_ls_shows_layer_target_source_and_size(tmp_path, capsys):
    import argparse

    from tvmconv.compiler.cache import cli_main

    build_mod.build(DESC, cache=ModuleCache(tmp_path), use_tuned=False)
    cli_main(argparse.Namespace(action="ls", dir=str(tmp_path), target=None))
    out = capsys.readouterr().out.splitlines()
    row = next(line for line in out if DESC.key in line)
    assert " default " in row and " KB " in row
    assert out[-1].startswith("1 entries") and str(tmp_path) in out[-1]
