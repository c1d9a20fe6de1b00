"""SQL fragments the metrics share: what an agent reply, a customer message and a live
ticket are (message alias ``m``, ticket alias ``t``; ``:_no`` binds False)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deskterm.store.query_sql import datetime_param

AGENT_REPLY = "m.direction = 'out' AND m.auto_submitted = :_no AND m.author NOT LIKE 'rule:%'"
"""A public shop-side message no rule or autoresponder sent (domain.metrics "agent reply")."""

CUSTOMER_MESSAGE = "m.direction = 'in' AND m.auto_submitted = :_no"
"""A customer's message, auto-submitted mail (bounces, out-of-office) left out."""

LIVE_TICKET = "t.spam = :_no AND t.merged_into_id IS NULL"
"""Neither spam nor merged into another ticket: the tickets every metric counts."""


def period_params(dialect: str, since: datetime, until: datetime) -> dict[str, Any]:
    """``:_since``, ``:_until`` (as the driver compares stored moments) and ``:_no``."""
    return {
        "_since": datetime_param(since, dialect),
        "_until": datetime_param(until, dialect),
        "_no": False,
    }
