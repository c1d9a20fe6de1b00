"""Issue 13 item 4: an order action is written before it is sent, and a dropped answer or a
killed process never leads to a second action: the order is read back first.

The platform side is an in-memory order (the HTTP adapters are tested against the fakes
in tests/channels and tests/commerce); every fault is placed at each step in turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from deskterm.domain.errors import ChannelError
from deskterm.domain.orders import ActionRefused, PlatformOrder
from deskterm.services.actor import Actor
from deskterm.services.order_actions import (
    DONE,
    REFUSED,
    SENDING,
    UNKNOWN,
    execute,
    record,
)
from deskterm.store.engine import Store
from deskterm.store.tables import Event, Message, Order, OrderAction
from tests.conftest import ingest, msg, support_channel

AGENT = Actor(label="agent:dewi@shop.test")


class Platform:
    """One order on a platform; ``faults`` says what the next sends do."""

    def __init__(self) -> None:
        self.status = "to_ship"
        self.cancels = 0
        self.keys: list[str] = []
        self.faults: list[str] = []  # "drop-after" | "drop-before" | "refuse" | "unreadable"

    def perform(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        fault = self.faults.pop(0) if self.faults else ""
        if fault == "refuse" or self.status == "shipped":
            raise ActionRefused("Shopee: the order has shipped and can no longer be cancelled.")
        if fault == "drop-before":
            raise ChannelError("shopee: connection reset")
        self.keys.append(idempotency_key)
        self.cancels += 1
        self.status = "cancelled"
        if fault == "drop-after":
            raise ChannelError("shopee: timed out after 20 s")
        return {"cancelled": order_id}

    def confirm(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any] | None:
        if "unreadable" in self.faults:
            self.faults.remove("unreadable")
            raise ChannelError("shopee: 502 Bad Gateway")
        return {"cancelled": order_id} if self.status == "cancelled" else None

    def read(self, order_id: str) -> PlatformOrder | None:
        return PlatformOrder(
            platform="shopee",
            id=order_id,
            name=order_id,
            created_at=datetime(2026, 12, 1, tzinfo=UTC),
            status=self.status,
            platform_status=self.status.upper(),
            total=Decimal("250000"),
            currency="IDR",
        )


@pytest.fixture
def ticket(store: Store) -> int:
    """A customer's ticket the actions leave their notes on."""
    done = ingest(store, support_channel(store), msg("<cancel-1@example.com>", body="cancel pls"))
    assert done.ticket_id is not None
    return done.ticket_id


def start(store: Store, ticket: int) -> int:
    return record(
        store,
        store_name="shopee-id",
        order_id="2512010ABC",
        order_name="2512010ABC",
        kind="cancel",
        params={"reason": "out of stock"},
        ticket_id=ticket,
        actor=AGENT,
    )


def notes(store: Store, ticket: int) -> list[str]:
    with store.read() as session:
        rows = session.exec(
            select(Message.body_text).where(
                Message.ticket_id == ticket, Message.direction == "note"
            )
        ).all()
        return list(rows)


SUMMARY = "Order 2512010ABC cancelled: out of stock — Dewi"


def test_recorded_before_sent_then_done_with_a_note_an_event_and_a_fresh_cache(
    store: Store, ticket: int
) -> None:
    platform = Platform()
    action = start(store, ticket)
    with store.read() as session:
        row = session.get(OrderAction, action)
        assert row is not None and row.state == "pending" and row.idempotency_key
    outcome = execute(store, platform, action, AGENT, SUMMARY)
    assert (outcome.state, platform.cancels) == (DONE, 1)
    assert notes(store, ticket) == [SUMMARY]
    with store.read() as session:
        kinds = session.exec(select(Event.kind).where(Event.ticket_id == ticket)).all()
        cached = session.exec(select(Order.status).where(Order.external_id == "2512010ABC")).all()
    assert "order.action_requested" in kinds and "order.done" in kinds
    assert cached == ["cancelled"]


@pytest.mark.parametrize("fault", ["drop-after", "drop-before"])
def test_a_dropped_answer_is_read_back_and_never_doubled(
    store: Store, ticket: int, fault: str
) -> None:
    platform = Platform()
    platform.faults = [fault]
    outcome = execute(store, platform, start(store, ticket), AGENT, SUMMARY)
    assert outcome.state == DONE
    assert platform.cancels == 1  # drop-after: applied once; drop-before: sent again once
    assert len(set(platform.keys)) == 1  # the same idempotency key on every send
    assert notes(store, ticket) == [SUMMARY]


def test_a_refusal_is_one_sentence_and_nothing_is_noted(store: Store, ticket: int) -> None:
    platform = Platform()
    platform.status = "shipped"
    outcome = execute(store, platform, start(store, ticket), AGENT, SUMMARY)
    assert outcome.state == REFUSED
    assert outcome.message == (
        "order 2512010ABC: cancel refused: "
        "Shopee: the order has shipped and can no longer be cancelled."
    )
    assert notes(store, ticket) == [] and platform.cancels == 0


@pytest.mark.parametrize("applied", [True, False])
def test_killed_while_sending_resumes_by_reading_back(
    store: Store, ticket: int, applied: bool
) -> None:
    """The process died after marking the action ``sending``, before or after the
    platform applied it: the next run settles it from the order, sending at most once."""
    platform = Platform()
    action = start(store, ticket)
    with store.write() as session:
        row = session.get(OrderAction, action)
        assert row is not None
        row.state, row.attempts = SENDING, 1
        session.add(row)
    if applied:
        platform.status, platform.cancels = "cancelled", 1
    outcome = execute(store, platform, action, AGENT, SUMMARY)
    assert outcome.state == DONE and platform.cancels == 1
    assert notes(store, ticket) == [SUMMARY]


def test_an_unreadable_platform_leaves_the_action_unknown_until_it_can_be_read(
    store: Store, ticket: int
) -> None:
    platform = Platform()
    platform.faults = ["drop-after", "unreadable"]
    action = start(store, ticket)
    first = execute(store, platform, action, AGENT, SUMMARY)
    assert first.state == UNKNOWN and "reads the order back" in first.message
    again = execute(store, platform, action, AGENT, SUMMARY)
    assert again.state == DONE and platform.cancels == 1
    assert execute(store, platform, action, AGENT, SUMMARY).state == DONE  # settled: no-op
    assert platform.cancels == 1 and notes(store, ticket) == [SUMMARY]
