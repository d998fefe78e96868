"""``vnsearch serve``: the app under waitress (a production WSGI server).

Never Flask's development server, never debug mode. ``--port 0`` lets the system pick
a free port; the "Serving on" line always shows the port actually bound, so a caller
(the HTTP tests, a supervisor script) can read it from stdout.
"""

from __future__ import annotations

import signal
import sys
from types import FrameType

from waitress.server import create_server

from . import create_app

# Requests to a read-only server carry no body worth more than this.
MAX_REQUEST_BODY = 1 << 20


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _stop_on_sigterm() -> None:
    """SIGTERM (a supervisor or a test stopping us) exits cleanly with status 0."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def run(index_path: str, host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> None:
    """Serve the app for the index at ``index_path`` until interrupted.

    The index need not exist yet: the app answers 503 (and ``/healthz`` says why) until
    it is built, then serves it without a restart.
    """
    app = create_app({"INDEX": index_path})
    server = create_server(app, host=host, port=port, threads=threads, ident="vnsearch",
                           max_request_body_size=MAX_REQUEST_BODY)
    bound_host = getattr(server, "effective_host", host)
    bound_port = getattr(server, "effective_port", port)
    print(f"Serving on http://{_url_host(str(bound_host))}:{bound_port}/ (index: {index_path})",
          flush=True)
    _stop_on_sigterm()
    try:
        server.run()
    finally:
        server.close()
        sys.stdout.flush()
