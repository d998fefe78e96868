"""The CLI: every command, --json shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from search.cli import cli
from search.index import open_index

from .conftest import SEED_IDS, SEEDS, VNSEARCH, run_cli

COMMANDS = ["build", "add", "remove", "check", "show", "search", "stats", "serve"]


run = run_cli  # raises what the command raises (catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_search_ranks_the_kon_tum_conclusion_first(seed_index):
    result = run("search", "xa dac biet kho khan", "--index", str(seed_index), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["hits"][0]["number"] == "237-KL/TU"
    assert set(data) >= {"total", "hits", "facets"}
    assert set(data["hits"][0]) >= {"id", "file", "score", "number", "doc_type", "province",
                                    "province_2025", "date", "year", "issuer", "title"}


def test_search_filters(seed_index):
    result = run("search", "giảm nghèo", "--index", str(seed_index), "--province", "Kon Tum",
                 "--type", "Báo cáo", "--json")
    data = json.loads(result.output)
    assert [h["number"] for h in data["hits"]] == ["112-BC/TU"]
    assert data["facets"]["province"]["Kon Tum"] == 1


def test_search_explain_prints_parsed_query(seed_index):
    result = run("search", "04-nq/tu", "--index", str(seed_index), "--explain")
    assert "parsed:" in result.output and "number:04-nq/tu" in result.output


def test_batch_queries(seed_index, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("giảm nghèo\n\n237-KL/TU\n", encoding="utf-8")
    result = run("search", "--queries", str(queries), "--index", str(seed_index))
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["query"] for d in lines] == ["giảm nghèo", "237-KL/TU"]
    assert lines[1]["hits"][0]["number"] == "237-KL/TU"


@pytest.mark.parametrize("key, doc", list(SEED_IDS.items()))
def test_show_json_has_every_field_with_provenance(seed_index, key, doc):
    result = run("show", doc, "--index", str(seed_index), "--json")
    data = json.loads(result.output)
    assert data["id"] == doc
    assert "provenance" in data and "number" in data["provenance"]
    assert "text" not in data


def test_show_text(seed_index):
    result = run("show", SEED_IDS["kontum_kl"], "--index", str(seed_index))
    assert "237-KL/TU  [header]" in result.output


def test_stats(seed_index):
    data = json.loads(run("stats", "--index", str(seed_index), "--json").output)
    assert data["documents"] == 5
    assert data["facets"]["province"]["Kon Tum"] == 2


def test_build_add_remove_check_cycle(tmp_path):
    ix = str(tmp_path / "ix")
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text((SEEDS / "000_7deaedef5e058121.txt").read_text("utf-8"), "utf-8")
    assert run("build", str(corpus), "--index", ix).exit_code == 0
    (corpus / "b.txt").write_text((SEEDS / "003_f630ab64a90e327c.txt").read_text("utf-8"), "utf-8")
    result = run("check", "--index", ix)
    assert result.exit_code == 3 and "missing" in result.output
    assert run("add", str(corpus / "b.txt"), "--index", ix).exit_code == 0
    assert run("check", "--index", ix).exit_code == 0
    assert run("remove", "b", "--index", ix).exit_code == 0
    result = run("remove", "zzz", "--index", ix)
    assert result.exit_code == 1 and "not in the index: zzz" in result.output


@pytest.mark.parametrize("ids, exit_code, left, changed", [
    (["a", "b"], 0, [], True),            # all removed
    (["a", "zzz"], 3, ["b"], True),       # done in part: the index changed, one id unknown
    (["zzz", "yyy"], 1, ["a", "b"], False),  # nothing removed: an error, nothing changed
    (["a", "a"], 0, ["b"], True),         # an id given twice is removed once
])
def test_remove_exit_status_says_what_changed(tmp_path, ids, exit_code, left, changed):
    ix = str(tmp_path / "ix")
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, seed in (("a", "000_7deaedef5e058121"), ("b", "003_f630ab64a90e327c")):
        (corpus / f"{name}.txt").write_text((SEEDS / f"{seed}.txt").read_text("utf-8"), "utf-8")
    assert run("build", str(corpus), "--index", ix).exit_code == 0
    before = os.readlink(Path(ix) / "current")
    result = run("remove", *ids, "--index", ix)
    assert result.exit_code == exit_code, result.output
    assert (os.readlink(Path(ix) / "current") != before) == changed
    with open_index(ix) as index:
        assert sorted(d["id"] for d in index.reader.iter_stored()) == left


def test_build_reports_failures_with_exit_3(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Tỉnh ủy Kon Tum. Giảm nghèo.", "utf-8")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\xfa bad \x00\x00 bytes")
    result = run("build", str(corpus), "--index", str(tmp_path / "ix"))
    assert result.exit_code == 3
    assert "bad.txt" in result.output and "1 failed" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["search", "x", "--index", "/nonexistent/ix"], "vnsearch build"),
        (["show", "nope"], "no document with id"),
        (["build", "/nonexistent/path"], "nothing indexed"),
    ],
)
def test_errors_are_one_line_without_traceback(seed_index, args, message):
    if "--index" not in args:
        args = [*args, "--index", str(seed_index)] if args[0] != "build" else [
            *args, "--index", str(seed_index.parent / "other")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.slow  # a real process
def test_real_console_script(seed_index):
    """The installed `vnsearch` entry point, as a user runs it."""
    exe = VNSEARCH
    env = {**os.environ, "VNSEARCH_INDEX": str(seed_index)}
    proc = subprocess.run([str(exe), "search", "xa dac biet kho khan", "--limit", "1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "237-KL/TU" in proc.stdout
    bad = subprocess.run([str(exe), "show", "nope"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert bad.returncode == 1 and bad.stderr.startswith("error: ")
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_build_where_every_file_fails_lists_each_one(tmp_path, as_json):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (bad / name).write_bytes(b"")
    (bad / ".hidden.txt").write_text("x", encoding="utf-8")
    args = ["build", str(bad), "--index", str(tmp_path / "ix")] + (["--json"] if as_json else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "nothing indexed: all 3 document(s) failed" in result.stderr
    if as_json:
        data = json.loads(result.stdout)
        assert sorted(Path(p["path"]).name for p in data["failed"]) == ["a.txt", "b.txt", "c.txt"]
        assert data["skipped"] == [{"path": str(bad / ".hidden.txt"), "reason": "hidden file"}]
        assert data["error"].startswith("nothing indexed")
    else:
        for name in ("a.txt", "b.txt", "c.txt"):
            assert f"FAILED  {bad / name}: empty file (no text)" in result.stderr
        assert f"SKIPPED {bad / '.hidden.txt'}: hidden file" in result.stdout


# -- every file accounted for: indexed, FAILED or SKIPPED, with its reason ------------------------
def _corpus_with_problems(root: Path) -> Path:
    root.mkdir()
    (root / "a.txt").write_text((SEEDS / "000_7deaedef5e058121.txt").read_text("utf-8"), "utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / ".hidden.txt").write_text("ẩn", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.txt").write_text("never read", encoding="utf-8")
    (root / "notes.xyz").write_text("?", encoding="utf-8")
    (root / "README").write_text("?", encoding="utf-8")
    return root


SKIPPED_REASONS = [
    (".hidden.txt", "hidden file"),
    (".git", "hidden directory, not read"),
    ("notes.xyz", "unsupported file type .xyz"),
    ("README", "unsupported file type (none)"),
]


def _run_on_problems(tmp_path: Path, command: str, *extra: str) -> tuple[Path, Any]:
    """``build`` or ``add`` (onto the seeds) of a folder with skipped and failed files."""
    corpus = _corpus_with_problems(tmp_path / "c")
    ix = str(tmp_path / "ix")
    if command == "add":
        assert run("build", str(SEEDS), "--index", ix).exit_code == 0
    return corpus, CliRunner().invoke(cli, [command, str(corpus), "--index", ix, *extra])


@pytest.mark.parametrize("command", ["build", "add"])
def test_summary_lists_each_skipped_and_failed_file_with_its_reason(tmp_path, command):
    corpus, result = _run_on_problems(tmp_path, command)
    assert result.exit_code == 3  # some failed, the rest indexed
    assert "1 document(s)" in result.stdout and "4 skipped, 1 failed" in result.stdout
    for name, reason in SKIPPED_REASONS:
        assert f"  SKIPPED {corpus / name}: {reason}\n" in result.stdout
    assert f"  FAILED  {corpus / 'empty.txt'}: empty file (no text)\n" in result.stderr
    assert "HEAD.txt" not in result.output  # a hidden directory is reported once, not walked


@pytest.mark.parametrize("command", ["build", "add"])
def test_json_lists_skipped_and_failed_with_reasons(tmp_path, command):
    corpus, result = _run_on_problems(tmp_path, command, "--json")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["indexed"] == 1
    assert data["skipped"] == [{"path": str(corpus / name), "reason": reason}
                               for name, reason in sorted(SKIPPED_REASONS)]
    assert data["failed"] == [{"path": str(corpus / "empty.txt"),
                               "reason": "empty file (no text)"}]


@pytest.mark.parametrize(
    "command, as_json",
    [("build", False), ("build", True), ("add", False), ("add", True)],
)
def test_when_every_file_fails_each_failure_is_listed_then_the_error(tmp_path, command, as_json):
    ix = str(tmp_path / "ix")
    assert run("build", str(SEEDS), "--index", ix).exit_code == 0
    generation = os.readlink(tmp_path / "ix" / "current")
    bad = tmp_path / "bad"
    bad.mkdir()
    reasons = {"empty.txt": "empty file (no text)",
               "binary.txt": "binary file, not text (contains NUL bytes; UTF-16 needs a BOM)",
               "broken.docx": "not a valid .docx"}
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02 data")
    (bad / "broken.docx").write_bytes(b"not a zip")
    (bad / "notes.xyz").write_text("?", encoding="utf-8")
    args = [command, str(bad), "--index", ix] + (["--json"] if as_json else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1  # an error: nothing changed
    verb = "indexed" if command == "build" else "added"
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"error: nothing {verb}: all 3 document(s) failed (")
    assert error.endswith("and 2 more); the serving index was left as it was")
    if as_json:
        data = json.loads(result.stdout)
        assert {Path(p["path"]).name: p["reason"][:len(reasons[Path(p["path"]).name])]
                for p in data["failed"]} == reasons
        assert data["skipped"] == [{"path": str(bad / "notes.xyz"),
                                    "reason": "unsupported file type .xyz"}]
        assert data["error"] == error.removeprefix("error: ")
    else:
        failed = [line for line in result.stderr.splitlines() if line.startswith("  FAILED  ")]
        assert len(failed) == 3
        for name, reason in reasons.items():
            assert any(line.startswith(f"  FAILED  {bad / name}: {reason}") for line in failed)
        assert f"  SKIPPED {bad / 'notes.xyz'}: unsupported file type .xyz" in result.stdout
    assert os.readlink(tmp_path / "ix" / "current") == generation  # the index as it was


@pytest.mark.parametrize(
    "command, args, error",
    [
        ("build", ["/nonexistent/path"], "nothing indexed: no readable documents found "
                                         "(1 skipped)"),
        ("add", ["/nonexistent/path"], "nothing added: no readable documents found (1 skipped)"),
        ("add", [".only-hidden.txt"], None),  # named explicitly: read, even if hidden
    ],
)
def test_nothing_to_index_is_an_error_naming_the_skips(tmp_path, command, args, error):
    ix = str(tmp_path / "ix")
    assert run("build", str(SEEDS), "--index", ix).exit_code == 0
    hidden = tmp_path / ".only-hidden.txt"
    hidden.write_text("Tỉnh ủy Kon Tum lãnh đạo giảm nghèo.", encoding="utf-8")
    args = [str(hidden) if a == ".only-hidden.txt" else a for a in args]
    result = CliRunner().invoke(cli, [command, *args, "--index", ix])
    if error is None:
        assert result.exit_code == 0 and "added 1 document(s)" in result.stdout
        return
    assert result.exit_code == 1
    assert f"  SKIPPED {args[0]}: no such file or directory" in result.stdout
    assert error in result.stderr
