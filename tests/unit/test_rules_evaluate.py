"""Rule-only facts judged for one event (automation/rules/evaluate.py), and the reply
action's ``limit`` option read, stored and written back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.automation.rules.actions import ActionError, Known, check_action
from deskterm.automation.rules.conditions import parse_condition
from deskterm.automation.rules.evaluate import Facts, fact_holds, hours_word
from deskterm.automation.rules.load import dump_rules, load_rules, stored_rule
from deskterm.domain.business_hours import business_hours
from deskterm.domain.query_ast import Term

NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)
FACTS = Facts(
    ticket_id=1,
    at=NOW,
    channel_type="shopee",
    message_id=5,
    message_from="customer",
    message_body="Kak, WHERE is my order #1001?",
    hours="outside",
    order={
        "status": "shipped",
        "fulfillment_status": "PARTIALLY_FULFILLED",
        "total": "75.50",
        "created_at": (NOW - timedelta(hours=30)).isoformat(),
    },
    order_count=3,
    customer_tags=frozenset({"vip"}),
)


def term(text: str) -> Term:
    node = parse_condition(text)
    assert isinstance(node, Term)
    return node


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("message.from:customer", True),
        ("message.from:rule", False),
        ("message.auto:no", True),
        ("message.auto:yes", False),
        ('message.body:"where is"', True),
        ("message.body:refund", False),
        ("message.channel_type:shopee", True),
        ("message.channel_type:email", False),
        ("hours:outside", True),
        ("hours:inside", False),
        ("order.status:shipped", True),
        ("order.status:delivered", False),
        ("order.fulfillment:partially_fulfilled", True),
        ("order.total>75", True),
        ("order.total>=75.5", True),
        ("order.total<75.5", False),
        ("order.age<2d", True),
        ("order.age<1d", False),
        ("order.age>=30h", True),
        ("customer.orders>=3", True),
        ("customer.orders>3", False),
        ("customer.orders=3", True),
        ("customer.tag:vip", True),
        ("customer.tag:wholesale", False),
    ],
)
def test_each_fact(condition: str, expected: bool) -> None:
    assert fact_holds(term(condition), FACTS, NOW) is expected


def test_without_a_message_or_an_order_those_facts_are_false() -> None:
    bare = Facts(ticket_id=1, at=NOW, channel_type="email")
    for condition in (
        "message.from:customer",
        "message.body:x",
        "order.status:shipped",
        "order.total>0",
        "order.age<100d",
    ):
        assert not fact_holds(term(condition), bare, NOW), condition
    assert fact_holds(term("customer.orders=0"), bare, NOW)
    # No [business_hours]: the shop is always open.
    assert fact_holds(term("hours:inside"), bare, NOW)
    assert not fact_holds(term("hours:outside"), bare, NOW)


def test_hours_word_follows_the_calendar() -> None:
    hours = business_hours("Asia/Jakarta", {"mon": "08:00-17:00"})
    monday_10_jakarta = datetime(2026, 12, 7, 3, tzinfo=UTC)
    assert hours_word(monday_10_jakarta, hours) == "inside"
    assert hours_word(monday_10_jakarta + timedelta(hours=12), hours) == "outside"
    assert hours_word(NOW, None) is None


KNOWN = Known(macros=[("where-is-my-order", "wismo")])


def test_reply_limit_is_read_stored_and_written_back() -> None:
    action = check_action({"reply": "wismo", "limit": False}, KNOWN)
    assert action.limit is False and action.to_table() == {"reply": "wismo", "limit": False}
    assert check_action({"reply": "wismo"}, KNOWN).limit is True
    text = (
        '[[rules]]\nname = "A"\nwhen = ["message.created"]\nif = "*"\n'
        'then = [{ reply = "wismo", limit = false }]\n'
    )
    [rule] = load_rules(text, "r.toml", KNOWN)
    assert rule.then[0].limit is False
    again = stored_rule(rule.name, True, rule.definition())
    assert again.then[0].limit is False
    assert load_rules(dump_rules([again]), "again.toml", KNOWN)[0].then == rule.then


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"reply": "wismo", "limit": "no"}, "expected true or false"),
        ({"tag": ["x"], "limit": False}, "limit goes with a reply action only"),
    ],
)
def test_limit_mistakes(table: dict[str, object], message: str) -> None:
    with pytest.raises(ActionError, match=message):
        check_action(table, KNOWN)
