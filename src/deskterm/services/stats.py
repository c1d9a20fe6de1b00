"""Support metrics for a period, asked the same way by ``deskterm stats`` and the inbox's
stats screen: the shop's clock from the config, the request, the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from deskterm.domain.errors import UsageError

if TYPE_CHECKING:
    from deskterm.config.read_settings import ReadSettings
    from deskterm.domain.business_hours import BusinessHours
    from deskterm.store.readdb import ReadDb


def shop_clock(
    settings: ReadSettings, *, business_hours: bool
) -> tuple[BusinessHours | None, tzinfo]:
    """The hours response times count in (``business_hours``; None: the wall clock) and
    the zone days are read in ([business_hours]' zone, else UTC); UsageError when
    business hours are asked for without a [business_hours] section."""
    hours = settings.business_hours()
    if business_hours and hours is None:
        raise UsageError("--business-hours needs a [business_hours] section in the config")
    zone: tzinfo = hours.zone if hours is not None else UTC
    return (hours if business_hours else None), zone


def read_period(
    db: ReadDb,
    settings: ReadSettings,
    since: datetime,
    until: datetime,
    *,
    by: str | None = None,
    business_hours: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``stats --json`` for ``[since, until)``: the config's SLA targets, business hours,
    zone and revenue rules applied."""
    from deskterm.domain.metrics import Period
    from deskterm.store.stats_reader import StatsRequest, read_stats

    hours, zone = shop_clock(settings, business_hours=business_hours)
    request = StatsRequest(
        period=Period(since, until),
        by=by,
        targets=settings.sla_targets(),
        hours=hours,
        zone=zone,
        now=now or datetime.now(UTC),
        revenue=settings.revenue,
    )
    return read_stats(db, request)


def last_days(
    db: ReadDb,
    settings: ReadSettings,
    days: int,
    *,
    by: str | None = None,
    business_hours: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The last ``days`` days up to ``now`` (the stats screen's periods)."""
    moment = now or datetime.now(UTC)
    return read_period(
        db,
        settings,
        moment - timedelta(days=days),
        moment,
        by=by,
        business_hours=business_hours,
        now=moment,
    )
