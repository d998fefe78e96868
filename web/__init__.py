"""The Flask app: a thin layer over :func:`search.search` (HTML and JSON from one data
function). ``create_app(config=None)`` is the only way to get an app: no globals."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from search.errors import VnSearchError
from search.index import Index, open_index
from search.store import resolve_index_path


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides defaults, e.g. ``{"INDEX": "path/to/index"}``."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX=str(resolve_index_path()))
    app.config.from_prefixed_env("VNSEARCH")
    if config:
        app.config.update(config)
    app.extensions["vnsearch_index"] = None

    def get_index() -> Index:
        ix = app.extensions.get("vnsearch_index")
        if ix is None:
            ix = open_index(app.config["INDEX"])
            app.extensions["vnsearch_index"] = ix
        return ix

    app.extensions["vnsearch_get_index"] = get_index

    @app.get("/healthz")
    def healthz() -> Any:
        try:
            ix = get_index()
            ix.refresh()
            return jsonify({"ok": True, "documents": ix.reader.doc_count(),
                            "generation": ix.generation,
                            "built_at": ix.manifest.get("built_at")})
        except VnSearchError as err:
            return jsonify({"ok": False, "error": str(err), "status": 503}), 503

    return app
