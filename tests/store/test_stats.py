"""``deskterm stats`` figures on a store with known timings, on SQLite and PostgreSQL
(issue 15 item 1): every number below is computed by hand from tests/store/stats_rig.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from deskterm.domain.business_hours import business_hours
from deskterm.domain.metrics import DEFINITIONS, Period
from deskterm.domain.sla import SlaTargets
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import agent_actor
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from deskterm.store.stats_reader import StatsRequest, read_stats
from tests.store.stats_rig import at, build

MARCH = Period(at(1, 0), at(10, 0))
NOW = at(10, 0)
# support: first response within 90 minutes, resolution within a day; the chat has none.
TARGETS = {
    "support": SlaTargets(first_response=timedelta(minutes=90), resolution=timedelta(days=1))
}
HOUR = 3600


def stats(db: ReadDb, **kwargs: Any) -> dict[str, Any]:
    request = StatsRequest(period=kwargs.pop("period", MARCH), targets=TARGETS, now=NOW, **kwargs)
    return read_stats(db, request)


@pytest.fixture
def known(any_store: Store, any_channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> None:
    build(any_store, any_channel, monkeypatch)


EXPECTED = {
    "tickets_created": 5,  # T1-T5; spam T6 left out
    "tickets_replied": 4,  # T1 T2 T3 T4 (T5 never answered)
    "tickets_closed": 2,  # T1, T2 (its last close)
    "messages_received": 6,  # T1 1, T2 2, T3 1, T4 1 (not the notice), T5 1
    "messages_sent": 6,  # T1 2 (not the autoresponder, rule, note), T2 1, T3 2, T4 1
    # T1 2 h (10:00 -> 12:00), T2 1 h, T4 30 min; T3 the shop opened. Nearest rank of
    # [1800, 3600, 7200]: median rank ceil(1.5) = 2, p90 rank ceil(2.7) = 3.
    "first_response": {"median_s": HOUR, "p90_s": 2 * HOUR, "count": 3},
    # T1 Sun 10:00 -> Mon 10:00 = 24 h; T2 Mon 09:00 -> Tue 12:00 (last close) = 27 h.
    "resolution": {"median_s": 24 * HOUR, "p90_s": 27 * HOUR, "count": 2},
    "one_touch_rate": 0.5,  # T2 (one reply) of T1 (two), T2
    "sla": {
        "first_response_met_rate": 0.5,  # T2 (1 h <= 90 min) of T1 (2 h), T2; T4 no target
        "resolution_met_rate": 0.5,  # T1 (24 h <= 1 d) of T1, T2 (27 h)
        "breached_open": 2,  # T3 (resolution due Tue 14:00), T5 (no reply); T4 no target
    },
    "csat": {"score": None, "average": None, "responses": 0, "sent": 0, "response_rate": None},
    "revenue": {"orders": 0, "amount": {}},
}


@pytest.mark.usefixtures("known")
def test_the_whole_period_gives_the_hand_computed_figures(db: ReadDb) -> None:
    result = stats(db)
    assert result["period"] == {"since": "2026-03-01T00:00:00Z", "until": "2026-03-10T00:00:00Z"}
    assert result["metrics"] == EXPECTED
    assert result["groups"] == []
    assert result["definitions"] == DEFINITIONS
    assert list(result) == ["period", "metrics", "groups", "definitions"]


@pytest.mark.usefixtures("known")
def test_first_response_counts_in_the_period_of_the_first_reply(db: ReadDb) -> None:
    # Mon 2nd 00:00 .. Tue 3rd 00:00: T1 created before, closed within; T2 replied within.
    metrics = stats(db, period=Period(at(2, 0), at(3, 0)))["metrics"]
    assert metrics["first_response"] == {"median_s": HOUR, "p90_s": HOUR, "count": 1}
    assert metrics["tickets_created"] == 2  # T2, T3
    # T1 closed Mon 10:00 (in); T2's last close is Tue 12:00 (out): it counts then only.
    assert metrics["tickets_closed"] == 1
    assert metrics["resolution"] == {"median_s": 24 * HOUR, "p90_s": 24 * HOUR, "count": 1}
    assert metrics["messages_received"] == 2  # Bob 09:00, Carol 15:00
    assert metrics["messages_sent"] == 3  # T2 10:00, T3 14:00 and 16:00
    assert metrics["tickets_replied"] == 2


@pytest.mark.usefixtures("known")
def test_an_empty_period_is_null_not_zero(db: ReadDb) -> None:
    metrics = stats(db, period=Period(at(20, 0), at(21, 0)))["metrics"]
    assert metrics["first_response"] == {"median_s": None, "p90_s": None, "count": 0}
    assert metrics["one_touch_rate"] is None
    assert metrics["sla"] == {
        "first_response_met_rate": None,
        "resolution_met_rate": None,
        "breached_open": 0,
    }


@pytest.mark.usefixtures("known")
def test_without_sla_targets_breached_open_is_null(db: ReadDb) -> None:
    result = read_stats(db, StatsRequest(period=MARCH, now=NOW))
    assert result["metrics"]["sla"] == {
        "first_response_met_rate": None,
        "resolution_met_rate": None,
        "breached_open": None,
    }


def _groups(result: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {group["key"]: group["metrics"] for group in result["groups"]}


@pytest.mark.usefixtures("known")
def test_by_channel(db: ReadDb) -> None:
    groups = _groups(stats(db, by="channel"))
    assert list(groups) == ["shopee-id", "support"]
    chat, email = groups["shopee-id"], groups["support"]
    assert chat["tickets_created"] == 1 and email["tickets_created"] == 4
    assert chat["messages_received"] == 1 and chat["messages_sent"] == 1
    assert chat["first_response"] == {"median_s": 1800, "p90_s": 1800, "count": 1}
    assert chat["sla"]["first_response_met_rate"] is None  # no target on the chat
    assert email["first_response"] == {"median_s": HOUR, "p90_s": 2 * HOUR, "count": 2}
    assert email["sla"] == EXPECTED["sla"]
    assert email["resolution"] == EXPECTED["resolution"]


@pytest.mark.usefixtures("known")
def test_by_agent_is_the_assignee(db: ReadDb) -> None:
    groups = _groups(stats(db, by="agent"))
    assert list(groups) == ["ana@shop.test", None]
    assert groups["ana@shop.test"]["tickets_created"] == 1
    assert groups["ana@shop.test"]["first_response"]["median_s"] == 2 * HOUR
    assert groups[None]["tickets_created"] == 4


@pytest.mark.usefixtures("known")
def test_by_tag_counts_a_ticket_in_each_of_its_tags(db: ReadDb) -> None:
    groups = _groups(stats(db, by="tag"))
    assert list(groups) == ["order", "vip", None]
    assert groups["order"]["tickets_created"] == 2  # T1, T4
    assert groups["order"]["first_response"]["count"] == 2
    assert groups["vip"]["tickets_created"] == 1
    assert groups[None]["tickets_created"] == 3  # T2, T3, T5
    assert groups[None]["messages_received"] == 4


@pytest.mark.usefixtures("known")
def test_by_day_counts_each_number_on_its_own_day(db: ReadDb) -> None:
    result = stats(db, by="day")
    groups = _groups(result)
    assert list(groups) == [f"2026-03-{day:02d}" for day in range(1, 10)]  # every day
    sun, mon, tue = groups["2026-03-01"], groups["2026-03-02"], groups["2026-03-03"]
    assert [sun["tickets_created"], mon["tickets_created"], tue["tickets_created"]] == [1, 2, 2]
    assert [sun["first_response"]["count"], mon["first_response"]["count"]] == [1, 1]
    assert tue["first_response"] == {"median_s": 1800, "p90_s": 1800, "count": 1}
    assert [mon["tickets_closed"], tue["tickets_closed"]] == [1, 1]
    assert [sun["messages_received"], mon["messages_received"], tue["messages_received"]] == [
        1,
        2,
        3,
    ]
    assert [sun["messages_sent"], mon["messages_sent"], tue["messages_sent"]] == [2, 3, 1]
    assert [sun["tickets_replied"], mon["tickets_replied"], tue["tickets_replied"]] == [1, 2, 1]
    assert groups["2026-03-05"]["tickets_created"] == 0
    assert groups["2026-03-05"]["first_response"]["median_s"] is None
    # The groups add up to the whole.
    assert sum(g["metrics"]["messages_sent"] for g in result["groups"]) == 6


@pytest.mark.usefixtures("known")
def test_by_week_keys_by_monday(db: ReadDb) -> None:
    groups = _groups(stats(db, by="week"))
    assert list(groups) == ["2026-02-23", "2026-03-02", "2026-03-09"]
    assert groups["2026-02-23"]["tickets_created"] == 1  # Sunday the 1st
    assert groups["2026-03-02"]["tickets_created"] == 4


@pytest.mark.usefixtures("known")
def test_days_follow_the_shop_time_zone(db: ReadDb) -> None:
    # Kiritimati is UTC+14: Sun 1st 10:00 UTC is Mon 2nd 00:00 there, Mon 14:00 UTC is
    # Tue 04:00, Tue 10:00 UTC is Wed 00:00.
    zone = business_hours("Pacific/Kiritimati", {}).zone
    groups = _groups(stats(db, by="day", zone=zone))
    days = list(groups)
    assert (days[0], days[-1]) == ("2026-03-01", "2026-03-10")
    created = {day: groups[day]["tickets_created"] for day in groups}
    assert {day: n for day, n in created.items() if n} == {
        "2026-03-02": 2,  # T1, T2 (Mon 23:00 local)
        "2026-03-03": 2,  # T3, T4
        "2026-03-04": 1,  # T5
    }
    # T1's replies (Sun 12:00, 15:00 UTC) are Monday there; T2's (Mon 10:00 UTC) Tuesday.
    assert groups["2026-03-02"]["messages_sent"] == 2
    assert groups["2026-03-03"]["messages_sent"] == 4  # T2 Mon 10:00, T3 14:00, 16:00, T4


@pytest.mark.usefixtures("known")
def test_business_hours_count_only_open_seconds(db: ReadDb) -> None:
    weekdays = {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    hours = business_hours("UTC", weekdays)
    metrics = stats(db, hours=hours)["metrics"]
    # T1 asked and answered on Sunday: 0; T2 Mon 09:00 -> 10:00: 1 h; T4 30 min.
    assert metrics["first_response"] == {"median_s": 1800, "p90_s": HOUR, "count": 3}
    # T1 Sun 10:00 -> Mon 10:00: 1 open hour; T2 Mon 09:00 -> Tue 12:00: 8 h + 3 h.
    assert metrics["resolution"] == {"median_s": HOUR, "p90_s": 11 * HOUR, "count": 2}
    assert metrics["sla"] == EXPECTED["sla"]  # SLA stays on the wall clock


def test_a_snooze_is_not_a_close(
    any_store: Store, any_channel: ChannelContext, monkeypatch: pytest.MonkeyPatch, db: ReadDb
) -> None:
    known = build(any_store, any_channel, monkeypatch)
    with any_store.write() as session:
        ana = agent_actor(session, email="ana@shop.test")
    monkeypatch.setattr(svc, "utcnow", lambda: at(3, 11))
    svc.snooze(any_store, known.t5, at(20, 9), ana)
    metrics = stats(db)["metrics"]
    assert metrics["tickets_closed"] == 2  # still T1 and T2
    assert metrics["resolution"] == EXPECTED["resolution"]
    assert metrics["sla"]["breached_open"] == 1  # T3; the snoozed T5 runs no clock


@pytest.mark.usefixtures("known")
@pytest.mark.parametrize("by", ["store", "intent", "language"])
def test_every_ticket_field_key_partitions_the_tickets(db: ReadDb, by: str) -> None:
    result = stats(db, by=by)
    groups = result["groups"]
    assert groups, by
    assert sum(g["metrics"]["tickets_created"] for g in groups) == 5
    assert sum(g["metrics"]["first_response"]["count"] for g in groups) == 3
    assert sum(g["metrics"]["messages_sent"] for g in groups) == 6
