"""CUDA kernels compiled when the library is exported, not when an app loads it.

TVM 0.27 keeps a CUDA module as source (format ``cuda``) and compiles it when the library is
loaded, through a Python callback that needs TVM's compiler package and NVRTC or nvcc on the
app's machine. A deployed library should hold device code instead. ``export_library`` packs
the import tree into one blob (``__tvm_ffi__library_bin``); ``pack_imports_with_binaries``
packs the same blob with every CUDA module's source replaced by an nvcc fatbin (SASS for the
target's arch plus its PTX, for newer GPUs), which TVM's CUDA runtime loads as it is.

Blob layout (tvm-ffi ``ProcessLibraryBin``), little-endian u64 lengths throughout::

    <nbytes> <indptr: vec<u64>> <children: vec<u64>> then per module: <kind: str> [<bytes: str>]
    CUDA module bytes: <format: str> <function table> <data: str>
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile

U64 = struct.Struct("<Q")


def _read_u64(buf: bytes, pos: int) -> tuple[int, int]:
    return U64.unpack_from(buf, pos)[0], pos + 8


def _read_str(buf: bytes, pos: int) -> tuple[bytes, int]:
    n, pos = _read_u64(buf, pos)
    if pos + n > len(buf):
        raise ValueError("truncated library blob")
    return buf[pos:pos + n], pos + n


def _str(data: bytes) -> bytes:
    return U64.pack(len(data)) + data


def split_blob(blob: bytes) -> tuple[bytes, list[tuple[str, bytes | None]]]:
    """(import tree bytes, [(kind, module bytes or None for the host library)])."""
    nbytes, pos = _read_u64(blob, 0)
    body_end = 8 + nbytes
    start = pos
    count, pos = _read_u64(blob, pos)
    pos += 8 * count
    n_modules = count - 1
    count, pos = _read_u64(blob, pos)
    pos += 8 * count
    tree = blob[start:pos]
    modules = []
    for _ in range(n_modules):
        kind, pos = _read_str(blob, pos)
        if kind == b"_lib":
            modules.append(("_lib", None))
        else:
            data, pos = _read_str(blob, pos)
            modules.append((kind.decode(), data))
    if pos != body_end:
        raise ValueError("unexpected bytes after the modules in the library blob")
    return tree, modules


def join_blob(tree: bytes, modules: list[tuple[str, bytes | None]]) -> bytes:
    body = tree + b"".join(_str(kind.encode()) + (b"" if data is None else _str(data))
                           for kind, data in modules)
    return U64.pack(len(body)) + body


def cuda_module_parts(data: bytes) -> tuple[str, bytes, bytes]:
    """(format, function table bytes, code) of a serialized CUDA module (code comes last)."""
    fmt, pos = _read_str(data, 0)
    # The code is the trailing string: find the u64 length that reaches exactly the end.
    for start in range(pos, len(data) - 7):
        n = U64.unpack_from(data, start)[0]
        if start + 8 + n == len(data):
            return fmt.decode(), data[pos:start], data[start + 8:]
    raise ValueError("no code in the CUDA module bytes")


def nvcc_fatbin(source: str, arch: str) -> tuple[bytes, dict]:
    """nvcc -O3 fatbin of `source` for `arch` (sm_XY[a]): its SASS plus compute_XY PTX; and
    ptxas's resource usage per kernel."""
    num = arch.removeprefix("sm_")
    virtual = "compute_" + num
    code = f"code=[{arch},{virtual}]" if not num.endswith("a") else f"code={arch}"
    with tempfile.TemporaryDirectory(prefix="tvmconv-nvcc-") as tmp:
        src, out = os.path.join(tmp, "kernels.cu"), os.path.join(tmp, "kernels.fatbin")
        with open(src, "w") as f:
            f.write(source)
        cmd = ["nvcc", "--fatbin", "-O3", "--resource-usage", "-gencode",
               f"arch={virtual},{code}", "-o", out, src]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        except FileNotFoundError as err:
            raise RuntimeError("nvcc not found: compiling CUDA kernels needs the CUDA toolkit "
                               "on PATH (no GPU needed)") from err
        if proc.returncode != 0:
            raise RuntimeError(f"nvcc failed for {arch}:\n{proc.stderr[-4000:]}")
        with open(out, "rb") as f:
            return f.read(), resource_usage(proc.stdout + proc.stderr)


def resource_usage(ptxas_log: str) -> dict:
    """{kernel: {registers, smem_bytes, spill_bytes}} from ptxas's --resource-usage lines."""
    usage: dict = {}
    current = None
    for line in ptxas_log.splitlines():
        m = re.search(r"Function properties for (\S+)", line) or \
            re.search(r"Compiling entry function '(\S+)'", line)
        if m:
            current = usage.setdefault(m.group(1), {"registers": 0, "smem_bytes": 0,
                                                    "spill_bytes": 0})
            continue
        if current is None:
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m:
            current["spill_bytes"] = int(m.group(1)) + int(m.group(2))
        m = re.search(r"Used (\d+) registers", line)
        if m:
            current["registers"] = int(m.group(1))
        m = re.search(r"(\d+) bytes smem", line)
        if m:
            current["smem_bytes"] = int(m.group(1))
    return usage


def with_binaries(blob: bytes, arch: str) -> tuple[bytes, list[dict]]:
    """The blob with every CUDA source module compiled to a fatbin; plus a record per module
    (format, code size) for the manifest."""
    tree, modules = split_blob(blob)
    out, compiled = [], []
    for kind, data in modules:
        if kind == "cuda":
            fmt, table, code = cuda_module_parts(data)
            usage = {}
            if fmt == "cuda":
                (code, usage), fmt = nvcc_fatbin(code.decode(), arch), "fatbin"
            data = _str(fmt.encode()) + table + _str(code)
            compiled.append({"format": fmt, "arch": arch, "bytes": len(code), "kernels": usage})
        out.append((kind, data))
    return join_blob(tree, out), compiled


def cuda_arch(target) -> str:
    """The sm_XY a cuda target compiles for."""
    return str(target.attrs.get("arch", "sm_80"))


def export_library(executable, path, arch: str, records: list | None = None) -> None:
    """executable.export_library(path), its CUDA modules compiled to fatbins for `arch`;
    a record per CUDA module is appended to `records` when given."""
    executable.export_library(str(path), fpack_imports=pack_imports_with_binaries(
        arch, records if records is not None else []))


def pack_imports_with_binaries(arch: str, records: list):
    """An ``fpack_imports`` for ``export_library``: the C source of the import blob, CUDA
    modules compiled for `arch`. Appends the per-module records to `records`."""
    import tvm_ffi

    def fpack(module, is_system_lib, prefix, workspace_dir):
        blob = bytes(tvm_ffi.get_global_func("runtime.ModulePackImportsToTensor")(module).numpy())
        blob, compiled = with_binaries(blob, arch)
        records.extend(compiled)
        symbol = prefix + str(tvm_ffi.get_global_func("runtime.ModuleImportsBlobName")())
        path = os.path.join(workspace_dir, "devc.c")
        with open(path, "w") as f:
            f.write(_c_blob(symbol, blob))
        return path

    return fpack


def _c_blob(symbol: str, blob: bytes) -> str:
    rows = (",".join(f"0x{b:02x}" for b in blob[i:i + 32]) for i in range(0, len(blob), 32))
    return (f'#ifdef __cplusplus\nextern "C" {{\n#endif\n'
            f"extern const unsigned char {symbol}[];\n"
            f"const unsigned char {symbol}[{len(blob)}] = {{\n" + ",\n".join(rows) + "\n};\n"
            "#ifdef __cplusplus\n}\n#endif\n")
