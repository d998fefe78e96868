"""Helper processes of a build: named, and tied to the process that started them.

A build runs reader processes (read, extract metadata, analyse) and Whoosh writer
processes. Each sets its Linux process name (``/proc/PID/comm``, what ``top`` and ``ps -o
comm`` show) so that an operator, and ``bench/scale``'s memory figures, can tell them apart
from the main ``vnsearch`` process.
"""

from __future__ import annotations

import ctypes
import multiprocessing.pool
import os
import signal
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
READER_NAME = "vnsearch-reader"  # at most 15 bytes: the kernel keeps 16 with the NUL
WRITER_NAME = "vnsearch-writer"


def _prctl(option: int, arg: object) -> None:
    try:
        ctypes.CDLL(None).prctl(option, arg, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: nothing to do
        pass


def name_process(name: str) -> None:
    """Set this process's name as ``ps``/``top`` show it (Linux; a no-op elsewhere)."""
    _prctl(PR_SET_NAME, name.encode("ascii")[:15])


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (no-op elsewhere)."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


class QuietPool(multiprocessing.pool.Pool):
    """``multiprocessing.Pool`` whose worker-maintenance thread sleeps while results flow.

    CPython's pool thread that replaces dead workers waits on the workers' sentinels, its
    change notifier and the result pipe (``_get_sentinels``). The result pipe stays
    readable until the result thread has read the result, so the maintenance thread spins
    (a ``select`` and a pool check each time) for every result: about 1 ms of CPU per
    document of a build, as much as a quarter of the writers' own CPU. It needs only the
    workers' sentinels (a worker died: replace it) and the notifier (the pool closed, or
    its last task finished), so the result pipe is left out.
    """

    def _get_sentinels(self) -> list[Any]:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]
