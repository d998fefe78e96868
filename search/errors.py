"""The library's exceptions: one base class, so the CLI and the web layer can catch them
and show one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path

from search.messages import Message


class VnSearchError(Exception):
    """Base class; ``str(err)`` is a message fit for a user, in English. An error made from
    a :class:`~search.messages.Message` keeps it as ``err.message`` (code and parameters),
    so each surface can word it in its own language."""

    message: Message | None = None

    def __init__(self, message: str | Message) -> None:
        if isinstance(message, Message):
            self.message = message
        super().__init__(message.text if isinstance(message, Message) else message)


class ReadError(VnSearchError):
    """A file could not be read into text. Carries the path and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")  # CLI-facing: the path and the reason


class IndexMissing(VnSearchError):
    """No usable index at the given location."""


class IndexCorrupt(VnSearchError):
    """An index exists but cannot be opened."""


class IndexUnavailable(VnSearchError):
    """The index exists but part of it cannot be reached now (a cluster shard with no live
    copy): a 503 with the reason, never a partial answer passed off as complete."""


class IndexLocked(VnSearchError):
    """Another writer holds the index lock."""


class DocumentNotFound(VnSearchError):
    """No document with that id in the index."""


class BadQuery(VnSearchError):
    """A query or search request that cannot be run as given.

    Carries a :class:`~search.messages.Message` (``err.message``: code and parameters) so
    each surface words it in its own language; ``str(err)`` is the English wording.
    """

    message: Message

    def __init__(self, message: str | Message) -> None:
        if not isinstance(message, Message):  # a sentence could not be worded elsewhere
            raise TypeError(f"BadQuery takes a search.messages.Message, not {message!r}")
        super().__init__(message)
