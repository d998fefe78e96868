"""Helper processes of a build: named, and tied to the process that started them.

A build runs reader processes (read, extract metadata, analyse) and Whoosh writer
processes. Each sets its Linux process name (``/proc/PID/comm``, what ``top`` and ``ps -o
comm`` show) so that an operator, and ``bench/scale``'s memory figures, can tell them apart
from the main ``vnsearch`` process.
"""

from __future__ import annotations

import ctypes
import os
import signal

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
