"""Building, adding, removing and checking, through the library with the real pipeline."""

from __future__ import annotations

import html
import json

import os
import shutil
from pathlib import Path

import pytest

from search.check import check_index
from search.errors import VnSearchError
from search.index import open_index
from search.indexer import add_documents, build_index, remove_documents
from search.results import SearchRequest

from .conftest import SEED_IDS, app_for
from .conftest import SEEDS as SEEDS_DIR


def test_seed_index_has_all_documents(seed_index):
    with open_index(seed_index) as ix:
        assert ix.reader.doc_count() == 5
        assert {ix.get(i)["id"] for i in SEED_IDS.values()} == set(SEED_IDS.values())


def test_stored_record_keeps_text_and_provenance(seed_index):
    with open_index(seed_index) as ix:
        stored = ix.get(SEED_IDS["kontum_kl"])
    assert "xã đặc biệt khó khăn" in stored["text"]
    assert stored["meta"]["number"] == "237-KL/TU"
    assert stored["meta"]["provenance"]["number"] == "header"
    assert len(stored["sha256"]) == 64


def test_failed_files_are_reported_and_the_rest_indexes(tmp_path, seed_copy):
    (seed_copy / "broken.docx").write_bytes(b"not a zip at all")
    (seed_copy / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 word 97")
    (seed_copy / "notes.xyz").write_text("ignored")
    report = build_index([seed_copy], tmp_path / "ix", workers=1)
    assert report.indexed == 5
    failed = {Path(p.path).name: p.reason for p in report.failed}
    assert set(failed) == {"broken.docx", "old.doc"}
    assert failed["old.doc"].startswith("not a Word 97 .doc")  # half a signature, no document
    assert [Path(p.path).name for p in report.skipped] == ["notes.xyz"]
    assert report.exit_code == 3


def test_failed_build_leaves_serving_index(tmp_path, seed_copy):
    ix_path = tmp_path / "ix"
    build_index([seed_copy], ix_path, workers=1)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    with pytest.raises(VnSearchError, match="nothing indexed"):
        build_index([bad], ix_path, workers=1)
    with open_index(ix_path) as ix:
        assert ix.reader.doc_count() == 5
    assert not list(ix_path.glob(".build-*"))


@pytest.mark.slow  # worker processes
def test_build_with_worker_processes_matches_single_process(tmp_path, seed_copy):
    one = build_index([seed_copy], tmp_path / "one", workers=1)
    two = build_index([seed_copy], tmp_path / "two", workers=2)
    assert sorted(one.ids) == sorted(two.ids)
    with open_index(tmp_path / "one") as a, open_index(tmp_path / "two") as b:
        req = SearchRequest(q="giảm nghèo bền vững")
        assert [h.id for h in a.search(req).hits] == [h.id for h in b.search(req).hits]


def test_add_replace_remove_and_reader_refresh(tmp_path, seed_copy):
    ix_path = tmp_path / "ix"
    src = seed_copy / "000_7deaedef5e058121.txt"
    build_index([src], ix_path, workers=1)
    ix = open_index(ix_path)
    assert ix.reader.doc_count() == 1
    report = add_documents([seed_copy / "003_f630ab64a90e327c.txt"], ix_path)
    assert report.indexed == 1
    assert ix.reader.doc_count() == 2  # the open index noticed the swap
    # replace: same file, changed content
    src.write_text(src.read_text(encoding="utf-8") + "\nCụm từ thử nghiệm zzqv.\n", encoding="utf-8")
    add_documents([src], ix_path)
    assert ix.reader.doc_count() == 2
    assert ix.search(SearchRequest(q="zzqv")).total == 1
    removed, unknown = remove_documents(["003_f630ab64a90e327c", "nope"], ix_path)
    assert removed == ["003_f630ab64a90e327c"] and unknown == ["nope"]
    assert ix.reader.doc_count() == 1
    ix.close()


def test_same_name_in_two_folders_gets_two_ids(tmp_path, seeds_dir):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(seeds_dir / "000_7deaedef5e058121.txt", tmp_path / sub / "doc.txt")
    report = build_index([tmp_path / "a", tmp_path / "b"], tmp_path / "ix", workers=1)
    assert len(set(report.ids)) == 2 and "doc" in report.ids


def test_check_reports_missing_stale_orphaned(tmp_path, seed_copy):
    ix_path = tmp_path / "ix"
    build_index([seed_copy], ix_path, workers=1)
    (seed_copy / "000_7deaedef5e058121.txt").write_text("changed", encoding="utf-8")
    (seed_copy / "003_f630ab64a90e327c.txt").unlink()
    shutil.copy(seed_copy / "001_a86c2459fc375615.txt", seed_copy / "new.txt")
    with open_index(ix_path) as ix:
        report = check_index(ix)
    assert report.stale == ["000_7deaedef5e058121"]
    assert [o["id"] for o in report.orphaned] == ["003_f630ab64a90e327c"]
    assert [Path(p).name for p in report.missing] == ["new.txt"]
    assert "no number" in report.warnings["001_a86c2459fc375615"]
    assert not report.ok


def test_jsonl_import(tmp_path):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(
        '{"id": "a-1", "title": "Điều 1. Phạm vi", "text": "Luật số 08/2007/QH12 về tương trợ tư pháp"}\n'
        "not json\n"
        '{"id": "a-2", "title": "Điều 2", "text": "Giảm nghèo bền vững", "province": "Kon Tum"}\n',
        encoding="utf-8",
    )
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.indexed == 2 and len(report.failed) == 1 and ":2" in report.failed[0].path
    with open_index(tmp_path / "ix") as ix:
        assert ix.search(SearchRequest(q="08/2007/QH12")).hits[0].id == "a-1"
        assert ix.get("a-2")["meta"]["province"] == "Kon Tum"


def _records(ids: list[str], stamp: str = "") -> str:
    return "".join(json.dumps({"id": i, "title": f"Điều {n}. {i}",
                               "text": f"Nội dung của bản ghi {i} {stamp}"},
                              ensure_ascii=False) + "\n"
                   for n, i in enumerate(ids, 1))


def _all_ids(ix_path: Path) -> list[str]:
    with open_index(ix_path) as ix:
        return sorted(d["id"] for d in ix.reader.iter_stored())


@pytest.mark.parametrize("change", ["insert-first", "append", "reverse", "delete-middle"])
def test_re_adding_a_jsonl_file_replaces_its_records_by_their_own_id(tmp_path, change):
    """A record's id is its identity, not its line: re-adding the file after lines moved
    replaces each record (no stale copy under a new id), whatever its new line."""
    ids = [f"r{i}" for i in range(8)]
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(_records(ids, "v1"), "utf-8")
    build_index([corpus], tmp_path / "ix", workers=1)
    new_ids = {"insert-first": ["r-new", *ids], "append": [*ids, "r-new"],
               "reverse": ids[::-1], "delete-middle": ids[:3] + ids[4:]}[change]
    corpus.write_text(_records(new_ids, "v2"), "utf-8")
    add_documents([corpus], tmp_path / "ix")
    # add never removes: a record gone from the file stays until `remove`
    assert _all_ids(tmp_path / "ix") == sorted(set(ids) | set(new_ids))
    with open_index(tmp_path / "ix") as ix:
        for i in new_ids:
            assert ix.get(i)["text"].endswith("v2")
            assert ix.get(i)["source_id"] == i


@pytest.mark.parametrize("raw_ids", [
    ["NQ 04", "nq-04"],                       # the same slug
    ["Điều 1", "Dieu 1", "điều-1"],           # the same once folded
    ["Luật " + "dân sự " * 30 + "khoản 1",     # longer than the id limit: the same cut
     "Luật " + "dân sự " * 30 + "khoản 2"],
])
def test_record_ids_that_collide_after_slugging_stay_apart_and_stable(tmp_path, raw_ids):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(_records(raw_ids, "v1"), "utf-8")
    build_index([corpus], tmp_path / "ix", workers=1)
    first = _all_ids(tmp_path / "ix")
    assert len(first) == len(raw_ids)
    corpus.write_text(_records(["inserted", *raw_ids[::-1]], "v2"), "utf-8")
    add_documents([corpus], tmp_path / "ix")
    assert _all_ids(tmp_path / "ix") == sorted([*first, "inserted"])  # same ids, no copies
    with open_index(tmp_path / "ix") as ix:
        by_source = {ix.get(i)["source_id"]: ix.get(i) for i in first}
        assert sorted(by_source) == sorted(raw_ids)
        assert all(d["text"].endswith("v2") for d in by_source.values())
        # the record's own id is searchable, quoted as typed (unquoted, "NQ 04" reads as a
        # part of a document number); records whose ids fold alike both match
        for raw in raw_ids:
            hits = [h.id for h in ix.search(SearchRequest(q=f'"{raw[:60]}"')).hits]
            assert by_source[raw]["id"] in hits
    with app_for(tmp_path / "ix") as app:  # and shown on the document page
        for raw, doc in by_source.items():
            page = app.test_client().get(f"/documents/{doc['id']}").get_data(as_text=True)
            assert ("Mã trong tệp nhập" in page) == (raw != doc["id"])
            assert html.escape(raw, quote=False) in page


@pytest.mark.parametrize("step", ["build", "add"])
def test_segments_are_separate_files_read_on_demand(tmp_path, seed_copy, step):
    """A compound ``.seg`` file would be copied whole into memory when the index opens
    (Whoosh wraps each of its parts in a BytesIO): ~450 MB resident at 50k documents."""
    ix_path = tmp_path / "ix"
    build_index([seed_copy], ix_path, workers=1)
    if step == "add":
        extra = tmp_path / "extra.txt"
        extra.write_text("TỈNH ỦY KON TUM\nSố 998-KL/TU\nKẾT LUẬN\nvề một văn bản thêm vào\n", "utf-8")
        add_documents([extra], ix_path)
    current = (ix_path / "current").resolve()
    assert list(current.glob("MAIN_*.trm")), "no Whoosh segment found"
    assert not list(current.glob("*.seg"))


# -- every file the walker sees is accounted for ------------------------------------------------
def _entries(root: Path) -> None:
    (root / "a.txt").write_text("Tỉnh ủy Kon Tum lãnh đạo giảm nghèo.", encoding="utf-8")
    (root / ".hidden.txt").write_text("ẩn", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "config.txt").write_text("never read", encoding="utf-8")
    (root / "notes.xyz").write_text("?", encoding="utf-8")
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root)
    os.mkfifo(root / "pipe.txt")


@pytest.mark.parametrize(
    "name, reason",
    [
        (".hidden.txt", "hidden file"),
        (".git", "hidden directory, not read"),
        ("notes.xyz", "unsupported file type .xyz"),
        ("dangling.txt", "broken symlink (its target does not exist)"),
        ("sub/loop", "folder already read (a symlink loop, or the same folder twice)"),
        ("pipe.txt", "not a regular file (a device, pipe or socket)"),
    ],
)
def test_every_entry_is_indexed_failed_or_skipped_with_a_reason(tmp_path, name, reason):
    root = tmp_path / "corpus"
    root.mkdir()
    _entries(root)
    report = build_index([root], tmp_path / "ix", workers=1)
    skipped = {str(Path(p.path).relative_to(root)): p.reason for p in report.skipped}
    assert skipped[name] == reason
    assert report.indexed == 1 and not report.failed
    assert len(skipped) == 6  # nothing dropped silently, nothing under .git reported
    assert report.to_dict()["skipped"][0].keys() == {"path", "reason"}


def test_nothing_indexed_lists_every_failure(tmp_path):
    from search.indexer import NothingIndexed

    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (bad / name).write_bytes(b"")
    with pytest.raises(NothingIndexed) as info:
        build_index([bad], tmp_path / "ix", workers=1)
    assert sorted(Path(p.path).name for p in info.value.report.failed) == [
        "a.txt", "b.txt", "c.txt"]
    assert "and 2 more" in str(info.value)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_a_legacy_8bit_text_file_is_indexed_and_found(tmp_path, encoding):
    from search.ingest.parse import read_file

    from .test_parse import to_legacy_bytes

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = read_file(SEEDS_DIR / f"{SEED_IDS['kontum_kl']}.txt").text
    (corpus / "kl237-cu.txt").write_bytes(to_legacy_bytes(text, encoding))
    report = build_index([corpus], tmp_path / "ix", workers=1)
    assert report.indexed == 1 and not report.failed
    with open_index(tmp_path / "ix") as ix:
        stored = ix.get("kl237-cu")
        assert stored["converted_from"] == encoding
        assert stored["meta"]["number"] == "237-KL/TU"
        for q in ("237-KL/TU", '"xã đặc biệt khó khăn"', "xa dac biet kho khan"):
            assert ix.search(SearchRequest(q=q)).hits[0].id == "kl237-cu"


def test_the_manifest_lists_skipped_and_failed_files_with_reasons(tmp_path):
    root = tmp_path / "corpus"
    root.mkdir()
    _entries(root)
    (root / "empty.txt").write_bytes(b"")
    build_index([root], tmp_path / "ix", workers=1)
    with open_index(tmp_path / "ix") as ix:
        manifest = ix.manifest
    skipped = {Path(p["path"]).relative_to(root).as_posix(): p["reason"]
               for p in manifest["skipped"]}
    assert skipped[".git"] == "hidden directory, not read" and len(skipped) == 6
    assert manifest["failed"] == [{"path": str(root / "empty.txt"),
                                   "reason": "empty file (no text)"}]


@pytest.mark.parametrize(
    "files, message",
    [
        ({"a.txt": b"", "b.txt": b"\x00bin"},
         "nothing added: all 2 document(s) failed ("),
        ({".hidden.txt": "ẩn".encode(), "notes.xyz": b"?"},
         "nothing added: no readable documents found (2 skipped); "
         "the serving index was left as it was"),
    ],
    ids=["all-failed", "all-skipped"],
)
def test_add_of_nothing_readable_is_an_error_and_changes_nothing(tmp_path, seed_copy, files,
                                                                 message):
    from search.indexer import NothingIndexed

    ix_path = tmp_path / "ix"
    build_index([seed_copy], ix_path, workers=1)
    generation = os.readlink(ix_path / "current")
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, data in files.items():
        (bad / name).write_bytes(data)
    with pytest.raises(NothingIndexed, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        add_documents([bad], ix_path)
    report = info.value.report
    assert len(report.failed) + len(report.skipped) == len(files)  # every file accounted for
    assert os.readlink(ix_path / "current") == generation
    assert not [p for p in ix_path.iterdir() if p.name.startswith((".build", ".work"))]
    with open_index(ix_path) as ix:
        assert ix.reader.doc_count() == 5


def test_add_streams_its_input(tmp_path, monkeypatch):
    """`add` writes documents while it is still reading the input (it held every record in
    memory first: 1.26 GB for 10k records, ~5 GB at 50k)."""
    import search.indexer as indexer_module
    from search.engine.whoosh.engine import WhooshBatch

    corpus = tmp_path / "docs.jsonl"
    corpus.write_text(_records([f"r{i}" for i in range(3)]), "utf-8")
    build_index([corpus], tmp_path / "ix", workers=1)
    corpus.write_text(_records([f"n{i}" for i in range(40)], "v2"), "utf-8")
    events: list[str] = []
    read_records, add = indexer_module.iter_jsonl, WhooshBatch.add

    def logged_reads(path):
        for record in read_records(path):
            events.append("read")
            yield record

    def logged_add(self, docs):
        return add(self, (events.append("write") or doc for doc in docs))

    monkeypatch.setattr(indexer_module, "iter_jsonl", logged_reads)
    monkeypatch.setattr(WhooshBatch, "add", logged_add)
    report = add_documents([corpus], tmp_path / "ix")
    assert report.indexed == 40 and events.count("read") == 40
    assert events.index("write") < len(events) - 1 - events[::-1].index("read")
    assert len(_all_ids(tmp_path / "ix")) == 43
