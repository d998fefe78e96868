"""The app's open index: one :class:`IndexHolder` per app, in ``app.extensions``.

``create_app`` puts it there; routes reach it through :func:`current_index` (the app of
the request), so nothing holds an index or an app in a global.
"""

from __future__ import annotations

import threading

from flask import current_app

from search.engine.base import Engine
from search.index import Index, open_index

EXTENSION = "vnsearch"


class IndexHolder:
    """The app's one open :class:`Index` (in ``app.extensions``), opened on first use.

    A missing or corrupt index is retried on every request, so an index built after the
    server started is served without a restart; once open, ``Index.reader`` reopens by
    itself when a build swaps in a new generation.
    """

    def __init__(self, location: str | Engine) -> None:
        self.location = location  # a path, or an engine bound to an index
        # what /healthz reports as the index
        self.path = location.location if isinstance(location, Engine) else location
        self._index: Index | None = None
        self._lock = threading.Lock()

    def get(self) -> Index:
        """The open index, refreshed to the current generation (IndexMissing/IndexCorrupt)."""
        index = self._index
        if index is None:
            with self._lock:
                if self._index is None:
                    self._index = open_index(self.location)
                index = self._index
        index.refresh()  # a swapped-in generation, or IndexMissing if it was deleted
        return index

    def close(self) -> None:
        with self._lock:
            if self._index is not None:
                self._index.close()
                self._index = None


def index_holder() -> IndexHolder:
    """The holder of the current request's app."""
    holder: IndexHolder = current_app.extensions[EXTENSION]
    return holder


def current_index() -> Index:
    """The current app's open index, refreshed (IndexMissing/IndexCorrupt if unusable)."""
    return index_holder().get()
