"""SIGTERM, SIGHUP and SIGQUIT end the inbox the way ``q`` does, even on a dead terminal.

Python's default for these signals kills the process on the spot: the terminal stays in
the alternate screen with mouse tracking on, the cursor hidden, the keyboard protocol
pushed and the tty raw (``-echo -icanon``), and a reply being written is lost. Here the
signal asks the app to quit from its own event loop, so Textual's exit path restores the
terminal and the open drafts are saved first.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import Any, Protocol

log = logging.getLogger(__name__)

ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
GRACE_SECONDS = 10.0  # a stop that takes longer (a hung write) ends the process at once
GONE = (errno.EIO, errno.ENXIO, errno.EPIPE, errno.EBADF)


class Ends(Protocol):
    """What a signal needs of the app."""

    @property
    def is_running(self) -> bool: ...

    def end_on_signal(self, signum: int) -> None: ...


def terminal_gone(fd: int | None = None) -> bool:
    """Whether the terminal the app draws on hung up (ssh dropped, the window closed):
    even an empty write to a hung-up tty fails with EIO."""
    if fd is None:
        stream = sys.__stderr__  # where Textual's driver writes
        if stream is None:
            return True
        fd = stream.fileno()
    try:
        os.write(fd, b"")
    except OSError as exc:
        return exc.errno in GONE
    return False


def detach_from_dead_terminal(app: object | None = None) -> None:
    """Point stdin, stdout and stderr at /dev/null: restoring a terminal that is gone
    would fail with EIO in Textual's writer thread, and a stuck writer hangs the exit.

    If that writer already died on an EIO (the app drew something after the hang-up),
    its queue (30 writes at most, Textual 8.2.8 ``WriterThread``) is emptied from now on,
    so the exit's own writes do not wait forever for room.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    finally:
        os.close(null)
    writer = getattr(getattr(app, "_driver", None), "_writer_thread", None)
    pending = getattr(writer, "_queue", None)
    if isinstance(writer, threading.Thread) and not writer.is_alive() and pending is not None:
        threading.Thread(target=_drain, args=(pending,), name="dead-tty", daemon=True).start()


def _drain(pending: Any) -> None:
    while pending.get() is not None:
        pass


def after_first_signal(signals: tuple[int, ...]) -> None:
    """Once the app is ending: a second SIGTERM or SIGQUIT ends the process at once (the
    default action), while more SIGHUPs are ignored: a dropped ssh line sends one from
    the shell and another from the kernel when the shell exits, and that second one must
    not cut the draft saving short."""
    for sig in signals:
        signal.signal(sig, signal.SIG_IGN if sig == signal.SIGHUP else signal.SIG_DFL)


class SignalEnding:
    """While the TUI runs (main thread only), the ending signals call ``app.end_on_signal``
    from the app's event loop; ``signum`` says which one came (0: none).

    A second SIGTERM or SIGQUIT gets the default action (ends at once), and so does a stop
    that takes longer than ``GRACE_SECONDS``: a signal never leaves a process behind.
    """

    def __init__(self, app: Ends | None = None, signals: tuple[int, ...] = ENDING_SIGNALS) -> None:
        self.app = app  # None until the app runs (the demo starts its servers first)
        self.signals = signals
        self.signum = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> SignalEnding:
        if threading.current_thread() is threading.main_thread():  # else Python refuses
            for sig in self.signals:
                self._previous[sig] = signal.signal(sig, self._end)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.signum:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)

    def _end(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        after_first_signal(self.signals)
        if signum == signal.SIGHUP and terminal_gone():
            detach_from_dead_terminal(self.app)
        timer = threading.Timer(GRACE_SECONDS, os._exit, (128 + signum,))
        timer.daemon = True
        timer.start()
        loop = getattr(self.app, "_loop", None)
        if (
            self.app is not None
            and self.app.is_running
            and loop is not None
            and not loop.is_closed()
        ):
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self.app.end_on_signal, signum)
                return
        raise SystemExit(128 + signum)
