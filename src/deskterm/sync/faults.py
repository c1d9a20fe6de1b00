"""Crash points for the kill-at-every-step tests (isync's method); inert unless asked for.

``DESKTERM_CRASH_AT=<point>`` makes the process SIGKILL itself when it reaches that point,
so tests can prove that resuming from ANY step converges. Production never sets it.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DESKTERM_CRASH_AT"

POINTS = (
    "sync.fetched",  # a batch is fetched, nothing stored yet
    "sync.stored",  # a batch and its cursor are written, not yet committed
    "sync.committed",  # a batch and its cursor are committed
    "outbox.sending",  # state "sending" committed, nothing handed to SMTP yet
    "outbox.accepted",  # the SMTP server said 250, nothing recorded yet
    "outbox.filed",  # the copy is in the Sent folder, "sent" not yet recorded
    "outbox.sent",  # "sent" committed
    "chat.listed",  # conversations listed, nothing stored yet
    "chat.conversation_stored",  # one conversation's messages and cursor committed
    "chat.listing_saved",  # the listing cursor committed (the pass is complete)
    "chat_outbox.sending",  # state "sending" committed, nothing sent yet
    "chat_outbox.accepted",  # the platform took the message, nothing recorded yet
    "chat_outbox.sent",  # "sent" and the platform's id committed
)


def crash_point(name: str) -> None:
    """Die here, without any cleanup, when the environment asks for it."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
