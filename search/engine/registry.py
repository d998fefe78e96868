"""Which engine serves an index location: read from what the location says, not assumed.

An index location is what ``--index`` (or ``$VNSEARCH_INDEX``) names:

- a directory of generations: its serving manifest names the engine that built it
  (``"engine": "whoosh"``); a directory with no index yet gets the default engine;
- a file: an engine's configuration (JSON with an ``"engine"`` key), for engines that keep
  the index elsewhere, such as a networked cluster with no directory at all.

Engines are imported only when chosen, so the default install never imports an optional
engine's bindings.
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any, Union

from search.engine.base import Engine
from search.errors import IndexCorrupt, VnSearchError
from search.messages import INSTALL_CLUSTER, Message

ENV_VAR = "VNSEARCH_INDEX"
DEFAULT_DIR = "index"
DEFAULT_ENGINE = "whoosh"
# name -> "module:Class"; the class is built with the location and keyword options.
ENGINES: dict[str, str] = {
    "whoosh": "search.engine.whoosh.engine:WhooshEngine",
    # Optional: its binding (GPL-2+) comes with `pip install 'vnsearch[cluster]'`.
    "xapian": "search.engine.xapian.engine:XapianEngine",
}
CURRENT_MANIFEST = Path("current") / "manifest.json"

Location = Union[str, "os.PathLike[str]", Engine]


def resolve_index_path(value: str | os.PathLike[str] | None = None) -> Path:
    """``--index PATH``, else ``$VNSEARCH_INDEX``, else ``index/``."""
    return Path(value or os.environ.get(ENV_VAR) or DEFAULT_DIR)


def engine_name_at(location: str | os.PathLike[str]) -> str:
    """The engine an index location was built with (the default for a new location)."""
    path = Path(location)
    if path.is_file():
        return str(_read_json(path).get("engine") or DEFAULT_ENGINE)
    manifest = path / CURRENT_MANIFEST
    if manifest.is_file():
        # An unreadable manifest is the engine's to report when it opens the index.
        try:
            return str(_read_json(manifest).get("engine") or DEFAULT_ENGINE)
        except IndexCorrupt:
            return DEFAULT_ENGINE
    return DEFAULT_ENGINE


def open_engine(location: Location | None = None, name: str | None = None,
                **options: Any) -> Engine:
    """The engine for ``location`` (an Engine is returned as it is)."""
    if isinstance(location, Engine):
        return location
    path = resolve_index_path(location)
    chosen = name or engine_name_at(path)
    return engine_class(chosen, path)(path, **options)


def engine_class(name: str, location: Path | str = "") -> type[Engine]:
    """The class registered as ``name``; a clear error for a name this install lacks."""
    target = ENGINES.get(name)
    if target is None:
        raise VnSearchError(
            f"index at {location} uses the engine {name!r}, which this vnsearch does not have "
            f"(known: {', '.join(sorted(ENGINES))})"
        )
    module, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except ImportError as err:  # an optional engine whose bindings are not installed
        raise VnSearchError(Message("engine.not_installed", {
            "engine": name, "location": str(location),
            "problem": f"{type(err).__name__}: {err}", "command": INSTALL_CLUSTER})) from None
    assert isinstance(cls, type) and issubclass(cls, Engine)
    return cls


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise IndexCorrupt(Message("index.bad_config", {
            "path": str(path), "problem": f"{type(err).__name__}"})) from None
    if not isinstance(data, dict):
        raise IndexCorrupt(Message("index.bad_config", {"path": str(path),
                                                        "problem": "not a JSON object"}))
    return data
