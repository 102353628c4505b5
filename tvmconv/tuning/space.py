"""Meta-schedule tuning over our compute and our design space (schedules/, tunable=True)."""

from __future__ import annotations

from ..description import ConvTranspose2dDesc
from ..target import as_target


def design_space(target):
    """meta-schedule SpaceGenerator: our rule's design spaces (one per structural choice, tile
    sizes sampled)."""
    from tvm.s_tir import meta_schedule as ms

    from ..schedules import rule_for

    rule = rule_for(target)
    if rule is None:
        raise ValueError(f"no tvmconv schedule rule for target kind {target.kind.name!r}")
    return ms.space_generator.ScheduleFn(lambda sch: rule.design_spaces(sch, target),
                                         sch_rules=[], postprocs="from-target",
                                         mutator_probs="from-target")


def tune(desc: ConvTranspose2dDesc, work_dir: str, trials: int, target=None,
         trials_per_iter: int = 8, seed: int | None = None, strategy="evolutionary",
         num_tuning_cores="physical"):
    """Tune desc's kernel for `trials` measured candidates; returns the meta-schedule Database
    (JSON files in work_dir; a later call with the same work_dir resumes from them)."""
    import tvm
    from tvm.s_tir import meta_schedule as ms

    from ..compute import prim_func

    target = as_target(target)
    mod = tvm.IRModule({"main": prim_func(desc)})
    return ms.tune_tir(mod, target, work_dir, max_trials_global=trials,
                       num_trials_per_iter=trials_per_iter, space=design_space(target),
                       seed=seed, strategy=strategy, num_tuning_cores=num_tuning_cores)


def best_schedule(desc: ConvTranspose2dDesc, work_dir: str, target=None):
    """The best tuned schedule of desc in the database at work_dir, or None if it has none."""
    import tvm
    from tvm.s_tir import meta_schedule as ms

    from ..compute import prim_func

    target = as_target(target)
    db = ms.database.JSONDatabase(work_dir=work_dir, allow_missing=True)
    mod = tvm.IRModule({"main": prim_func(desc)})
    return db.query_schedule(mod, target, workload_name="main")
