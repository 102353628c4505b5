"""Compiled kernel packages: `tvmconv compile` writes them, `tvmconv.load` runs them with TVM's
runtime only, and refuses packages it cannot run with a clear error."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from tvmconv.compiler.cache import sha256_file
from tvmconv.layers import load_layers
from tvmconv.package import PackageError, load, manifest_digest
from tvmconv.package.compile import compile_package

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def cpu_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("pkg") / "tiny"
    compile_package(load_layers("tiny"), None, out, progress=lambda *_: None)
    return out


def test_manifest_describes_every_kernel(cpu_package):
    manifest = json.loads((cpu_package / "manifest.json").read_text())
    layers = load_layers("tiny")
    assert [k["layer"] for k in manifest["kernels"]] == [layer.name for layer in layers]
    import tvm

    assert manifest["tvm_version"] == tvm.__version__
    assert manifest["kind"] == "llvm" and manifest["library"] == "kernels.so"
    for entry, layer in zip(manifest["kernels"], layers):
        assert entry["key"] == layer.desc.key
        assert entry["schedule"] in ("tuned", "transferred", "default")
        assert len(entry["schedule_hash"]) == 16
        assert entry["useful_flops"] > 0


LOADER = textwrap.dedent("""
    import sys, time, json
    import numpy as np
    t0 = time.perf_counter()
    import tvmconv
    pkg = tvmconv.load(sys.argv[1])
    t1 = time.perf_counter()
    assert pkg.warm_up() is pkg  # runs every kernel once, with the runtime alone
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.testing.reference import conv2d_transpose_reference
    errors = {}
    first_call_ms = {}
    for name in pkg.names:
        k = pkg[name]
        x, w, b = random_inputs(k.desc, 7)
        t = time.perf_counter()
        y = k(x, w, b)
        first_call_ms[name] = (time.perf_counter() - t) * 1e3
        ref = conv2d_transpose_reference(k.desc, x, w, b)
        errors[name] = float(np.abs(y - ref).max() / (np.abs(ref).max() + 1e-12))
    maps = open("/proc/self/maps").read()
    print(json.dumps({"load_ms": (t1 - t0) * 1e3, "first_call_ms": first_call_ms,
                      "errors": errors, "tvm_imported": "tvm" in sys.modules,
                      "compiler_mapped": "libtvm_compiler" in maps}))
""")


def test_load_runs_without_the_compiler(cpu_package):
    """A fresh process loads the package and runs every kernel against the float64 reference,
    without importing tvm or mapping its compiler library."""
    proc = subprocess.run([sys.executable, "-c", LOADER, str(cpu_package)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not result["tvm_imported"], "loading a package imported tvm"
    assert not result["compiler_mapped"], "loading a package mapped libtvm_compiler.so"
    assert result["errors"] and max(result["errors"].values()) < 1e-5, result["errors"]
    assert result["load_ms"] < 2000  # measured ~0.1 s; `import tvm` alone takes ~2 s


def test_load_in_process_matches_reference(cpu_package):
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

    pkg = load(cpu_package)
    assert len(pkg) == 2 and "tiny_s2" in pkg
    for name in pkg.names:
        kernel = pkg[name]
        x, w, b = random_inputs(kernel.desc, 3)
        assert_matches_reference(kernel.desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)
    with pytest.raises(KeyError, match="no layer 'nope'"):
        pkg["nope"]


def _damaged_copy(src, tmp_path, edit):
    dst = tmp_path / "pkg"
    shutil.copytree(src, dst)
    edit(dst)
    return dst


def _edit_manifest(**changes):
    def edit(path):
        manifest = json.loads((path / "manifest.json").read_text())
        manifest.update(changes)
        (path / "manifest.json").write_text(json.dumps(manifest))
    return edit


def _flip_library_byte(path):
    data = bytearray((path / "kernels.so").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (path / "kernels.so").write_bytes(bytes(data))


@pytest.mark.parametrize("edit, message", [
    (_edit_manifest(tvm_version="0.19.0"), "built with TVM 0.19.0"),
    (_edit_manifest(arch="aarch64"), "built for aarch64 CPUs"),
    (_edit_manifest(cpu_features=["avx512f", "no_such_isa"]), "no_such_isa"),
    (_edit_manifest(kind="vulkan"), "not supported"),
    (_edit_manifest(format="something-else"), "not a tvmconv-package/1 manifest"),
    (_flip_library_byte, "checksum does not match"),
    (lambda p: (p / "kernels.so").unlink(), "is missing"),
    (lambda p: (p / "manifest.json").write_text("{ truncated"), "not valid JSON"),
    (lambda p: (p / "manifest.json").unlink(), "no manifest.json"),
])
def test_unusable_packages_are_refused(cpu_package, tmp_path, edit, message):
    with pytest.raises(PackageError, match=message):
        load(_damaged_copy(cpu_package, tmp_path, edit))


def _resealed(edit):
    """An edit of the manifest that also rewrites its own checksum (a deliberate tampering,
    which only the checks behind the checksum can catch)."""
    def apply(path):
        manifest = json.loads((path / "manifest.json").read_text())
        edit(path, manifest)
        manifest["manifest_sha256"] = manifest_digest(manifest)
        (path / "manifest.json").write_text(json.dumps(manifest))
    return apply


def _swap_two_layers(path):
    manifest = json.loads((path / "manifest.json").read_text())
    first, second = manifest["kernels"][:2]
    first["layer"], second["layer"] = second["layer"], first["layer"]
    (path / "manifest.json").write_text(json.dumps(manifest))


def _truncate_library(path, manifest):
    library = path / "kernels.so"
    library.write_bytes(library.read_bytes()[: library.stat().st_size // 2])
    manifest["library_sha256"] = sha256_file(library)


def _link_library_to_dev_zero(path, manifest):
    (path / "zero.so").symlink_to("/dev/zero")
    manifest["library"] = "zero.so"


@pytest.mark.parametrize("edit, message", [
    (_swap_two_layers, "does not match its checksum"),
    (_edit_manifest(kernels=[]), "does not match its checksum"),
    (_edit_manifest(manifest_sha256=None), "does not match its checksum"),
    (lambda p: _edit_manifest()(p) or _strip_digest(p), "carries no checksum"),
    (_resealed(lambda p, m: m.update(library="../kernels.so")), "must be a file name"),
    (_resealed(lambda p, m: m.update(library="/dev/zero")), "must be a file name"),
    (_resealed(_link_library_to_dev_zero), "not a regular file"),
    (_resealed(_truncate_library), "truncated"),
])
def test_tampered_packages_are_refused(cpu_package, tmp_path, edit, message):
    with pytest.raises(PackageError, match=message):
        load(_damaged_copy(cpu_package, tmp_path, edit))


def _strip_digest(path):
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["manifest_sha256"]
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_cross_compiled_package_ships_objects(tmp_path):
    manifest = compile_package(load_layers("tiny")[:1], "llvm -mtriple=aarch64-linux-gnu",
                               tmp_path, use_tuned=False, progress=lambda *_: None)
    assert manifest["arch"] == "aarch64" and manifest["library"] == "kernels.tar"
    listing = subprocess.run(["tar", "-tf", str(tmp_path / "kernels.tar")], capture_output=True,
                             text=True, check=True).stdout.split()
    assert any(name.endswith(".o") for name in listing)
    if os.uname().machine != "aarch64":
        with pytest.raises(PackageError, match="built for aarch64"):
            load(tmp_path)


def test_compile_command_line(tmp_path):
    from tvmconv.tools.cli import main

    assert main(["compile", "--layers", "tiny", "--only", "tiny_dw", "--out", str(tmp_path)]) == 0
    assert load(tmp_path).names == ["tiny_dw"]
    with pytest.raises(SystemExit, match="no layer named nope"):
        main(["compile", "--layers", "tiny", "--only", "nope", "--out", str(tmp_path)])


def test_warm_up_leaves_the_kernels_exact(cpu_package):
    from tvmconv.testing.inputs import random_inputs
    from tvmconv.testing.tolerances import assert_matches_reference, run_kernel_poisoned

    pkg = load(cpu_package).warm_up()
    for name in pkg.names:
        kernel = pkg[name]
        x, w, b = random_inputs(kernel.desc, 4)
        assert_matches_reference(kernel.desc, run_kernel_poisoned(kernel, x, w, b), x, w, b)
