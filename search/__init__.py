"""vnsearch: Vietnamese-aware full-text search for Party and state documents.

Data flow, indexing: :mod:`search.ingest.files` → :mod:`search.ingest.parse` (one reader
per format in :mod:`search.ingest.readers`; JSON Lines in :mod:`search.ingest.jsonl`) →
:mod:`search.ingest.metadata` → :mod:`search.text.analyze` → :mod:`search.indexer` → the
engine (:mod:`search.engine.base`, chosen by :mod:`search.engine.registry`, implemented by
:mod:`search.engine.whoosh.engine`). Searching: :mod:`search.query.parse` (+
:mod:`search.query.filters`) → :mod:`search.index` → :mod:`search.results` and
:mod:`search.highlight` → :mod:`search.cli` and ``web/`` (HTML, JSON).

The public names below are imported lazily, so that ``import search.text.normalize`` does not
pull in Whoosh, numpy and pyvi.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "open_index": "index",
    "search": "index",
    "Index": "index",
    "SearchRequest": "results",
    "SearchResult": "results",
    "Hit": "results",
    "build_index": "indexer",
    "add_documents": "indexer",
    "remove_documents": "indexer",
    "VnSearchError": "errors",
    "ReadError": "errors",
    "IndexMissing": "errors",
    "IndexCorrupt": "errors",
    "IndexLocked": "errors",
    "DocumentNotFound": "errors",
    "BadQuery": "errors",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")
