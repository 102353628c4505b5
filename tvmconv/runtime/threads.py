"""How many threads TVM's runtime gives a kernel.

TVM sizes its thread pool from TVM_NUM_THREADS, else OMP_NUM_THREADS, else half of
std::thread::hardware_concurrency() on x86, assuming every core runs two hardware threads. On a
machine without SMT (most KVM guests: one thread per core) that leaves half the cores idle, and
every parallel kernel runs about 2x slower than it can. tvmconv therefore sets TVM_NUM_THREADS to
the physical cores this process may run on, unless the user chose a count (either variable set).
It must happen before TVM's pool starts (the first parallel kernel call), so the package does it
when imported.
"""

from __future__ import annotations

import os

_TOPOLOGY = "/sys/devices/system/cpu/cpu{}/topology/{}"


def physical_cores() -> int:
    """Cores this process may run on (its CPU affinity), SMT siblings counted once."""
    try:
        cpus = os.sched_getaffinity(0)
    except AttributeError:  # not Linux: no affinity, no sysfs topology
        return max(1, (os.cpu_count() or 2) // 2)
    cores = set()
    for cpu in cpus:
        try:
            cores.add(tuple(_read(_TOPOLOGY.format(cpu, f))
                            for f in ("physical_package_id", "core_id")))
        except OSError:  # no topology for it (some containers): count it as a core
            cores.add(("cpu", str(cpu)))
    return max(1, len(cores))


def default_thread_count() -> None:
    """Set TVM_NUM_THREADS to physical_cores() unless the user set it or OMP_NUM_THREADS."""
    if "TVM_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ:
        return
    os.environ["TVM_NUM_THREADS"] = str(physical_cores())


def _read(path: str) -> str:
    with open(path, encoding="ascii") as f:
        return f.read().strip()
