"""`vnsearch`: build, change, check and query the index from the command line.

A thin layer over the library: commands validate options, call :mod:`search`, and turn
library errors into one line on stderr and a non-zero exit status (never a traceback).

Exit status (the EXIT_ constants below; README: Command line): 0 success; 1 error
(nothing was changed); 2 bad usage; 3 done, but some files failed to index (build/add) or
the index disagrees with the files (check); 130 interrupted.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Callable

import click

from search import __version__, fields
from search.check import check_index
from search.cli_errors import (  # noqa: F401  (EXIT_*: the README's exit-status table)
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    F,
    _fail,
    friendly_errors,
    os_error_message,
)
from search.cluster_cli import cluster as cluster_group
from search.documents import METADATA_FIELDS
from search.errors import VnSearchError
from search.index import Index, open_index
from search.indexer import BuildReport, NothingIndexed, add_documents, build_index, remove_documents
from search.messages import Message
from search.results import SearchRequest, SearchResult
from search.engine.registry import ENGINES, open_engine, resolve_index_path

index_option = click.option(
    "--index", "index_path", type=click.Path(), default=None,
    help="Index location: a directory, or a cluster's configuration file (default: "
         "$VNSEARCH_INDEX, else ./index).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vnsearch")
def cli() -> None:
    """Vietnamese-aware full-text search for Party documents.

    Exit status: 0 ok, 1 error (nothing changed), 2 bad usage, 3 partly done (some
    files failed, or `check` found problems), 130 interrupted.
    """
    from search.ingest.extracted import LIMIT_ERRORS

    if LIMIT_ERRORS:  # a limit set in the environment is unusable: say so, do nothing
        raise click.UsageError("; ".join(LIMIT_ERRORS))


# -- build / add / remove -----------------------------------------------------------------
def _print_report(report: BuildReport, verb: str, as_json: bool) -> None:
    if as_json:
        _echo_json(report.to_dict())
    else:
        ocr = f"; {report.ocr_pages} page(s) recognised by OCR" if report.ocr_pages else ""
        click.echo(f"{verb} {report.indexed} document(s) into {report.index} "
                   f"in {report.seconds:.1f}s; {len(report.skipped)} skipped, "
                   f"{len(report.failed)} failed{ocr}")
        _print_problems(report, as_json=False)
    if report.failed:
        sys.exit(EXIT_PARTIAL)


def _print_problems(report: BuildReport, as_json: bool, error: str | None = None) -> None:
    """Every skipped and failed file with its reason (JSON: the report and the error)."""
    if as_json:
        _echo_json({**report.to_dict(), "error": error} if error else report.to_dict())
        return
    for p in report.skipped:
        click.echo(f"  SKIPPED {p.path}: {p.reason}")
    for p in report.failed:
        click.echo(f"  FAILED  {p.path}: {p.reason}", err=True)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes for reading and analysis (default: one per core "
                   "for large inputs).")
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default=None,
              help="Engine that stores the new index (default: the one the index was built "
                   "with, else whoosh; xapian needs pip install 'vnsearch[cluster]').")
@json_option
@friendly_errors
def build(paths: tuple[str, ...], index_path: str | None, workers: int | None,
          engine: str | None, as_json: bool) -> None:
    """Rebuild the index from PATHS (files, folders, .jsonl[.gz|.xz]; default: seeds/).

    The new index is built in a fresh directory and swapped in atomically: a failed or
    interrupted build leaves the serving index as it was. Exit 3 when some files failed.
    """
    targets = list(paths) or ["seeds"]
    try:
        location = resolve_index_path(index_path)
        report = build_index(targets, open_engine(location, name=engine) if engine else location,
                             workers=workers,
                             progress=sys.stderr.isatty() and not as_json)
    except NothingIndexed as err:  # every failure and skip listed, then the one-line error
        _print_problems(err.report, as_json, error=str(err))
        _fail(str(err))
    _print_report(report, "indexed", as_json)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@json_option
@friendly_errors
def add(paths: tuple[str, ...], index_path: str | None, as_json: bool) -> None:
    """Add or replace documents (by file) in the live index.

    Exit 3 when some files failed; 1 when none could be added (the index is left as it was).
    """
    try:
        report = add_documents(list(paths), resolve_index_path(index_path),
                               progress=sys.stderr.isatty() and not as_json)
    except NothingIndexed as err:  # every failure and skip listed, then the one-line error
        _print_problems(err.report, as_json, error=str(err))
        _fail(str(err))
    _print_report(report, "added", as_json)


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@index_option
@friendly_errors
def remove(ids: tuple[str, ...], index_path: str | None) -> None:
    """Remove documents by id from the live index."""
    removed, unknown = remove_documents(list(ids), resolve_index_path(index_path))
    if not removed:
        _fail(f"not in the index: {', '.join(unknown)}; nothing changed")
    click.echo(f"removed {len(removed)} document(s)")
    if unknown:  # the others were removed: done, in part (like a build with failures)
        click.echo(f"error: not in the index: {', '.join(unknown)}", err=True)
        sys.exit(EXIT_PARTIAL)


# -- inspecting ---------------------------------------------------------------------------
@cli.command()
@index_option
@json_option
@friendly_errors
def check(index_path: str | None, as_json: bool) -> None:
    """Compare the index with its files: missing, stale, orphaned; metadata warnings."""
    with open_index(index_path) as ix:
        report = check_index(ix)
    if as_json:
        _echo_json(report.to_dict())
    else:
        click.echo(f"{report.documents} document(s) indexed")
        for path in report.missing:
            click.echo(f"  missing   {path} (not indexed: run `vnsearch add` or rebuild)")
        for doc_id in report.stale:
            click.echo(f"  stale     {doc_id} (file changed since indexing)")
        for item in report.orphaned:
            click.echo(f"  orphaned  {item['id']} ({item['path']} is gone)")
        for doc_id, warnings in sorted(report.warnings.items()):
            click.echo(f"  warning   {doc_id}: {'; '.join(warnings)}")
        click.echo("ok" if report.ok else "index and files disagree")
    if not report.ok:
        sys.exit(EXIT_PARTIAL)


def _show_text(stored: dict[str, Any]) -> None:
    meta = stored.get("meta", {})
    prov = meta.get("provenance", {})
    click.echo(f"id       {stored['id']}")
    click.echo(f"path     {stored.get('path')}")
    if stored.get("converted_from"):
        click.echo(f"encoding converted from {stored['converted_from']}")
    ocr = stored.get("ocr")
    if ocr:
        click.echo(f"text     {stored.get('text_source')}: {len(ocr['pages'])} of "
                   f"{ocr['of_pages']} page(s) recognised by {ocr['engine']} "
                   f"(mean word confidence {ocr['mean_confidence']:.1f}%)")
    for name in METADATA_FIELDS:
        value = meta.get(name)
        shown = "—" if value is None else (", ".join(value) if isinstance(value, list) else value)
        source = f"  [{prov.get(name)}]" if prov.get(name) else ""
        click.echo(f"{name:<14} {shown}{source}")
    for warning in meta.get("warnings") or []:
        click.echo(f"warning        {warning}")


@cli.command()
@click.argument("doc_id")
@index_option
@json_option
@click.option("--text", "with_text", is_flag=True, help="Also print the full text.")
@friendly_errors
def show(doc_id: str, index_path: str | None, as_json: bool, with_text: bool) -> None:
    """Show a document's metadata with the provenance of each field."""
    with open_index(index_path) as ix:
        stored = ix.get(doc_id)
    if as_json:
        data = {k: v for k, v in stored.items() if with_text or k not in ("text", "notes")}
        meta = data.pop("meta", {})
        _echo_json({**data, **meta})
    else:
        _show_text(stored)
        if with_text:
            click.echo("\n" + stored.get("text", ""))


@cli.command()
@click.argument("number")
@index_option
@json_option
@friendly_errors
def chain(number: str, index_path: str | None, as_json: bool) -> None:
    """The implementation chain of a document NUMBER (43-NQ/TW, 04-NQ/TU, 2405/QĐ-TTg):
    the documents that respond to it, by province and date, with the relation each
    citing sentence states, and the provinces with none in the corpus."""
    with open_index(index_path) as ix:
        data = ix.chain(number)
    if as_json:
        _echo_json(data)
        return
    _print_chain(data)


def _print_chain(data: dict[str, Any]) -> None:
    click.echo(f"chain of {data['number']} ({data['scope']}): {data['total']} citing document(s)")
    for d in data["documents"]:
        click.echo(f"  the document: {d['number']} {d['date'] or '?'} {d['province'] or ''} [{d['id']}]")
    for group in data["provinces"]:
        after = group["province_2025"]
        head = group["province"] or "(province unknown)"
        click.echo(f"\n{head}" + (f" (2025: {after})" if after and after != head else ""))
        if group["target"]:
            click.echo(f"  {data['number']} here: {group['target']['state']}")
        for d in group["documents"]:
            note = {"ambiguous": "  (which one: ambiguous)", "absent": "  (not in the corpus)"
                    }.get(d["resolution"], "")
            click.echo(f"  {d['date'] or '?':<10}  {d['type']:<10}  {d['doc_type'] or '?'} "
                       f"{d['number'] or '(no number)'}  [{d['id']}]{note}")
            if d["sentence"]:
                click.echo(f"      « {d['sentence']} »")
    if data["missing"]:
        click.echo(f"\nno document in the corpus ({len(data['missing'])}): "
                   + ", ".join(m["province"] for m in data["missing"]))


@cli.command()
@index_option
@json_option
@friendly_errors
def stats(index_path: str | None, as_json: bool) -> None:
    """Document count, build time and facet counts."""
    with open_index(index_path) as ix:
        data = ix.stats()
    if as_json:
        _echo_json(data)
        return
    click.echo(f"index      {data['index']} ({data['generation']})")
    click.echo(f"documents  {data['documents']}")
    click.echo(f"built      {data['built_at']}  updated {data['updated_at']}")
    for facet, counts in data["facets"].items():
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        click.echo(f"{facet:<14} " + ", ".join(f"{k} ({v})" for k, v in top[:12]))


# -- searching ----------------------------------------------------------------------------
_MARK = re.compile(r"</?mark>")


def _plain(html_text: str) -> str:
    import html as _html

    return _html.unescape(_MARK.sub("", html_text.replace("<mark>", "«").replace("</mark>", "»")))


def _print_result(result: SearchResult, explain_query: bool) -> None:
    if explain_query:
        click.echo(f"parsed: {result.parsed}")
    for msg in result.messages:
        click.echo(f"note: {msg.text}")
    click.echo(f"{result.total} result(s) in {result.took_ms:.0f} ms")
    first = (result.request.page - 1) * result.request.per_page
    for rank, hit in enumerate(result.hits, start=first + 1):
        m = hit.meta
        facts = " · ".join(str(x) for x in (m.get("number"), m.get("doc_type"), m.get("date"),
                                            m.get("province"), m.get("issuer")) if x)
        click.echo(f"\n{rank}. [{hit.id}] {facts or '(no metadata)'}  score {hit.score:.2f}")
        if m.get("title"):
            click.echo(f"   {m['title']}")
        for passage in hit.highlights:
            text = _plain(passage)
            click.echo(f"   {text}" if text.startswith("…") else f"   … {text}")
    if result.suggestion:
        click.echo(f"\ndid you mean: {result.suggestion}?")


# -- the search options, from the table of fields (search.fields) -------------------------
# Each option's value arrives under its URL parameter's name (--type as doc_type, --limit
# as per_page), so the CLI and the web read a search the same way.
def search_option_decorators(facets: tuple[fields.Facet, ...] = fields.FACETS
                             ) -> list[Callable[[F], F]]:
    """click options of the facets (each followed by its range's bounds), sort and paging."""
    options: list[Callable[[F], F]] = []
    for facet in facets:
        options.append(click.option(facet.cli_option, facet.param, multiple=True,
                                    help=facet.cli_help))
        for bound in facet.range.bounds if facet.range else ():
            options.append(click.option(bound.cli_option, bound.param, type=int, default=None,
                                        help=bound.cli_help))
    for flag in fields.FLAGS:
        options.append(click.option(flag.cli_option, flag.param, is_flag=True, default=False,
                                    help=flag.cli_help))
    for choice in fields.PAGING:
        kind: click.ParamType[Any] = (click.Choice(choice.choices) if choice.choices
                                 else click.IntRange(choice.minimum, choice.maximum))
        options.append(click.option(choice.cli_option, choice.param, type=kind,
                                    default=choice.default, show_default=True,
                                    help=choice.cli_help))
    return options


def search_options(func: F) -> F:
    """Apply :func:`search_option_decorators` in order (the first listed shows first)."""
    for option in reversed(search_option_decorators()):
        func = option(func)
    return func


def _request(query: str, opts: dict[str, Any]) -> SearchRequest:
    filters = {f.name: list(opts[f.param]) for f in fields.FACETS if opts.get(f.param)}
    # A range bound and a sort or paging parameter is named like its SearchRequest field.
    bounds: dict[str, Any] = {b.param: opts.get(b.param) for r in fields.ranges() for b in r.bounds}
    paging: dict[str, Any] = {c.param: opts.get(c.param) or c.default for c in fields.PAGING}
    flags: dict[str, Any] = {f.param: bool(opts.get(f.param)) for f in fields.FLAGS}
    return SearchRequest(q=query, filters=filters, **bounds, **flags, **paging)


@cli.command(name="search")
@click.argument("query", required=False, default="")
@index_option
@search_options
@click.option("--explain", "explain_query", is_flag=True, help="Print the parsed query.")
@click.option("--queries", "queries_file", type=click.File("r", encoding="utf-8"),
              default=None, help="Batch: one query per line; one JSON result per line.")
@json_option
@friendly_errors
def search_cmd(query: str, index_path: str | None, queries_file: Any, as_json: bool,
               explain_query: bool, **opts: Any) -> None:
    """Search the index. Without tones, numbers (04-NQ/TU), "phrases", -exclusions, OR,
    and filters in the query (tinh:"Kon Tum" nam:2021 loai:"kết luận" so:04-NQ/TU)."""
    with open_index(index_path) as ix:
        if queries_file is not None:
            _batch(ix, queries_file, opts)
            return
        result = ix.search(_request(query, opts))
    if as_json:
        _echo_json(result.to_dict())
    else:
        _print_result(result, explain_query)


def _batch(ix: Index, lines: Any, opts: dict[str, Any]) -> None:
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        try:
            data = ix.search(_request(text, opts)).to_dict()
        except VnSearchError as err:
            data = {"query": text, "error": str(err), **_error_code(err)}
        click.echo(json.dumps(data, ensure_ascii=False))


def _error_code(err: VnSearchError) -> dict[str, Any]:
    """The code and parameters of an error that has them (a bad query), for --json."""
    message = getattr(err, "message", None)
    if isinstance(message, Message):
        return {"code": message.code, "params": message.to_json_params()}
    return {}


@cli.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Request threads of the WSGI server (in each worker process).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Worker processes serving the one socket (default: the number of cores; "
                   "1: a single process).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Another Host name requests may use, besides the address served on "
                   "(and this machine's names for 0.0.0.0): repeatable; * for any, behind "
                   "a proxy that checks them. Others get 400.")
@friendly_errors
def serve(index_path: str | None, host: str, port: int, threads: int, workers: int | None,
          allowed_hosts: tuple[str, ...]) -> None:
    """Serve the search page and the JSON API (waitress; never Flask's debug server).

    A newly built index (atomic swap) is picked up without a restart.
    """
    from web.serve import default_workers, run as run_server

    run_server(str(resolve_index_path(index_path)), host=host, port=port, threads=threads,
               allowed_hosts=allowed_hosts, workers=workers or default_workers())


# `vnsearch cluster …`: its own module (the optional Xapian cluster; imported lazily there).
cli.add_command(cluster_group, name="cluster")


def main() -> None:  # pragma: no cover - console entry point
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
