"""Compiled kernel packages: built by ``tvmconv compile``, loaded by apps with ``tvmconv.load``.

Loading needs TVM's runtime libraries and ``tvm_ffi`` only: this module never imports ``tvm``
(whose import loads the 248 MB compiler library), so an app pays milliseconds, not seconds.

    import tvmconv
    pkg = tvmconv.load("kernels/")          # checks version, target, checksums first
    y = pkg["dcgan_g3"](x, w)               # a tvmconv Kernel: NumPy / DLPack in, same kind out
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import platform
import stat
import struct
from pathlib import Path

from ..runtime.library import load_library, load_runtime

FORMAT = "tvmconv-package/1"


class PackageError(RuntimeError):
    """A package that cannot be used here: wrong TVM version or target, or damaged files."""


class Package:
    """The kernels of a loaded package, by layer name (``pkg[name]``, ``pkg.names``)."""

    def __init__(self, path: Path, manifest: dict, kernels: dict):
        self.path, self.manifest, self.kernels = path, manifest, kernels

    @property
    def names(self) -> list[str]:
        return list(self.kernels)

    def __getitem__(self, layer_name: str):
        try:
            return self.kernels[layer_name]
        except KeyError:
            raise KeyError(f"package {self.path} has no layer {layer_name!r}; it has "
                           f"{', '.join(self.kernels)}") from None

    def warm_up(self) -> Package:
        """Kernel.warm_up() of every kernel: an app calls it at start, before its first request,
        so no request pays for the thread pool or the scratch allocation. Returns self."""
        for kernel in self.kernels.values():
            kernel.warm_up()
        return self

    def __contains__(self, layer_name) -> bool:
        return layer_name in self.kernels

    def __len__(self) -> int:
        return len(self.kernels)

    def __repr__(self) -> str:
        return (f"<tvmconv.Package {self.path} target={self.manifest['target_name']} "
                f"kernels={len(self)}>")


def load(path, device_id: int = 0) -> Package:
    """Load a package directory written by ``tvmconv compile``. Raises PackageError (with the
    reason) for a package built by another TVM version, for another target, or damaged."""
    path = Path(path)
    manifest = read_manifest(path)
    check_compatible(manifest)
    check_manifest_digest(manifest, path)
    library = library_path(path, manifest["library"])
    from ..compiler.cache import sha256_file

    if sha256_file(library) != manifest["library_sha256"]:
        raise PackageError(f"{library}: checksum does not match the manifest (damaged or "
                           "replaced after compiling); recompile the package")
    check_complete_elf(library)
    try:
        load_runtime(manifest["kind"])
        module = load_library(library)
    except RuntimeError as err:
        raise PackageError(str(err)) from None
    import tvm_ffi

    from ..description import ConvTranspose2dDesc
    from ..runtime.kernel import Kernel

    device = tvm_ffi.device("cpu" if manifest["kind"] == "llvm" else manifest["kind"], device_id)
    kernels = {}
    for entry in manifest["kernels"]:
        desc = ConvTranspose2dDesc.from_dict(entry["desc"])
        kernels[entry["layer"]] = Kernel(desc, module, device, entry["schedule"],
                                         entry=entry["entry"],
                                         pack_entry=entry["pack_entry"] or "",
                                         algorithm=entry.get("algorithm", "polyphase"),
                                         # packages compiled before this field: TVM's 64
                                         argument_alignment=entry.get("argument_alignment", 64))
    return Package(path, manifest, kernels)


def read_manifest(path: Path) -> dict:
    file = path / "manifest.json"
    if not file.exists():
        raise PackageError(f"{path}: no manifest.json (not a tvmconv package directory)")
    try:
        manifest = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise PackageError(f"{file}: not valid JSON ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageError(f"{file}: not a {FORMAT} manifest")
    missing = [k for k in ("tvm_version", "kind", "arch", "library", "library_sha256",
                           "kernels") if k not in manifest]
    if missing:
        raise PackageError(f"{file}: manifest lacks {', '.join(missing)}")
    return manifest


def manifest_digest(manifest: dict) -> str:
    """The checksum a manifest carries of itself (every field but this one, canonical JSON):
    an edited entry (two layers swapped, another algorithm) would load and compute something
    else, silently."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def check_manifest_digest(manifest: dict, path: Path) -> None:
    if "manifest_sha256" not in manifest:
        raise PackageError(f"{path}/manifest.json carries no checksum of itself (compiled by an "
                           "older tvmconv, or edited): recompile the package")
    if manifest_digest(manifest) != manifest["manifest_sha256"]:
        raise PackageError(f"{path}/manifest.json does not match its checksum (edited after "
                           "compiling): recompile the package")


def library_path(path: Path, name) -> Path:
    """The package's library: a regular file named in the manifest, inside the package (an
    absolute path or '..' would load a library from elsewhere; a device file would hang)."""
    if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
        raise PackageError(f"{path}/manifest.json: 'library' must be a file name inside the "
                           f"package, got {name!r}")
    library = path / name
    try:
        mode = library.lstat().st_mode
    except FileNotFoundError:
        raise PackageError(f"{path}: the library {name} is missing") from None
    if not stat.S_ISREG(mode):
        raise PackageError(f"{library}: not a regular file (a link, a device or a folder)")
    return library


def check_complete_elf(library: Path) -> None:
    """PackageError unless every segment and section table of a 64-bit ELF library lies
    inside the file: the loader maps a truncated library and dies of SIGBUS on first touch."""
    if library.suffix != ".so":
        return  # cross-compiled objects (.tar) are linked, and so checked, by the linker
    size = library.stat().st_size
    with library.open("rb") as file:
        header = file.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF" or header[4] != 2:
            raise PackageError(f"{library}: not a 64-bit ELF library")
        order = "<" if header[5] == 1 else ">"
        ph_off, sh_off = struct.unpack_from(order + "QQ", header, 32)
        ph_size, ph_num, sh_size, sh_num = struct.unpack_from(order + "HHHH", header, 54)
        ends = [ph_off + ph_size * ph_num, sh_off + sh_size * sh_num]
        file.seek(ph_off)
        table = file.read(ph_size * ph_num)
    for i in range(ph_num if len(table) == ph_size * ph_num else 0):
        kind, = struct.unpack_from(order + "I", table, i * ph_size)
        offset, = struct.unpack_from(order + "Q", table, i * ph_size + 8)
        file_size, = struct.unpack_from(order + "Q", table, i * ph_size + 32)
        if kind == 1:  # PT_LOAD
            ends.append(offset + file_size)
    if max(ends) > size:
        raise PackageError(f"{library}: truncated ({size} bytes, its ELF headers need "
                           f"{max(ends)}): recompile the package")


def check_compatible(manifest: dict) -> None:
    """PackageError unless this machine's TVM runtime and hardware can run the package."""
    installed = importlib.metadata.version("apache-tvm")
    if manifest["tvm_version"] != installed:
        raise PackageError(f"package built with TVM {manifest['tvm_version']}, this machine has "
                           f"TVM {installed}: compiled kernels are tied to the runtime's ABI; "
                           "recompile the package with this TVM")
    kind = manifest["kind"]
    if kind == "llvm":
        machine = platform.machine()
        if manifest["arch"] != machine:
            raise PackageError(f"package built for {manifest['arch']} CPUs, this machine is "
                               f"{machine}")
        lacking = sorted(set(manifest.get("cpu_features", [])) - _cpu_flags())
        if lacking:
            raise PackageError(f"package built for a CPU with {', '.join(lacking)}, which this "
                               "CPU lacks (its kernels would die of an illegal instruction); "
                               "compile it for this CPU")
    elif kind != "cuda":
        raise PackageError(f"packages for target kind {kind!r} are not supported")


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()
