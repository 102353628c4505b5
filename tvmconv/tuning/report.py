"""Tuning report: each layer's trials as a PNG next to the log, so a person can see whether more
trials would still help (matplotlib: the `plot` extra). One panel per layer, titled by layer
and target: every trial's GFLOP/s (dots; failed trials left out), the best so far (a line)
and the default schedule's level (dashed), all measured while tuning."""

from __future__ import annotations

import math
from pathlib import Path

from .job import trials_in


def best_so_far_gflops(log_dir: Path, desc) -> list[float]:
    """Best GFLOP/s (tuning-time measurements) after each trial of desc, across resumed runs."""
    best, curve = float("inf"), []
    for secs in trials_in(log_dir, desc):
        best = min(best, secs)
        curve.append(desc.flops / best / 1e9 if best < float("inf") else 0.0)
    return curve


def trial_gflops(log_dir: Path, desc) -> list[float | None]:
    """Each trial's GFLOP/s, in the order measured (None: a failed trial)."""
    return [desc.flops / s / 1e9 if s < float("inf") else None for s in trials_in(log_dir, desc)]


def default_gflops(log_dir: Path, desc) -> float | None:
    """The default schedule's GFLOP/s as the job measured it first (its record), or None."""
    from .records import description_of, is_default_record, mean_run_secs, open_database

    db, _ = open_database(log_dir)
    secs = [mean_run_secs(r.run_secs) for r in db.get_all_tuning_records()
            if description_of(r) == desc and is_default_record(r)]
    secs = [s for s in secs if s is not None]
    return desc.flops / min(secs) / 1e9 if secs else None


def plot_job(log_dir: Path, layers, job_name: str, target_label: str | None = None) -> Path | None:
    """Write log_dir/tuning-<job_name>.png; None (with no error) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    target_label = target_label or log_dir.name
    cols = min(3, max(1, len(layers)))
    rows = math.ceil(len(layers) / cols) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, layer in zip(axes.flat, layers):
        trials = trial_gflops(log_dir, layer.desc)
        measured = [(i + 1, g) for i, g in enumerate(trials) if g is not None]
        if measured:
            ax.scatter(*zip(*measured), s=8, alpha=0.5, label="trial")
        curve = best_so_far_gflops(log_dir, layer.desc)
        if curve:
            ax.plot(range(1, len(curve) + 1), curve, color="C1", label="best so far")
        default = default_gflops(log_dir, layer.desc)
        if default is not None:
            ax.axhline(default, color="C2", linestyle="--", label="default")
        ax.set_title(f"{layer.name} on {target_label}", fontsize=9)
        ax.set_xlabel("trial", fontsize=8)
        ax.set_ylabel("GFLOP/s (while tuning)", fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(layers):]:
        ax.set_visible(False)
    fig.suptitle(f"tvmconv tune: {job_name}", fontsize=10)
    path = log_dir / f"tuning-{job_name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
