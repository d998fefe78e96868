"""The README says what the code does: its commands, limits, exit codes and make targets.

Each check reads the README and compares it with the code, so changing either one alone
fails here, naming the row or the command that no longer agrees.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from search import cli as cli_module
from search import highlight
from search.cli import cli
from search.ingest import extracted, jsonl
from search.query import parse as query_parse
from search.fields import MAX_FILTER_VALUES, MAX_PAGE, MAX_PER_PAGE

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
MAKEFILE = (ROOT / "Makefile").read_text("utf-8")
MIB = 1024 * 1024


# --- reading the README ------------------------------------------------------------------


def _section(heading: str) -> str:
    """The text under ``## heading``, up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no section '## {heading}'"
    return match.group(1)


def _table_after(text: str, first_header: str) -> list[list[str]]:
    """The rows (cells stripped) of the Markdown table whose first header cell is given."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = _cells(line)
        if cells and cells[0] == first_header:
            rows = []
            for row in lines[i + 2:]:  # past the header and the |---| line
                if not row.startswith("|"):
                    break
                rows.append(_cells(row))
            return rows
    raise AssertionError(f"README has no table starting with '| {first_header} |'")


def _cells(line: str) -> list[str]:
    if not line.startswith("|"):
        return []
    # "\|" inside a cell is a literal bar, not a column break.
    parts = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [part.strip() for part in parts]


def _fenced_blocks() -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", README, re.M | re.S)


def _inline_code() -> list[str]:
    prose = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)
    return re.findall(r"`([^`\n]+)`", prose)


# --- 1. every vnsearch command shown uses a subcommand and options that exist -------------


def _shown_commands() -> list[str]:
    """Every ``vnsearch …`` line: in fenced blocks (continuation lines joined, comments
    dropped) and in inline code."""
    commands: list[str] = []
    for block in _fenced_blocks():
        in_command = False  # an indented line continues the command above it
        for line in block.splitlines():
            line = re.split(r"\s#\s", line)[0].rstrip()
            if line.startswith("vnsearch "):
                commands.append(line)
                in_command = True
            elif in_command and line.startswith(" "):
                commands[-1] += " " + line.strip()
            else:
                in_command = False
    commands += [code.strip() for code in _inline_code() if code.startswith("vnsearch ")]
    return list(dict.fromkeys(commands))


COMMANDS = _shown_commands()


def _options(line: str) -> list[tuple[str, str | None]]:
    """``(option, value shown or None)`` in the order they appear; after ``--`` every
    word is an argument."""
    words = line.split()[2:]
    if "--" in words:
        words = words[:words.index("--")]
    found: list[tuple[str, str | None]] = []
    text = " ".join(words)
    for group in re.findall(r"\[([^\]]*)\]", text):
        parts = group.split()
        if parts and parts[0].startswith("--"):  # not an argument such as [PATHS…]
            found.append((parts[0], parts[1] if len(parts) > 1 else None))
    bare = re.sub(r"\[[^\]]*\]", " ", text).split()
    for i, word in enumerate(bare):
        if word.startswith("--"):
            value = bare[i + 1] if i + 1 < len(bare) and not bare[i + 1].startswith("-") else None
            found.append((word, value))
    return found


def _option(command: click.Command, name: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and name in param.opts + param.secondary_opts:
            return param
    return None


def test_the_readme_shows_every_subcommand():
    shown = {line.split()[1] for line in COMMANDS}
    assert shown == set(cli.commands)


@pytest.mark.parametrize("line", COMMANDS, ids=lambda line: line[:60])
def test_shown_command_exists(line: str):
    name = line.split()[1]
    assert name in cli.commands, f"no subcommand {name!r} (have {sorted(cli.commands)})"
    command = cli.commands[name]
    if isinstance(command, click.Group):  # `vnsearch cluster start …`: the group's command
        sub = line.split()[2]
        assert sub in command.commands, f"no command {name} {sub!r}"
        name, command, line = f"{name} {sub}", command.commands[sub], " ".join(
            line.split()[:1] + line.split()[2:])
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    for option, value in _options(line):
        param = _option(command, option)
        assert param is not None, f"vnsearch {name} has no option {option}"
        assert option in result.output  # and --help lists it
        _check_value(name, option, param, value)


def _check_value(name: str, option: str, param: click.Option, value: str | None) -> None:
    where = f"vnsearch {name} {option}"
    if value is None:
        assert param.is_flag, f"{where} takes a value, the README shows none"
        return
    assert not param.is_flag, f"{where} is a flag, the README gives it {value!r}"
    if "|" in value:
        assert isinstance(param.type, click.Choice), f"{where} is not a choice"
        assert value.split("|") == list(param.type.choices), where
    elif not value.isupper():  # a concrete value, not a metavar (N, PATH): the default
        assert str(param.default) == value, f"{where}: default {param.default!r}, README {value!r}"


# --- 2. the limits table equals the constants --------------------------------------------

# Per row of the README's Limits table: the numbers its "default" cell must show, from the
# code, and the environment variable that changes it (None: not configurable).
ENV = extracted.LIMIT_DEFAULTS
LIMITS: dict[str, tuple[list[int], str | None]] = {
    "file size": ([ENV["VNSEARCH_MAX_FILE_BYTES"]], "VNSEARCH_MAX_FILE_BYTES"),
    "extracted text": ([ENV["VNSEARCH_MAX_TEXT_CHARS"]], "VNSEARCH_MAX_TEXT_CHARS"),
    ".docx expansion": ([ENV["VNSEARCH_MAX_DOCX_EXPANDED_BYTES"], extracted.ZIP_EXPANSION_FACTOR,
                         extracted.LARGE_ENTRY_BYTES, extracted.MAX_ENTRY_RATIO],
                        "VNSEARCH_MAX_DOCX_EXPANDED_BYTES"),
    "OCR pages": ([ENV["VNSEARCH_MAX_OCR_PAGES"]], "VNSEARCH_MAX_OCR_PAGES"),
    "OCR page size": ([ENV["VNSEARCH_MAX_OCR_PIXELS"]], "VNSEARCH_MAX_OCR_PIXELS"),
    "OCR time": ([ENV["VNSEARCH_OCR_PAGE_SECONDS"]], "VNSEARCH_OCR_PAGE_SECONDS"),
    "JSON Lines line": ([jsonl.JSON_BYTES_PER_CHAR, jsonl.JSON_LINE_SLACK], None),
    "query length": ([query_parse.MAX_QUERY_CHARS], None),
    "query terms": ([query_parse.MAX_TERMS, query_parse.MAX_TERMS], None),
    "wildcards": ([], None),
    "page (`--page`)": ([1, MAX_PAGE], None),
    "per_page (`--limit`)": ([1, MAX_PER_PAGE], None),
    "filter values": ([MAX_FILTER_VALUES], None),
    "passages (search results)": ([highlight.SCAN_CHARS, highlight.LOCATE_CHARS], None),
    "connections": ([importlib.import_module("web.serve").CONNECTION_LIMIT], None),
    "idle connection": ([importlib.import_module("web.serve").CHANNEL_TIMEOUT], None),
    "exports at once": ([importlib.import_module("web.exports").EXPORT_CONCURRENCY], None),
    "export rows": ([importlib.import_module("web.exports").EXPORT_MAX_ROWS], None),
    "request body": ([importlib.import_module("web.serve").MAX_REQUEST_BODY], None),
}
UNITS = {"MB": MIB, "KB": 1024, "megapixels": 1_000_000}
LIMIT_ROWS = {row[0]: row for row in _table_after(_section("Limits"), "limit")}


def _numbers(cell: str) -> list[int]:
    """The numbers a cell states, units applied ("50 MB", "5,000,000", "100:1" is 100);
    asides in parentheses ("(A4 at 600 dpi is 35)") are not limits."""
    text = re.sub(r"\([^)]*\)", "", cell)
    found = re.findall(r"(?<![\w.])(\d[\d,]*)(?::1)?\s*(MB|KB|megapixels)?", text)
    return [int(number.replace(",", "")) * UNITS.get(unit, 1) for number, unit in found]


def test_every_limit_is_in_the_table():
    assert set(LIMIT_ROWS) == set(LIMITS)


def test_every_configurable_limit_is_in_the_table():
    assert set(ENV) == {env for _, env in LIMITS.values() if env}


@pytest.mark.parametrize("row", list(LIMITS))
def test_limit_row_equals_the_code(row: str):
    expected, env = LIMITS[row]
    _, default, change_with, _ = LIMIT_ROWS[row]
    assert _numbers(default) == expected, f"{row}: README {default!r}, code {expected}"
    assert re.findall(r"VNSEARCH_\w+", change_with) == ([env] if env else [])


NAMED = [r for r in LIMITS if re.search(r"`[\w.]+\.[A-Z_]+`", LIMIT_ROWS.get(r, ["", ""])[1])]


@pytest.mark.parametrize("row", NAMED)
def test_limit_row_names_its_constant(row: str):
    """A constant named in the default cell (`search.fields.MAX_PAGE`) holds its limit."""
    default = LIMIT_ROWS[row][1]
    for dotted in re.findall(r"`([\w.]+)\.([A-Z_]+)`", default):
        value = getattr(importlib.import_module(dotted[0]), dotted[1])
        assert value == LIMITS[row][0][-1], f"{row}: {dotted} is {value}"


@pytest.mark.parametrize("row, option, limit", [("page (`--page`)", "--page", MAX_PAGE),
                                                ("per_page (`--limit`)", "--limit", MAX_PER_PAGE)])
def test_paging_limit_messages(seed_index: Path, row: str, option: str, limit: int):
    """The messages the README quotes are the ones given one past the limit: the web's
    400 (the library's words) and the CLI's usage error."""
    from web import create_app
    from web.state import EXTENSION

    when = LIMIT_ROWS[row][3]
    web_message, cli_message = re.findall(r'"([^"]+)"', when)
    app = create_app({"INDEX": str(seed_index), "TESTING": True})
    try:
        param = "page" if option == "--page" else "per_page"
        response = app.test_client().get(f"/api/search?q=giam&{param}={limit + 1}")
    finally:
        app.extensions[EXTENSION].close()
    assert response.status_code == 400 and response.get_json()["error"] == web_message
    result = CliRunner().invoke(cli, ["search", "--index", str(seed_index), option, str(limit + 1),
                                      "giam"])
    assert result.exit_code == cli_module.EXIT_USAGE
    assert cli_message in " ".join(result.stderr.split())


# --- 3. the exit-status table equals the CLI's exit codes --------------------------------

EXIT_CODES = {name: value for name, value in vars(cli_module).items() if name.startswith("EXIT_")}
EXIT_ROWS = {int(row[0].strip("`")): row[1] for row in
             _table_after(_section("Command line"), "status")}
# What each constant's row must say (so two rows swapped fail too).
EXIT_WORDS = {"EXIT_OK": "success", "EXIT_ERROR": "error", "EXIT_USAGE": "usage",
              "EXIT_PARTIAL": "done, but", "EXIT_INTERRUPTED": "interrupted"}


@pytest.mark.parametrize("status", sorted(EXIT_ROWS))
def test_documented_exit_status_is_the_clis(status: int):
    assert status in EXIT_CODES.values(), f"README documents exit {status}; cli.py has {EXIT_CODES}"


@pytest.mark.parametrize("name", sorted(EXIT_CODES))
def test_cli_exit_status_is_documented(name: str):
    status = EXIT_CODES[name]
    assert status in EXIT_ROWS, f"{name} = {status} is not in the README's exit-status table"
    assert EXIT_WORDS[name] in EXIT_ROWS[status], (name, EXIT_ROWS[status])


def test_usage_status_is_clicks():
    assert click.UsageError("x").exit_code == cli_module.EXIT_USAGE
    result = CliRunner().invoke(cli, ["search", "--no-such-option"])
    assert result.exit_code == cli_module.EXIT_USAGE


# --- 4. the opening commands are make targets ---------------------------------------------


def _make_targets() -> set[str]:
    targets = set()
    for match in re.finditer(r"^([A-Za-z0-9_./$()-][^:=\n]*?)\s*:(?!=)", MAKEFILE, re.M):
        targets.update(match.group(1).split())
    return targets


def _make_variables() -> set[str]:
    return set(re.findall(r"^([A-Z_]+)\s*[?:]?=", MAKEFILE, re.M))


OPENING = [line.split("#")[0].split() for line in _fenced_blocks()[0].splitlines()
           if line.startswith("make ")]
MAKE_INLINE = [code.split() for code in _inline_code() if code.startswith("make ")]


def test_the_readme_opens_with_two_make_commands():
    assert [words[:2] for words in OPENING] == [["make", "run"], ["make", "test"]]


@pytest.mark.parametrize("words", OPENING + MAKE_INLINE, ids=" ".join)
def test_make_command_exists(words: list[str]):
    targets, variables = _make_targets(), _make_variables()
    for word in words[1:]:
        if "=" in word:
            assert word.split("=")[0] in variables, f"Makefile has no variable {word}"
        else:
            assert word in targets, f"Makefile has no target {word!r}"
