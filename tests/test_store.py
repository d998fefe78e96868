"""Index generations: atomic swap, writer lock, crash leftovers."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from search.errors import IndexCorrupt, IndexLocked, IndexMissing
from search.engine.generations import IndexLocation
from search.engine.registry import ENV_VAR, resolve_index_path


def _publish(loc: IndexLocation, marker: str) -> Path:
    with loc.lock("test"):
        build = loc.new_build_dir()
        (build / "data.txt").write_text(marker)
        return loc.publish(build, {"marker": marker})


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissing, match="vnsearch build"):
        IndexLocation(tmp_path / "nothing").current()


def test_publish_swaps_current(tmp_path):
    loc = IndexLocation(tmp_path / "ix")
    first = _publish(loc, "one")
    assert loc.current() == first.resolve()
    second = _publish(loc, "two")
    assert loc.current() == second.resolve()
    assert (loc.current() / "data.txt").read_text() == "two"
    assert loc.manifest()["marker"] == "two"


def test_old_generations_are_pruned(tmp_path):
    loc = IndexLocation(tmp_path / "ix")
    for i in range(5):
        _publish(loc, str(i))
    assert len(list(loc.root.glob("gen-*"))) == 2


def test_clone_is_independent_of_the_original(tmp_path):
    loc = IndexLocation(tmp_path / "ix")
    _publish(loc, "one")
    with loc.lock("test"):
        clone = loc.clone_current()
        (clone / "new.txt").write_text("x")
        loc.discard(clone)
    assert not (loc.current() / "new.txt").exists()


def _hold_lock(root: str, ready, release) -> None:
    with IndexLocation(root).lock("holder"):
        ready.set()
        release.wait(30)


def test_second_writer_gets_a_clear_error(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path / "ix"), ready, release))
    proc.start()
    try:
        assert ready.wait(30)
        with pytest.raises(IndexLocked, match=f"pid {proc.pid}"):
            with IndexLocation(tmp_path / "ix").lock("second"):
                pass
    finally:
        release.set()
        proc.join(30)


def test_lock_of_a_killed_writer_is_recovered(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(tmp_path / "ix"), ready, release))
    proc.start()
    assert ready.wait(30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    with IndexLocation(tmp_path / "ix").lock("next"):  # does not raise
        pass


def test_stale_build_dirs_are_removed_by_next_writer(tmp_path):
    loc = IndexLocation(tmp_path / "ix")
    loc.root.mkdir(parents=True)
    dead = loc.root / ".build-999999999-20260101T000000-000000"
    dead.mkdir()
    with loc.lock("test"):
        pass
    assert not dead.exists()


@pytest.mark.parametrize(
    "arg, env, expected",
    [("given", None, "given"), (None, "from-env", "from-env"), (None, None, "index")],
)
def test_resolve_index_path(monkeypatch, arg, env, expected):
    if env:
        monkeypatch.setenv(ENV_VAR, env)
    else:
        monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_index_path(arg) == Path(expected)


def test_a_generation_is_checked_against_its_own_manifest(tmp_path, seed_copy):
    """A reader opening generation A while B is swapped in must not check A's files
    against B's manifest (that would report a sound index as damaged)."""
    from search.indexer import add_documents, build_index

    index = tmp_path / "ix"
    build_index([seed_copy], index, workers=1)
    location = IndexLocation(index)
    first = location.current()
    extra = tmp_path / "extra.txt"
    extra.write_text("TỈNH ỦY KON TUM\nSố 998-KL/TU\nKẾT LUẬN\nvề một văn bản thêm vào\n", "utf-8")
    add_documents([extra], index)
    assert location.current() != first
    own = location.manifest(first)
    location.verify_files(first, own)  # no error
    assert own["files"] != location.manifest()["files"]
    with pytest.raises(IndexCorrupt):
        location.verify_files(first, location.manifest())


def test_a_generation_is_durable_before_current_points_at_it(tmp_path, monkeypatch):
    """After a power cut the new generation must open: every file of it, its directory entry
    and its rename are synced before `current` is swapped to it (and the swap after)."""
    from search.engine import generations

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:
        events.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(generations.os, "fsync", fsync)
    monkeypatch.setattr(generations.os, "replace", replace)
    loc = IndexLocation(tmp_path / "ix")
    with loc.lock("test"):
        build = loc.new_build_dir()
        for name in ("a.seg", "b.toc"):
            (build / name).write_text(name)
        gen = loc.publish(build, {"marker": "one"})
    swap = events.index(("replace", str(loc.root / "current")))
    synced_before = {path for kind, path in events[:swap] if kind == "fsync"}
    # the files were synced in the build directory, which the rename then made the generation
    assert {str(build / n) for n in ("a.seg", "b.toc", "manifest.json")} <= synced_before
    assert str(build) in synced_before and str(loc.root) in synced_before
    assert ("fsync", str(loc.root)) in events[swap:]  # the swap itself
    assert (gen / "a.seg").read_text() == "a.seg"
