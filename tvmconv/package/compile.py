"""``tvmconv compile``: a set of layers built for one target into a deployable package.

    DIR/manifest.json    what is inside (see ``manifest``), checksums, TVM version, target
    DIR/kernels.so       every kernel, one exported library (``kernels.tar`` of object files
                         when cross-compiling without a linker for the target)

Each layer contributes its ``main`` (scheduled from its tuned record when the tuning logs have
one, else the default schedule) and, when its weight needs packing, ``pack_weight``, renamed
``<entry>`` and ``<entry>_pack_weight`` so that all live in one library. CUDA kernels are
compiled to fatbins by nvcc here (see cuda_binary): no GPU is needed, and the app needs none
of the compiler.
"""

from __future__ import annotations

import json
import platform
import re
import time
from pathlib import Path

from ..compiler.cache import sha256_file
from ..compiler.cuda_binary import cuda_arch, export_library
from . import FORMAT, manifest_digest


def entry_name(index: int, layer_name: str) -> str:
    """A C symbol for a layer's kernel: k<index>_<name, sanitised>."""
    return f"k{index}_" + re.sub(r"[^0-9A-Za-z_]", "_", layer_name)[:48]


def _renamed(func, name: str):
    return func.with_attr("global_symbol", name)


def compile_package(layers, target, out_dir, log_dirs=None, use_tuned=True, progress=print):
    """Build `layers` (tvmconv.layers.Layer list) for `target` into `out_dir`; the manifest."""
    import tvm

    from ..compiler.builder import argument_alignment, kernel_module, main_schedule, schedule_hash
    from ..compiler.targets import as_target, target_name
    from ..compute import algorithm_of

    target = as_target(target)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    funcs, entries = {}, []
    started = time.perf_counter()
    for i, layer in enumerate(layers):
        main, source = main_schedule(layer.desc, target, use_tuned, log_dirs)

        mod = kernel_module(layer.desc, target, main)
        name = entry_name(i, layer.name)
        funcs[name] = _renamed(mod["main"], name)
        if "pack_weight" in [gv.name_hint for gv in mod.get_global_vars()]:
            funcs[name + "_pack_weight"] = _renamed(mod["pack_weight"], name + "_pack_weight")
        entries.append({"layer": layer.name, "source": layer.source, "entry": name,
                        "pack_entry": name + "_pack_weight" if name + "_pack_weight" in funcs
                        else None,
                        "key": layer.desc.key, "desc": layer.desc.to_dict(),
                        "schedule": source, "schedule_hash": schedule_hash(mod),
                        "algorithm": algorithm_of(main["main"]),
                        "argument_alignment": argument_alignment(layer.desc, target),
                        "useful_flops": layer.desc.flops})
        progress(f"[{i + 1}/{len(layers)}] {layer.name}: {source} schedule")
    progress(f"compiling {len(funcs)} functions for {target_name(target)} ...")
    executable = tvm.compile(tvm.IRModule(funcs), target=target)
    library, device_code = _export(executable, target, out)
    manifest = {
        "format": FORMAT,
        "tvm_version": tvm.__version__,
        "tvmconv_version": _tvmconv_version(),
        "target": json.loads(json.dumps(target.export(), default=str)),
        "target_name": target_name(target),
        "kind": target.kind.name,
        "arch": _arch(target),
        "cpu_features": _cpu_features(target),
        "library": library.name,
        "library_sha256": sha256_file(library),
        "device_code": device_code,
        "built_on": platform.machine(),
        "build_seconds": round(time.perf_counter() - started, 2),
        "kernels": entries,
    }
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    progress(f"wrote {library} and {out / 'manifest.json'} "
             f"({manifest['build_seconds']} s, {len(entries)} kernels)")
    return manifest


def _export(executable, target, out: Path):
    """Export the library; (path, per-CUDA-module records)."""
    records: list = []
    host_arch = _arch(target) if target.kind.name == "llvm" else platform.machine()
    if host_arch != platform.machine():
        # No linker for the target here: ship objects; link on the device with
        # `cc -shared -o kernels.so *.o` (tvmconv.load does it when it finds a .tar).
        path = out / "kernels.tar"
    else:
        path = out / "kernels.so"
    for old in (out / "kernels.so", out / "kernels.tar"):
        old.unlink(missing_ok=True)
    if target.kind.name == "cuda":
        export_library(executable, path, cuda_arch(target), records)
    else:
        executable.export_library(str(path))
    return path, records


def _arch(target) -> str:
    """cuda: sm_XY; llvm: the machine the code runs on (x86_64, aarch64, ...)."""
    if target.kind.name == "cuda":
        return cuda_arch(target)
    triple = str(target.attrs.get("mtriple", "") or "")
    if not triple:
        return platform.machine()
    arch = triple.split("-")[0]
    return {"arm64": "aarch64", "amd64": "x86_64"}.get(arch, arch)


# LLVM feature -> /proc/cpuinfo flag, for the instruction sets a kernel may use; a package that
# needs one the loading CPU lacks is refused instead of dying of SIGILL.
X86_FEATURES = {"sse4.2": "sse4_2", "avx": "avx", "avx2": "avx2", "fma": "fma", "f16c": "f16c",
                "avx512f": "avx512f", "avx512bw": "avx512bw", "avx512dq": "avx512dq",
                "avx512vl": "avx512vl", "avx512cd": "avx512cd", "avx512vnni": "avx512_vnni",
                "avx512bf16": "avx512_bf16", "avx512fp16": "avx512_fp16"}


def _cpu_features(target) -> list[str]:
    if target.kind.name != "llvm" or _arch(target) != "x86_64":
        return []
    from tvm.target import codegen

    try:
        features = codegen.llvm_get_cpu_features(target)
    except Exception:  # pylint: disable=broad-except
        return []
    return sorted(flag for feature, flag in X86_FEATURES.items() if feature in features)


def _tvmconv_version() -> str:
    from .. import __version__

    return __version__


def main(args) -> int:
    from ..layers import load_layers, select_layers

    layers = select_layers(load_layers(args.layers), args.only, "compile")
    compile_package(layers, args.target, args.out, use_tuned=not args.untuned)
    return 0
