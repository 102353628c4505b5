"""Tuning report: best GFLOP/s against trials for each layer of a job, as a PNG next to the log,
so a person can see whether more trials would still help (matplotlib: the `plot` extra)."""

from __future__ import annotations

from pathlib import Path

from .job import trials_in


def best_so_far_gflops(log_dir: Path, desc) -> list[float]:
    """Best GFLOP/s (tuning-time measurements) after each trial of desc, across resumed runs."""
    best, curve = float("inf"), []
    for secs in trials_in(log_dir, desc):
        best = min(best, secs)
        curve.append(desc.flops / best / 1e9 if best < float("inf") else 0.0)
    return curve


def plot_job(log_dir: Path, layers, job_name: str) -> Path | None:
    """Write log_dir/tuning-<job_name>.png; None (with no error) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for layer in layers:
        curve = best_so_far_gflops(log_dir, layer.desc)
        if curve:
            ax.plot(range(1, len(curve) + 1), curve, label=layer.name)
    ax.set_xlabel("trials")
    ax.set_ylabel("best GFLOP/s so far (measured while tuning)")
    ax.set_title(f"tvmconv tune: {job_name} on {log_dir.name}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    path = log_dir / f"tuning-{job_name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
