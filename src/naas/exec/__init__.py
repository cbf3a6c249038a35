"""Where evaluations run: in-process, a local process pool (default), or a Ray cluster."""

from naas.exec.executors import (
    Executor,
    InProcessExecutor,
    PoolExecutor,
    RayExecutor,
    make_executor,
)

__all__ = ["Executor", "InProcessExecutor", "PoolExecutor", "RayExecutor", "make_executor"]
