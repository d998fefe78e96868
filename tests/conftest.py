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
import struct
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
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


def index_texts(root: Path, texts: dict[str, str]) -> Path:
    """Each text written as ``root/corpus/<name>.txt`` and indexed into ``root/ix``."""
    from search.indexer import build_index

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, text in texts.items():
        (corpus / f"{name}.txt").write_text(text, "utf-8")
    build_index([corpus], root / "ix", workers=1)
    return root / "ix"


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
    from web.state import EXTENSION

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
SERVING = re.compile(r"^Serving on (http://127\.0\.0\.1:(\d+)/) \(index: (.*); "
                     r"Host names accepted: (.*?); worker processes: (\d+)\)$")


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
def running_server(index: Path, *, healthy: bool = True,
                   extra: tuple[str, ...] = ()) -> Iterator[Server]:
    """`vnsearch serve --index INDEX --port 0 --workers 2` until the block ends (then
    terminated). Two worker processes on any machine, so every HTTP test meets the
    supervisor and its workers; ``extra=("--workers", "1")`` is the single process.

    With ``healthy`` the block starts only once /healthz answers 200; otherwise once it
    answers at all (503 for a missing index).
    """
    process = subprocess.Popen(
        [str(VNSEARCH), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", "0",
         "--threads", "4", "--workers", "2", *extra],
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


# -- document writers: a Party .docx with real notes, a hand-made PDF with a text layer ----------
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT_BASE = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def _notes_xml(kind: str, notes: dict[int, str]) -> str:
    """word/footnotes.xml or word/endnotes.xml as Word writes it (with separators)."""
    items = [
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>',
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        f"</w:r></w:p></w:{kind}>",
    ]
    for nid, text in notes.items():
        items.append(
            f'<w:{kind} w:id="{nid}"><w:p><w:r><w:{kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:{kind}s xmlns:w="{W_NS}" xmlns:r="{R_NS}">{"".join(items)}</w:{kind}s>'
    )


def add_notes(
    path: Path, footnotes: dict[int, str], endnotes: dict[int, str] | None = None
) -> None:
    """Turn placeholder runs FN<n>/EN<n> into real note references and add the parts."""
    endnotes = endnotes or {}
    parts = {"footnote": footnotes, "endnote": endnotes}
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                for kind, notes in parts.items():
                    for nid in notes:
                        placeholder = f"<w:t>{kind[0].upper()}N{nid}</w:t>"
                        assert placeholder in xml
                        xml = xml.replace(placeholder, f'<w:{kind}Reference w:id="{nid}"/>')
                data = xml.encode("utf-8")
            elif item.filename == "word/_rels/document.xml.rels":
                rels = "".join(
                    f'<Relationship Id="rIdN{kind}" Type="{REL_BASE}/{kind}s"'
                    f' Target="{kind}s.xml"/>'
                    for kind, notes in parts.items() if notes
                )
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            elif item.filename == "[Content_Types].xml":
                types = "".join(
                    f'<Override PartName="/word/{kind}s.xml" ContentType="{CT_BASE}.{kind}s+xml"/>'
                    for kind, notes in parts.items() if notes
                )
                data = data.replace(b"</Types>", types.encode() + b"</Types>")
            out.writestr(item, data)
        for kind, notes in parts.items():
            if notes:
                out.writestr(f"word/{kind}s.xml", _notes_xml(kind, notes))
    tmp.replace(path)


def _tiny_png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def party_docx(tmp_path: Path, *, with_image: bool = False) -> Path:
    """A Party document: 2-column header table, body with a footnote and an endnote."""
    document = docx.Document()
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "TỈNH ỦY KON TUM"
    header.cell(0, 0).add_paragraph("*")
    header.cell(0, 1).text = "ĐẢNG CỘNG SẢN VIỆT NAM"
    header.cell(1, 0).text = "Số 237-KL/TU"
    header.cell(1, 1).text = "Kon Tum, ngày 08 tháng 11 năm 2021"
    document.add_paragraph("KẾT LUẬN")
    body = document.add_paragraph("Hội nghị đã thông qua Đề án giảm nghèo")
    body.add_run("FN1")
    body.add_run(" và các cơ chế, chính sách")
    body.add_run("EN1")
    body.add_run(" trên địa bàn tỉnh.")
    if with_image:
        png = tmp_path / "dot.png"
        png.write_bytes(_tiny_png())
        document.add_picture(str(png))
    document.add_paragraph("Nơi nhận: Lưu Văn phòng Tỉnh ủy.")
    path = tmp_path / "party.docx"
    document.save(str(path))
    add_notes(
        path, {1: "Nghị quyết số 87/2016/NQ-HĐND, ngày 09-12-2016."}, {1: "Ghi chú cuối văn bản."}
    )
    return path


def _pdf_string(text: str) -> str:
    """A PDF literal string in WinAnsi: Latin-1 bytes, octal-escaped past ASCII."""
    out = []
    for byte in text.encode("latin-1"):
        ch = chr(byte)
        out.append("\\" + ch if ch in "()\\" else ch if 32 <= byte < 127 else f"\\{byte:03o}")
    return "(" + "".join(out) + ")"


def hand_pdf(pages: list[list[str]], *, font: str = "Helvetica") -> bytes:
    """A minimal valid PDF: one Type1 font (WinAnsiEncoding), one text line per string."""
    objects: list[str] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    objects.append("<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    for page_id, lines in zip(page_ids, pages):
        ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
        ops += [f"{_pdf_string(line)} Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {page_id + 1} 0 R >>"
        )
        length = len(stream.encode("latin-1"))
        objects.append(f"<< /Length {length} >>\nstream\n{stream}\nendstream")
    objects.append(
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>"
    )
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return out
