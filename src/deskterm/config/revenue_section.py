"""The ``[revenue]`` section: which orders count as revenue from support."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from deskterm.config.checks import ConfigModel
from deskterm.domain.labels import INTENTS
from deskterm.domain.revenue import PRESALE_INTENTS, PRESALE_TAGS, AttributionRules


class RevenueConfig(ConfigModel):
    """``[revenue]``: an order a customer places within ``window_days`` after an agent's
    reply on one of their pre-sale tickets is attributed to that ticket and agent (stats,
    the ticket's header, ``show --json``)."""

    window_days: int = Field(default=3, ge=1, le=90)
    """Days after an agent's reply during which the customer's order is attributed to it."""

    intents: list[str] = Field(default_factory=lambda: list(PRESALE_INTENTS))
    """Intents that make a ticket pre-sale; [] to go by tags alone."""

    tags: list[str] = Field(default_factory=lambda: list(PRESALE_TAGS))
    """Tags that make a ticket pre-sale whatever its intent; [] for none."""

    @field_validator("intents")
    @classmethod
    def _known_intents(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in INTENTS]
        if unknown:
            raise ValueError(f"unknown intent {unknown[0]!r}; known: {', '.join(INTENTS)}")
        return value

    def rules(self) -> AttributionRules:
        """The attribution rule these settings describe."""
        return AttributionRules(
            window=timedelta(days=self.window_days),
            intents=tuple(self.intents),
            tags=tuple(tag.strip().lower() for tag in self.tags if tag.strip()),
        )
