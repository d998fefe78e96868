"""Each document's body text and footnotes, kept apart from Whoosh's stored record.

Whoosh keeps a document's stored fields as one pickled, compressed value: with the text in
it, every hit of every search unpickled the whole text (~12 ms per million characters),
even for a result page that shows only metadata. The text (``text``) and the footnotes
(``notes``: unbounded like the body, and no hit shows them) live instead in a store per
segment, beside the postings sidecar (:mod:`search.engine.whoosh.postings`), cut into
chunks of ``CHUNK_CHARS`` characters each compressed on its own: a reader that wants no
text reads none, and one that wants the first N characters decompresses only the chunks
that hold them.

Files per segment ``S`` and field ``F`` (the sidecar's prefix, so a generation's clone
hard-links them and :func:`search.engine.whoosh.postings.sync_sidecars` deletes gone ones)::

    _vn_S.texts.json          chunk size, fields, documents, format; written last: complete
    _vn_S.texts.keys.npy      uint8 [docs, 16]: each document's text key (:func:`text_key`)
    _vn_S.texts.F.bin         the compressed chunks, one document's after another
    _vn_S.texts.F.chunks.npy  int64 [chunks + 1]: chunk c is bin[chunks[c]:chunks[c + 1]]
    _vn_S.texts.F.docs.npy    int64 [docs + 1]: document d's chunks are [docs[d], docs[d + 1])
    _vn_S.texts.F.chars.npy   int64 [docs]: document d's length in characters

Whoosh's stored record keeps the document's key (a digest of its texts) under
``KEY_FIELD``. A segment Whoosh wrote by merging others, or an ``add`` wrote, gets its
store from the stores still on disk when the sidecars are synced (the merged segments'
and the pending store of the documents just added, :func:`build_segment_texts`): each
document's chunks are found by its key and copied as they are (no recompression). Copies
with the same key hold the same texts, so a deleted copy can never bring back another
text; a live document whose key is nowhere is an error, never an empty text.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import uuid
import zlib
from array import array
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Sequence

import numpy as np

from search.errors import VnSearchError

FORMAT = 1
PREFIX = "_vn_"
APART = ("text", "notes")  # stored fields kept here, not in Whoosh's record
KEY_FIELD = "texts"  # Whoosh stored field: (key, the apart fields the record had)
PASS_KEY = "_texts"  # add_document keyword Whoosh ignores (a leading "_"): the texts
CHUNK_CHARS = 65_536  # characters a chunk holds (the last of a document fewer)
LEVEL = 6  # zlib level (bench/README.md "Long documents": size and time by level)
KEY_BYTES = 16


def text_key(texts: dict[str, str]) -> bytes:
    """A digest of a document's apart texts: equal keys, equal texts."""
    h = hashlib.blake2b(digest_size=KEY_BYTES)
    for field in APART:
        raw = texts.get(field, "").encode("utf-8")
        h.update(struct.pack("<q", len(raw)))
        h.update(raw)
    return h.digest()


def split_record(stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the record Whoosh keeps, the texts kept apart). The record keeps each apart
    field's place (as None), so a record read back has its keys in the same order."""
    texts = {f: stored[f] for f in APART if isinstance(stored.get(f), str)}
    return {k: (None if k in texts else v) for k, v in stored.items()}, texts


def _stem(directory: Path, segment_id: str) -> str:
    return str(directory / f"{PREFIX}{segment_id}.texts")


class TextStoreWriter:
    """Writes one store, a document after another, into a private temporary directory;
    :meth:`finish` moves it beside the segment ``S`` it belongs to."""

    def __init__(self, work_dir: Path, chunk_chars: int | None = None) -> None:
        self.chunk_chars = chunk_chars or CHUNK_CHARS
        self._tmp = Path(tempfile.mkdtemp(prefix=".texts-", dir=work_dir))
        self._bins: dict[str, BinaryIO] = {f: open(self._tmp / f"{f}.bin", "wb") for f in APART}
        self._size = {f: 0 for f in APART}
        self._chunks = {f: array("q", [0]) for f in APART}
        self._docs = {f: array("q", [0]) for f in APART}
        self._chars = {f: array("q") for f in APART}
        self._keys = bytearray()
        self.count = 0

    def add(self, texts: dict[str, str]) -> bytes:
        """Compress and append a document's texts; returns its key."""
        for field in APART:
            text = texts.get(field, "")
            size = self.chunk_chars
            self._append(field, [zlib.compress(text[i:i + size].encode("utf-8"), LEVEL)
                                 for i in range(0, len(text), size)], len(text))
        return self._key(text_key(texts))

    def copy(self, source: "SegmentTexts", doc: int) -> None:
        """Append document ``doc`` of another store, its compressed chunks as they are."""
        if source.chunk_chars != self.chunk_chars:
            raise ValueError(f"chunks of {source.chunk_chars} characters, not {self.chunk_chars}")
        for field in APART:
            self._append(field, source.raw_chunks(field, doc), source.chars(field, doc))
        self._key(source.key(doc))

    def add_missing(self, key: bytes) -> None:
        """A deleted document whose texts no store has: nothing to read, ever."""
        for field in APART:
            self._append(field, [], 0)
        self._key(key)

    def _append(self, field: str, chunks: Sequence[bytes], chars: int) -> None:
        out = self._bins[field]
        for chunk in chunks:
            out.write(chunk)
            self._size[field] += len(chunk)
            self._chunks[field].append(self._size[field])
        self._docs[field].append(len(self._chunks[field]) - 1)
        self._chars[field].append(chars)

    def _key(self, key: bytes) -> bytes:
        self._keys += key
        self.count += 1
        return key

    def finish(self, directory: Path, segment_id: str) -> None:
        """Move the store into place as segment ``segment_id``'s (its JSON last)."""
        try:
            stem = _stem(directory, segment_id)
            for field in APART:
                self._bins[field].close()
                os.replace(self._tmp / f"{field}.bin", f"{stem}.{field}.bin")
                np.save(f"{stem}.{field}.chunks.npy", np.frombuffer(self._chunks[field], np.int64))
                np.save(f"{stem}.{field}.docs.npy", np.frombuffer(self._docs[field], np.int64))
                np.save(f"{stem}.{field}.chars.npy",
                        np.frombuffer(self._chars[field], np.int64) if self.count
                        else np.zeros(0, np.int64))
            np.save(f"{stem}.keys.npy", np.frombuffer(bytes(self._keys), np.uint8)
                    .reshape(self.count, KEY_BYTES))
            meta = {"format": FORMAT, "segment": segment_id, "doc_count": self.count,
                    "chunk_chars": self.chunk_chars, "fields": list(APART)}
            tmp = Path(f"{stem}.json.tmp")
            tmp.write_text(json.dumps(meta), "utf-8")
            os.replace(tmp, f"{stem}.json")
        finally:
            self.discard()

    def finish_pending(self, directory: Path) -> str:
        """Keep the store as a pending one (a name no segment has), for
        :func:`build_segment_texts` to find its documents by key; the sync that follows
        deletes it with the other gone segments' files."""
        name = f"new{uuid.uuid4().hex}"
        self.finish(directory, name)
        return name

    def discard(self) -> None:
        for out in self._bins.values():
            out.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def _mapped(path: str) -> np.ndarray:
    return np.asarray(np.load(path, mmap_mode="r"))


class SegmentTexts:
    """One segment's store, memory-mapped; chunks are decompressed only when read.

    ``decompressed`` counts the chunks decompressed so far (what the tests count).
    """

    def __init__(self, directory: Path, segment_id: str) -> None:
        stem = _stem(directory, segment_id)
        meta = json.loads(Path(f"{stem}.json").read_text("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"text store {segment_id}: format {meta.get('format')} != {FORMAT}")
        self.segment_id = segment_id
        self.chunk_chars = int(meta["chunk_chars"])
        self.doc_count = int(meta["doc_count"])
        self._keys = _mapped(f"{stem}.keys.npy")
        self._fields: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for field in APART:
            size = os.path.getsize(f"{stem}.{field}.bin")
            data = (np.memmap(f"{stem}.{field}.bin", dtype=np.uint8, mode="r") if size
                    else np.zeros(0, np.uint8))  # an empty file cannot be mapped
            self._fields[field] = (np.asarray(data), _mapped(f"{stem}.{field}.chunks.npy"),
                                   _mapped(f"{stem}.{field}.docs.npy"),
                                   _mapped(f"{stem}.{field}.chars.npy"))
        self.decompressed = 0

    def key(self, doc: int) -> bytes:
        return bytes(self._keys[doc])

    def keys(self) -> Iterable[tuple[int, bytes]]:
        return ((d, bytes(k)) for d, k in enumerate(self._keys))

    def chars(self, field: str, doc: int) -> int:
        return int(self._fields[field][3][doc])

    def raw_chunks(self, field: str, doc: int) -> list[bytes]:
        data, chunks, docs, _chars = self._fields[field]
        return [data[chunks[c]:chunks[c + 1]].tobytes() for c in range(docs[doc], docs[doc + 1])]

    def read(self, field: str, doc: int, limit: int | None = None) -> str:
        """Document ``doc``'s ``field``, or its first ``limit`` characters: only the chunks
        that hold them are decompressed."""
        data, chunks, docs, _chars = self._fields[field]
        first, last = int(docs[doc]), int(docs[doc + 1])
        if limit is not None:
            last = min(last, first + -(-max(limit, 0) // self.chunk_chars))
        parts = [zlib.decompress(data[chunks[c]:chunks[c + 1]].tobytes()).decode("utf-8")
                 for c in range(first, last)]
        self.decompressed += last - first
        text = "".join(parts)
        return text if limit is None else text[:limit]


class TextsNotFound(VnSearchError):
    """A live document's texts are in no store: the index would lose them."""


def store_names(directory: Path) -> list[str]:
    """Every complete store in ``directory`` (segments' and pending ones)."""
    suffix = ".texts.json"
    return sorted(p.name[len(PREFIX):-len(suffix)] for p in directory.glob(f"{PREFIX}*{suffix}"))


class Sources:
    """The complete stores on disk, their documents indexed by key (on first use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._index: dict[bytes, tuple[SegmentTexts, int]] | None = None

    def find(self, key: bytes) -> tuple[SegmentTexts, int] | None:
        if self._index is None:
            self._index = {}
            for name in store_names(self.directory):
                store = SegmentTexts(self.directory, name)
                for doc, k in store.keys():
                    self._index.setdefault(k, (store, doc))
        return self._index.get(key)


def sources(directory: Path) -> Sources:
    return Sources(directory)


def build_segment_texts(directory: Path, segment_id: str,
                        docs: Iterable[tuple[bytes | None, bool]],
                        found_in: Sources | None = None) -> None:
    """Write segment ``segment_id``'s store from the stores on disk: ``docs`` gives, in
    document order, each document's key (None: it has no texts) and whether it is live.

    TextsNotFound if a live document's key is in no store.
    """
    sources = found_in or Sources(directory)
    writer = TextStoreWriter(directory)
    try:
        for doc, (key, live) in enumerate(docs):
            found = sources.find(key) if key is not None else None
            if found is not None:
                writer.copy(*found)
            elif key is None:
                writer.add({})
            elif live:
                raise TextsNotFound(f"the text of document {doc} of segment {segment_id} "
                                    "is in no text store; nothing was published")
            else:
                writer.add_missing(key)
        writer.finish(directory, segment_id)
    except BaseException:
        writer.discard()
        raise


def record_key(value: Any) -> tuple[bytes | None, tuple[str, ...]]:
    """(key, apart fields) from Whoosh's ``KEY_FIELD`` value (None: the record has none)."""
    if not value:
        return None, ()
    key, fields = value
    return bytes.fromhex(key), tuple(fields)
