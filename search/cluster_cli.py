"""`vnsearch cluster start|stop|status|promote`: a local Xapian test cluster on 127.0.0.1.

Registered by :mod:`search.cli`. The Xapian bindings are optional (``pip install -e
'.[cluster]'``), so nothing here imports them until a command runs: the default install's
``vnsearch`` never loads them. Exit status as the README's table: 0 ok, 1 error, 2 bad
usage, 3 ``status`` found a shard with no live copy.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from search.cli_errors import EXIT_PARTIAL, friendly_errors
from search.errors import VnSearchError

BINDINGS_HINT = ("the cluster needs the Xapian bindings: .venv/bin/pip install -e "
                 "'.[cluster]' (and Debian's xapian-tools: apt-get install -y xapian-tools)")


SERVERS = "search.engine.xapian.servers"


def _servers() -> ModuleType:
    """The local cluster's library, loaded by name as the registry loads an optional engine
    (it imports the Xapian bindings, which may be missing; tests/test_layers.py keeps every
    other module from importing search.engine.xapian)."""
    try:
        return importlib.import_module(SERVERS)
    except ImportError as err:
        if "xapian" not in str(err):
            raise
        raise VnSearchError(BINDINGS_HINT) from None


def _config(directory: str | None, index: str | None) -> Path:
    """The configuration named by --index FILE, or --dir D (D/cluster.json)."""
    if index:
        path = Path(index)
        return path / "cluster.json" if path.is_dir() else path
    if directory:
        return Path(directory) / "cluster.json"
    env = os.environ.get("VNSEARCH_INDEX")
    if env and Path(env).is_file():
        return Path(env)
    raise click.UsageError("name the cluster: --dir D (its directory) or --index FILE")


dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False),
                          help="The local cluster's directory (its cluster.json).")
index_option = click.option("--index", "index", type=click.Path(dir_okay=True),
                            help="The cluster configuration file (default: $VNSEARCH_INDEX).")


@click.group()
def cluster() -> None:
    """A Xapian cluster: shards served by xapian-tcpsrv, each with replicas.

    `start` runs a local test cluster on 127.0.0.1 and writes its configuration
    (DIR/cluster.json), which `--index` then names for build, add, remove, search and serve.
    """


@cluster.command()
@click.option("--shards", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--replicas", type=click.IntRange(0, 8), default=1, show_default=True,
              help="Replicas of each shard.")
@click.option("--dir", "directory", type=click.Path(file_okay=False), required=True,
              help="Where the data, logs and cluster.json go.")
@click.option("--base-port", type=click.IntRange(0, 65000), default=0,
              help="First port (each copy takes 3 consecutive ports); 0: any free ones.")
@friendly_errors
def start(shards: int, replicas: int, directory: str, base_port: int) -> None:
    """Start a local cluster (or restart the one stopped in DIR, with its data)."""
    path = _servers().start(Path(directory), shards, replicas, base_port)
    click.echo(f"cluster started: {shards} shard(s) x {replicas} replica(s); "
               f"use --index {path}")
    _print_status(_servers().status(path).to_dict())


@cluster.command()
@dir_option
@index_option
@friendly_errors
def stop(directory: str | None, index: str | None) -> None:
    """Stop every server of a local cluster (its data stays; `start` runs it again)."""
    count = _servers().stop(_config(directory, index))
    click.echo(f"cluster stopped ({count} process(es))")


@cluster.command()
@dir_option
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@friendly_errors
def status(directory: str | None, index: str | None, as_json: bool) -> None:
    """Each shard's copies: alive, serving, address. Exit 3 if a shard has no live copy."""
    data = _servers().status(_config(directory, index)).to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        _print_status(data)
    if not data["available"]:
        sys.exit(EXIT_PARTIAL)


def _print_status(data: dict[str, Any]) -> None:
    click.echo(f"generation: {data['generation'] or '(nothing built yet)'}"
               + (f" (slot {data['slot']})" if data["slot"] else ""))
    for shard in data["shards"]:
        state = "ok" if shard["available"] else "NO LIVE COPY"
        click.echo(f"shard {shard['shard']}: {state}")
        for copy in shard["copies"]:
            marks = ("alive" if copy["alive"] else "DEAD") + (", serving" if copy["serving"]
                                                              else "")
            click.echo(f"  {copy['role']:<8} {copy['address']:<22} {marks}")


@cluster.command()
@click.argument("shard", type=click.IntRange(0, None))
@click.option("--replica", default=None, metavar="HOST:PORT",
              help="Which replica (default: the first that answers).")
@dir_option
@index_option
@friendly_errors
def promote(shard: int, replica: str | None, directory: str | None, index: str | None) -> None:
    """Make a replica of SHARD its writable primary (the old primary rejoins as a replica)."""
    address = _servers().promote(_config(directory, index), shard, replica)
    click.echo(f"shard {shard}: {address} is the primary now")
