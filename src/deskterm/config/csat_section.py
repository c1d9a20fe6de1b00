"""The ``[csat]`` section: satisfaction surveys sent after a ticket is closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from deskterm.config.checks import ConfigModel, duration_within


def _check_delay(value: Any) -> timedelta:
    # The SLA targets' durations, and "0m" (or "0"): the survey goes out at the next sync.
    if isinstance(value, str) and value.strip() == "0":
        value = "0m"
    return duration_within(value, timedelta(0), examples='"0m", "30m", "1h" or "1d"', example="1h")


Delay = Annotated[timedelta, BeforeValidator(_check_delay)]


class CsatConfig(ConfigModel):
    """``[csat]``: after an agent closes a ticket, ask the customer for a 1-5 rating.

    Never for spam or for a ticket a rule or the system closed, at most one survey per
    ticket; sent through the outbox like a reply, in the customer's language where known.
    """

    enabled: bool = False
    """Send surveys (off by default: turning it on never surveys tickets closed before)."""

    delay: Delay = Field(default=timedelta(hours=1))
    """How long after the close the survey goes out, "0m" (at the next sync) to "14d",
    e.g. "1h" (a ticket reopened meanwhile gets none until it is closed again)."""

    channels: list[str] = Field(default_factory=list)
    """Names of the channels whose tickets are surveyed; empty: every channel."""

    answer_days: int = Field(default=7, ge=1, le=90)
    """Days after sending during which a reply is read as the rating."""
