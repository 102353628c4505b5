"""A smoke-sized meta-schedule run over our design space: a broken TVM / tvm-ffi / xgboost
pairing fails here. Never more than a handful of trials in CI."""

from conftest import assert_matches_reference, run_kernel_poisoned
from tvmconv.baselines import random_inputs
from tvmconv.build import compile_module
from tvmconv.description import ConvTranspose2dDesc
from tvmconv.kernel import Kernel
from tvmconv.target import host_target
from tvmconv.tuning import best_schedule, tune

DESC = ConvTranspose2dDesc(batch=1, in_channels=4, out_channels=4, height=5, width=5, kernel_h=3,
                           kernel_w=3, stride_h=2, stride_w=2, pad_top=1, pad_bottom=1,
                           pad_left=1, pad_right=1, output_padding_h=1, output_padding_w=1)


def test_smoke_tuning_writes_records_whose_best_schedule_is_correct(tmp_path):
    target = host_target()
    db = tune(DESC, str(tmp_path), trials=4, trials_per_iter=4, target=target,
              strategy="replay-trace", seed=1)
    records = db.get_all_tuning_records()
    assert len(records) >= 1
    assert any(r.run_secs and all(float(s) < 1e9 for s in r.run_secs) for r in records)
    assert (tmp_path / "database_tuning_record.json").stat().st_size > 0

    sch = best_schedule(DESC, str(tmp_path), target)
    assert sch is not None
    # The tuned trace samples tile sizes: it must be our design space, not a default one.
    assert any(inst.kind.name == "SamplePerfectTile" for inst in sch.trace.insts)
    kernel = Kernel(DESC, compile_module(sch.mod, target).jit(), device=_cpu())
    x, w, _ = random_inputs(DESC, seed=3)
    assert_matches_reference(DESC, run_kernel_poisoned(kernel, x, w), x, w)


def _cpu():
    import tvm

    return tvm.cpu(0)
