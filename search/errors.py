"""The library's exceptions: one base class, so the CLI and the web layer can catch them
and show one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path


class VnSearchError(Exception):
    """Base class; ``str(err)`` is a message fit for a user."""


class ReadError(VnSearchError):
    """A file could not be read into text. Carries the path and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class IndexMissing(VnSearchError):
    """No usable index at the given location."""


class IndexCorrupt(VnSearchError):
    """An index exists but cannot be opened."""


class IndexLocked(VnSearchError):
    """Another writer holds the index lock."""


class DocumentNotFound(VnSearchError):
    """No document with that id in the index."""


class BadQuery(VnSearchError):
    """A query or search request that cannot be run as given."""
