"""Bad files at the level of a whole build (issue 6: "Bad files").

One corpus folder holds every bad file of the issue next to good documents (the five
seeds, a file named in Vietnamese with spaces, a folder with a symlink loop). A real
`vnsearch build` over it must finish, index every good document, and report every bad
file with its path and a reason a person can act on; its peak memory stays bounded
(limits on file size, extracted text and .docx expansion: README, "Limits").

The reader-level details of each bad format are in tests/test_parse.py; this file checks
that they hold inside a build, through the CLI, with the limits configurable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from struct import pack

import pytest
from flask import Flask
from pypdf import PdfReader, PdfWriter

from search.index import open_index
from search.results import SearchRequest
from tests.conftest import SEED_IDS, SEEDS, VNSEARCH, hand_pdf, make_app, party_docx

pytestmark = pytest.mark.slow  # real `vnsearch build` processes, their peak memory measured

MIB = 1024 * 1024
# Peak RSS of a whole `vnsearch build` (Python, Whoosh, pyvi and scikit-learn loaded) must
# stay under this: a resource bound, not a timing. A build that inflated the zip bomb
# (2 GiB) or analysed the 30 MB line would go far past it.
MAX_BUILD_RSS_MB = 600
VIETNAMESE_NAME = "Nghị quyết số 04 về giảm nghèo.txt"
VIETNAMESE_ID = "nghi-quyet-so-04-ve-giam-ngheo"
VIETNAMESE_TEXT = ("Nghị quyết số 04-NQ/TU của Ban Thường vụ Tỉnh ủy về giảm nghèo bền vững "
                   "ở xã Đăk Pxi. Tên tệp có chữ tiếng Việt và dấu cách.")
LOOP_TEXT = "Văn bản trong thư mục có liên kết vòng về xây dựng nông thôn mới kiểu mẫu."


# -- fixtures that make the bad files ---------------------------------------------------------
def zip_bomb(path: Path, gib: int = 2) -> Path:
    """A .docx whose word/document.xml really inflates to ``gib`` GiB of zeros (~2 MB file).

    Deflate blocks ended by a full flush do not refer to earlier data, so one compressed
    megabyte repeated is a valid stream; the zip is written by hand around it.
    """
    block = b"\0" * MIB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    count = gib * 1024
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    entries = [(b"[Content_Types].xml", b"<Types/>", 0, zlib.crc32(b"<Types/>"), 8),
               (b"word/document.xml", chunk * count + end, 8, crc, count * MIB)]
    out, central = bytearray(), bytearray()
    for name, data, method, entry_crc, size in entries:
        offset = len(out)
        out += pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, entry_crc, len(data), size,
                    len(name), 0) + name + data
        central += pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, entry_crc,
                        len(data), size, len(name), 0, 0, 0, 0, 0, offset) + name
    start = len(out)
    out += central + pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(central), start, 0)
    path.write_bytes(bytes(out))
    return path


def _docx_half(path: Path) -> Path:
    work = path.parent / ".work-docx"
    work.mkdir(exist_ok=True)
    data = party_docx(work).read_bytes()
    shutil.rmtree(work)
    path.write_bytes(data[: len(data) // 2])
    return path


def _encrypted_pdf(path: Path) -> Path:
    plain = path.with_name(".plain.pdf")
    plain.write_bytes(hand_pdf([["Secret text"]]))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("secret", None)
    writer.write(path)
    plain.unlink()
    return path


def _image_only_pdf(path: Path) -> Path:
    """One page that draws a small grey image and has no text at all (a scan)."""
    image = b"\x80" * 64
    stream = (b"q 200 0 0 200 0 0 cm /Im1 Do Q")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(image) + image + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                            xref)
    path.write_bytes(out)
    return path


def _blank_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(path)
    return path


def _huge_line(path: Path, size: int = 30 * MIB) -> Path:
    """30 MB of Vietnamese words on one line, without a single sentence end."""
    words = "tỉnh ủy kon tum lãnh đạo giảm nghèo bền vững đa chiều ".encode("utf-8")
    data = (words * (size // len(words) + 1))[:size]
    path.write_bytes(data.decode("utf-8", "ignore").encode("utf-8"))
    return path


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path
    return make


# name → (maker, expected reason: the start of it, or the whole of it)
BAD_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty.txt": (_write(b""), "empty file (no text)"),
    "zero-bytes.docx": (_write(b""), "not a valid .docx (corrupt or truncated zip)"),
    "cut-in-half.docx": (_docx_half, "not a valid .docx (corrupt or truncated zip)"),
    "zip-bomb.docx": (zip_bomb, "refused: .docx expands to 2048.0 MB"),
    "really-html.pdf": (_write(b"<!DOCTYPE html><html><body>404 Not Found</body></html>"),
                        "not a PDF (starts with '<!DOCTYPE html>"),
    "encrypted.pdf": (_encrypted_pdf, "encrypted PDF (password required)"),
    # a scan of nothing: recognised, and no word found
    "image-only.pdf": (_image_only_pdf, "no text recognised on the 1 scanned page(s)"),
    "blank-page.pdf": (_blank_pdf, "no text: the pages are blank (no text layer, no images)"),
    "binary.txt": (_write(bytes(range(256)) * 64), "binary file, not text"),
    "invalid-utf8.txt": (_write("Nghị quyết về giảm nghèo ".encode() + b"\xff\xfe\xc3\x28 end"),
                         "not UTF-8 or UTF-16 text, and not Vietnamese in TCVN3, VNI or "
                         "Windows-1258 (invalid UTF-8 byte 0xFF at offset 34)"),
    "single-line-30mb.txt": (_huge_line, "extracted text is "),
}
GOOD_IDS = {*SEED_IDS.values(), VIETNAMESE_ID, "inside-the-loop"}


def make_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    corpus.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, corpus)
    for name, (make, _reason) in BAD_FILES.items():
        make(corpus / name)
    (corpus / VIETNAMESE_NAME).write_text(VIETNAMESE_TEXT, encoding="utf-8")
    loop = corpus / "loop"
    loop.mkdir()
    (loop / "inside-the-loop.txt").write_text(LOOP_TEXT, encoding="utf-8")
    os.symlink("..", loop / "up")  # loop/up/loop/up/... back to the corpus
    os.symlink(".", loop / "self")
    return corpus


def measured_build(args: list[str], env: dict[str, str] | None = None
                   ) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `vnsearch ARGS` under a small Python parent that reports the peak RSS of it
    and its descendants (getrusage(RUSAGE_CHILDREN) of a parent with no other children)."""
    code = ("import json, resource, subprocess, sys\n"
            "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
            "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print(json.dumps({'rc': p.returncode, 'out': p.stdout, 'err': p.stderr, "
            "'rss_mb': rss}))\n")
    wrapper = subprocess.run([sys.executable, "-c", code, str(VNSEARCH), *args],
                             capture_output=True, text=True, timeout=300,
                             env={**os.environ, **(env or {})})
    assert wrapper.returncode == 0, wrapper.stderr
    data = json.loads(wrapper.stdout)
    return (subprocess.CompletedProcess(args, data["rc"], data["out"], data["err"]),
            data["rss_mb"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("bad-files")
    corpus = make_corpus(root)
    index = root / "index"
    result, rss = measured_build(["build", str(corpus), "--index", str(index), "--json"])
    yield {"corpus": corpus, "index": index, "result": result, "rss": rss,
           "report": json.loads(result.stdout) if result.stdout.strip() else {}}


# -- the build over the bad corpus --------------------------------------------------------------
def test_build_completes_with_exit_3_and_indexes_every_good_document(built: dict) -> None:
    result, report = built["result"], built["report"]
    assert result.returncode == 3, result.stderr  # done, but some files failed
    assert report["indexed"] == len(GOOD_IDS)
    with open_index(built["index"]) as ix:
        ids = {stored["id"] for stored in ix.reader.iter_stored()}
    assert ids == GOOD_IDS


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_every_bad_file_is_reported_with_path_and_reason(built: dict, name: str) -> None:
    expected = BAD_FILES[name][1]
    path = str(built["corpus"] / name)
    reasons = {p["path"]: p["reason"] for p in built["report"]["failed"]}
    assert path in reasons, f"{name} not reported: {sorted(reasons)}"
    assert reasons[path].startswith(expected), reasons[path]


def test_failures_are_exactly_the_bad_files_and_also_in_the_manifest(built: dict) -> None:
    report = built["report"]
    assert sorted(Path(p["path"]).name for p in report["failed"]) == sorted(BAD_FILES)
    # the symlink loop is not an error: said once for each way back in, read once
    assert {p["reason"] for p in report["skipped"]} == {"folder already read (a symlink loop, or the same folder twice)"}
    with open_index(built["index"]) as ix:
        assert {p["path"] for p in ix.manifest["failed"]} == {p["path"] for p in report["failed"]}


def test_30mb_line_is_refused_by_the_text_limit_with_its_size(built: dict) -> None:
    reasons = {Path(p["path"]).name: p["reason"] for p in built["report"]["failed"]}
    assert reasons["single-line-30mb.txt"].endswith("characters, over the 5,000,000 limit")


def test_human_output_names_each_failed_file_on_stderr(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEEDS / f"{SEED_IDS['kontum_kl']}.txt", corpus)
    for name in ("empty.txt", "really-html.pdf", "invalid-utf8.txt"):
        BAD_FILES[name][0](corpus / name)
    result = subprocess.run([str(VNSEARCH), "build", str(corpus), "--index", str(tmp_path / "ix")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "indexed 1 document(s)" in result.stdout and "3 failed" in result.stdout
    failed = [line for line in result.stderr.splitlines() if line.startswith("  FAILED  ")]
    assert len(failed) == 3 and "Traceback" not in result.stderr
    for name in ("empty.txt", "really-html.pdf", "invalid-utf8.txt"):
        line = next(x for x in failed if f"{corpus / name}: " in x)
        assert line.split(": ", 1)[1].startswith(BAD_FILES[name][1])


# -- memory ------------------------------------------------------------------------------------
def test_memory_of_the_whole_bad_build_is_bounded(built: dict) -> None:
    assert built["rss"] < MAX_BUILD_RSS_MB, f"peak RSS {built['rss']:.0f} MB"


def test_memory_on_the_30mb_line_and_the_zip_bomb_alone(tmp_path: Path) -> None:
    corpus = tmp_path / "big"
    corpus.mkdir()
    _huge_line(corpus / "single-line-30mb.txt")
    zip_bomb(corpus / "zip-bomb.docx")
    result, rss = measured_build(["build", str(corpus), "--index", str(tmp_path / "ix")])
    assert result.returncode == 1  # nothing indexed: an error, the index left as it was
    assert "nothing indexed: all 2 document(s) failed" in result.stderr
    assert rss < MAX_BUILD_RSS_MB, f"peak RSS {rss:.0f} MB"


# -- limits are configurable ----------------------------------------------------------------------
def test_limits_can_be_lowered_in_the_environment(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(SEEDS / f"{SEED_IDS['kontum_kl']}.txt", corpus)  # 8 KB, ~6,200 characters
    (corpus / "short.txt").write_text(VIETNAMESE_TEXT, encoding="utf-8")
    env = {"VNSEARCH_MAX_TEXT_CHARS": "1_000"}
    result, _rss = measured_build(["build", str(corpus), "--index", str(tmp_path / "ix"),
                                   "--json"], env=env)
    assert result.returncode == 3
    failed = json.loads(result.stdout)["failed"]
    assert [Path(p["path"]).name for p in failed] == [f"{SEED_IDS['kontum_kl']}.txt"]
    assert failed[0]["reason"].endswith("characters, over the 1,000 limit")
    env = {"VNSEARCH_MAX_FILE_BYTES": "4096"}
    result, _rss = measured_build(["build", str(corpus), "--index", str(tmp_path / "ix2"),
                                   "--json"], env=env)
    failed = json.loads(result.stdout)["failed"]
    assert failed[0]["reason"] == "file is 8.1 KB, over the 4 KB limit"


def test_a_bad_limit_in_the_environment_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([str(VNSEARCH), "build", str(SEEDS), "--index", str(tmp_path / "ix")],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "VNSEARCH_MAX_TEXT_CHARS": "lots"})
    assert result.returncode == 2
    assert "VNSEARCH_MAX_TEXT_CHARS='lots' is not a positive whole number" in result.stderr
    assert not (tmp_path / "ix").exists()


# -- the symlink loop -----------------------------------------------------------------------------
def test_symlink_loop_folder_alone_is_walked_once(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "a.txt").write_text(LOOP_TEXT, encoding="utf-8")
    os.symlink(".", loop / "again")
    os.symlink(str(loop), loop / "absolute")
    (loop / "deeper").mkdir()
    os.symlink("..", loop / "deeper" / "parent")
    result = subprocess.run([str(VNSEARCH), "build", str(loop), "--index", str(tmp_path / "ix"),
                             "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["indexed"] == 1 and report["failed"] == []
    assert sorted(Path(p["path"]).relative_to(loop).as_posix() for p in report["skipped"]) == [
        "absolute", "again", "deeper/parent"]
    assert {p["reason"] for p in report["skipped"]} == {"folder already read (a symlink loop, or the same folder twice)"}


# -- a Vietnamese file name with spaces -------------------------------------------------------------
@pytest.fixture()
def app(built: dict) -> Iterator[Flask]:
    yield from make_app(built["index"])


def test_vietnamese_file_name_is_searchable_under_an_ascii_id(built: dict) -> None:
    with open_index(built["index"]) as ix:
        result = ix.search(SearchRequest(q="Đăk Pxi"))
        assert [h.id for h in result.hits] == [VIETNAMESE_ID]
        stored = ix.get(VIETNAMESE_ID)
    assert stored["path"] == str((built["corpus"] / VIETNAMESE_NAME).resolve())


def test_vietnamese_file_name_document_page_and_download(app: Flask, built: dict) -> None:
    client = app.test_client()
    page = client.get(f"/documents/{VIETNAMESE_ID}")
    assert page.status_code == 200 and "Đăk Pxi" in page.get_data(as_text=True)
    response = client.get(f"/documents/{VIETNAMESE_ID}/download")
    assert response.status_code == 200
    assert response.data == VIETNAMESE_TEXT.encode("utf-8")
    disposition = response.headers["Content-Disposition"]
    # RFC 6266: an ASCII fallback and the exact UTF-8 name
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Ngh%E1%BB%8B%20quy%E1%BA%BFt%20s%E1%BB%91%2004" in disposition
    response.close()


_PYVI_MEMORY = """
import tracemalloc
from search.text.analyze import compounds
compounds("tỉnh ủy kon tum lãnh đạo giảm nghèo bền vững đa chiều. " * 50)  # pyvi loaded
words = "tỉnh ủy kon tum lãnh đạo giảm nghèo bền vững đa chiều "
text = (words * 4000)[:200_000]  # one 200,000-character "sentence"
tracemalloc.start()
compounds(text)
print(tracemalloc.get_traced_memory()[1] / 2**20)
"""


def test_memory_of_word_segmentation_on_a_line_without_sentence_ends() -> None:
    """Segmenting one long line must cost what the same text with sentence ends costs
    (under 1 MB of Python objects at its peak), not grow with the line."""
    result = subprocess.run([sys.executable, "-c", _PYVI_MEMORY], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    peak_mb = float(result.stdout.strip())
    assert peak_mb < 5, f"segmenting one 200,000-character line peaked at {peak_mb:.0f} MB"
