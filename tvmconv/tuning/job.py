"""``tvmconv tune``: tune layers for a target into tuning_logs/<target name>/.

One meta-schedule run per layer over our design space (schedules/, tunable=True), guided by
meta-schedule's XGBoost cost model, all layers sharing one JSON database. Every measured trial is
appended to the database as it finishes, so a job killed at any point loses at most the batch in
flight; run the same command again and each layer tunes only the trials it still lacks (the
evolutionary search starts from the best records already there).

After tuning, the best tuned kernel and the default one are timed side by side (alternating
rounds, medians): a tuned record that does not beat the default by KEEP_MIN_SPEEDUP is noise,
not a result, and is listed as rejected (records.reject): builds keep the default schedule.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..compiler.targets import as_target, target_name
from ..description import ConvTranspose2dDesc
from .records import (
    RECORD_FILE,
    WORKLOAD_FILE,
    complete_lines,
    default_log_dir_named,
    is_default_record,
    mean_run_secs,
)

LAYERS_FILE = "layers.json"  # name -> description of every layer a job in this directory tuned
# A tuned record is kept only if, timed side by side with the default, it is at least this much
# faster: two runs here read the same records at 1.27x and 0.92x; below 2% is noise.
KEEP_MIN_SPEEDUP = 1.02
HEARTBEAT_S = 5.0  # the longest a job stays silent


@dataclass
class LayerReport:
    name: str
    desc: ConvTranspose2dDesc
    resumed: int = 0          # trials found in the database when the job started
    trials: int = 0           # trials this job ran
    wall_s: float = 0.0
    best_ms: float | None = None     # tuned kernel, timed side by side with the default
    default_ms: float | None = None  # the default schedule, in the same rounds
    kept: bool | None = None         # whether builds use the tuned record (None: none timed)

    @property
    def gflops(self):
        return self.desc.flops / self.best_ms / 1e6 if self.best_ms else None

    @property
    def speedup(self):
        return self.default_ms / self.best_ms if self.best_ms and self.default_ms else None


def default_log_dir(target) -> Path:
    """Where a job for target writes unless told (records.default_log_dir_named)."""
    return default_log_dir_named(target_name(target))


def open_job_database(log_dir: Path, emit=print):
    """The job's database, its torn lines (a kill mid-write) dropped first."""
    from tvm.s_tir import meta_schedule as ms

    from .records import repair_database

    log_dir.mkdir(parents=True, exist_ok=True)
    dropped = repair_database(log_dir)
    if dropped:
        emit(f"  {log_dir}: dropped {dropped} torn line(s) left by an interrupted job")
    return ms.database.JSONDatabase(path_workload=str(log_dir / WORKLOAD_FILE),
                                    path_tuning_record=str(log_dir / RECORD_FILE))


def trials_in(log_dir: Path, desc: ConvTranspose2dDesc, algorithms=None) -> list[float]:
    """Mean run seconds of every trial of desc in the database files, in the order they were
    measured (failed trials: inf), of the kernels of `algorithms` (default: all). Read from
    the files: the database API sorts by speed."""
    import tvm_ffi

    from ..compute import algorithms_for, workload_of

    algorithms = [a for a in (algorithms or algorithms_for(desc)) if a in algorithms_for(desc)]
    hashes = {str(tvm_ffi.structural_hash(workload_of(desc, a))) for a in algorithms}
    workloads = _lines(log_dir / WORKLOAD_FILE)
    indices = {i for i, line in enumerate(workloads) if line[0] in hashes}
    secs = []
    for index, record in _lines(log_dir / RECORD_FILE):
        if index in indices:
            mean = mean_run_secs(record[1])
            secs.append(float("inf") if mean is None else mean)
    return secs


def _lines(path: Path) -> list:
    """The file's whole JSON lines, parsed (records.complete_lines: a line torn by a kill
    mid-write is dropped, that trial is lost)."""
    return [json.loads(line) for line in complete_lines(path)[0]]


class Heartbeat:
    """Prints a line whenever the job has been silent for HEARTBEAT_S: meta-schedule searches
    and compiles a batch for tens of seconds between measurements."""

    def __init__(self, report: LayerReport, total: int, start: float, emit,
                 every: float = HEARTBEAT_S):
        self.report, self.total, self.start, self.emit, self.every = \
            report, total, start, emit, every
        self.last = time.time()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def said(self, line: str) -> None:
        self.last = time.time()
        self.emit(line)

    def _run(self):
        while not self.stopped.wait(0.5):
            if time.time() - self.last >= self.every:
                r = self.report
                self.said(f"  {r.name}: trial {r.resumed + r.trials}/{r.resumed + self.total}, "
                          f"searching and compiling the next batch ... "
                          f"{_clock(time.time() - self.start)} elapsed")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()


def _progress_callback(report: LayerReport, total: int, start: float, emit, best_s: float):
    """A meta-schedule measure callback that prints trials done, best GFLOP/s, time left."""
    from tvm.ir.utils import derived_object
    from tvm.s_tir.meta_schedule.measure_callback import PyMeasureCallback

    best = [best_s]

    @derived_object
    class Progress(PyMeasureCallback):
        def apply(self, task_scheduler, task_id, measure_candidates, builder_results,
                  runner_results):
            if not runner_results:
                return
            for result in runner_results:
                mean = mean_run_secs(result.run_secs) if result.error_msg is None else None
                if mean is not None:
                    best[0] = min(best[0], mean)
                report.trials += 1
            elapsed = time.time() - start
            left = elapsed / max(report.trials, 1) * max(total - report.trials, 0)
            gflops = report.desc.flops / best[0] / 1e9
            emit(f"  {report.name}: trial {report.resumed + report.trials}/"
                 f"{report.resumed + total}  best {gflops:7.1f} GFLOP/s (tuning-time)  "
                 f"{_clock(elapsed)} elapsed, ~{_clock(left)} left")

    return Progress()


def search_strategy():
    """Evolutionary search sized for our design space: a few sampled tile sizes per design
    space, not thousands of decisions, so a population of 128 over 3 generations instead of
    meta-schedule's default 512 x 4; it cut the search to about a quarter of the time per batch
    on 2 cores (not compared for the quality of what it finds)."""
    from tvm.s_tir import meta_schedule as ms

    return ms.search_strategy.EvolutionarySearch(population_size=128, init_min_unmeasured=32,
                                                 genetic_num_iters=3)


def build_candidate(mod, target, _params):
    """The builder's compile step. meta-schedule's default_build imports
    tvm.s_tir.tensor_intrin, which parses ~500 TVMScript functions (24 s per process on this
    machine); the builder starts fresh processes for every batch, so that import alone made
    builds hit their 30 s timeout. Our kernels need none of it."""
    from tvm.driver import build

    return build(mod, target=target)


CUDA_ARCH_ENV = "TVMCONV_CUDA_ARCH"  # tells export_cuda_candidate (in the builder's workers)


def export_cuda_candidate(mod) -> str:
    """The builder's export step for CUDA: nvcc compiles the kernels here, in the builder's
    process pool (see package.cuda_binary), not one at a time when the runner loads them."""
    import tempfile

    from ..compiler.cuda_binary import export_library

    path = os.path.join(tempfile.mkdtemp(prefix="tvmconv-cand-"), "tvm_tmp_mod.so")
    export_library(mod, path, os.environ.get(CUDA_ARCH_ENV, "sm_80"))
    return path


def builder(cores, target=None):
    from tvm.s_tir import meta_schedule as ms

    workers = None if cores == "physical" else int(cores)
    kwargs = {}
    if target is not None and target.kind.name == "cuda":
        from ..compiler.cuda_binary import cuda_arch

        os.environ[CUDA_ARCH_ENV] = cuda_arch(target)  # before the pool starts
        kwargs["f_export"] = export_cuda_candidate
    return ms.builder.LocalBuilder(f_build=build_candidate, max_workers=workers,
                                   timeout_sec=120, **kwargs)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s"


def local_runner():
    from tvm.s_tir import meta_schedule as ms

    return ms.runner.LocalRunner()


def commit_default_record(desc: ConvTranspose2dDesc, target, db, cores="physical",
                          runner=None, algorithm: str = "polyphase") -> float:
    """Measure the default schedule the way meta-schedule measures candidates and store it
    as a record, so the best record of a layer is never slower than what it had untuned.
    Returns its mean seconds (inf if it failed)."""
    from tvm.s_tir import meta_schedule as ms

    from ..compiler.builder import schedule
    from ..compute import prim_func, workload_of

    sch = schedule(desc, target, algorithm=algorithm)
    args_info = ms.arg_info.ArgInfo.from_prim_func(prim_func(desc, algorithm))
    built = builder(cores, target).build([ms.builder.BuilderInput(sch.mod, target)])[0]
    if built.error_msg:
        return float("inf")
    device = "cpu" if target.kind.name == "llvm" else target.kind.name
    result = (runner or local_runner()).run([ms.runner.RunnerInput(
        built.artifact_path, device_type=device, args_info=args_info)])[0].result()
    if result.error_msg or mean_run_secs(result.run_secs) is None:
        return float("inf")
    workload = db.commit_workload(workload_of(desc, algorithm))
    db.commit_tuning_record(ms.database.TuningRecord(sch.trace, workload, result.run_secs,
                                                     target, args_info))
    return mean_run_secs(result.run_secs)


def _has_default_record(db, desc, target, algorithm: str) -> bool:
    """Whether the database holds a record of today's default schedule: a default that has
    changed since (a new heuristic) is measured again, so the layer's best is never slower
    than what it gets untuned today."""
    import tvm_ffi
    from tvm import s_tir

    from ..compiler.builder import schedule
    from ..compute import workload_of

    mod = workload_of(desc, algorithm)
    if not db.has_workload(mod):
        return False
    today = schedule(desc, target, algorithm=algorithm).mod
    for record in db.get_top_k(db.commit_workload(mod), 100000):
        if is_default_record(record):
            replayed = s_tir.Schedule(mod)
            record.trace.apply_to_schedule(replayed, remove_postproc=False)
            if tvm_ffi.structural_equal(replayed.mod, today):
                return True
    return False


def tune_layer(name: str, desc: ConvTranspose2dDesc, target, log_dir: Path, trials: int,
               trials_per_iter: int = 16, cores="physical", seed=None, emit=print,
               runner=None, algorithm: str | None = None) -> LayerReport:
    """Tune desc until the database holds `trials` trials of it; returns its report.
    runner: where candidates are measured (default: this machine; see rpc.rpc_runner).
    algorithm: the compute to tune (default: the one desc gets untuned, compiler.algorithm_for);
    records of both compete when both are tuned: the faster is used."""
    from tvm.s_tir import meta_schedule as ms

    from ..compiler import algorithm_for
    from ..compute import workload_of
    from .space import design_space

    algorithm = algorithm or algorithm_for(desc, target)
    db = open_job_database(log_dir, emit)
    if not _has_default_record(db, desc, target, algorithm):
        secs = commit_default_record(desc, target, db, cores, runner, algorithm)
        emit(f"  {name}: default {algorithm} schedule measured first: {secs * 1e3:.3f} ms "
             "(tuning-time)")
    done = trials_in(log_dir, desc, [algorithm])
    report = LayerReport(name, desc, resumed=len(done))
    remaining = trials - report.resumed
    if remaining <= 0:
        emit(f"  {name}: {report.resumed} trials already in {log_dir}, nothing to tune")
        return report
    emit(f"  {name}: {desc.flops / 1e9:.3f} GFLOP, {report.resumed} trials resumed, "
         f"{remaining} to run")
    start = time.time()
    # meta-schedule's console logger: warnings only (its full log goes to log_dir/.work/logs).
    ms_logger = logging.getLogger("tvm.s_tir.meta_schedule")
    ms_logger.setLevel(logging.WARNING)
    # tune_tir rebuilds its logging config from the handlers this logger has, by name; an
    # unnamed one (seen after an RPC-measured job in the same process) makes it crash.
    for handler in [h for h in ms_logger.handlers if h.get_name() is None]:
        ms_logger.removeHandler(handler)
    with Heartbeat(report, remaining, start, emit) as heartbeat:
        progress = _progress_callback(report, remaining, start, heartbeat.said,
                                      min(done, default=float("inf")))
        ms.tune_tir(workload_of(desc, algorithm), target, str(log_dir / ".work"),
                    max_trials_global=remaining,
                    num_trials_per_iter=min(trials_per_iter, remaining),
                    database=db, space=design_space(target),
                    builder=builder(cores, target), runner=runner or local_runner(),
                    cost_model="xgb", strategy=search_strategy(),
                    num_tuning_cores=cores, seed=seed,
                    measure_callbacks=[*ms.measure_callback.MeasureCallback.create("default"),
                                       progress])
    report.wall_s = time.time() - start
    return report


def time_schedules(report: LayerReport, target, log_dir: Path, emit=print,
                   rounds: int = 9, round_ms: float = 60.0):
    """Fill default_ms and best_ms, timing the default and the best tuned kernel side by side
    (alternating rounds, medians: host noise comes in bursts), and keep the tuned record only
    if it is KEEP_MIN_SPEEDUP faster; otherwise reject it (builds use the default)."""
    from ..compiler.builder import build
    from ..compiler.cache import ModuleCache
    from ..testing.inputs import random_inputs
    from .records import open_database, reject

    cache = ModuleCache(root=None)
    x, w, b = random_inputs(report.desc)
    args = (x, w) + ((b,) if b is not None else ())
    default = build(report.desc, target, cache=cache, use_tuned=False)
    tuned = build(report.desc, target, cache=cache, log_dirs=[log_dir])
    kernels = [default] + ([tuned] if tuned.schedule_source == "tuned" else [])
    _, index = open_database(log_dir)
    if report.desc in index and index[report.desc] is None:
        report.kept = False  # rejected by an earlier run, and no better record since
    numbers = []
    for kernel in kernels:  # warm up, and size a round
        first = min(kernel.time_ms(*args, number=1, repeat=1))
        numbers.append(max(1, min(1000, int(round_ms / max(first, 1e-3)))))
    times: list[list[float]] = [[] for _ in kernels]
    for _ in range(rounds):
        for kernel, number, got in zip(kernels, numbers, times):
            got.append(kernel.time_ms(*args, number=number, repeat=1)[0])
    report.default_ms = statistics.median(times[0])
    if len(kernels) == 1:
        return
    report.best_ms = statistics.median(times[1])
    report.kept = report.default_ms >= KEEP_MIN_SPEEDUP * report.best_ms
    if not report.kept:
        reject(log_dir, index[report.desc], report.desc, report.default_ms, report.best_ms)
        emit(f"  {report.name}: the best tuned record runs {report.speedup:.2f}x the default "
             f"side by side (under {KEEP_MIN_SPEEDUP}x): kept the default schedule; the "
             f"records stay in {log_dir} (rejected.json)")


def run_job(layers, target=None, log_dir=None, trials: int = 64, trials_per_iter: int = 16,
            cores="physical", seed=None, emit=print, time_results: bool = True, runner=None,
            deadline: float | None = None, algorithm: str | None = None):
    """Tune every layer (objects with .name and .desc); returns their LayerReports.
    deadline (time.time() value): start no layer after it (a resumable job's time budget).
    algorithm: the compute to tune (see tune_layer; default: each layer's untuned one)."""
    target = as_target(target)
    log_dir = Path(log_dir) if log_dir else default_log_dir(target)
    _remember_layers(log_dir, layers)
    emit(f"tuning {len(layers)} layer(s) for {target_name(target)} into {log_dir}: "
         f"{trials} trials each, {trials_per_iter} per batch")
    reports = []
    for layer in layers:
        if deadline is not None and time.time() > deadline:
            emit(f"time budget spent: {layer.name} and later layers left for the next run")
            break
        report = tune_layer(layer.name, layer.desc, target, log_dir, trials, trials_per_iter,
                            cores, seed, emit, runner, _algorithm(layer.desc, algorithm))
        if time_results:
            time_schedules(report, target, log_dir, emit)
        reports.append(report)
    from .records import write_index

    write_index(log_dir)  # what builds read to start warm (records.schedule_identity)
    return reports


def _algorithm(desc, algorithm: str | None):
    """The algorithm to tune desc with: None (the default's) unless `algorithm` applies to it."""
    from ..compute.gemm import gemm_supported

    return None if algorithm == "gemm" and not gemm_supported(desc) else algorithm


def _remember_layers(log_dir: Path, layers) -> None:
    """Keep log_dir/layers.json: the names and descriptions its records belong to."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LAYERS_FILE
    known = json.loads(path.read_text()) if path.exists() else {}
    for layer in layers:
        known[layer.name] = layer.desc.to_dict()
    path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")


def format_reports(reports) -> str:
    head = (f"{'layer':<20} {'trials':>7} {'wall':>8} {'default ms':>11} {'tuned ms':>9} "
            f"{'GFLOP/s':>8} {'speed-up':>8}  builds use")
    lines = [head, "-" * len(head)]
    for r in reports:
        def fmt(v, spec):
            return format(v, spec) if v is not None else "-"
        lines.append(f"{r.name:<20} {r.resumed + r.trials:>7} {_clock(r.wall_s):>8} "
                     f"{fmt(r.default_ms, '11.4f'):>11} {fmt(r.best_ms, '9.4f'):>9} "
                     f"{fmt(r.gflops, '8.1f')} {fmt(r.speedup, '7.2f'):>7}x  "
                     f"{ {True: 'tuned', False: 'default (rejected)', None: '-'}[r.kept]}")
    lines.append("(default and tuned timed side by side, alternating rounds, medians)")
    return "\n".join(lines)
