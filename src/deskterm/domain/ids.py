"""Message-IDs we mint for our own replies (one per outbox row, never re-minted)."""

from __future__ import annotations

import re
import uuid

_HOST_RE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9-]+")
FALLBACK_DOMAIN = "deskterm.invalid"


def ascii_domain(domain: str) -> str | None:
    """``domain`` as ASCII (IDNA for internationalised names), or None when unusable."""
    domain = domain.strip().rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return domain.lower() if _HOST_RE.fullmatch(domain) else None


def mint_message_id(address: str) -> str:
    """A fresh, globally unique Message-ID (without angle brackets) on ``address``'s domain.

    The id must exist even when the address is odd; uniqueness comes from the uuid.
    """
    domain = ascii_domain(address.rpartition("@")[2]) or FALLBACK_DOMAIN
    return f"deskterm.{uuid.uuid4().hex}@{domain}"
