"""Tuned records: where they live, and which schedule a description gets from them.

A tuning log directory is a meta-schedule JSON database (``database_workload.json`` and
``database_tuning_record.json``) for one target. The directories searched, in order:

1. each entry of ``$TVMCONV_TUNING_LOGS`` (os.pathsep-separated): a log directory, or a root
   holding one sub-directory per target name (``llvm-znver4``, ``cuda-sm_90``);
2. the user's own, ``<user data dir>/tuning_logs/<target name>/`` (``$XDG_DATA_HOME/tvmconv``,
   default ``~/.local/share/tvmconv``): where ``tvmconv tune`` writes in an installed package;
3. the project's committed ``tuning_logs/<target name>/``: the checkout's top-level folder, or
   the copy a wheel carries (``tvmconv/tuning_logs``).

The first directory holding a record of the description's exact workload wins (a user's own logs
override the committed ones). A description with no record of its own can borrow the tile sizes
of a near tuned layer of its kind that tuning sped up well over its own default (``transfer``;
lenders.py says which).

A description's best record is used only if ``tvmconv tune`` did not reject it: the job
re-measures the best tuned kernel against the default side by side, and one that does not beat
it is listed in ``rejected.json`` (the records stay; builds use the default schedule).

Each directory may hold ``index.json``: the best current record of every description there, by
an id, with the checksum of the database it was made from (``write_index``; ``tvmconv tune``
keeps it). ``schedule_identity`` reads only the indexes: which record a build would use, known
without TVM or parsing the database (the warm start, compiler/warm_start.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..compiler.targets import target_name
from ..description import ConvTranspose2dDesc
from . import lenders

ENV_VAR = "TVMCONV_TUNING_LOGS"
_PACKAGE = Path(__file__).resolve().parents[1]
# A source checkout (pyproject.toml beside the package) keeps them at the top; a wheel carries
# them inside the package (pyproject.toml maps tuning_logs/ to tvmconv/tuning_logs).
IN_CHECKOUT = (_PACKAGE.parent / "pyproject.toml").is_file()
PROJECT_LOGS = (_PACKAGE.parent if IN_CHECKOUT else _PACKAGE) / "tuning_logs"
WORKLOAD_FILE = "database_workload.json"
RECORD_FILE = "database_tuning_record.json"
INDEX_FILE = "index.json"
REJECTED_FILE = "rejected.json"  # record id -> why the job kept the default schedule instead
INDEX_FORMAT = 1


@dataclass(frozen=True)
class TunedSchedule:
    """A schedule from the logs: `source` is 'tuned' (the exact workload's best record) or
    'transferred' (a near tuned layer's choices re-applied, lenders.py); `origin` names the
    record's description."""

    schedule: object
    source: str
    origin: str
    log_dir: Path
    run_ms: float


def log_dirs_named(name: str) -> list[Path]:
    """Existing log directories for the target named `name` (target_name), highest first."""
    found = []
    for entry in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if entry:
            root = Path(entry).expanduser()
            found.append(root / name if (root / name).is_dir() else root)
    found += [user_logs() / name, PROJECT_LOGS / name]
    unique, seen = [], set()
    for d in found:  # the same directory twice (named relative and absolute): once
        if (d / WORKLOAD_FILE).is_file() and d.resolve() not in seen:
            seen.add(d.resolve())
            unique.append(d)
    return unique


def search_dirs(name: str, dirs=None) -> list[Path]:
    """The log directories a build for the target named `name` reads: `dirs` (those of them
    holding a database) when given, else the standard ones (log_dirs_named)."""
    if dirs is None:
        return log_dirs_named(name)
    return [Path(d) for d in dirs if (Path(d) / WORKLOAD_FILE).is_file()]


def user_logs() -> Path:
    """The user's own tuning logs root: $XDG_DATA_HOME/tvmconv/tuning_logs, or
    ~/.local/share/tvmconv/tuning_logs."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "tvmconv" / "tuning_logs"


def default_log_dir_named(name: str) -> Path:
    """Where `tvmconv tune` writes by default: the first $TVMCONV_TUNING_LOGS entry; else, in
    a source checkout, its committed tuning_logs/ (developers commit them); else the user's
    own logs (an installed package never writes into its own folder)."""
    entries = [Path(e).expanduser() for e in os.environ.get(ENV_VAR, "").split(os.pathsep) if e]
    if entries:  # a log directory itself, or a root of per-target ones
        return entries[0] if (entries[0] / WORKLOAD_FILE).is_file() else entries[0] / name
    return (PROJECT_LOGS if IN_CHECKOUT else user_logs()) / name


_DATABASES: dict = {}


def open_database(log_dir: Path):
    """meta-schedule JSONDatabase of log_dir, re-read only when its files change. Lines torn by
    a kill or a full disk during `tvmconv tune` are skipped, with a warning (the files are left
    as they are: `tvmconv tune` repairs its own log when it resumes)."""
    import tempfile
    import warnings

    from tvm.s_tir import meta_schedule as ms

    log_dir = Path(log_dir)
    paths = (log_dir / WORKLOAD_FILE, log_dir / RECORD_FILE)
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0
                  for p in (*paths, log_dir / REJECTED_FILE))
    cached = _DATABASES.get(log_dir)
    if cached is None or cached[0] != stamp:
        kept = [complete_lines(p) for p in paths]
        torn = sum(dropped for _, dropped in kept)
        with tempfile.TemporaryDirectory() as tmp:
            if torn:
                warnings.warn(f"tvmconv: skipping {torn} torn line(s) in the tuning log "
                              f"{log_dir} (a tuning job killed mid-write?)", RuntimeWarning,
                              stacklevel=2)
                paths = tuple(Path(tmp) / p.name for p in paths)
                for path, (lines, _) in zip(paths, kept):
                    path.write_text("".join(line + "\n" for line in lines))
            db = ms.database.JSONDatabase(path_workload=str(paths[0]),
                                          path_tuning_record=str(paths[1]), allow_missing=True)
            cached = _DATABASES[log_dir] = (stamp, db, _index(db, set(rejected(log_dir))))
    return cached[1], cached[2]


def rejected(log_dir: Path) -> dict:
    """{record id: {"key", "default_ms", "tuned_ms"}} of the records the job rejected."""
    path = Path(log_dir) / REJECTED_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def reject(log_dir: Path, record, desc: ConvTranspose2dDesc, default_ms: float,
           tuned_ms: float) -> None:
    """List `record` (desc's best) as rejected: re-measured side by side, it did not beat the
    default schedule, so builds use the default (the record stays in the database)."""
    entries = rejected(log_dir)
    entries[record_id(record)] = {"key": desc.key, "default_ms": round(default_ms, 6),
                                  "tuned_ms": round(tuned_ms, 6)}
    path = Path(log_dir) / REJECTED_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def complete_lines(path: Path) -> tuple[list[str], int]:
    """(the file's lines that are whole JSON, how many torn ones were dropped). A torn line of
    the workload file is only ever its last (workloads are appended before the records that
    name them by line number); one elsewhere would renumber them: ValueError."""
    if not path.exists():
        return [], 0
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    kept = []
    for number, line in enumerate(lines):
        try:
            json.loads(line)
        except json.JSONDecodeError:
            if path.name == WORKLOAD_FILE and number != len(lines) - 1:
                raise ValueError(f"{path}: line {number + 1} of {len(lines)} is not valid JSON; "
                                 "a workload line is only ever torn at the end, so this log "
                                 "cannot be repaired by dropping it") from None
            continue
        kept.append(line)
    return kept, len(lines) - len(kept)


def repair_database(log_dir: Path) -> int:
    """Drop the torn lines of log_dir's database files in place (atomically); returns how many
    (what a resumed `tvmconv tune` does first, since meta-schedule cannot read them)."""
    dropped = 0
    for name in (WORKLOAD_FILE, RECORD_FILE):
        path = Path(log_dir) / name
        lines, torn = complete_lines(path)
        if torn:
            tmp = path.with_suffix(".repair")
            tmp.write_text("".join(line + "\n" for line in lines))
            tmp.replace(path)
            dropped += torn
    return dropped


def is_default_record(record) -> bool:
    """Whether a record is the default schedule (the rule's fixed choices: nothing sampled)."""
    return not any(inst.kind.name.startswith("Sample") for inst in record.trace.insts)


def _index(db, rejected_ids=frozenset()) -> dict:
    """Description (from the kernel's tvmconv.desc attribute) -> its best current record, or
    None where that record was rejected (the description gets the default schedule)."""
    best: dict = {}
    for record in db.get_all_tuning_records():
        desc = description_of(record)
        secs = mean_run_secs(record.run_secs)
        if desc is None or secs is None or not is_current(desc, record):
            continue
        if desc not in best or secs < best[desc][0]:
            best[desc] = (secs, record)
    return {desc: (None if rejected_ids and record_id(record) in rejected_ids else record)
            for desc, (_, record) in best.items()}


def description_of(record):
    """The description a record's workload was made from; None for a workload not ours."""
    func = record.workload.mod["main"]
    if func.attrs is None or "tvmconv.desc" not in func.attrs:
        return None
    return ConvTranspose2dDesc.from_dict(json.loads(str(func.attrs["tvmconv.desc"])))


_CURRENT: dict = {}


def is_current(desc: ConvTranspose2dDesc, record) -> bool:
    """Whether the record was tuned on today's compute of desc. A compute changes (a new
    stage, another weight layout); its old records would replay onto the new one with tiles,
    timings and structures chosen for code that no longer exists."""
    import tvm_ffi

    from ..compute import algorithm_of, workload_of

    mod = record.workload.mod
    key = tvm_ffi.structural_hash(mod)
    if key not in _CURRENT:
        today = workload_of(desc, algorithm_of(mod["main"]))
        _CURRENT[key] = bool(tvm_ffi.structural_equal(today, mod))
    return _CURRENT[key]


def prune_stale(log_dir: Path) -> tuple[int, int]:
    """Rewrite log_dir's database without the records of stale computes (is_current).
    Returns (records kept, records removed)."""
    import tempfile

    from tvm.s_tir import meta_schedule as ms

    db, _ = open_database(log_dir)
    records = db.get_all_tuning_records()
    keep = [r for r in records if (d := description_of(r)) is None or is_current(d, r)]
    with tempfile.TemporaryDirectory(dir=log_dir) as tmp:
        paths = [Path(tmp) / WORKLOAD_FILE, Path(tmp) / RECORD_FILE]
        fresh = ms.database.JSONDatabase(path_workload=str(paths[0]),
                                         path_tuning_record=str(paths[1]), allow_missing=True)
        for r in keep:
            fresh.commit_tuning_record(ms.database.TuningRecord(
                r.trace, fresh.commit_workload(r.workload.mod), r.run_secs, r.target,
                r.args_info))
        for path in paths:  # (the database creates both files, records or not)
            path.replace(log_dir / path.name)
    _DATABASES.pop(log_dir, None)
    write_index(log_dir)
    return len(keep), len(records) - len(keep)


def mean_run_secs(run_secs):
    """Mean of a measurement's run seconds; None for a failed one (meta-schedule marks those
    with 1e10, or leaves them empty)."""
    secs = [float(s) for s in (run_secs or [])]
    if not secs or max(secs) >= 1e9:
        return None
    return sum(secs) / len(secs)


def tuned_schedule(desc: ConvTranspose2dDesc, target, transfer: bool = True, dirs=None):
    """The TunedSchedule desc gets from the logs for target (or from `dirs`), or None (then:
    the default schedule)."""
    dirs = search_dirs(target_name(target), dirs)
    for log_dir in dirs:
        _, index = open_database(log_dir)
        if desc in index and index[desc] is None:
            return None  # its best record lost to the default side by side: the default
        record = index.get(desc)
        sch = _replay(desc, record, log_dir) if record is not None else None
        if sch is not None:
            return TunedSchedule(sch, "tuned", desc.key, log_dir,
                                 mean_run_secs(record.run_secs) * 1e3)
    if not transfer:
        return None
    for log_dir in dirs:
        _, index = open_database(log_dir)
        other = lenders.lender(desc, database_gains(log_dir))
        if other is not None:
            return TunedSchedule(_transfer(desc, index[other], target), "transferred",
                                 other.key, log_dir, mean_run_secs(index[other].run_secs) * 1e3)
    return None


def database_gains(log_dir: Path) -> dict:
    """{tuned description: its best record's gain over its default schedule, both as measured
    when tuned (None: rejected, or no default measured)}, from the database; what
    index_gains reads back from the index."""
    db, index = open_database(log_dir)
    cached = _GAINS.get(Path(log_dir))
    if cached is None or cached[0] is not index:  # (a re-read database has a new index)
        defaults = _default_ms(db, index)
        cached = _GAINS[Path(log_dir)] = (index, {
            desc: (lenders.gain_of(mean_run_secs(record.run_secs) * 1e3, defaults.get(desc))
                   if record is not None else None)
            for desc, record in index.items()})
    return cached[1]


# Gains by log directory, with the index they were made from: every build of a layer without
# a record asks, and each would otherwise walk all the database's records again.
_GAINS: dict = {}


def _default_ms(db, index) -> dict:
    """{description: its fastest default-schedule record's ms} of index's descriptions."""
    defaults: dict = {}
    for record in db.get_all_tuning_records():
        desc, secs = description_of(record), mean_run_secs(record.run_secs)
        if desc in index and secs is not None and is_default_record(record):
            defaults[desc] = min(secs * 1e3, defaults.get(desc, secs * 1e3))
    return defaults


def _replay(desc, record, log_dir):
    """The record's trace applied to desc's own compute; None (with a warning) when it no
    longer applies: a record tuned on a compute that has changed since."""
    import warnings

    import tvm
    from tvm import s_tir

    sch = s_tir.Schedule(tvm.IRModule({"main": _compute_of(desc, record)}))
    try:
        record.trace.apply_to_schedule(sch, remove_postproc=False)
    except (RuntimeError, ValueError, TypeError, IndexError) as err:  # TVM errors subclass these
        warnings.warn(f"tvmconv: the tuned record of {desc.key} in {log_dir} does not apply to "
                      f"today's compute ({str(err).splitlines()[-1][:160]}); not using it",
                      RuntimeWarning, stacklevel=3)
        return None
    return sch


def _transfer(desc, record, target):
    """desc scheduled by our rule with the lending record's choices (tile sizes, strategies)."""
    from tvm import s_tir

    from ..schedules import rule_for
    from ..schedules.choices import hints_from_trace

    structure, tiles = hints_from_trace(record.trace)
    return rule_for(target).schedule(s_tir.Schedule(_compute_of(desc, record)), target, False,
                                     structure=structure, tiles=tiles)


def _compute_of(desc, record):
    """desc's kernel PrimFunc, computed by the algorithm of the record's workload."""
    from ..compute import algorithm_of, prim_func

    return prim_func(desc, algorithm_of(record.workload.mod["main"]))


# ----- the index: which record applies, without TVM ----------------------------------------

_CHECKSUMS: dict = {}


def database_checksum(log_dir: Path) -> str:
    """sha256 of the database's two files and the rejected list: what an index was made from
    (re-read only when their size or mtime changes)."""
    paths = [Path(log_dir) / name for name in (WORKLOAD_FILE, RECORD_FILE, REJECTED_FILE)]
    stamp = tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None
                  for p in paths)
    cached = _CHECKSUMS.get(paths[0])
    if cached is None or cached[0] != stamp:
        h = hashlib.sha256()
        for path in paths:
            h.update(path.read_bytes() if path.exists() else b"")
        cached = _CHECKSUMS[paths[0]] = (stamp, h.hexdigest())
    return cached[1]


def record_id(record) -> str:
    """A short content hash of a tuning record: its workload, trace (decisions included) and
    timings."""
    import tvm_ffi

    text = "\n".join([str(tvm_ffi.structural_hash(record.workload.mod)), str(record.trace),
                      json.dumps([float(s) for s in record.run_secs or []])])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_index(log_dir: Path) -> Path:
    """Write log_dir/index.json from its database (needs TVM): every description's best
    current record id, with the versions and database checksum it is valid for."""
    from ..compiler.warm_start import code_version, tvm_version

    log_dir = Path(log_dir)
    db, index = open_database(log_dir)
    defaults = _default_ms(db, index)
    entries = sorted(({"desc": desc.to_dict(), "record": record_id(record),
                       "best_ms": mean_run_secs(record.run_secs) * 1e3,
                       "default_ms": defaults.get(desc)}
                      for desc, record in index.items() if record is not None),
                     key=lambda e: json.dumps(e["desc"]))
    rejected_descs = sorted((desc.to_dict() for desc, record in index.items() if record is None),
                            key=json.dumps)
    path = log_dir / INDEX_FILE
    text = json.dumps({"format": INDEX_FORMAT, "tvm_version": tvm_version(),
                       "code_version": code_version(),
                       "database_sha256": database_checksum(log_dir), "records": entries,
                       "rejected": rejected_descs},
                      indent=1, sort_keys=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text + "\n")
    tmp.replace(path)
    return path


_INDEXES: dict = {}


def index_entries(log_dir: Path) -> list[dict] | None:
    """The entries of log_dir's index as written (desc, record, best_ms, default_ms), or None
    when it is missing or stale (see read_index)."""
    if read_index(log_dir) is None:
        return None
    return _INDEXES[Path(log_dir) / INDEX_FILE][1]["records"]


def read_index(log_dir: Path) -> dict | None:
    """{description: record id (None: rejected, the default schedule)} of log_dir's index, or
    None when it is missing or stale (made from other database contents, another TVM or
    another version of tvmconv's kernel code)."""
    from ..compiler.warm_start import code_version, tvm_version

    path = Path(log_dir) / INDEX_FILE
    try:
        stamp = path.stat().st_mtime_ns
        cached = _INDEXES.get(path)
        if cached is not None and cached[0] == stamp:
            data = cached[1]
        else:
            data = json.loads(path.read_text())
            _INDEXES[path] = (stamp, data)
    except (OSError, ValueError):
        return None
    if (not isinstance(data, dict) or data.get("format") != INDEX_FORMAT
            or data.get("tvm_version") != tvm_version()
            or data.get("code_version") != code_version()
            or data.get("database_sha256") != database_checksum(log_dir)):
        return None
    try:
        index = {ConvTranspose2dDesc.from_dict(e["desc"]): str(e["record"])
                 for e in data["records"]}
        index.update((ConvTranspose2dDesc.from_dict(d), None) for d in data.get("rejected", []))
    except (KeyError, TypeError, ValueError):
        return None
    return index


def schedule_identity(desc: ConvTranspose2dDesc, dirs: list[Path]) -> str | None:
    """Which record a build of desc would use from `dirs` (see tuned_schedule): 'tuned:<id>',
    'transferred:<id>' or 'default', read from the indexes alone; None when a directory has no
    valid index (then only the database can tell)."""
    indexes = []
    for log_dir in dirs:
        index = read_index(log_dir)
        if index is None:
            return None
        indexes.append(index)
    for index in indexes:
        if desc in index:
            return f"tuned:{index[desc]}" if index[desc] is not None else "default"
    for log_dir, index in zip(dirs, indexes):
        other = lenders.lender(desc, index_gains(log_dir))
        if other is not None:
            return f"transferred:{index[other]}"
    return "default"


def index_gains(log_dir: Path) -> dict:
    """database_gains, read from log_dir's valid index."""
    gains = {desc: None for desc, record in read_index(log_dir).items() if record is None}
    for entry in index_entries(log_dir):
        gains[ConvTranspose2dDesc.from_dict(entry["desc"])] = lenders.gain_of(
            entry.get("best_ms"), entry.get("default_ms"))
    return gains

