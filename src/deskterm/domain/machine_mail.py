"""Which senders are machines: bounces, system mailboxes and no-reply addresses."""

from __future__ import annotations

import re

# Local parts that never read a reply: bounces, system mailboxes, no-reply senders.
_MACHINE_SENDER = re.compile(
    r"^(mailer-daemon|postmaster|no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?|auto[-_.]?reply)"
    r"([+._-].*)?$"
)


def machine_sender(handle: str) -> bool:
    """Whether the address ``handle`` is a bounce or no-reply mailbox."""
    return "@" in handle and bool(_MACHINE_SENDER.match(handle.strip().lower().partition("@")[0]))
