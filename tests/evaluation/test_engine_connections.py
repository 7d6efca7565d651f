"""The distributed engines' connections: an address that is not what it should be is one
clear error within seconds, and Ray leaves nasperf's SIGTERM handling in place."""

from __future__ import annotations

import importlib.util
import signal
import socket
import sys
import threading
import types

import pytest

from nasperf.evaluation import engines
from nasperf.evaluation.engines import EngineUnavailableError, check_engine

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="dask.distributed not installed"
)


class _Server:
    """A TCP server on localhost that answers every connection with ``reply`` (or stays
    silent when it is None) and keeps the connection open."""

    def __init__(self, reply: bytes | None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.reply = reply
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.reply is not None:
                conn.sendall(self.reply)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


@needs_dask
def test_a_web_server_is_not_taken_for_a_dask_scheduler():
    # distributed had read "HTTP/1.1" as a frame length and asked numpy for 3 EiB
    server = _Server(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    address = server.address
    try:
        with pytest.raises(EngineUnavailableError) as info:
            check_engine("dask", scheduler=address)
    finally:
        server.close()
    msg = str(info.value)
    assert msg.startswith(f"--scheduler {address} did not answer as a Dask scheduler (")
    assert msg.endswith("is it the scheduler's address (default port 8786)?")


@needs_dask
def test_a_silent_port_is_refused_after_the_deadline(monkeypatch):
    # distributed's connect timeout does not cover the handshake: the client had waited on
    monkeypatch.setattr(engines, "DASK_ANSWER_S", 1.0)
    monkeypatch.setattr(engines._check_dask_scheduler, "__defaults__", (1.0,))
    server = _Server(None)
    try:
        with pytest.raises(EngineUnavailableError, match=r"did not answer as a Dask scheduler "):
            check_engine("dask", scheduler=server.address)
    finally:
        server.close()


@needs_dask
def test_a_running_scheduler_passes_and_a_worker_is_named():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        check_engine("dask", scheduler=cluster.scheduler_address)
        (worker,) = cluster.scheduler.workers
        with pytest.raises(EngineUnavailableError) as info:
            check_engine("dask", scheduler=worker)
    assert str(info.value) == (
        f"--scheduler {worker} answered as Worker, not a Dask scheduler; give the "
        "scheduler's address (default port 8786)"
    )


def test_a_ray_address_must_accept_connections():
    # ray.init waits minutes for an unreachable cluster, in native code Ctrl-C cannot stop
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        with pytest.raises(
            EngineUnavailableError, match=rf"^cannot reach the Ray cluster {address}"
        ):
            engines._check_ray_address(address)
    for bad in ("nonsense", "host:", "host:99999", "ray://:10001"):
        with pytest.raises(EngineUnavailableError, match=r"is not a Ray cluster address; give"):
            engines._check_ray_address(bad)


def _fake_ray(monkeypatch, calls: list):
    """A stand-in ``ray`` module that, like Ray, installs its own SIGTERM handler in init
    and runs each remote call at once."""

    def init(**kwargs):
        calls.append(kwargs)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(15))

    class _Ref:
        def __init__(self, value):
            self.value = value

    def remote(**_options):
        def wrap(fn):
            return types.SimpleNamespace(remote=lambda *a, **k: _Ref(fn(*a, **k)))

        return wrap

    ray = types.SimpleNamespace(
        is_initialized=lambda: False,
        init=init,
        remote=remote,
        wait=lambda pending, num_returns: (pending[:1], pending[1:]),
        get=lambda ref: ref.value,
        shutdown=lambda: None,
    )
    monkeypatch.setitem(sys.modules, "ray", ray)


def test_ray_starts_its_own_instance_and_keeps_the_sigterm_handler(monkeypatch):
    calls: list = []
    _fake_ray(monkeypatch, calls)

    def ours(*_):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, ours)
    try:
        trials = [{"hash": "a"}, {"hash": "b"}]
        out = list(engines._run_ray(trials, 2, None, fn=lambda t: {"h": t["hash"]}))
        assert signal.getsignal(signal.SIGTERM) is ours
    finally:
        signal.signal(signal.SIGTERM, previous)
    # "local": never join a cluster that happens to run on this machine (Ray would refuse
    # num_cpus with "When connecting to an existing cluster, num_cpus ... must not be
    # provided")
    assert calls == [
        {"include_dashboard": False, "log_to_driver": False, "address": "local", "num_cpus": 2}
    ]
    assert [row for _, row, _ in out] == [{"h": "a"}, {"h": "b"}]


def test_a_run_s_header_names_the_cluster_it_joins():
    # the --workers count does not apply to a cluster's workers
    from nasperf.evaluation.engines import describe_engine

    assert describe_engine("local", 2) == "local, 2 worker(s)"
    assert describe_engine("dask", 2) == "dask, 2 worker(s)"  # a LocalCluster of 2
    assert describe_engine("dask", 2, scheduler="tcp://h:8786") == "dask, scheduler tcp://h:8786"
    assert describe_engine("ray", 2, address="h:6379") == "ray, cluster h:6379"


@needs_dask
def test_a_scheduler_without_workers_is_named_while_trials_wait(monkeypatch):
    """Trials sent to a scheduler whose workers are all gone wait there; a warning now says
    so (the study had waited in silence), and they run once a worker joins."""
    from distributed import LocalCluster

    monkeypatch.setattr(engines, "DASK_IDLE_NOTE_S", 1.0)
    cluster = LocalCluster(
        n_workers=0, threads_per_worker=1, processes=False, dashboard_address=None
    )
    try:
        address = cluster.scheduler_address
        trials = [{"hash": f"t{i}", "i": i} for i in range(3)]
        timer = threading.Timer(2.5, lambda: cluster.scale(1))
        timer.start()
        with pytest.warns(RuntimeWarning) as caught:
            # dict(trial) is the row: no nasperf trial needs to run to test the waiting
            out = list(engines.run_trials(trials, engine="dask", scheduler=address, fn=dict))
        timer.join()
    finally:
        cluster.close()
    assert sorted(row["i"] for _, row, _ in out) == [0, 1, 2]
    assert all(error is None for _, _, error in out)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert any(
        m.startswith(f"the Dask scheduler {address} has no worker: 3 trial(s) waiting for ")
        and m.endswith(
            f"(start workers with `dask worker {address}`, or stop with Ctrl-C and resume later)"
        )
        for m in messages
    ), messages
