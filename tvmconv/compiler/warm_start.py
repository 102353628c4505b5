"""A cache hit with neither TVM's compiler nor the tuning database: how an app starts.

A full build needs the compiler to schedule a description (its schedule hash is the cache key)
and the tuning database to know which record to schedule it with: seconds, before the cache can
even be asked. Neither is needed to *load* a kernel built before. So every full build also files
a link to its library under a key made of what is known without them:

* the description's key and the host target (remembered per CPU, ``host-targets.json``),
* the TVM version (from the package metadata, no import),
* the version of tvmconv's kernel code: a hash of the files that decide what gets compiled
  (the description, the computes, the schedule rules, the builder, the records' replay),
* the identity of the tuned record that applies, from the log directories' ``index.json``
  (tuning/records.py; a missing or stale index: no warm start).

A later process with the same facts finds the link and loads the library with TVM's runtime
only (runtime/library.py). A change to any of them is a new key: a miss, then the full build,
which files a new link. Only builds for the host with the default algorithm start warm.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
from pathlib import Path

# What decides the compiled code, besides the description, target, TVM and the tuned record.
_CODE = {"tvmconv": ["description.py", "shapes.py", "compute/*.py", "compiler/builder.py",
                     "compiler/targets.py", "tuning/records.py", "tuning/lenders.py"],
         "tvmconv.schedules": ["*.py"]}
HOST_TARGETS_FILE = "host-targets.json"
LINKS_DIR = "links"


@functools.cache
def tvm_version() -> str:
    return importlib.metadata.version("apache-tvm")


def code_files() -> list[Path]:
    """The source files that decide what tvmconv compiles, wherever it is installed."""
    files = []
    for package, patterns in _CODE.items():
        root = Path(list(importlib.util.find_spec(package).submodule_search_locations)[0])
        files += sorted(p for pattern in patterns for p in root.glob(pattern))
    return files


@functools.cache
def code_version() -> str:
    """A hash of code_files() (read, not imported), by their paths inside the package."""
    h = hashlib.sha256()
    for path in code_files():
        h.update(f"{path.parent.name}/{path.name}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:20]


@functools.cache
def host_fingerprint() -> str:
    """This machine's CPU as the host target depends on it: model, features, cores, TVM."""
    try:
        info = [line for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith(("model name", "flags", "Features", "CPU part"))]
    except OSError:
        info = []
    text = "\n".join([platform.machine(), str(os.cpu_count()), tvm_version(), *sorted(set(info))])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def remember_host_target(cache_root: Path, target_text: str, name: str) -> None:
    """Store the host target for this CPU (what host_target() computed with TVM): its text as
    the cache key has it, and its target_name."""
    path = Path(cache_root) / HOST_TARGETS_FILE
    known = _read_json(path)
    known = known if isinstance(known, dict) else {}
    entry = {"target": target_text, "name": name}
    if known.get(host_fingerprint()) != entry:
        known[host_fingerprint()] = entry
        _write_json(path, known)


def known_host_target(cache_root: Path) -> tuple[str, str] | None:
    """(target text, target name) of this CPU, if a build here remembered it."""
    known = _read_json(Path(cache_root) / HOST_TARGETS_FILE)
    entry = known.get(host_fingerprint()) if isinstance(known, dict) else None
    if not isinstance(entry, dict) or not {"target", "name"} <= set(entry):
        return None
    return str(entry["target"]), str(entry["name"])


def warm_key(desc_key: str, target_text: str, identity: str) -> str:
    """The key of a link: everything that decides the kernel, known without the compiler."""
    text = "\n".join([desc_key, target_text, tvm_version(), code_version(), identity])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def link_path(cache_root: Path, target_name: str, key: str) -> Path:
    return Path(cache_root) / target_name / LINKS_DIR / f"{key}.json"


# What a Kernel needs to know of its library besides the description (Kernel's arguments).
LINK_FACTS = ("schedule_source", "algorithm", "argument_alignment")


def read_link(cache_root: Path, target_name: str, key: str) -> dict | None:
    """{"library": file name in the target's cache folder, "facts": {LINK_FACTS}} or None."""
    link = _read_json(link_path(cache_root, target_name, key))
    if (not isinstance(link, dict) or "library" not in link
            or not isinstance(link.get("facts"), dict) or set(link["facts"]) != set(LINK_FACTS)):
        return None
    return link


def write_link(cache_root: Path, target_name: str, key: str, library: Path,
               facts: dict) -> None:
    _write_json(link_path(cache_root, target_name, key),
                {"library": Path(library).name, "facts": facts})


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_json(path: Path, value) -> None:
    """Atomically (a temporary file renamed into place); a cache that cannot be written is
    only slower, never wrong: errors are ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        tmp.write_text(json.dumps(value, indent=1, sort_keys=True))
        tmp.replace(path)
    except OSError:
        pass
