"""The Flask app: a thin layer over :func:`search.search` (HTML and JSON from one data
function). ``create_app(config=None)`` is the only way to get an app: no globals.

- ``/`` search page, ``/documents/<id>`` document page (:mod:`web.views`);
- ``/documents/<id>/download``, the original file (:mod:`web.downloads`);
- ``/api/search``, ``/api/facets``, ``/api/documents/<id>``, ``/api/openapi.json``,
  ``/healthz`` (:mod:`web.api`);
- ``/export.csv``, ``/export.json`` (:mod:`web.exports`);
- ``/feed.atom``, the Atom feed of a search (:mod:`web.feeds`).

The open index is kept in ``app.extensions["vnsearch"]`` (:class:`web.state.IndexHolder`);
it is opened on first use, retried while missing, and follows a rebuilt index by itself.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, SecurityError

from search.errors import VnSearchError
from search.messages import Message
from search.engine.base import Engine
from search.engine.registry import resolve_index_path

from . import api, downloads, exports, feeds, openapi, searches_first, views
from .messages import word_vi
from .state import EXTENSION, IndexHolder

log = logging.getLogger(__name__)

ALLOWED_METHODS = ("GET", "HEAD")
# No script at all; styles only from our static file; nothing may frame the pages.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
ERROR_TITLES = {
    400: "Yêu cầu không hợp lệ",
    404: "Không tìm thấy",
    405: "Phương thức không được phép",
    500: "Lỗi máy chủ",
    503: "Chỉ mục chưa sẵn sàng",
}
DEFAULT_HTML_MESSAGES = {
    404: "Không có trang này. Hãy kiểm tra lại địa chỉ, hoặc tìm kiếm từ trang chủ.",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides defaults, e.g. ``{"INDEX": "path/to/index"}``;
    ``VNSEARCH_*`` environment variables (``VNSEARCH_INDEX``) are read too."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX=str(resolve_index_path()))
    app.config.from_prefixed_env("VNSEARCH")
    if config:
        app.config.update(config)
    # ALLOWED_HOSTS (a list, or "a,b" from VNSEARCH_ALLOWED_HOSTS): the Host names served;
    # None or "*" serves any (tests, a proxy that checks them). Flask refuses the rest.
    app.config["TRUSTED_HOSTS"] = _allowed_hosts(app.config.get("ALLOWED_HOSTS"))
    # Never debug mode (it would show tracebacks and allow the debugger), even if
    # VNSEARCH_DEBUG is set for the CLI's tracebacks.
    app.config["DEBUG"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Vietnamese as is
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the documented order
    # INDEX: a path, or an engine already bound to an index (see search.engine.registry)
    index = app.config["INDEX"]
    app.extensions[EXTENSION] = IndexHolder(index if isinstance(index, Engine) else str(index))

    app.register_blueprint(views.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(openapi.bp)
    app.before_request(_read_only)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(VnSearchError, _library_error)
    app.register_error_handler(Exception, _unexpected_error)
    searches_first.install(app)  # the exports give way to the searches
    return app


def _allowed_hosts(value: Any) -> list[str] | None:
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value or [])
    names = [n for n in names if n]
    return None if not names or "*" in names else names


def _read_only() -> None:
    """HTTP is read-only: anything but GET/HEAD (OPTIONS included) is 405."""
    if request.method not in ALLOWED_METHODS:
        raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def error_response(message: str | Message, status: int,
                   headers: dict[str, str] | None = None) -> Response | tuple[str, int]:
    """One error, as JSON (the one shape) or as a Vietnamese HTML page."""
    if api.wants_json():
        response = api.json_error(message, status)
    else:
        shown = word_vi(message) if isinstance(message, Message) else message
        page = render_template("error.html", status=status, message=shown,
                               title=ERROR_TITLES.get(status, "Lỗi"),
                               q=request.args.get("q", ""), hidden=[])
        response = Response(page, status=status, mimetype="text/html")
    if status == 503:
        response.headers["Retry-After"] = "30"  # an index being built is usually there soon
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_error(err: HTTPException) -> Any:
    if isinstance(err, SecurityError):  # an untrusted Host: no URL may be built from it
        return _untrusted_host(err)
    status = err.code or 500
    headers = {k: v for k, v in err.get_headers() if k.lower() == "allow"}
    if status == 405:
        headers["Allow"] = ", ".join(ALLOWED_METHODS)
        message = f"method {request.method} is not allowed: this server is read-only (GET, HEAD)"
    elif not api.wants_json() and err.description == type(err).description:
        # Werkzeug's default English sentence; a person reading the page gets Vietnamese.
        message = DEFAULT_HTML_MESSAGES.get(status, err.description or err.name)
    else:
        message = err.description or err.name
    return error_response(message, status, headers)


def _untrusted_host(err: SecurityError) -> Response:
    """400 for a Host name not served. The page is plain text: templates build URLs, and
    none may be built from a host that is not ours."""
    if request.path.startswith(("/api/", "/healthz", "/export", "/feed.atom")):
        return api.json_error("this server does not answer to that Host name", 400)
    return Response("400: máy chủ này không phục vụ tên (Host) đó / this server does not "
                    "answer to that Host name\n", status=400,
                    mimetype="text/plain")


def _library_error(err: VnSearchError) -> Any:
    status = api.status_of(err)
    if status == 500:
        log.error("library error on %s", request.path, exc_info=err)
    return error_response(err.message or str(err), status)


def _unexpected_error(err: Exception) -> Any:
    # The message stays generic (no internals); the traceback goes to the server's log.
    log.error("unexpected error on %s", request.path, exc_info=err)
    return error_response("unexpected server error; the details are in the server log", 500)
