"""A real server process (`vnsearch serve`, waitress) on loopback, spoken to over HTTP.

The server is started with ``--port 0``: the system picks a free port and the "Serving
on" line says which. The tests wait on conditions (that line, then /healthz answering),
never on fixed sleeps, and the process is always terminated at the end.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from search.indexer import build_index
from tests.conftest import SEED_IDS, SEEDS, SERVING, Server, fetch, running_server

pytestmark = pytest.mark.slow  # real server processes

KONTUM_KL = SEED_IDS["kontum_kl"]


# -- tests -----------------------------------------------------------------------------------
def test_serving_line_names_the_bound_port_and_index(seed_server: Server,
                                                     seed_index: Path) -> None:
    match = SERVING.match(seed_server.first_line)
    assert match and int(match.group(2)) > 0 and match.group(3) == str(seed_index)


def test_search_page_over_http(seed_server: Server) -> None:
    status, headers, body = fetch(seed_server.url("/?q=xa+dac+biet+kho+khan"))
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in html and "237-KL/TU" in html
    assert "<mark>xã đặc biệt khó khăn</mark>" in html
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Server"] == "vnsearch"  # waitress, not the development server


def test_api_over_http(seed_server: Server) -> None:
    status, headers, body = fetch(seed_server.url("/api/search?q=giam+ngheo&province=Kon+Tum"))
    data = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert data["ok"] is True and data["total"] == 2
    status, _headers, body = fetch(seed_server.url("/healthz"))
    assert status == 200 and json.loads(body)["documents"] == 5


def test_document_and_download_over_http(seed_server: Server) -> None:
    status, _headers, body = fetch(seed_server.url(f"/documents/{KONTUM_KL}?q=xa+dac+biet"))
    assert status == 200 and 'id="match-1"' in body.decode("utf-8")
    status, headers, body = fetch(seed_server.url(f"/documents/{KONTUM_KL}/download"))
    assert status == 200 and body == (SEEDS / f"{KONTUM_KL}.txt").read_bytes()
    assert headers["Content-Disposition"].startswith("attachment")


def test_export_over_http(seed_server: Server) -> None:
    status, headers, body = fetch(seed_server.url("/export.csv?q=giam+ngheo"))
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")
    total = json.loads(fetch(seed_server.url("/api/search?q=giam+ngheo"))[2])["total"]
    assert len(body.decode("utf-8-sig").strip().splitlines()) == total + 1  # header + rows
    status, _headers, body = fetch(seed_server.url("/export.json?q=giam+ngheo"))
    assert status == 200 and len(json.loads(body)) == total


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/nope", 404), ("POST", "/api/search", 405), ("GET", "/api/search?page=abc", 400),
    ("GET", "/api/documents/nope", 404),
])
def test_json_errors_over_http(seed_server: Server, method: str, path: str, status: int) -> None:
    got, headers, body = fetch(seed_server.url(path), method=method)
    assert got == status and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    assert data == {"ok": False, "error": data["error"], "code": data["code"],
                    "params": data["params"], "status": status}
    # A bad request and a missing document have a message code; a route or method error
    # (Werkzeug's) carries null and no parameters.
    expected = {"/api/search?page=abc": ("param.not_integer", {"name": "page", "value": "abc",
                                                                "min": 1, "max": 1000}),
                "/api/documents/nope": ("document.not_found", {"id": "nope"})}
    assert (data["code"], data["params"]) == expected.get(path, (None, {}))


def test_html_errors_over_http(seed_server: Server) -> None:
    status, headers, body = fetch(seed_server.url("/?per_page=0"))
    assert status == 400 and headers["Content-Type"].startswith("text/html")
    assert "per_page" in body.decode("utf-8")
    assert fetch(seed_server.url("/"), method="POST")[0] == 405


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
