"""From a description to a callable kernel, for a target: schedule, compile or hit the cache.

    targets.py      target specs, the host CPU, per-kind devices and library export
    builder.py      build(): the schedule a description gets (tuned, transferred, default),
                    the kernel module, the compile; kernel_for(): build memoised per process
    cache.py        the on-disk module cache
    warm_start.py   a cache hit in a new process without the compiler or the tuning database
    cuda_binary.py  CUDA libraries with nvcc fatbins

Importing this package is cheap: TVM's compiler loads on the first schedule or compile.
"""

from .builder import algorithm_for, build, kernel_for, schedule
from .targets import as_target, host_target, target_name

__all__ = ["algorithm_for", "as_target", "build", "host_target", "kernel_for", "schedule",
           "target_name"]
