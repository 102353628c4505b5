"""Measuring tuning candidates on remote devices through a TVM RPC tracker.

Candidates are built here (the LocalBuilder's process pool) and measured by meta-schedule's
RPCRunner: each measurement asks the tracker for a free server registered under `key`, uploads
the library, times it there and returns the costs. A server that dies mid-job loses the
measurements in flight (they come back as errors and count as failed trials); the tracker drops
it, and the remaining servers carry on.

Fleet set-up (README, "Tuning on many machines")::

    python -m tvm.exec.rpc_tracker --host 0.0.0.0 --port 9190           # one machine
    python -m tvm.exec.rpc_server --tracker HOST:9190 --key h100        # every device
    tvmconv tune --rpc HOST:9190 --key h100 --target "cuda -arch=sm_90" --rpc-workers 4
"""

from __future__ import annotations

import os

# Set to a file path: every measuring session appends its server-side work directory to it
# (a fresh temporary directory per session, made under the server's TMPDIR), so a job can
# tell which servers measured its candidates.
SESSION_LOG_ENV = "TVMCONV_RPC_SESSION_LOG"


def parse_address(text: str) -> tuple[str, int]:
    """'host:port' -> (host, port); ValueError with the reason otherwise."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"--rpc {text!r}: expected HOST:PORT of a TVM RPC tracker")
    return host, int(port)


def create_session(rpc_config):
    """meta-schedule's session factory, plus the optional session log (runs in the runner's
    worker processes)."""
    session = rpc_config.connect_server()
    log = os.environ.get(SESSION_LOG_ENV)
    if log:
        workdir = session.get_function("tvm.rpc.server.workpath")("")
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{workdir}\n")
    return session


def rpc_runner(address: str, key: str, workers: int = 1, timeout_s: float = 60.0):
    """An RPCRunner measuring on the servers the tracker at `address` has under `key`."""
    from tvm.s_tir import meta_schedule as ms

    host, port = parse_address(address)
    if not key:
        raise ValueError("--rpc needs --key: the device key the servers registered with")
    config = ms.runner.RPCConfig(tracker_host=host, tracker_port=port, tracker_key=key,
                                 session_timeout_sec=int(timeout_s))
    _check_tracker(host, port, key)
    return ms.runner.RPCRunner(rpc_config=config, f_create_session=create_session,
                               max_workers=workers)


def _check_tracker(host: str, port: int, key: str) -> None:
    """Fail early, with the reason, if the tracker is unreachable or has no such servers."""
    from tvm import rpc

    try:
        summary = rpc.connect_tracker(host, port).summary()
    except Exception as err:  # pylint: disable=broad-except
        raise RuntimeError(f"cannot reach the RPC tracker at {host}:{port}: {err}") from None
    keys = {info["key"].split(":")[-1] for info in summary.get("server_info", [])}
    keys |= {k for k in summary.get("queue_info", {})}
    if key not in keys:
        raise RuntimeError(f"the RPC tracker at {host}:{port} has no server with key {key!r} "
                           f"(it has: {', '.join(sorted(keys)) or 'none'})")
