"""A real server process (`vnsearch serve`, waitress) on loopback, spoken to over HTTP.

The server is started with ``--port 0``: the system picks a free port and the "Serving
on" line says which. The tests wait on conditions (that line, then /healthz answering),
never on fixed sleeps, and the process is always terminated at the end.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import signal
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

from search.indexer import build_index
from tests.conftest import SEED_IDS, SEEDS

VNSEARCH = Path(sys.executable).parent / "vnsearch"
START_TIMEOUT = 60.0  # seconds; the first import of the library can be slow on a cold cache
KONTUM_KL = SEED_IDS["kontum_kl"]
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


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[Server]:
    with running_server(seed_index) as srv:
        yield srv


# -- tests -----------------------------------------------------------------------------------
def test_serving_line_names_the_bound_port_and_index(server: Server, seed_index: Path) -> None:
    match = SERVING.match(server.first_line)
    assert match and int(match.group(2)) > 0 and match.group(3) == str(seed_index)


def test_search_page_over_http(server: Server) -> None:
    status, headers, body = fetch(server.url("/?q=xa+dac+biet+kho+khan"))
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in html and "237-KL/TU" in html
    assert "<mark>xã đặc biệt khó khăn</mark>" in html
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Server"] == "vnsearch"  # waitress, not the development server


def test_api_over_http(server: Server) -> None:
    status, headers, body = fetch(server.url("/api/search?q=giam+ngheo&province=Kon+Tum"))
    data = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert data["ok"] is True and data["total"] == 2
    status, _headers, body = fetch(server.url("/healthz"))
    assert status == 200 and json.loads(body)["documents"] == 5


def test_document_and_download_over_http(server: Server) -> None:
    status, _headers, body = fetch(server.url(f"/documents/{KONTUM_KL}?q=xa+dac+biet"))
    assert status == 200 and 'id="match-1"' in body.decode("utf-8")
    status, headers, body = fetch(server.url(f"/documents/{KONTUM_KL}/download"))
    assert status == 200 and body == (SEEDS / f"{KONTUM_KL}.txt").read_bytes()
    assert headers["Content-Disposition"].startswith("attachment")


def test_export_over_http(server: Server) -> None:
    status, headers, body = fetch(server.url("/export.csv?q=giam+ngheo"))
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")
    total = json.loads(fetch(server.url("/api/search?q=giam+ngheo"))[2])["total"]
    assert len(body.decode("utf-8-sig").strip().splitlines()) == total + 1  # header + rows
    status, _headers, body = fetch(server.url("/export.json?q=giam+ngheo"))
    assert status == 200 and len(json.loads(body)) == total


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/nope", 404), ("POST", "/api/search", 405), ("GET", "/api/search?page=abc", 400),
    ("GET", "/api/documents/nope", 404),
])
def test_json_errors_over_http(server: Server, method: str, path: str, status: int) -> None:
    got, headers, body = fetch(server.url(path), method=method)
    assert got == status and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data == {"ok": False, "error": data["error"], "code": data["code"],
                    "params": data["params"], "status": status}
    # Only a bad request has a message code; the rest carry null and no parameters.
    assert (data["code"] == "param.not_integer") == (status == 400)
    assert data["params"] == ({"name": "page", "value": "abc", "min": 1, "max": 1000}
                              if status == 400 else {})


def test_html_errors_over_http(server: Server) -> None:
    status, headers, body = fetch(server.url("/?per_page=0"))
    assert status == 400 and headers["Content-Type"].startswith("text/html")
    assert "per_page" in body.decode("utf-8")
    assert fetch(server.url("/"), method="POST")[0] == 405


def test_index_built_after_start_is_served_without_restart(tmp_path: Path) -> None:
    index = tmp_path / "later"
    with running_server(index, healthy=False) as srv:
        status, _headers, body = fetch(srv.url("/healthz"))
        assert status == 503 and "vnsearch build" in json.loads(body)["error"]
        assert fetch(srv.url("/"))[0] == 503
        build_index([SEEDS], index, workers=1)
        status, _headers, body = fetch(srv.url("/?q=xa+dac+biet+kho+khan"))
        assert status == 200 and "237-KL/TU" in body.decode("utf-8")
        assert srv.process.poll() is None  # the same process, never restarted


def test_sigterm_stops_the_server_cleanly(seed_index: Path) -> None:
    with running_server(seed_index) as srv:
        srv.process.send_signal(signal.SIGTERM)
        assert srv.process.wait(timeout=15) == 0
