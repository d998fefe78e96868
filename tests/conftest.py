"""Shared fixtures and helpers: the repository's paths, the seed corpus and one index built
from it per test session, a small corpus of our own, Flask apps over an index, a real
`vnsearch serve` process and the CLI runner.

Read-only things that are expensive to make (the built seed index, the small index, a
server over the seed index) are session-scoped; a test that changes an index or a corpus
builds or copies its own (``seed_copy``, ``build_small_index(tmp_path)``).

Tests that take about a second or more (a browser, real server or build processes, OCR
through Tesseract, bench runs, hypothesis properties with many examples) are marked
``slow``: ``make test-fast`` (``pytest -m "not slow"``) leaves them out, ``make test`` runs all.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
# The console script of the venv running the tests (tests spawn it as a real process).
VNSEARCH = Path(sys.executable).parent / "vnsearch"

SEED_IDS = {
    "kontum_kl": "000_7deaedef5e058121",
    "caobang_nq": "001_a86c2459fc375615",
    "quangngai_ct": "002_ddeff8346f0332a1",
    "dienbien_kl": "003_f630ab64a90e327c",
    "kontum_bc": "004_f90f9a51dad2c646",
}


# -- the seeds ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five seeds, built once with the real pipeline (read-only for tests)."""
    from search.indexer import build_index

    root = tmp_path_factory.mktemp("seed-index") / "index"
    report = build_index([SEEDS], root, workers=1)
    assert report.indexed == 5 and not report.failed, report.to_dict()
    return root


@pytest.fixture()
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of the seed files, for tests that change files."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="module")
def ix(seed_index: Path) -> Iterator[Any]:
    """The seed index opened for searching (a module may define its own ``ix`` instead)."""
    from search.index import open_index

    with open_index(seed_index) as index:
        yield index


# -- a small corpus of our own: citations between documents, markup in the text, a JSONL --------
SCRIPT = "<script>alert(1)</script>"
SMALL_A = """TỈNH ỦY KON TUM
*
Số 04-NQ/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Kon Tum, ngày 19 tháng 8 năm 2016

NGHỊ QUYẾT
về tiếp tục xây dựng các xã đặc biệt khó khăn trong tình hình mới

Ban Chấp hành Đảng bộ tỉnh quyết nghị tập trung xây dựng các xã đặc biệt khó khăn.
"""
SMALL_B = f"""TỈNH ỦY KON TUM
*
Số 12-KL/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Kon Tum, ngày 08 tháng 11 năm 2021

KẾT LUẬN
về tổng kết Nghị quyết số 04-NQ/TU

Sau 05 năm thực hiện Nghị quyết số 04-NQ/TU, ngày 19-8-2016 của Tỉnh ủy,
các xã đặc biệt khó khăn đã có nhiều đổi mới.
Đoạn thử thoát ký tự: {SCRIPT} & "ngoặc kép" <b>đậm</b> <img src=x onerror=alert(2)>
"""
SMALL_RECORD = {"id": "ban-ghi-1", "title": "Báo cáo tình hình giảm nghèo",
                "text": "Báo cáo về công tác giảm nghèo bền vững năm 2022."}


def write_small_corpus(directory: Path) -> Path:
    """Two cross-citing .txt documents (one with HTML/script in its text) and one JSONL
    record; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nq-04.txt").write_text(SMALL_A, encoding="utf-8")
    (directory / "kl-12.txt").write_text(SMALL_B, encoding="utf-8")
    (directory / "records.jsonl").write_text(json.dumps(SMALL_RECORD, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return directory


def build_small_index(root: Path) -> Path:
    """The small corpus written under ``root/corpus`` and indexed into ``root/ix``."""
    from search.indexer import build_index

    corpus = write_small_corpus(root / "corpus")
    index = root / "ix"
    report = build_index([corpus], index, workers=1)
    assert report.indexed == 3 and not report.failed, report.to_dict()
    return index


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small corpus, built once (read-only for tests)."""
    return build_small_index(tmp_path_factory.mktemp("small"))


# -- the web app over an index, through Flask's test client -------------------------------------
def make_app(index: Path) -> Iterator[Any]:
    """The app over ``index``, closed afterwards: ``yield from`` it in a fixture, or loop over it."""
    from web import create_app
    from web.api import EXTENSION

    app = create_app({"INDEX": str(index), "TESTING": True})
    try:
        yield app
    finally:
        app.extensions[EXTENSION].close()


app_for = contextlib.contextmanager(make_app)  # the same, as ``with app_for(index) as app:``


@pytest.fixture()
def app(seed_index: Path) -> Iterator[Any]:
    """An app over the seed index, one per test (tests may change its config)."""
    yield from make_app(seed_index)


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()


# -- the CLI, in process ----------------------------------------------------------------------------
def run_cli(*args: str, env: dict | None = None, catch_exceptions: bool = False) -> Any:
    """`vnsearch ARGS` through click's CliRunner (a Result: exit_code, output, stderr)."""
    from click.testing import CliRunner

    from search.cli import cli

    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=catch_exceptions)


# -- a real server process (`vnsearch serve`, waitress) on loopback ---------------------------------
START_TIMEOUT = 60.0  # seconds; the first import of the library can be slow on a cold cache
SERVING = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)/) \(index: (.*)\)$")


@dataclass
class Server:
    process: subprocess.Popen[str]
    base: str  # "http://127.0.0.1:PORT" (no trailing slash)
    first_line: str
    lines: "queue.Queue[str | None]" = field(default_factory=queue.Queue)

    def url(self, path: str) -> str:
        return self.base + path


def _pump(stream: Any, lines: "queue.Queue[str | None]") -> None:
    """Read the server's stdout in a thread, so the test can wait with a deadline."""
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def wait_until(condition: Any, timeout: float, what: str) -> Any:
    """Poll ``condition()`` until it returns a true value or the deadline passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)  # a polling interval, not a wait for something to happen


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, dict(err.headers), err.read()


def _health(server: Server) -> int | None:
    try:
        return fetch(server.url("/healthz"))[0]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@contextlib.contextmanager
def running_server(index: Path, *, healthy: bool = True) -> Iterator[Server]:
    """`vnsearch serve --index INDEX --port 0` until the block ends (then terminated).

    With ``healthy`` the block starts only once /healthz answers 200; otherwise once it
    answers at all (503 for a missing index).
    """
    process = subprocess.Popen(
        [str(VNSEARCH), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", "0",
         "--threads", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
    )
    lines: "queue.Queue[str | None]" = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        try:
            first = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"no 'Serving on' line within {START_TIMEOUT:.0f}s") from None
        match = SERVING.match(first or "")
        assert match, f"unexpected first line from the server: {first!r}"
        server = Server(process, match.group(1).rstrip("/"), first, lines)
        expected = (200,) if healthy else (200, 503)
        wait_until(lambda: _health(server) in expected, START_TIMEOUT, "/healthz to answer")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        reader.join(timeout=15)
        if process.stdout:
            process.stdout.close()


@pytest.fixture(scope="session")
def seed_server(seed_index: Path) -> Iterator[Server]:
    """One server process over the seed index for the session (tests only send it requests)."""
    with running_server(seed_index) as server:
        yield server
