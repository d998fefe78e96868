"""``vnsearch serve``: the app under waitress (a production WSGI server).

Never Flask's development server, never debug mode. ``--port 0`` lets the system pick
a free port; the "Serving on" line always shows the port actually bound, so a caller
(the HTTP tests, a supervisor script) can read it from stdout.

Worker processes: Python runs one search at a time per process (the GIL), so one process
cannot use a second core. With ``workers`` above 1 this process binds the listening
socket, forks that many workers and supervises them; each worker makes its own app
(:func:`web.create_app`: its own index holder, polling the generation as a single
process does) and runs waitress on the inherited socket, so the kernel hands each new
connection to whichever worker accepts it first (an idle one, in practice). The index's
files are memory-mapped or read through the page cache, so the workers share those pages;
the libraries every worker needs (the engine's modules, pyvi's model) are loaded once,
here, before the fork (:func:`_preload`), so each worker's own memory is mostly its open
reader. A worker serving two requests at once closes a connection after its answer
(:class:`_SpreadingTask`), so keep-alive clients spread over the workers. A worker that
dies is replaced; SIGTERM (or Ctrl-C) stops them all. ``workers=1`` is the single process
of before, with no supervisor.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import os
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterable
from types import FrameType
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, create_server
from waitress.task import WSGITask

from search.engine.registry import engine_class, engine_name_at
from search.errors import VnSearchError
from search.processes import die_with_parent, name_process
from search.text.analyze import analyze_text

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
# Connections waiting to be accepted (the listen backlog), as waitress's default.
BACKLOG = 1024
# A worker that dies sooner than this after its start is restarted only this much later,
# so a worker that cannot start (a broken install) does not spin the machine.
RESTART_DELAY = 1.0
# On SIGTERM, workers get this long to finish what they serve before they are killed.
STOP_SECONDS = 10.0
WORKER_NAME = "vnsearch-serve"  # what `ps -o comm` and `top` show for a worker
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


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
        allowed_hosts: Iterable[str] = (), workers: int = 1) -> None:
    """Serve the app for the index at ``index_path`` until interrupted.

    The index need not exist yet: the app answers 503 (and ``/healthz`` says why) until
    it is built, then serves it without a restart. The Host names accepted are those of
    :func:`default_allowed_hosts` and ``allowed_hosts`` (the names clients use, such as a
    public one behind a proxy); ``*`` accepts any, behind a proxy that checks them itself.
    With ``workers`` above 1, that many processes serve the one socket (module docstring);
    every limit of :func:`_server_options` holds in each of them.
    """
    hosts = [*default_allowed_hosts(host), *(h for h in allowed_hosts if h)]
    config = {"INDEX": index_path, "ALLOWED_HOSTS": hosts}
    if workers <= 1:
        _serve_here(config, host, port, threads)
        return
    sockets = _listening_sockets(host, port)
    try:
        bound_host, bound_port = sockets[0].getsockname()[:2]
        _print_serving(bound_host, bound_port, index_path, hosts, workers)
        _preload(index_path)
        _supervise(sockets, config, threads, workers)
    finally:
        for sock in sockets:
            sock.close()


def _server_options(threads: int) -> dict[str, Any]:
    """waitress's settings, the same in a single process and in every worker."""
    return {"threads": threads, "ident": "vnsearch", "max_request_body_size": MAX_REQUEST_BODY,
            "connection_limit": _connection_limit(), "asyncore_use_poll": True,
            "channel_timeout": CHANNEL_TIMEOUT, "cleanup_interval": 5, "backlog": BACKLOG}


def _print_serving(host: object, port: object, index_path: str, hosts: list[str],
                   workers: int) -> None:
    print(f"Serving on http://{_url_host(str(host))}:{port}/ (index: {index_path}; "
          f"Host names accepted: {', '.join(hosts)}; worker processes: {workers})", flush=True)


def _serve_here(config: dict[str, Any], host: str, port: int, threads: int) -> None:
    """The single process: the app and waitress in this process."""
    app = create_app(config)
    server = create_server(app, host=host, port=port, **_server_options(threads))
    _print_serving(getattr(server, "effective_host", host), getattr(server, "effective_port", port),
                   config["INDEX"], config["ALLOWED_HOSTS"], 1)
    _stop_on_sigterm()
    interrupted = _note_sigint()
    try:
        server.run()  # returns on SIGTERM and on Ctrl-C: waitress catches both
    finally:
        server.close()
        sys.stdout.flush()
    if interrupted:
        raise KeyboardInterrupt  # the CLI's exit status 130, as with workers


def _note_sigint() -> list[int]:
    """A list that gets an item when SIGINT (Ctrl-C) stops the server (which waitress
    turns into a normal return), so the CLI can still say it was interrupted."""
    seen: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    return seen


def _listening_sockets(host: str, port: int) -> list[socket.socket]:
    """The sockets waitress would bind for ``host`` and ``port``, bound and listening here,
    before any worker exists, so every worker inherits them (and ``--port 0`` names one
    port for all)."""
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, address in Adjustments(host=host, port=port).listen:
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


# -- the supervisor (this process, with workers) ------------------------------------------------
def _supervise(sockets: list[socket.socket], config: dict[str, Any], threads: int,
               workers: int) -> None:
    """Start ``workers`` workers, replace any that dies, and stop them all on SIGTERM
    (return: exit status 0) or SIGINT (KeyboardInterrupt: the CLI's status 130).

    The signals are blocked and taken with sigtimedwait, so a signal never interrupts a
    fork or the bookkeeping half-way; the workers unblock them first thing."""
    watched = {*_STOP_SIGNALS, signal.SIGCHLD}
    # SIGCHLD is discarded while ignored (its default); a handler keeps it pending.
    previous_chld = signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    started: dict[int, float] = {}  # pid → when it started (time.monotonic)
    due: list[float] = []  # when each replacement of a worker that died early is due
    stop_signal = None
    try:
        for _ in range(workers):
            _start_worker(sockets, config, threads, started)
        while stop_signal is None:
            now = time.monotonic()
            while due and due[0] <= now:
                due.pop(0)
                _start_worker(sockets, config, threads, started)
            timeout = max(0.0, due[0] - now) if due else 3600.0
            info = signal.sigtimedwait(watched, timeout)
            if info is None:
                continue
            if info.si_signo in _STOP_SIGNALS:
                stop_signal = info.si_signo
                break
            for pid, status in _reap(started):
                lived = time.monotonic() - started.pop(pid)
                later = RESTART_DELAY if lived < RESTART_DELAY else 0.0
                print(f"worker {pid} {_exit_text(status)}; starting another"
                      + (f" in {later:g} s" if later else ""), file=sys.stderr, flush=True)
                due.append(time.monotonic() + later)
                due.sort()
    finally:
        _stop_workers(started)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
        signal.signal(signal.SIGCHLD, previous_chld)
    if stop_signal == signal.SIGINT:
        raise KeyboardInterrupt


def _preload(index_path: str) -> None:
    """Load before the fork what every worker loads for its first query: the engine's
    modules (Whoosh, numpy) and pyvi's model (by analysing a query). The workers then share
    those pages with this process instead of each reading its own copy (on 10,000
    documents a worker's own memory went from ~100 to ~65 MB: bench/README.md, "Serving
    with worker processes"), and a replaced worker serves at once. gc.freeze() keeps the
    collector from writing to the inherited objects, which would copy their pages. No index
    is opened here: each worker opens its own."""
    with contextlib.suppress(VnSearchError):  # an unknown engine: each worker's app says so
        engine_class(engine_name_at(index_path), index_path)
    analyze_text("Ban Thường vụ Tỉnh ủy lãnh đạo giảm nghèo bền vững")
    gc.collect()
    gc.freeze()


def _start_worker(sockets: list[socket.socket], config: dict[str, Any], threads: int,
                  started: dict[int, float]) -> None:
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _worker(sockets, config, threads, parent)  # never returns
    started[pid] = time.monotonic()


def _reap(started: dict[int, float]) -> list[tuple[int, int]]:
    """(pid, wait status) of every worker that has exited, without waiting."""
    exited = []
    while started:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        if pid in started:
            exited.append((pid, status))
    return exited


def _exit_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {os.WTERMSIG(status)}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _stop_workers(started: dict[int, float]) -> None:
    """SIGTERM to every worker; those still running after STOP_SECONDS are killed."""
    for pid in started:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while started:
        for pid, _status in _reap(started):
            started.pop(pid)
        if not started:
            break
        if time.monotonic() > deadline:
            for pid in started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            deadline = float("inf")  # a killed process is reaped on the next turns
        signal.sigtimedwait({signal.SIGCHLD}, 0.1)


# -- a worker (a forked child) ----------------------------------------------------------------
class _InFlight:
    """How many requests this worker is serving at this moment (one per busy thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0

    def enter(self) -> None:
        with self.lock:
            self.count += 1

    def leave(self) -> None:
        with self.lock:
            self.count -= 1


_IN_FLIGHT = _InFlight()


class _SpreadingTask(WSGITask):  # type: ignore[misc]  # waitress has no type hints
    """A worker's request. Its answer closes the connection (``Connection: close``) when the
    worker is serving another request at the same time.

    Why: a keep-alive connection stays with the worker that accepted it, and two clients
    that connect at once were mostly accepted by the same worker (15 times in 20), which
    then served both one at a time while the other worker idled. A client told to close
    opens a new connection for its next request, and a worker that is idle (waiting in
    poll) accepts it before one whose threads hold the GIL. One request at a time per
    worker keeps its connections alive."""

    def service(self) -> None:
        _IN_FLIGHT.enter()
        try:
            super().service()
        finally:
            _IN_FLIGHT.leave()

    def build_response_header(self) -> bytes:
        if _IN_FLIGHT.count > 1:
            self.set_close_on_finish()
        header: bytes = super().build_response_header()
        return header


class _SpreadingChannel(HTTPChannel):  # type: ignore[misc]
    task_class = _SpreadingTask


def _spread_connections(server: Any) -> None:
    """Serve the connections of ``server`` (waitress's server, or its several for several
    sockets) with :class:`_SpreadingTask`."""
    servers = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for each in servers:
        if isinstance(each, BaseWSGIServer):
            each.channel_class = _SpreadingChannel


def _worker(sockets: list[socket.socket], config: dict[str, Any], threads: int,
            parent: int) -> None:
    """Serve the inherited sockets until SIGTERM; never returns (``os._exit``: the
    parent's cleanup — click, atexit handlers, buffered output — is the parent's)."""
    status = 0
    try:
        # Ctrl-C in a terminal reaches every process of the group: the supervisor decides
        # and stops the workers with SIGTERM, so a worker ignores SIGINT.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _stop_on_sigterm()
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        die_with_parent(parent)  # a supervisor killed with SIGKILL leaves no worker behind
        name_process(WORKER_NAME)
        server = create_server(create_app(config), sockets=sockets, **_server_options(threads))
        _spread_connections(server)
        try:
            server.run()
        finally:
            server.close()
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else 0
    except BaseException as err:  # one line, as every error of the CLI
        print(f"error: worker {os.getpid()}: {type(err).__name__}: {err}", file=sys.stderr)
        status = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
