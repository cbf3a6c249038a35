"""Executors run independent tasks (a chunk of accelerator candidates with their mapping
searches) and return results in task order. Results never depend on the executor: every task
carries its own seeds."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Protocol

from naas.errors import NaasError


class Executor(Protocol):
    workers: int

    def map(self, fn: Callable[[Any], Any], tasks: list) -> list: ...

    def close(self) -> None: ...


class InProcessExecutor:
    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: list) -> list:
        return [fn(t) for t in tasks]

    def close(self) -> None:
        pass


class PoolExecutor:
    """A local process pool. Workers start with 'forkserver' (no fork of a threaded parent)
    and pin their BLAS and numba to one thread so that N workers use N cores."""

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_init)

    def map(self, fn: Callable[[Any], Any], tasks: list) -> list:
        return list(self._pool.map(fn, tasks))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayExecutor:
    """Tasks as Ray remote calls on a cluster (``address`` 'auto' or HOST:PORT), or on a local
    Ray instance started here when ``address`` is None."""

    def __init__(self, address: str | None = None, workers: int | None = None):
        try:
            import ray
        except ImportError:
            raise NaasError("executor: ray is not installed; pip install 'naas[ray]'") from None
        self._ray = ray
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            if address and address != "auto":
                _check_reachable(address)
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    ray.init(num_cpus=workers, log_to_driver=False, include_dashboard=False)
            except (ConnectionError, RuntimeError, TimeoutError, ValueError) as exc:
                where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                raise NaasError(f"executor: could not start or reach {where} ({type(exc).__name__}: "
                                f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); check --address, or "
                                "use --executor pool") from None
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self._remote = ray.remote(_call)

    def map(self, fn: Callable[[Any], Any], tasks: list) -> list:
        return self._ray.get([self._remote.remote(fn, t) for t in tasks])

    def close(self) -> None:
        if self._owns_ray:  # a Ray session the caller opened stays theirs
            self._ray.shutdown()


#: seconds to wait for a Ray cluster's address to accept a connection before giving up (Ray
#: itself retries an unreachable address for minutes)
RAY_CONNECT_TIMEOUT_S = 10.0


def _check_reachable(address: str) -> None:
    """A NaasError unless HOST:PORT accepts a TCP connection within RAY_CONNECT_TIMEOUT_S."""
    import socket

    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise NaasError(f"address: {address!r} is not HOST:PORT or auto")
    try:
        with socket.create_connection((host, int(port)), timeout=RAY_CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise NaasError(f"address: no Ray cluster answers at {address} within {RAY_CONNECT_TIMEOUT_S:g} s "
                        f"({exc.strerror or type(exc).__name__}); check the address, or leave --address out to "
                        "start Ray here") from None


def _call(fn: Callable[[Any], Any], task: Any) -> Any:
    _one_thread()
    return fn(task)


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops the search and saves the best
    design; a worker killed by the terminal's SIGINT would break the pool instead."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _one_thread()


def _one_thread() -> None:
    """One thread per worker: N workers use N cores. numba reads its variable at import, so a
    worker that has already imported it (a reused Ray worker) is told directly."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    if "numba" in sys.modules:
        sys.modules["numba"].set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def make_executor(name: str, workers: int | None = None, address: str | None = None) -> Executor:
    if name == "inprocess":
        return InProcessExecutor()
    if name == "pool":
        return PoolExecutor(workers)
    if name == "ray":
        return RayExecutor(address, workers)
    raise NaasError(f"executor: unknown {name!r}; choose inprocess, pool or ray")
