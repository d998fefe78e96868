"""Build helper processes are named (search/processes.py), so ps, top and bench/scale can
tell readers and writers from the main process. (Linux, like the project: /proc/PID/comm.)"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from search.processes import READER_NAME, WRITER_NAME, name_process

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
