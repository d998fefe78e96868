"""Build helper processes are named (search/processes.py), so ps, top and bench/scale can
tell readers and writers from the main process. (Linux, like the project: /proc/PID/comm.)"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
from pathlib import Path

import pytest

from search.processes import READER_NAME, WRITER_NAME, QuietPool, name_process


def _named(name: str, out: multiprocessing.Queue) -> None:
    name_process(name)
    out.put(Path("/proc/self/comm").read_text().strip())


@pytest.mark.parametrize(("name", "shown"), [
    (READER_NAME, "vnsearch-reader"),
    (WRITER_NAME, "vnsearch-writer"),
    ("a-name-longer-than-fifteen-bytes", "a-name-longer-t"),  # the kernel keeps 15 bytes
])
def test_a_process_shows_the_name_it_set(name: str, shown: str) -> None:
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_named, args=(name, out))
    child.start()
    child.join(30)
    assert out.get(timeout=5) == shown


def _square(n: int) -> int:
    return n * n


def _exit_on_seven(n: int) -> int:
    if n == 7:
        import os

        os._exit(1)  # the worker dies mid-task, without a result
    return n


@pytest.mark.parametrize(("pool_class", "quiet"), [(QuietPool, True),
                                                   (multiprocessing.pool.Pool, False)])
def test_the_pool_thread_sleeps_while_results_flow(monkeypatch, pool_class, quiet) -> None:
    """CPython's pool re-checks its workers each time a result is waiting to be read (about
    1 ms of CPU per document of a build); QuietPool's only when a worker exits or the pool
    closes. Counted, not timed: the checks during 2,000 tiny tasks."""
    checks = []
    real = multiprocessing.pool.Pool._maintain_pool

    def counted(*args):
        checks.append(1)
        return real(*args)

    monkeypatch.setattr(multiprocessing.pool.Pool, "_maintain_pool", staticmethod(counted))
    ctx = multiprocessing.get_context("fork")
    with pool_class(2, context=ctx) as pool:
        assert list(pool.imap(_square, range(2000), chunksize=1)) == [n * n for n in range(2000)]
    assert (len(checks) < 20) == quiet, len(checks)


def test_quiet_pool_replaces_a_dead_worker_and_ends() -> None:
    """A worker that dies is replaced (its task is lost, as in CPython's pool: the caller's
    timeout says so); the pool then runs new tasks, and ends when the block exits."""
    ctx = multiprocessing.get_context("fork")
    with QuietPool(1, context=ctx) as pool:  # one worker: nothing runs unless it is replaced
        lost = pool.apply_async(_exit_on_seven, (7,))
        with pytest.raises(multiprocessing.TimeoutError):
            lost.get(timeout=3)
        assert pool.map_async(_square, range(50)).get(timeout=30) == [n * n for n in range(50)]
        workers = list(pool._pool)
    assert all(w.exitcode is not None for w in workers)  # terminated, none left behind
