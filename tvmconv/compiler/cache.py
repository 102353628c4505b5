"""Compiled-kernel cache: in memory, and on disk so a second process skips compiling.

Layout on disk (root: $TVMCONV_CACHE_DIR, default ~/.cache/tvmconv)::

    <root>/<target-name>/<description key>-<hash>.so     the exported kernel library
    <root>/<target-name>/<description key>-<hash>.json   its sidecar: size and sha256 of the .so

The hash covers the description key, the full target, the TVM version and the hash of the
schedule that built the kernel, so any change to one of them is a miss. Both files are written
to a temporary name and renamed into place (atomic on POSIX), the sidecar last: a library
without a sidecar, or whose size or checksum does not match it, is treated as corrupt, deleted
and rebuilt. A cache directory that cannot be written degrades to memory only, with one warning.

Several processes: a miss takes an exclusive lock on ``<entry>.lock`` (flock) before it compiles,
and looks on disk again once it holds it; so of several processes asking for the same kernel at
once, one compiles and the others wait, then load its library.

Size cap ($TVMCONV_CACHE_MAX_MB, default 2048): each store evicts the least recently used
entries (last use: the sidecar's mtime, touched on every load) until the cache fits, skipping
entries another process holds locked. ``tvmconv cache ls | info | clear`` manage it by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import threading
import time
import warnings
from pathlib import Path

ENV_VAR = "TVMCONV_CACHE_DIR"
MAX_MB_ENV_VAR = "TVMCONV_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048


def default_max_bytes() -> int:
    return int(float(os.environ.get(MAX_MB_ENV_VAR, DEFAULT_MAX_MB)) * (1 << 20))


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

    def __init__(self, root: str | os.PathLike | None = None, max_bytes: int | None = None):
        self.root = Path(root) if root is not None else default_cache_dir()
        self.max_bytes = max_bytes if max_bytes is not None else default_max_bytes()
        self._memory: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self._disk_ok = True
        self._warned = False
        self.stats = {"memory_hits": 0, "disk_hits": 0, "misses": 0, "corrupt": 0,
                      "warm_hits": 0}

    # ----- public -------------------------------------------------------------------------
    def get_or_build(self, target_name: str, desc_key: str, digest: str, build, export=None,
                     info: dict | None = None):
        """The runtime module for this key: from memory, from disk, or `build()` then stored.

        `build()` returns a compiled executable with ``export_library`` (tvm.compile's result);
        `export(executable, path)` writes it (default: ``executable.export_library(path)``);
        `info` (e.g. the schedule source) is kept in the entry's sidecar, for ``cache ls``.
        """
        mem_key = (target_name, f"{desc_key}-{digest}")
        with self._lock:
            if mem_key in self._memory:
                self.stats["memory_hits"] += 1
                return self._memory[mem_key]
            lib_path = self.library_path(target_name, desc_key, digest)
            module = self._load(lib_path, locked=False)
            if module is None:
                # Miss (or an entry still being written): one process compiles, others wait.
                with self._disk_lock(lib_path):
                    module = self._load(lib_path, locked=True)
                    if module is None:
                        self.stats["misses"] += 1
                        module = self._store(build(), lib_path, export, info)
                        self.evict(keep=lib_path)
                        self._memory[mem_key] = module
                        return module
            self.stats["disk_hits"] += 1
            self._memory[mem_key] = module
            return module

    def load_runtime_only(self, target_name: str, library_name: str):
        """The module of an entry on disk, loaded with TVM's runtime only (no compiler): for a
        warm start (warm_start.py). None when the entry is missing or does not verify (the
        full build then repairs it under its lock)."""
        mem_key = (target_name, Path(library_name).stem)
        with self._lock:
            if mem_key in self._memory:
                self.stats["memory_hits"] += 1
                return self._memory[mem_key]
            lib_path = self.root / target_name / library_name
            sidecar = lib_path.with_suffix(".json")
            try:
                meta = json.loads(sidecar.read_text())
                if (meta["size"] != lib_path.stat().st_size
                        or meta["sha256"] != sha256_file(lib_path)):
                    return None
                from ..runtime.library import load_library, load_runtime

                load_runtime("llvm")
                module = load_library(lib_path)
            except (OSError, ValueError, KeyError, RuntimeError):
                return None
            _touch(sidecar)
            self.stats["warm_hits"] += 1
            self._memory[mem_key] = module
            return module

    def library_path(self, target_name: str, desc_key: str, digest: str) -> Path:
        return self.root / target_name / f"{desc_key}-{digest}.so"

    def clear_memory(self):
        with self._lock:
            self._memory.clear()

    # ----- disk ---------------------------------------------------------------------------
    def _load(self, lib_path: Path, locked: bool):
        """The entry's module, or None. Only under its lock is a bad entry called corrupt and
        deleted: without it, it may be one that another process is still writing."""
        if not self._disk_ok or not lib_path.exists():
            return None
        from tvm.runtime import load_module

        sidecar = lib_path.with_suffix(".json")
        try:
            meta = json.loads(sidecar.read_text())
            if (meta["size"] != lib_path.stat().st_size
                    or meta["sha256"] != sha256_file(lib_path)):
                raise ValueError("size or checksum mismatch")
            module = load_module(str(lib_path))
            _touch(sidecar)  # last use, for LRU eviction
            return module
        except Exception as err:  # pylint: disable=broad-except
            if not locked:
                return None
            self.stats["corrupt"] += 1
            warnings.warn(f"tvmconv: discarding corrupt cache entry {lib_path} ({err}); "
                          "rebuilding", RuntimeWarning, stacklevel=3)
            for path in (lib_path, sidecar):
                try:
                    path.unlink()
                except OSError:
                    pass
            return None

    def _store(self, executable, lib_path: Path, export=None, info=None):
        """Export to disk atomically and load back; memory-only if the disk fails."""
        from tvm.runtime import load_module

        if self._disk_ok:
            try:
                lib_path.parent.mkdir(parents=True, exist_ok=True)
                self._write_atomically(executable, lib_path, export, info)
                return load_module(str(lib_path))
            except OSError as err:
                self._disk_ok = False
                if not self._warned:
                    self._warned = True
                    warnings.warn(f"tvmconv: cache directory {self.root} is not writable ({err}); "
                                  "caching compiled kernels in memory only", RuntimeWarning,
                                  stacklevel=3)
        return executable.jit()

    @contextlib.contextmanager
    def _disk_lock(self, lib_path: Path):
        """Exclusive flock on <entry>.lock for the duration (no lock if the disk is unusable)."""
        try:
            lib_path.parent.mkdir(parents=True, exist_ok=True)
            fd = _open_lock(lib_path)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    # ----- management ---------------------------------------------------------------------
    def entries(self) -> list[dict]:
        """Every complete entry on disk: target, key, path, bytes, last_used (epoch s)."""
        out = []
        if not self.root.is_dir():
            return out
        for lib in sorted(self.root.glob("*/*.so")):
            sidecar = lib.with_suffix(".json")
            try:
                size = lib.stat().st_size + sidecar.stat().st_size
                last_used = sidecar.stat().st_mtime
            except OSError:
                continue  # being written or removed
            try:
                source = json.loads(sidecar.read_text()).get("schedule_source", "?")
            except (OSError, ValueError, AttributeError):
                source = "?"
            out.append({"target": lib.parent.name, "key": lib.stem, "path": lib,
                        "bytes": size, "last_used": last_used, "schedule_source": source})
        return out

    def total_bytes(self) -> int:
        return sum(e["bytes"] for e in self.entries())

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Delete least recently used entries until the cache fits max_bytes; entries locked
        by another process (being built or read) and `keep` are skipped. Returns the deleted.
        Temporary files a killed process left behind go too."""
        self.remove_stale_temporaries()
        entries = sorted(self.entries(), key=lambda e: e["last_used"])
        total = sum(e["bytes"] for e in entries)
        removed = []
        for entry in entries:
            if total <= self.max_bytes:
                break
            if keep is not None and entry["path"] == keep:
                continue
            if self.remove(entry["path"], wait=False):
                total -= entry["bytes"]
                removed.append(entry["path"])
        return removed

    def clear(self, target: str | None = None) -> int:
        """Delete every entry (of one target name), with its lock file, the warm-start links
        and leftover temporary files; returns how many entries. Memory is cleared too. (Run it
        while no process uses the cache: a lock file removed under a waiting process no longer
        serialises it with the next one.)"""
        self.clear_memory()
        count = 0
        for entry in self.entries():
            if (target is None or entry["target"] == target) and self.remove(entry["path"]):
                count += 1
        folders = [self.root / target] if target else [p for p in self.root.glob("*")
                                                        if p.is_dir()]
        for folder in folders:
            for path in [*folder.glob("*.lock"), *folder.glob("links/*.json")]:
                if not path.with_suffix(".so").exists():
                    _unlink(path)
        self.remove_stale_temporaries(max_age_s=0)
        return count

    def remove_stale_temporaries(self, max_age_s: float = 3600) -> int:
        """Delete temporary files (.tmp-*) older than max_age_s: what a process killed while
        writing an entry leaves (a live writer finishes within seconds)."""
        removed = 0
        if not self.root.is_dir():
            return 0
        for path in [*self.root.glob("*/.tmp-*"), *self.root.glob("*/links/.tmp-*"),
                     *self.root.glob(".tmp-*")]:
            try:
                if time.time() - path.stat().st_mtime >= max_age_s:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
        return removed

    def remove(self, lib_path: Path, wait: bool = True) -> bool:
        """Delete one entry under its lock; False if it is locked and wait is False."""
        try:
            fd = _open_lock(lib_path)
        except OSError:
            return False
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                return False
            # The .lock file stays: unlinking it would let a process that opened the old one
            # and a process that creates a new one both hold "the" lock.
            for path in (lib_path.with_suffix(".json"), lib_path):
                try:
                    path.unlink()
                except OSError:
                    pass
            return True
        finally:
            os.close(fd)

    @staticmethod
    def _write_atomically(executable, lib_path: Path, export=None, info=None):
        fd, tmp_lib = tempfile.mkstemp(prefix=".tmp-", suffix=".so", dir=lib_path.parent)
        os.close(fd)
        try:
            if export is not None:
                export(executable, tmp_lib)
            else:
                executable.export_library(tmp_lib)
            meta = {**(info or {}), "size": os.path.getsize(tmp_lib),
                    "sha256": sha256_file(Path(tmp_lib))}
            os.replace(tmp_lib, lib_path)
        except BaseException:
            if os.path.exists(tmp_lib):
                os.unlink(tmp_lib)
            raise
        fd, tmp_meta = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=lib_path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f)
        os.replace(tmp_meta, lib_path.with_suffix(".json"))


def _open_lock(lib_path: Path) -> int:
    """A file descriptor of the entry's lock file (created if need be), for flock."""
    return os.open(lib_path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o644)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _touch(path: Path) -> None:
    try:
        os.utime(path, (time.time(), time.time()))
    except OSError:
        pass


_default_cache: ModuleCache | None = None


def default_cache() -> ModuleCache:
    """The process-wide cache (created on first use, at $TVMCONV_CACHE_DIR)."""
    global _default_cache  # pylint: disable=global-statement
    if _default_cache is None or _default_cache.root != default_cache_dir():
        _default_cache = ModuleCache()
    return _default_cache


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def _size(n: int) -> str:
    return _mb(n) if n >= 1 << 20 else f"{n / 1024:.0f} KB"


def cli_main(args) -> int:
    """``tvmconv cache ls | info | clear``."""
    cache = ModuleCache(args.dir) if args.dir else ModuleCache()
    if args.action == "ls":
        rows = [e for e in cache.entries() if args.target in (None, e["target"])]
        print(f"{'last used':<16}  {'target':<14} {'schedule':<11} {'size':>9}  layer key")
        for e in sorted(rows, key=lambda e: e["last_used"], reverse=True):
            used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e["last_used"]))
            desc_key = e["key"].rsplit("-", 1)[0]
            print(f"{used:<16}  {e['target']:<14} {e['schedule_source']:<11} "
                  f"{_size(e['bytes']):>9}  {desc_key}")
        print(f"{len(rows)} entries, {_size(sum(e['bytes'] for e in rows))} in {cache.root}")
    elif args.action == "info":
        entries = cache.entries()
        by_target: dict = {}
        for e in entries:
            count, size = by_target.get(e["target"], (0, 0))
            by_target[e["target"]] = (count + 1, size + e["bytes"])
        print(f"directory: {cache.root}  (${ENV_VAR})")
        print(f"size cap:  {_mb(cache.max_bytes)}  (${MAX_MB_ENV_VAR})")
        print(f"entries:   {len(entries)}, {_mb(sum(e['bytes'] for e in entries))}")
        for target, (count, size) in sorted(by_target.items()):
            print(f"  {target:<16} {count:>5} entries  {_mb(size):>9}")
    elif args.action == "clear":
        removed = cache.clear(args.target)
        print(f"removed {removed} entries from {cache.root}"
              + (f" (target {args.target})" if args.target else ""))
    return 0
