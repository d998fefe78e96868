"""``vnsearch serve``: the app under waitress (a production WSGI server).

Never Flask's development server, never debug mode. ``--port 0`` lets the system pick
a free port; the "Serving on" line always shows the port actually bound, so a caller
(the HTTP tests, a supervisor script) can read it from stdout.
"""

from __future__ import annotations

import contextlib
import ipaddress
import resource
import signal
import socket
import sys
from collections.abc import Iterable
from types import FrameType

from waitress.server import create_server

from . import create_app

# Requests to a read-only server carry no body worth more than this.
MAX_REQUEST_BODY = 1 << 20
# Connections at once: far above what the worker threads serve, so idle keep-alive
# connections (98 were enough to stop the server at waitress's default of 100) cannot lock
# others out; below the process's file limit. poll() instead of select(), which cannot
# watch a descriptor numbered above 1023.
CONNECTION_LIMIT = 1000
# An idle connection is closed after this many seconds (waitress's default is 120: a
# client that opens connections and sends nothing held them for two minutes).
CHANNEL_TIMEOUT = 30


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _stop_on_sigterm() -> None:
    """SIGTERM (a supervisor or a test stopping us) exits cleanly with status 0."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, handler)


def _connection_limit() -> int:
    """CONNECTION_LIMIT, or fewer when the process may open fewer files (each connection
    is one; the index and the libraries need some)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return CONNECTION_LIMIT
    return max(16, min(CONNECTION_LIMIT, soft - 128))


def default_allowed_hosts(host: str) -> list[str]:
    """The names a request's Host may carry by default: the address served on (for a
    loopback address, ``localhost`` too); for every interface (0.0.0.0, ::), this machine's
    names and addresses. Anything else is refused (400), so a forged Host header never
    reaches a URL the app writes (the exports' document links)."""
    if host in ("0.0.0.0", "::", ""):
        name = socket.gethostname()
        return sorted({name, socket.getfqdn(), "localhost", "127.0.0.1", "::1",
                       *_addresses(name)})
    names = {host}
    with contextlib.suppress(ValueError):  # a host name is not an IP address
        if ipaddress.ip_address(host).is_loopback:
            names |= {"localhost", "127.0.0.1", "::1"}
    return sorted(names)


def _addresses(name: str) -> Iterable[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        return set()


def run(index_path: str, host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
        allowed_hosts: Iterable[str] = ()) -> None:
    """Serve the app for the index at ``index_path`` until interrupted.

    The index need not exist yet: the app answers 503 (and ``/healthz`` says why) until
    it is built, then serves it without a restart. The Host names accepted are those of
    :func:`default_allowed_hosts` and ``allowed_hosts`` (the names clients use, such as a
    public one behind a proxy); ``*`` accepts any, behind a proxy that checks them itself.
    """
    hosts = [*default_allowed_hosts(host), *(h for h in allowed_hosts if h)]
    app = create_app({"INDEX": index_path, "ALLOWED_HOSTS": hosts})
    server = create_server(app, host=host, port=port, threads=threads, ident="vnsearch",
                           max_request_body_size=MAX_REQUEST_BODY,
                           connection_limit=_connection_limit(), asyncore_use_poll=True,
                           channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=5)
    bound_host = getattr(server, "effective_host", host)
    bound_port = getattr(server, "effective_port", port)
    print(f"Serving on http://{_url_host(str(bound_host))}:{bound_port}/ (index: {index_path}; "
          f"Host names accepted: {', '.join(hosts)})", flush=True)
    _stop_on_sigterm()
    try:
        server.run()
    finally:
        server.close()
        sys.stdout.flush()
