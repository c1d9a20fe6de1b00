"""Revenue from support (issue 15 item 3) on SQLite and PostgreSQL: which orders a pre-sale
answer earned, counted once, in ``stats`` (whole, --by agent/day/channel) and on the ticket
(``show --json`` ``revenue``). Every figure below is worked out by hand from ``shop``.

March 2026, times UTC, agent Ana unless said:

- Alice asks about a product (intent product/question) Sun 1st 10:00; Ana replies 12:00.
  Order A1 Tue 3rd 11:00 (IDR 150000, 47 h later): earned by Alice's ticket, Ana.
  Order A2 Fri 6th 12:00 (4 days after the reply): not earned. Order A3 Mon 2nd 08:00 was
  cancelled: not earned.
- Bob asks where his parcel is (intent shipping/status) Mon 2nd 09:00; Ana replies 10:00.
  Order B1 Tue 3rd 09:00 (IDR 99000): not pre-sale, not earned — until the ticket is
  tagged ``presale``.
- Carol's ticket is tagged ``presale``; the shop's Sent folder holds the reply (no agent
  id: the ticket's assignee, Budi, is credited) Wed 4th 12:00. Order C1 Wed 4th 13:00
  (USD 25.50) was fetched by email before Carol was a known customer (no customer_id):
  earned.
- Dave (intent discount/request) is answered Fri 6th 12:00, but ordered D1 the same day
  at 11:00, before the answer: not earned.
- Erin asks twice (two product/question tickets), answered Mon 2nd 10:00 (E-first) and
  Tue 3rd 10:00 (E-second); order E1 Thu 5th 10:00 (exactly 2 days after the second
  answer, IDR 50000) is earned once, by the last answer before it: E-second.
- Fay's reply came exactly 3 days (the window) before her order F1 (IDR 10000): earned.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from deskterm.domain.metrics import Period
from deskterm.domain.revenue import AttributionRules, earned_line
from deskterm.ingest.context import ChannelContext
from deskterm.services import labels, replies
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store.engine import Store
from deskterm.store.order_cache import write_order_row
from deskterm.store.readdb import ReadDb
from deskterm.store.reader import get_ticket
from deskterm.store.stats_reader import StatsRequest, read_stats
from deskterm.store.tables import Order, Ticket
from tests.conftest import SHOP, ingest, msg
from tests.store.stats_rig import at

MARCH = Period(at(1, 0), at(10, 0))
RULES = AttributionRules()


@dataclass(frozen=True)
class Shop:
    """The tickets of the story above."""

    alice: int
    bob: int
    carol: int
    dave: int
    erin_first: int
    erin_second: int
    fay: int


def _ask(store: Store, channel: ChannelContext, mid: str, sender: str, when: datetime) -> int:
    base = msg(mid, sender=sender, name=sender.partition("@")[0].title(), subject=f"Q {mid}")
    return ingest(store, channel, dataclasses.replace(base, sent_at=when)).ticket_id


def _customer(store: Store, ticket_id: int) -> int:
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.customer_id is not None
        return ticket.customer_id


def _order(
    store: Store,
    name: str,
    placed: datetime,
    total: str,
    currency: str = "IDR",
    *,
    customer: int | None,
    email: str = "",
    status: str = "to_ship",
) -> None:
    with store.write() as session:
        write_order_row(
            session,
            store.dialect,
            {
                "store": "main",
                "external_id": f"gid://shopify/Order/{name}",
                "customer_id": customer,
                "email": email,
                "name": name,
                "placed_at": placed,
                "financial_status": "paid",
                "fulfillment_status": "",
                "total": total,
                "currency": currency,
                "status_url": "",
                "data": {},
                "fetched_at": placed,
                "buyer_id": "",
                "platform": "shopify",
                "status": status,
                "platform_status": "",
                "source_updated_at": None,
            },
        )


def build(store: Store, channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> Shop:
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
        agent_actor(session, email="budi@shop.test", name="Budi")

    def reply(ticket_id: int, when: datetime, actor: Actor = ana) -> None:
        monkeypatch.setattr(replies, "utcnow", lambda: when)
        with store.write() as session:
            replies.reply_queued(session, ticket_id, "Yes, we have it in red.", actor)

    alice = _ask(store, channel, "a@x", "alice@example.com", at(1, 10))
    labels.set_intent(store, alice, "product/question", ana)
    reply(alice, at(1, 12))
    alice_id = _customer(store, alice)
    _order(store, "A1", at(3, 11), "150000", customer=alice_id)
    _order(store, "A2", at(6, 12), "70000", customer=alice_id)
    _order(store, "A3", at(2, 8), "80000", customer=alice_id, status="cancelled")

    bob = _ask(store, channel, "b@x", "bob@example.com", at(2, 9))
    labels.set_intent(store, bob, "shipping/status", ana)
    reply(bob, at(2, 10))
    _order(store, "B1", at(3, 9), "99000", customer=_customer(store, bob))

    carol = _ask(store, channel, "c@x", "carol@example.com", at(4, 9))
    svc.add_tags(store, carol, ["presale"], ana)
    svc.assign(store, carol, "budi@shop.test", ana)
    sent = msg("c1@x", sender=SHOP, name="Shop", to="carol@example.com", in_reply_to="c@x")
    ingest(store, channel, dataclasses.replace(sent, sent_at=at(4, 12), subject="Re: Q c@x"))
    _order(store, "C1", at(4, 13), "25.50", "USD", customer=None, email="carol@example.com")

    dave = _ask(store, channel, "d@x", "dave@example.com", at(6, 9))
    labels.set_intent(store, dave, "discount/request", ana)
    reply(dave, at(6, 12))
    _order(store, "D1", at(6, 11), "45000", customer=_customer(store, dave))

    erin_first = _ask(store, channel, "e1@x", "erin@example.com", at(2, 9))
    labels.set_intent(store, erin_first, "product/question", ana)
    reply(erin_first, at(2, 10))
    svc.close(store, erin_first, ana)
    erin_second = _ask(store, channel, "e2@x", "erin@example.com", at(3, 9))
    assert erin_second != erin_first
    labels.set_intent(store, erin_second, "product/recommendation", ana)
    reply(erin_second, at(3, 10))
    _order(store, "E1", at(5, 10), "50000", customer=_customer(store, erin_second))

    fay = _ask(store, channel, "f@x", "fay@example.com", at(5, 8))
    labels.set_intent(store, fay, "product/question", ana)
    reply(fay, at(5, 9))
    _order(store, "F1", at(5, 9) + timedelta(days=3), "10000", customer=_customer(store, fay))
    return Shop(alice, bob, carol, dave, erin_first, erin_second, fay)


@pytest.fixture
def shop(any_store: Store, any_channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> Shop:
    return build(any_store, any_channel, monkeypatch)


def stats(db: ReadDb, **kwargs: Any) -> dict[str, Any]:
    period = kwargs.pop("period", MARCH)
    return read_stats(db, StatsRequest(period=period, now=at(10, 0), **kwargs))


def earned(db: ReadDb, ticket_id: int, rules: AttributionRules = RULES) -> list[str]:
    return [entry["order"] for entry in get_ticket(db, ticket_id, revenue=rules)["revenue"]]


def test_stats_count_each_earned_order_once(any_store: Store, db: ReadDb, shop: Shop) -> None:
    revenue = stats(db)["metrics"]["revenue"]
    # A1 150000 + E1 50000 + F1 10000 (IDR); C1 25.50 (USD).
    assert revenue == {"orders": 4, "amount": {"IDR": 210000, "USD": 25.5}}


def test_the_ticket_shows_what_it_earned(any_store: Store, db: ReadDb, shop: Shop) -> None:
    assert earned(db, shop.alice) == ["A1"]
    assert earned(db, shop.bob) == []  # not pre-sale
    assert earned(db, shop.carol) == ["C1"]  # by the order's email
    assert earned(db, shop.dave) == []  # ordered before the answer
    assert earned(db, shop.erin_first) == []  # the later answer took it
    assert earned(db, shop.erin_second) == ["E1"]
    assert earned(db, shop.fay) == ["F1"]  # exactly the window
    (entry,) = get_ticket(db, shop.alice, revenue=RULES)["revenue"]
    carol = get_ticket(db, shop.carol, revenue=RULES)["revenue"]
    # Without revenue rules a caller gets the ticket's fields only.
    assert "revenue" not in get_ticket(db, shop.alice)
    assert entry == {
        "store": "main",
        "order": "A1",
        "placed_at": "2026-03-03T11:00:00Z",
        "amount": 150000,
        "currency": "IDR",
        "agent": "ana@shop.test",
        "reply_at": "2026-03-01T12:00:00Z",
    }
    assert carol[0]["agent"] == "budi@shop.test"  # the Sent-folder reply: the assignee
    line = earned_line([entry])
    assert line is not None and line.startswith("Revenue 1 order: ")
    assert "150" in line and "(A1) by ana@shop.test" in line


def test_revenue_by_agent_day_and_channel(any_store: Store, db: ReadDb, shop: Shop) -> None:
    by_agent = {g["key"]: g["metrics"]["revenue"] for g in stats(db, by="agent")["groups"]}
    by_day = {g["key"]: g["metrics"]["revenue"] for g in stats(db, by="day")["groups"]}
    by_channel = {g["key"]: g["metrics"]["revenue"] for g in stats(db, by="channel")["groups"]}
    assert by_agent["ana@shop.test"] == {"orders": 3, "amount": {"IDR": 210000}}
    assert by_agent["budi@shop.test"] == {"orders": 1, "amount": {"USD": 25.5}}
    assert by_day["2026-03-03"]["orders"] == 1  # A1
    assert by_day["2026-03-04"] == {"orders": 1, "amount": {"USD": 25.5}}  # C1
    assert by_day["2026-03-05"]["orders"] == 1  # E1
    assert by_day["2026-03-08"] == {"orders": 1, "amount": {"IDR": 10000}}  # F1
    assert by_day["2026-03-06"] == {"orders": 0, "amount": {}}  # A2 too late, D1 too early
    assert by_channel["support"] == {"orders": 4, "amount": {"IDR": 210000, "USD": 25.5}}


def test_the_period_counts_orders_placed_in_it(any_store: Store, db: ReadDb, shop: Shop) -> None:
    # From Wed 4th: C1, E1, F1 (A1 was placed on the 3rd; its reply long before).
    later = stats(db, period=Period(at(4, 0), at(10, 0)))["metrics"]["revenue"]
    # Up to Tue 3rd 12:00: A1 only, though its answer was two days earlier.
    early = stats(db, period=Period(at(3, 0), at(3, 12)))["metrics"]["revenue"]
    assert later == {"orders": 3, "amount": {"IDR": 60000, "USD": 25.5}}
    assert early == {"orders": 1, "amount": {"IDR": 150000}}


def test_tagging_a_ticket_presale_attributes_its_orders(
    any_store: Store, db: ReadDb, shop: Shop
) -> None:
    with any_store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
    svc.add_tags(any_store, shop.bob, ["presale"], ana)
    assert earned(db, shop.bob) == ["B1"]
    assert stats(db)["metrics"]["revenue"]["orders"] == 5


def test_rules_narrow_or_widen_what_counts(any_store: Store, db: ReadDb, shop: Shop) -> None:
    tags_only = AttributionRules(intents=())
    a_week = AttributionRules(window=timedelta(days=7))
    assert stats(db, revenue=tags_only)["metrics"]["revenue"] == {
        "orders": 1,
        "amount": {"USD": 25.5},
    }
    assert earned(db, shop.carol, tags_only) == ["C1"]
    assert earned(db, shop.alice, tags_only) == []
    # A week: A2 (4 days after Alice's answer) counts too.
    assert earned(db, shop.alice, a_week) == ["A1", "A2"]
    assert stats(db, revenue=AttributionRules(intents=(), tags=()))["metrics"]["revenue"] == {
        "orders": 0,
        "amount": {},
    }


def test_spam_and_merged_tickets_earn_nothing(any_store: Store, db: ReadDb, shop: Shop) -> None:
    with any_store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
    svc.set_spam(any_store, shop.fay, True, ana)
    assert earned(db, shop.fay) == []
    assert stats(db)["metrics"]["revenue"]["orders"] == 3


def test_a_cancelled_order_is_never_revenue(any_store: Store, db: ReadDb, shop: Shop) -> None:
    with any_store.read() as session:
        a3 = session.exec(select(Order).where(Order.name == "A3")).one()
    assert a3.status == "cancelled"
    wide = AttributionRules(window=timedelta(days=30))
    assert "A3" not in earned(db, shop.alice, wide)
