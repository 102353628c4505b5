"""Compiled-kernel cache: in memory, and on disk so a second process skips compiling.

Layout on disk (root: $TVMCONV_CACHE_DIR, default ~/.cache/tvmconv)::

    <root>/<target-name>/<description key>-<hash>.so     the exported kernel library
    <root>/<target-name>/<description key>-<hash>.json   its sidecar: size and sha256 of the .so

The hash covers the description key, the full target, the TVM version and the hash of the
schedule that built the kernel, so any change to one of them is a miss. Both files are written
to a temporary name and renamed into place (atomic on POSIX), the sidecar last: a library
without a sidecar, or whose size or checksum does not match it, is treated as corrupt, deleted
and rebuilt. A cache directory that cannot be written degrades to memory only, with one warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path

ENV_VAR = "TVMCONV_CACHE_DIR"


def default_cache_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "tvmconv"


def cache_key(desc_key: str, target_json: str, tvm_version: str, schedule_hash: str) -> str:
    """Short hash of everything that determines the compiled code."""
    text = "\n".join([desc_key, target_json, tvm_version, schedule_hash])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class ModuleCache:
    """Maps (target name, description key, hash) to loaded runtime modules."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self._memory: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self._disk_ok = True
        self._warned = False
        self.stats = {"memory_hits": 0, "disk_hits": 0, "misses": 0, "corrupt": 0}

    # ----- public -------------------------------------------------------------------------
    def get_or_build(self, target_name: str, desc_key: str, digest: str, build):
        """The runtime module for this key: from memory, from disk, or `build()` then stored.

        `build()` returns a compiled executable with ``export_library`` (tvm.compile's result).
        """
        mem_key = (target_name, f"{desc_key}-{digest}")
        with self._lock:
            if mem_key in self._memory:
                self.stats["memory_hits"] += 1
                return self._memory[mem_key]
            lib_path = self.library_path(target_name, desc_key, digest)
            module = self._load(lib_path)
            if module is not None:
                self.stats["disk_hits"] += 1
            else:
                self.stats["misses"] += 1
                executable = build()
                module = self._store(executable, lib_path)
            self._memory[mem_key] = module
            return module

    def library_path(self, target_name: str, desc_key: str, digest: str) -> Path:
        return self.root / target_name / f"{desc_key}-{digest}.so"

    def clear_memory(self):
        with self._lock:
            self._memory.clear()

    # ----- disk ---------------------------------------------------------------------------
    def _load(self, lib_path: Path):
        if not self._disk_ok or not lib_path.exists():
            return None
        from tvm.runtime import load_module

        sidecar = lib_path.with_suffix(".json")
        try:
            meta = json.loads(sidecar.read_text())
            if (meta["size"] != lib_path.stat().st_size
                    or meta["sha256"] != sha256_file(lib_path)):
                raise ValueError("size or checksum mismatch")
            return load_module(str(lib_path))
        except Exception as err:  # pylint: disable=broad-except
            self.stats["corrupt"] += 1
            warnings.warn(f"tvmconv: discarding corrupt cache entry {lib_path} ({err}); "
                          "rebuilding", RuntimeWarning, stacklevel=3)
            for path in (lib_path, sidecar):
                try:
                    path.unlink()
                except OSError:
                    pass
            return None

    def _store(self, executable, lib_path: Path):
        """Export to disk atomically and load back; memory-only if the disk fails."""
        from tvm.runtime import load_module

        if self._disk_ok:
            try:
                lib_path.parent.mkdir(parents=True, exist_ok=True)
                self._write_atomically(executable, lib_path)
                return load_module(str(lib_path))
            except OSError as err:
                self._disk_ok = False
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"tvmconv: cache directory {self.root} is not writable ({err}); "
                                  "caching compiled kernels in memory only", RuntimeWarning,
                                  stacklevel=3)
        return executable.jit()

    @staticmethod
    def _write_atomically(executable, lib_path: Path):
        fd, tmp_lib = tempfile.mkstemp(prefix=".tmp-", suffix=".so", dir=lib_path.parent)
        os.close(fd)
        try:
            executable.export_library(tmp_lib)
            meta = {"size": os.path.getsize(tmp_lib), "sha256": sha256_file(Path(tmp_lib))}
            os.replace(tmp_lib, lib_path)
        except BaseException:
            if os.path.exists(tmp_lib):
                os.unlink(tmp_lib)
            raise
        fd, tmp_meta = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=lib_path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f)
        os.replace(tmp_meta, lib_path.with_suffix(".json"))


_default_cache: ModuleCache | None = None


def default_cache() -> ModuleCache:
    """The process-wide cache (created on first use, at $TVMCONV_CACHE_DIR)."""
    global _default_cache  # pylint: disable=global-statement
    if _default_cache is None or _default_cache.root != default_cache_dir():
        _default_cache = ModuleCache()
    return _default_cache
