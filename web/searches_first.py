"""Searches first: within a server process, an export's work steps aside for the requests
a person is waiting on.

The worker threads of a process share one interpreter lock, so an export computing rows
takes CPU from every search the same process serves at that moment. Every request but an
export (and the health probe, which costs nothing) is counted while it is computed
(:meth:`SearchesFirst.wrap`: from the moment the app is called to the moment it returns
its response, which for those routes is the whole body); an export, before each block of
its work (the evaluation, each block of rows), waits while any is in flight
(:meth:`SearchesFirst.step`), and the exports of a process take turns, one step at a time
(:meth:`SearchesFirst.turn`). The wait is bounded (``max_wait`` seconds a step), so an
export always progresses even when searches never stop, at least one block per
``max_wait``. The counts (steps, steps that waited) are what ``/healthz`` reports under
``exports`` and what the tests read: the behaviour is checked by counting, not timing.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, current_app

# Paths whose requests do not make an export wait: the exports themselves, and the health
# probe (a load balancer's, every few seconds: nothing a person waits on).
NOT_WAITED_FOR = ("/export.csv", "/export.json", "/healthz")

# Seconds an export's step waits at most for the requests in flight (app config
# EXPORT_YIELD_SECONDS): under searches that never stop, an export still reads a block
# of rows at least this often, and the exports of a process take about a block's CPU
# (~0.05 s for 100 rows) in every half second of it.
EXPORT_YIELD_SECONDS = 0.5
EXTENSION = "vnsearch.searches_first"  # the app's SearchesFirst, in app.extensions

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SearchesFirst:
    """Requests in flight in this process, and the export steps that waited for them."""

    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self._changed = threading.Condition()
        self._turn = threading.Lock()  # one export step computed at a time in the process
        self._in_flight = 0
        self.steps = 0  # export steps begun (an evaluation, a block of rows)
        self.waited = 0  # of them, those that found a request in flight and waited
        self.exports = 0  # exports streaming now

    # -- the requests waited for ------------------------------------------------------
    def started(self) -> None:
        with self._changed:
            self._in_flight += 1

    def finished(self) -> None:
        with self._changed:
            self._in_flight -= 1
            if not self._in_flight:
                self._changed.notify_all()

    def wrap(self, app: WSGIApp) -> WSGIApp:
        """The WSGI ``app``, counting every request but an export and the health probe
        while the app computes it."""
        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO", "") in NOT_WAITED_FOR:
                return app(environ, start_response)
            self.started()
            try:
                return app(environ, start_response)
            finally:
                self.finished()
        return counted

    # -- the exports --------------------------------------------------------------------
    def step(self) -> bool:
        """Before an export's next step: wait while requests are in flight, ``max_wait``
        seconds at most. True when it waited."""
        with self._changed:
            self.steps += 1
            if not self._in_flight:
                return False
            self.waited += 1
            deadline = time.monotonic() + self.max_wait
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return True

    @contextlib.contextmanager
    def turn(self) -> Iterator[bool]:
        """An export's step: its turn among the exports of the process (one step computed
        at a time, so two exports do not take twice the share of the searches' CPU), then
        :meth:`step`; the step's work is done inside. Yields whether it waited."""
        with self._turn:
            yield self.step()

    def export_started(self) -> None:
        with self._changed:
            self.exports += 1

    def export_finished(self) -> None:
        with self._changed:
            self.exports -= 1

    def figures(self) -> dict[str, int]:
        """What ``/healthz`` reports: exports streaming now, their steps so far, and the
        steps that waited for a request in flight (this process's, since it started)."""
        with self._changed:
            return {"running": self.exports, "steps": self.steps, "waited": self.waited}


def install(app: Flask) -> None:
    """Count ``app``'s requests for its exports to give way to."""
    gate = SearchesFirst(float(app.config.get("EXPORT_YIELD_SECONDS", EXPORT_YIELD_SECONDS)))
    app.extensions[EXTENSION] = gate
    app.wsgi_app = gate.wrap(app.wsgi_app)  # type: ignore[method-assign,assignment]


def searches_first() -> SearchesFirst:
    """The current app's :class:`SearchesFirst`."""
    gate = current_app.extensions[EXTENSION]
    assert isinstance(gate, SearchesFirst)
    return gate
