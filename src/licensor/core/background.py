"""A process's background sender: one daemon thread that sends what is due after a request
commits, so a response never waits on a slow server (the mail outbox, webhook deliveries).

Requests call `wake(ctx)` after they commit; the thread, started on first use, waits a moment
(the request answers first, and a burst goes out in one round), then runs `send_round(ctx)`.
A round that raises is logged and the rows stay queued for a later round; a round may also ask
to run again by itself after some seconds (a retry falling due) without being woken.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from licensor.core.context import Context

SETTLE_SECONDS = 0.01


class BackgroundSender(ABC):
    """Subclasses define `send_round`. `sender_id` names this process's sender in the leases
    it writes on the rows it claims."""

    def __init__(self, thread_name: str, log: logging.Logger, what: str, *,
                 finish_on_close: bool, close_timeout: float = 10.0,
                 after_error: float | None = None) -> None:
        """`finish_on_close`: a wake-up that came before close() is still served (else the
        thread stops at once); `after_error`: the seconds before a failed round is tried again
        without a wake-up (None: at the next wake-up)."""
        self.sender_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._thread_name, self._log, self._what = thread_name, log, what
        self._finish_on_close, self._close_timeout = finish_on_close, close_timeout
        self._after_error = after_error
        self._cond = threading.Condition()
        self._wanted = False
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._ctx: Context | None = None

    @abstractmethod
    def send_round(self, ctx: Context) -> float | None:
        """Send what is due; returns the seconds until the next round runs by itself, or None
        to wait for a wake-up (each sender writes its own)."""

    def wake(self, ctx: Context) -> None:
        """Ask the background sender to send what is due (started on first use)."""
        with self._cond:
            self._ctx, self._wanted, self._stopping = ctx, True, False
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name=self._thread_name)
                self._thread.start()
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the background sender has handled every wake-up so far; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._wanted and not self._busy, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Stop the background sender, waiting up to `timeout` seconds for its round to end."""
        with self._cond:
            thread, self._stopping = self._thread, True
            self._cond.notify_all()
        if thread is not None:
            thread.join(self._close_timeout if timeout is None else timeout)
        with self._cond:
            # A thread still running (its round outlived the wait) is kept: a later wake() then
            # reuses it rather than starting a second one beside it.
            if self._thread is thread and (thread is None or not thread.is_alive()):
                self._thread = None

    def _run(self) -> None:
        sleep: float | None = None
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._wanted or self._stopping, sleep)
                if self._stopping and not (self._finish_on_close and self._wanted):
                    return
                # A moment's grace: the request that woke us sends its response first (no
                # contention for the interpreter), and a burst's rows go in one claim.
                self._cond.wait_for(lambda: self._stopping, SETTLE_SECONDS)
                self._wanted, self._busy = False, True
                ctx = self._ctx
            try:
                sleep = self.send_round(ctx) if ctx is not None else None
            except Exception:  # keep sending later; the rows stay queued
                log = self._log
                log.exception("%s delivery failed", self._what)
                sleep = self._after_error
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
