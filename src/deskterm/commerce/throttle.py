"""Shopify's GraphQL cost budget as the client sees it: wait before a query would be throttled.

Shopify meters GraphQL by query cost in a leaky bucket: each answer carries
``extensions.cost`` with the cost of the query and the bucket's ``throttleStatus``
(maximumAvailable, currentlyAvailable, restoreRate points per second). Waiting for the
bucket to refill before sending is cheaper than being throttled and retrying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from deskterm.commerce.types import Clock

_SLACK = 1e-6  # points

MAX_WAIT = 60.0  # seconds; a budget this far off means our estimate is wrong, not the bucket


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


@dataclass
class CostBudget:
    """The last ``throttleStatus`` seen, refilled at ``restoreRate`` as the clock runs."""

    clock: Clock
    maximum: float | None = None
    available: float | None = None
    restore_rate: float | None = None
    as_of: float = 0.0
    # Operation key -> the requestedQueryCost Shopify reported for it last time. Costs are
    # computed from the query text and its page sizes, so the same key costs the same.
    costs: dict[str, float] = field(default_factory=dict)

    def observe(self, key: str, extensions: Any) -> None:
        """Remember ``extensions.cost`` of an answer to the operation ``key``."""
        cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
        if not isinstance(cost, Mapping):
            return
        requested = _number(cost.get("requestedQueryCost"))
        if requested is not None:
            self.costs[key] = requested
        status = cost.get("throttleStatus")
        if not isinstance(status, Mapping):
            return
        available = _number(status.get("currentlyAvailable"))
        if available is None:
            return
        self.available = available
        self.maximum = _number(status.get("maximumAvailable"))
        self.restore_rate = _number(status.get("restoreRate"))
        self.as_of = self.clock()

    def estimate(self) -> float | None:
        """Points available now: the last figure plus what leaked back in since."""
        if self.available is None:
            return None
        refilled = self.available + (self.restore_rate or 0.0) * max(self.clock() - self.as_of, 0.0)
        return refilled if self.maximum is None else min(refilled, self.maximum)

    def wait_before(self, key: str) -> float:
        """Seconds to wait so the operation ``key`` fits the bucket (0 when unknown or fits)."""
        cost = self.costs.get(key)
        available = self.estimate()
        # The slack absorbs float dust: after waiting exactly (cost - available) / rate,
        # the refilled estimate may come out a hair short of the cost.
        if cost is None or available is None or cost <= available + _SLACK:
            return 0.0
        if not self.restore_rate:
            return 0.0  # no refill rate to reason with: send and let the server decide
        return min((cost - available) / self.restore_rate, MAX_WAIT)


def throttled_wait(extensions: Any) -> float | None:
    """Seconds until a throttled query fits: (requested - available) / restoreRate, or None."""
    cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
    if not isinstance(cost, Mapping):
        return None
    status = cost.get("throttleStatus")
    if not isinstance(status, Mapping):
        return None
    requested = _number(cost.get("requestedQueryCost"))
    available = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if requested is None or available is None or not rate:
        return None
    return min(max(requested - available, 0.0) / rate, MAX_WAIT)
