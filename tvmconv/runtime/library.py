"""Loading compiled kernel libraries with TVM's runtime only: no compiler (libtvm.so) import.

Both a package (``tvmconv.load``) and a module-cache hit load kernels this way: TVM's runtime
library is opened globally (the kernels link against it), then the kernel library through
tvm_ffi. Importing the compiler later in the same process is fine.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import subprocess
import tempfile
from pathlib import Path


def tvm_lib_dir() -> Path:
    spec = importlib.util.find_spec("tvm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("TVM's runtime is not installed (pip install apache-tvm)")
    return Path(list(spec.submodule_search_locations)[0]) / "lib"


RUNTIMES: dict = {}


def load_runtime(kind: str) -> None:
    """dlopen TVM's runtime (and its CUDA part) globally: the kernels link against it."""
    import tvm_ffi  # noqa: F401  (loads libtvm_ffi.so, which the runtime links against)

    names = ["libtvm_runtime.so"] + (["libtvm_runtime_cuda.so"] if kind == "cuda" else [])
    for name in names:
        if name in RUNTIMES:
            continue
        lib = tvm_lib_dir() / name
        try:
            RUNTIMES[name] = ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
        except OSError as err:
            hint = " (it needs the NVIDIA driver: is there a GPU?)" if "cuda" in name else ""
            raise RuntimeError(f"cannot load TVM runtime {lib}{hint}: {err}") from None


def load_library(library: Path):
    import tvm_ffi

    if library.suffix == ".tar":  # cross-compiled objects: link them here
        library = link_tar(library)
    try:
        return tvm_ffi.load_module(str(library))
    except Exception as err:  # pylint: disable=broad-except
        raise RuntimeError(f"cannot load {library}: {err}") from None


def link_tar(tar: Path) -> Path:
    out = Path(tempfile.mkdtemp(prefix="tvmconv-pkg-"))
    subprocess.run(["tar", "-xf", str(tar), "-C", str(out)], check=True)
    objects = sorted(str(p) for p in out.iterdir() if p.suffix == ".o")
    lib = out / "kernels.so"
    cc = os.environ.get("CC", "cc")
    proc = subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), *objects],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"linking {tar} failed: {proc.stderr[-2000:]}")
    return lib
