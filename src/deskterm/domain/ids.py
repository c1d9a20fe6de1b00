"""Message-IDs we mint for our own replies (one per outbox row, never re-minted)."""

from __future__ import annotations

import uuid


def mint_message_id(address: str) -> str:
    """A fresh, globally unique Message-ID (without angle brackets) on ``address``'s domain."""
    domain = address.rpartition("@")[2].strip().lower() or "deskterm.invalid"
    return f"deskterm.{uuid.uuid4().hex}@{domain}"
