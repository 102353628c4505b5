"""Distributed tuning for real on loopback: a TVM RPC tracker and two RPC servers on 127.0.0.1,
a small tuning job measuring through them, and a server killed mid-job."""

import os

import pytest

from tvmconv.layers import load_layers
from tvmconv.tuning.rpc import SESSION_LOG_ENV, parse_address, rpc_runner

KEY = "tvmconv-test"


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    """(tracker address, [server, server]) on loopback; everything stopped afterwards. Server
    i keeps its session work directories under tmp_path/server<i> (its TMPDIR), which tells
    the servers apart in the session log."""
    from tvm import rpc
    from tvm.rpc.tracker import Tracker

    tracker = Tracker("127.0.0.1", port=9190, port_end=9290, silent=True)
    servers = []
    for i in range(2):
        (tmp_path / f"server{i}").mkdir()
        monkeypatch.setenv("TMPDIR", str(tmp_path / f"server{i}"))
        servers.append(rpc.Server("127.0.0.1", port=9300 + 20 * i, port_end=9320 + 20 * i,
                                  tracker_addr=("127.0.0.1", tracker.port), key=KEY,
                                  silent=True))
    monkeypatch.delenv("TMPDIR")
    _wait_for_servers(tracker.port, 2)
    yield f"127.0.0.1:{tracker.port}", servers
    for server in servers:
        server.terminate()
    tracker.terminate()


def _wait_for_servers(port, count, timeout=30.0):
    import time

    from tvm import rpc

    deadline = time.time() + timeout
    while time.time() < deadline:
        summary = rpc.connect_tracker("127.0.0.1", port).summary()
        if len(summary.get("server_info", [])) >= count:
            return
        time.sleep(0.2)
    raise RuntimeError("RPC servers did not register with the tracker")


@pytest.mark.slow
def test_job_measures_on_the_servers_and_survives_one_dying(fleet, tmp_path, monkeypatch):
    from tvmconv.tuning.job import run_job, trials_in

    address, servers = fleet
    session_log = tmp_path / "sessions.txt"
    monkeypatch.setenv(SESSION_LOG_ENV, str(session_log))
    layer = load_layers("tiny")[0]
    runner = rpc_runner(address, KEY, workers=2)
    lines = []

    def emit(line):
        lines.append(line)
        # After the first measured batch, kill the server that has been measuring (the tracker
        # keeps handing out the same free server): the job must finish on the other one.
        if ": trial " in line and not getattr(emit, "killed", 0):
            emit.killed = 1
            servers[server_of(session_log.read_text().split()[-1])].terminate()

    log_dir = tmp_path / "logs"
    run_job([layer], "llvm", log_dir, trials=8, trials_per_iter=4, cores=2, seed=1, emit=emit,
            time_results=False, runner=runner)
    measured = trials_in(log_dir, layer.desc)
    assert getattr(emit, "killed", 0), f"no progress line came: {lines}"
    # Measurements came from the servers: every session opened a server work directory,
    # and both servers served before one died.
    workdirs = session_log.read_text().split()
    served_by = [server_of(d) for d in workdirs]
    assert set(served_by) == {0, 1}, workdirs
    assert len(workdirs) >= len(measured) > 4, (workdirs, measured)


def server_of(workdir: str) -> int:
    return next(i for i in range(2) if f"/server{i}/" in workdir)


@pytest.mark.slow
def test_bad_tracker_or_key_fails_early(fleet):
    address, _ = fleet
    with pytest.raises(RuntimeError, match="no server with key 'nope'"):
        rpc_runner(address, "nope")
    with pytest.raises(RuntimeError, match="cannot reach the RPC tracker"):
        rpc_runner("127.0.0.1:1", KEY)
    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_address("localhost")
    with pytest.raises(ValueError, match="needs --key"):
        rpc_runner(address, "")


if os.environ.get("TVMCONV_SKIP_RPC_TESTS"):
    pytestmark = pytest.mark.skip("TVMCONV_SKIP_RPC_TESTS set")
