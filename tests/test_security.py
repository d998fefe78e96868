"""Security (issue 6): escaping, path traversal, headers, read-only HTTP, no debug mode.

Documents here carry markup in their title and text (`<script>`, an `<img onerror>`);
it must reach every page and the JSON as text. Downloads serve only the bytes that were
indexed, never a path taken from the URL or a stored path that was tampered with. The
real server (`vnsearch serve`) is started with every debug switch set in its environment
and must still never show a traceback or the Werkzeug debugger.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from search.index import Index
from search.indexer import build_index
from tests.conftest import SEED_IDS, SEEDS, Server, make_app, running_server
from web import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, create_app
from web.state import EXTENSION

KONTUM_KL = SEED_IDS["kontum_kl"]
XSS_TXT = ("TỈNH ỦY KON TUM\nSố 77-KL/TU\nKon Tum, ngày 05 tháng 3 năm 2025\nKẾT LUẬN\n"
           'về <script>alert("xss-title")</script> giảm nghèo & "bền vững"\n'
           'Nội dung <img src=x onerror=alert(1)> giảm nghèo và <script>alert("xss-body")'
           "</script> kết thúc.\n")
XSS_HTML = ('<html><head><title>&lt;script&gt;alert("html-title")&lt;/script&gt; Nghị quyết'
            "</title></head><body><p>Văn bản &lt;b onmouseover=alert(2)&gt;giảm nghèo&lt;/b&gt;"
            ' đa chiều.</p><script>alert("dropped")</script></body></html>')
RECORD = {"id": "ban-ghi-1", "title": "<svg onload=alert(3)> Bản ghi", "text":
          "Bản ghi JSON Lines về giảm nghèo <iframe src=javascript:alert(4)>."}
SECRET = "TOP-SECRET-do-not-serve"
METHODS = ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("security")
    docs = root / "docs"
    docs.mkdir()
    (docs / "xss.txt").write_text(XSS_TXT, encoding="utf-8")
    (docs / "page.html").write_text(XSS_HTML, encoding="utf-8")
    (docs / "changed.txt").write_text("Văn bản sẽ bị sửa sau khi lập chỉ mục về giảm nghèo.",
                                      encoding="utf-8")
    (docs / "swapped.txt").write_text("Văn bản sẽ bị thay bằng liên kết về giảm nghèo.",
                                      encoding="utf-8")
    (docs / "records.jsonl").write_text(json.dumps(RECORD, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, docs)
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def index(corpus: Path) -> Path:
    path = corpus / "index"
    report = build_index([corpus / "docs"], path, workers=1)
    assert not report.failed, report.failed
    # After indexing: one file is edited, one is swapped for a link to a secret file.
    (corpus / "docs" / "changed.txt").write_text("Nội dung khác hẳn.", encoding="utf-8")
    (corpus / "docs" / "swapped.txt").unlink()
    (corpus / "docs" / "swapped.txt").symlink_to(corpus / "secret.txt")
    return path


@pytest.fixture(scope="module")
def app(index: Path) -> Iterator[Flask]:
    yield from make_app(index)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _html(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# -- escaping ---------------------------------------------------------------------------------
INJECTED = ('<script>alert("xss-title")</script>', '<script>alert("xss-body")</script>',
            "<img src=x onerror=alert(1)>", '<script>alert("html-title")</script>',
            "<b onmouseover=alert(2)>", "<svg onload=alert(3)>", "<iframe src=javascript:alert(4)>")


def _no_live_markup(html: str) -> None:
    for raw in INJECTED:
        assert raw not in html
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None and soup.find("iframe") is None
    assert soup.find("svg") is None
    for tag in soup.find_all(True):
        assert not any(name.startswith("on") for name in tag.attrs), tag


def test_search_page_shows_titles_and_highlights_as_text(client: FlaskClient) -> None:
    html = _html(client, "/?q=giam+ngheo&per_page=50")
    _no_live_markup(html)
    text = BeautifulSoup(html, "html.parser").get_text()
    assert 'alert("xss-title")' in text and "<img src=x onerror=alert(1)>" in text
    assert '<script>alert("html-title")</script>' in text and "<svg onload=alert(3)>" in text
    # Highlights: <mark> is the only markup inside a passage.
    passages = BeautifulSoup(html, "html.parser").select(".passages > li")
    assert len(passages) >= 3 and any(p.find("mark") for p in passages)
    assert all({t.name for t in p.find_all(True)} <= {"mark"} for p in passages)


@pytest.mark.parametrize("doc_id", ["xss", "page", "ban-ghi-1"])
def test_document_page_shows_markup_as_text(client: FlaskClient, doc_id: str) -> None:
    html = _html(client, f"/documents/{doc_id}?q=giam+ngheo")
    _no_live_markup(html)
    fulltext = BeautifulSoup(html, "html.parser").select_one(".fulltext")
    assert fulltext.find("mark") is not None
    assert {t.name for t in fulltext.find_all(True)} <= {"mark", "br", "p"}


def test_query_text_is_escaped_where_it_is_echoed(client: FlaskClient) -> None:
    q = '"><script>alert("q")</script><img src=x onerror=alert(5)>'
    for url in ("/", "/documents/xss"):
        response = client.get(url, query_string={"q": q})
        html = response.get_data(as_text=True)
        assert '<script>alert("q")</script>' not in html and "onerror=alert(5)>" not in html
    response = client.get("/", query_string={"q": q, "page": "abc"})  # the 400 page echoes q
    assert response.status_code == 400
    assert '<script>alert("q")</script>' not in response.get_data(as_text=True)


def test_json_carries_text_as_data_and_highlights_escaped(client: FlaskClient) -> None:
    response = client.get("/api/search?q=giam+ngheo&per_page=50")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # never sniffed as HTML
    hits = {h["id"]: h for h in response.get_json()["hits"]}
    assert hits["xss"]["title"] == 'về <script>alert("xss-title")</script> giảm nghèo & "bền vững"'
    for hit in hits.values():
        for passage in hit["highlights"]:
            assert re.sub(r"</?mark>", "", passage).count("<") == 0, passage
    assert any("&lt;script&gt;" in p for p in hits["xss"]["highlights"])
    doc = client.get("/api/documents/xss").get_json()
    assert '<script>alert("xss-body")</script>' in doc["text"]  # the data, unchanged


def test_exports_are_not_formulas_or_markup(client: FlaskClient) -> None:
    body = client.get("/export.csv?q=giam+ngheo").get_data(as_text=True)
    assert "\n=" not in body and ",=" not in body
    response = client.get("/export.json?q=giam+ngheo")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")


# -- path traversal and downloads --------------------------------------------------------------
TRAVERSALS = [
    "/documents/..%2f..%2f..%2fetc%2fpasswd",
    "/documents/..%2f..%2f..%2fetc%2fpasswd/download",
    "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd/download",
    "/documents/..%252f..%252fetc%252fpasswd/download",
    "/documents/%2fetc%2fpasswd/download",
    "/documents//etc/passwd/download",
    "/documents/..%5c..%5cetc%5cpasswd/download",
    "/documents/....%2f%2f....%2f%2fetc%2fpasswd/download",
    "/documents/%00/download",
    "/documents/..",
    "/documents/../download",
    "/api/documents/..%2f..%2fetc%2fpasswd",
    "/static/..%2f..%2fsearch%2fcli.py",
    "/static/../../search/cli.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_no_path_traversal_through_ids_or_routes(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    body = response.get_data()
    assert response.status_code in (400, 404), (url, response.status_code)
    assert b"root:" not in body and b"import click" not in body and b"[project]" not in body


@pytest.mark.parametrize(("doc_id", "status"), [
    ("xss", 200),  # the file as indexed: served
    ("changed", 404),  # edited since indexing: not the indexed bytes
    ("swapped", 404),  # replaced by a symlink to a secret file
    ("ban-ghi-1", 404),  # a JSON Lines record has no file of its own
    ("nope", 404),
])
def test_only_indexed_bytes_are_downloadable(client: FlaskClient, corpus: Path, doc_id: str,
                                             status: int) -> None:
    response = client.get(f"/documents/{doc_id}/download")
    assert response.status_code == status
    if status == 200:
        assert response.data == XSS_TXT.encode("utf-8")
        assert response.headers["Content-Disposition"].startswith("attachment")
    else:
        assert SECRET.encode() not in response.data
    response.close()


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../../etc/passwd", "/etc", "",
                                  "/etc/passwd#L1", "secret.txt"])
def test_a_tampered_stored_path_is_not_served(app: Flask, corpus: Path,
                                              monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """Even if the index said the file is elsewhere, only the indexed bytes may leave."""
    real_get = Index.get
    monkeypatch.setattr(Index, "get", lambda self, doc_id: (
        {**real_get(self, doc_id), "path": path or None} if doc_id == "xss"
        else real_get(self, doc_id)))
    monkeypatch.chdir(corpus)  # a relative "secret.txt" would resolve to the secret here
    response = app.test_client().get("/documents/xss/download")
    assert response.status_code == 404
    assert b"root:" not in response.data and SECRET.encode() not in response.data


def test_a_tampered_hash_pointing_at_another_file_is_not_served(
        app: Flask, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = corpus / "secret.txt"
    real_get = Index.get
    monkeypatch.setattr(Index, "get", lambda self, doc_id: (
        {**real_get(self, doc_id), "path": str(secret)} if doc_id == "xss"
        else real_get(self, doc_id)))
    response = app.test_client().get("/documents/xss/download")
    assert response.status_code == 404 and SECRET.encode() not in response.data
    # Sanity: the check is the hash — with the secret's own hash it would be "indexed".
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    assert digest != real_get(app.extensions[EXTENSION].get(), "xss")["sha256"]


# -- headers on every route, errors included ------------------------------------------------------
def _routes(app: Flask) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        url = rule.rule.replace("<doc_id>", KONTUM_KL).replace("<path:filename>", "style.css")
        urls.append(url)
    return sorted(set(urls))


def _assert_security_headers(headers: dict | object, where: str) -> None:
    get = headers.get  # type: ignore[attr-defined]
    for name, value in SECURITY_HEADERS.items():
        assert get(name) == value, (where, name, get(name))
    assert "script-src 'none'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


@pytest.fixture(scope="module")
def seed_app(seed_index: Path) -> Iterator[Flask]:
    yield from make_app(seed_index)


def test_security_headers_on_every_route_and_error(seed_app: Flask, tmp_path: Path) -> None:
    client = seed_app.test_client()
    urls = _routes(seed_app) + ["/nope", "/?page=abc", "/api/search?per_page=0",
                                "/documents/nope", "/documents/nope/download", "/api/nope"]
    assert len(_routes(seed_app)) >= 11
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        _assert_security_headers(response.headers, url)
        response.close()
    for method in METHODS:
        response = client.open("/", method=method)
        assert response.status_code == 405
        _assert_security_headers(response.headers, method)
    missing = create_app({"INDEX": str(tmp_path / "none")})
    try:
        for url in ("/", "/healthz", "/api/search"):
            response = missing.test_client().get(url)
            assert response.status_code == 503
            _assert_security_headers(response.headers, f"503 {url}")
    finally:
        missing.extensions[EXTENSION].close()


def test_unexpected_error_is_generic_with_headers_even_with_debug_env(
        monkeypatch: pytest.MonkeyPatch, seed_index: Path) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("VNSEARCH_DEBUG", "1")
    app = create_app({"INDEX": str(seed_index)})
    try:
        assert app.debug is False and app.config["DEBUG"] is False

        @app.get("/boom")
        def boom() -> str:
            raise RuntimeError("secret internals /srv/data/passwords")

        for url, kind in (("/boom", "text/html"),):
            response = app.test_client().get(url)
            body = response.get_data(as_text=True)
            assert response.status_code == 500 and response.mimetype == kind
            assert "secret internals" not in body and "Traceback" not in body
            assert "unexpected server error" in body
            _assert_security_headers(response.headers, url)
    finally:
        app.extensions[EXTENSION].close()


# -- read-only HTTP --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_every_route_refuses_writes(seed_app: Flask, method: str) -> None:
    client = seed_app.test_client()
    for url in _routes(seed_app) + ["/nope", "/api/nope"]:
        response = client.open(url, method=method, data=b"x=1")
        assert response.status_code == 405, (method, url)
        assert response.headers["Allow"] == "GET, HEAD"
        if url.startswith(("/api/", "/export", "/healthz")):
            assert response.get_json()["error"].startswith(f"method {method} is not allowed")


# -- the real server: never debug mode ---------------------------------------------------------------
def _raw(server: Server, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """A request sent as written (no client-side normalisation of ``..`` or escapes)."""
    host = urlsplit(server.base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def debug_env_server(seed_index: Path) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("FLASK_DEBUG", "1"), ("VNSEARCH_DEBUG", "1"),
                            ("FLASK_ENV", "development"), ("WERKZEUG_DEBUG_PIN", "off")):
            mp.setenv(name, value)
        with running_server(seed_index) as server:
            mp.undo()  # only the server's environment had them
            yield server


@pytest.mark.slow  # a real server process
@pytest.mark.parametrize(("method", "target", "status"), [
    ("GET", "/nope", 404),
    ("GET", "/?page=abc", 400),
    ("GET", "/api/search?per_page=0", 400),
    ("POST", "/api/search", 405),
    ("DELETE", f"/documents/{KONTUM_KL}", 405),
    ("GET", "/console", 404),
    ("GET", "/documents/..%2f..%2f..%2fetc%2fpasswd/download", 404),
    ("GET", "/documents/../../../etc/passwd", 404),
    ("GET", "/static/../../pyproject.toml", 404),
    ("GET", "/?__debugger__=yes&cmd=resource&f=debugger.js", 200),
])
def test_real_server_with_debug_env_shows_no_debugger(debug_env_server: Server, method: str,
                                                      target: str, status: int) -> None:
    got, headers, body = _raw(debug_env_server, method, target)
    text = body.decode("utf-8", "replace")
    assert got == status, (target, got, text[:300])
    assert headers.get("Server") == "vnsearch"  # waitress, not Werkzeug's development server
    assert headers["Content-Type"].startswith(("text/html", "application/json"))
    for marker in ("Traceback", "Werkzeug", "werkzeug", "console.png", "EVALEX", "root:",
                   "[project]"):
        assert marker not in text, (marker, target)
    if got == 200:  # the debugger's resource URL is just the search page
        assert '<html lang="vi">' in text
    _assert_security_headers(headers, target)


@pytest.mark.parametrize("name", ["dòng\nmới.txt", "về\r\nđầu.txt", "tab\tand\x1bescape.txt"])
def test_a_file_name_with_control_characters_downloads(tmp_path, name):
    """A CR or LF in a file name (legal on Linux) must not reach the header: it was a 500."""
    from search.indexer import build_index
    from tests.conftest import SEEDS, app_for

    corpus = tmp_path / "c"
    corpus.mkdir()
    data = (SEEDS / "000_7deaedef5e058121.txt").read_bytes()
    (corpus / name).write_bytes(data)
    build_index([corpus], tmp_path / "ix", workers=1)
    with app_for(tmp_path / "ix") as app:
        client = app.test_client()
        doc_id = client.get("/api/search?q=&per_page=1").get_json()["hits"][0]["id"]
        response = client.get(f"/documents/{doc_id}/download")
        body = response.get_data()
        response.close()
    assert response.status_code == 200 and body == data
    disposition = response.headers["Content-Disposition"]
    assert not any(c in disposition for c in "\r\n\t\x1b") and "attachment" in disposition


def _get_with_host(url: str, host: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


@pytest.mark.slow  # a real server process
@pytest.mark.parametrize(("extra", "host", "status"), [
    ((), "{own}", 200),                          # the address it serves on
    ((), "localhost:{port}", 200),               # loopback: localhost too
    ((), "evil.example", 400),                   # anything else: refused
    ((), "evil.example:{port}", 400),
    (("--allowed-host", "search.gov.vn"), "search.gov.vn", 200),   # configured
    (("--allowed-host", "search.gov.vn"), "{own}", 200),           # besides its own
    (("--allowed-host", "search.gov.vn"), "evil.example", 400),
    (("--allowed-host", "*"), "evil.example", 200),                # any, behind a proxy
])
def test_only_allowed_host_names_are_served(seed_index, extra, host, status):
    """A forged Host never reaches a URL the app writes: the exports' document links are
    built from it, so an untrusted one is refused before any page or export is made."""
    from tests.conftest import running_server

    with running_server(seed_index, extra=extra) as server:
        port = server.base.rsplit(":", 1)[1]
        name = host.format(own=f"127.0.0.1:{port}", port=port)
        for path in ("/?q=giam+ngheo", "/api/search?q=giam", "/export.json?q=giam+ngheo"):
            got, body = _get_with_host(server.url(path), name)
            assert got == status, (path, got, body[:200])
        if status == 200:
            links = [r["url"] for r in json.loads(body)]
            assert links and all(u.startswith(f"http://{name}/documents/") for u in links)


@pytest.mark.slow  # a real server process
@pytest.mark.parametrize("workers", ["1", "2"])
def test_idle_connections_do_not_lock_others_out(seed_index, workers):
    """150 connections that send nothing (waitress's default allowed 100, and 98 idle ones
    stopped the server): a search from someone else is still answered, by a single process
    and by worker processes (each with its own connection limit)."""
    import socket
    import urllib.request

    from tests.conftest import running_server

    with running_server(seed_index, extra=("--workers", workers)) as server:
        host, port = server.base.removeprefix("http://").split(":")
        idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(150)]
        try:
            # A hang guard, not a timing: without the fix this waits for a free slot (120 s).
            with urllib.request.urlopen(server.url("/api/search?q=giam+ngheo"),
                                        timeout=30) as response:
                assert response.status == 200 and json.loads(response.read())["total"] > 0
        finally:
            for sock in idle:
                sock.close()


def test_exports_beyond_the_bound_wait_for_a_retry(seed_index, monkeypatch):
    """Exports at once are bounded (each holds a worker thread while it streams):
    the next one is a 503 with Retry-After while the others finish, not a stall for all."""
    import threading

    from tests.conftest import app_for
    from web import exports

    from tests.conftest import wait_until
    from web.searches_first import searches_first

    release = threading.Event()
    original = exports.evaluate_export

    def slow(args):  # the first holds the exports' turn; the second waits for it
        release.wait(timeout=30)
        return original(args)

    monkeypatch.setattr(exports, "evaluate_export", slow)
    with app_for(seed_index) as app:
        results: list[int] = []
        def export() -> None:
            with app.test_client().get("/export.json?q=giam") as response:  # read, closed
                results.append(response.status_code)

        running = [threading.Thread(target=export) for _ in range(exports.EXPORT_CONCURRENCY)]
        for thread in running:
            thread.start()
        with app.app_context():
            gate = searches_first()
        wait_until(lambda: gate.figures()["running"] == exports.EXPORT_CONCURRENCY, 30,
                   "the exports to take their slots")
        busy = app.test_client().get("/export.csv?q=giam")
        release.set()
        for thread in running:
            thread.join(timeout=30)
        after = app.test_client().get("/export.csv?q=giam")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert busy.get_json()["ok"] is False
    assert results == [200] * exports.EXPORT_CONCURRENCY and after.status_code == 200
