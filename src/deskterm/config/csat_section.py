"""The ``[csat]`` section: satisfaction surveys sent after a ticket is closed."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from deskterm.config.checks import ConfigModel, SlaDuration


class CsatConfig(ConfigModel):
    """``[csat]``: after an agent closes a ticket, ask the customer for a 1-5 rating.

    Never for spam or for a ticket a rule or the system closed, at most one survey per
    ticket; sent through the outbox like a reply, in the customer's language where known.
    """

    enabled: bool = False
    """Send surveys (off by default: turning it on never surveys tickets closed before)."""

    delay: SlaDuration = Field(default=timedelta(hours=1))
    """How long after the close the survey goes out, e.g. "1h" or "1d" (a ticket reopened
    meanwhile gets none until it is closed again)."""

    channels: list[str] = Field(default_factory=list)
    """Names of the channels whose tickets are surveyed; empty: every channel."""

    answer_days: int = Field(default=7, ge=1, le=90)
    """Days after sending during which a reply is read as the rating."""
