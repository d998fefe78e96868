"""The original file of an indexed document: whether it can be downloaded, and the route.

Only indexed content is served: the path comes from the index (never from the URL), and
the bytes must still be the bytes indexed (their SHA-256 was recorded at indexing time).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Any, BinaryIO

from flask import Blueprint, Response, abort, send_file

from .state import current_index

bp = Blueprint("downloads", __name__)

# JSON Lines records are stored as "<file>#L<line>": not a file of their own to download.
_RECORD_PATH = re.compile(r"#L\d+$")


def downloadable_path(stored: dict[str, Any]) -> Path | None:
    """The original file of an indexed document, if it is a real file that still exists."""
    raw = stored.get("path") or ""
    if not raw or _RECORD_PATH.search(raw) or not stored.get("sha256"):
        return None
    path = Path(raw)
    if not path.is_absolute() or not path.is_file():
        return None
    return path


def open_indexed_file(stored: dict[str, Any]) -> tuple[Path, BinaryIO] | None:
    """The original file, opened, if its bytes are still exactly the bytes indexed.

    Only indexed content can be downloaded: the file is hashed through the same open
    descriptor that is then sent, and must match the SHA-256 recorded at indexing time,
    so a changed file, a path swapped for a symlink or a tampered stored path (to
    ``/etc/passwd``, say) gives nothing.
    """
    path = downloadable_path(stored)
    if path is None:
        return None
    try:
        fh = open(path, "rb")  # noqa: SIM115 - handed to send_file, which closes it
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    except OSError:
        fh.close()
        return None
    if not hmac.compare_digest(digest.hexdigest(), str(stored.get("sha256"))):
        fh.close()
        return None
    fh.seek(0)
    return path, fh


@bp.get("/documents/<doc_id>/download")
def download(doc_id: str) -> Response:
    # The id is looked up in the index; the path comes from the index, never from the URL.
    stored = current_index().get(doc_id)
    opened = open_indexed_file(stored)
    if opened is None:
        abort(404, description="Văn bản này không có tệp gốc để tải (bản ghi JSON Lines, "
                               "hoặc tệp đã bị xóa, di chuyển hay sửa đổi sau khi lập chỉ "
                               "mục: chạy `vnsearch add` để cập nhật).")
    path, fh = opened
    return send_file(fh, as_attachment=True, download_name=download_name(path),
                     last_modified=stored.get("mtime"))


def download_name(path: Path) -> str:
    """The file's name for Content-Disposition: a control character (a CR or LF is legal in
    a Linux file name, and not in a header) becomes "_"; the rest is kept, Vietnamese
    included (sent as RFC 5987 ``filename*``)."""
    return "".join(c if c.isprintable() else "_" for c in path.name) or "download"
