"""Crash points for the kill-at-every-step tests (isync's method); inert unless asked for.

``DESKTERM_CRASH_AT=<point>`` makes the process SIGKILL itself when it reaches that point,
so tests can prove that resuming from ANY step converges. Production never sets it.
"""

from __future__ import annotations

import os

from deskterm.domain.crash import CRASH_ENV, crash_point

__all__ = ["CRASH_ENV", "FAIL_INGEST_ENV", "POINTS", "crash_point", "injected_failure"]
# A comma-separated list of message ids whose normal ingest raises, as an unknown bug would:
# the tests of the "store it raw after two failures" fallback (issue 9 finding 5) use it.
FAIL_INGEST_ENV = "DESKTERM_FAIL_INGEST"

POINTS = (
    "sync.fetched",  # a batch is fetched, nothing stored yet
    "sync.stored",  # a batch and its cursor are written, not yet committed
    "sync.committed",  # a batch and its cursor are committed
    "sync.failure_recorded",  # a message failed; its failure count is committed
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
    "orders.card_orders_cached",  # a batch of orders named in chat cached, cursor not yet
    # The rule runner (services/rule_engine.py), per (rule, event):
    "rules.evaluated",  # the rule matched, nothing of it written yet
    "rules.acted",  # its effects and its rulerun row written, not yet committed
    "rules.committed",  # its effects committed, its command (if any) not yet run
    "rules.command_ran",  # its command ran, the output not yet recorded
    "rules.cursor",  # a batch of events ran, the cursor not yet moved
)


class InjectedFailure(RuntimeError):
    """The failure ``DESKTERM_FAIL_INGEST`` asked for."""


def injected_failure(message_id: str) -> None:
    """Raise when the environment names ``message_id`` as one whose ingest must fail."""
    wanted = os.environ.get(FAIL_INGEST_ENV)
    if wanted and message_id in wanted.split(","):
        raise InjectedFailure(f"injected failure for {message_id}")
