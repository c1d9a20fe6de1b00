"""The rules engine on a real store: events in, effects out, once per (rule, event), and
every loop guard with the real message it keeps a rule from answering."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from deskterm.domain.business_hours import business_hours
from deskterm.ingest.context import ChannelContext
from deskterm.services import rules, tickets
from deskterm.services.actor import Actor
from deskterm.services.macros import save_macro
from deskterm.services.rule_engine import EngineSettings, run_rules
from deskterm.services.rule_replay import replay
from deskterm.store.engine import Store
from deskterm.store.tables import Event, Message, Order, Outbox, RuleRun, Ticket
from tests.conftest import ingest, msg

ACTOR = Actor("agent:dewi@shop.test")


@pytest.fixture(autouse=True)
def _fill(store: Store) -> None:
    _macros(store)


def _macros(store: Store) -> None:
    save_macro(
        store,
        {
            "name": "where-is-my-order",
            "shortcut": "wismo",
            "body": "Hi {{ ticket.customer.firstname }}, your order is on its way.",
        },
    )
    save_macro(store, {"name": "thanks", "body": "Thank you!", "actions": {"add_tags": ["ack"]}})


def rule_file(*tables: str) -> str:
    return "".join(f"[[rules]]\nenabled = true\n{table}\n" for table in tables)


def wismo(extra: str = "", when: str = "message.created", cond: str = "*") -> str:
    return (
        f'name = "WISMO"\nwhen = ["{when}"]\nif = \'{cond}\'\n'
        f'then = [{{ reply = "where-is-my-order"{extra} }}, {{ tag = ["auto-answered"] }}]'
    )


def load(store: Store, *tables: str) -> None:
    rules.import_rules(store, rule_file(*tables), "rules.toml", ACTOR)


def outbox(store: Store) -> list[Outbox]:
    with store.read() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


def notes(store: Store, ticket_id: int) -> list[str]:
    with store.read() as session:
        rows = session.exec(
            select(Message.body_text)
            .where(Message.ticket_id == ticket_id, Message.direction == "note")
            .order_by(col(Message.id))
        )
        return list(rows)


def test_a_rule_replies_once_marks_it_and_leaves_a_note(
    store: Store, channel: ChannelContext
) -> None:
    load(store, wismo())
    tid = ingest(store, channel, msg("1@x", body="where is my order?")).ticket_id
    summary = run_rules(store)
    # Twice: on the customer's message, then on its own reply's (where it may not reply).
    assert (summary.runs, summary.replies) == (2, 1)
    [row] = outbox(store)
    assert row.to == "alice@example.com" and row.body_text.startswith("Hi Alice, your order")
    with store.read() as session:
        sent = session.get(Message, row.message_id)
        assert sent is not None and sent.auto_submitted and sent.author == "rule:WISMO"
        kinds = [
            (e.kind, e.actor)
            for e in session.exec(select(Event).where(Event.ticket_id == tid))
            if e.actor.startswith("rule:")
        ]
        runs = session.exec(select(RuleRun)).all()
    assert ("reply.queued", "rule:WISMO") in kinds and ("tag.added", "rule:WISMO") in kinds
    assert ("rule.ran", "rule:WISMO") in kinds
    assert [r.rule_name for r in runs] == ["WISMO", "WISMO"]
    assert notes(store, tid) == [
        "Rule 'WISMO' replied with macro 'where-is-my-order'; tagged auto-answered"
    ]
    # Again: nothing new to run, nothing sent twice.
    assert run_rules(store).runs == 0 and len(outbox(store)) == 1


def test_a_rules_own_reply_never_gets_a_rule_reply(store: Store, channel: ChannelContext) -> None:
    # limit = false: only the loop guard stands between this rule and an endless loop.
    load(store, wismo(", limit = false"))
    ingest(store, channel, msg("1@x"))
    for _ in range(3):
        run_rules(store)
    assert len(outbox(store)) == 1
    with store.read() as session:
        runs = session.exec(select(RuleRun).order_by(col(RuleRun.id))).all()
    # It ran on its own reply's message.created (message.from:rule is visible) but refused.
    assert [r.outcome["refused"] for r in runs][1:] == [
        ["did not reply: the event is a rule's own doing (rules never answer rules)"]
    ]


def test_message_from_rule_is_a_condition(store: Store, channel: ChannelContext) -> None:
    load(
        store,
        wismo(cond="message.from:customer"),
        'name = "Mark"\nwhen = ["message.created"]\nif = "message.from:rule"\n'
        'then = [{ tag = ["rule-replied"] }]',
    )
    tid = ingest(store, channel, msg("1@x")).ticket_id
    run_rules(store)
    run_rules(store)
    with store.read() as session:
        ticket = session.get(Ticket, tid)
        assert ticket is not None
    tags = tickets_tags(store, tid)
    assert tags == {"auto-answered", "rule-replied"}


def tickets_tags(store: Store, tid: int) -> set[str]:
    from deskterm.store.reader import get_ticket
    from deskterm.store.session_read import SessionReadDb

    with store.read() as session:
        return set(get_ticket(SessionReadDb(session), tid)["tags"])


@pytest.mark.parametrize(
    ("message", "why"),
    [
        (
            dataclasses.replace(msg("bulk@x"), auto_submitted=True),
            "the customer's message is auto-generated (RFC 3834)",
        ),
        (
            msg("bounce@x", sender="MAILER-DAEMON@mail.example.com", name="Mail Delivery"),
            "mailer-daemon@mail.example.com is a bounce or no-reply address",
        ),
        (
            msg("pm@x", sender="postmaster@example.com", name=""),
            "postmaster@example.com is a bounce or no-reply address",
        ),
        (
            msg("nr@x", sender="no-reply@market.example", name="Market"),
            "no-reply@market.example is a bounce or no-reply address",
        ),
    ],
)
def test_no_auto_reply_to_machine_mail(
    store: Store, channel: ChannelContext, message: Any, why: str
) -> None:
    load(store, wismo())
    tid = ingest(store, channel, message).ticket_id
    run_rules(store)
    assert outbox(store) == []
    assert notes(store, tid) == [f"Rule 'WISMO' tagged auto-answered; did not reply: {why}"]


def test_no_auto_reply_to_the_shops_own_address(store: Store, channel: ChannelContext) -> None:
    from deskterm.store.channels import ensure_channel

    with store.write() as session:
        ensure_channel(session, name="sales", type="email", address="sales@shop.test")
    load(store, wismo())
    # Another of the shop's mailboxes writing to support: a customer of support's, to
    # ingest, but an auto-reply would bounce between the two mailboxes.
    tid = ingest(store, channel, msg("own@x", sender="sales@shop.test", name="Sales")).ticket_id
    run_rules(store)
    assert outbox(store) == []
    assert "sales@shop.test is one of the shop's own addresses" in notes(store, tid)[0]


def test_one_auto_reply_per_ticket_per_day_unless_unlimited(
    store: Store, channel: ChannelContext
) -> None:
    load(store, wismo())
    first = ingest(store, channel, msg("1@x"))
    run_rules(store)
    ingest(store, channel, msg("2@x", in_reply_to="1@x", body="and?"))
    run_rules(store)
    assert len(outbox(store)) == 1
    assert "in the last 24 hours" in notes(store, first.ticket_id)[-1]
    load(store, wismo(", limit = false"))
    ingest(store, channel, msg("3@x", in_reply_to="2@x", body="hello??"))
    run_rules(store)
    assert len(outbox(store)) == 2


def test_stop_and_rule_order(store: Store, channel: ChannelContext) -> None:
    load(
        store,
        'name = "First"\nwhen = ["ticket.created"]\nif = "*"\nthen = [{ tag = ["first"] }]',
        'name = "Sees first"\nwhen = ["ticket.created"]\nif = "tag:first"\n'
        'then = [{ tag = ["second"] }]\nstop = true',
        'name = "Never"\nwhen = ["ticket.created"]\nif = "*"\nthen = [{ tag = ["never"] }]',
    )
    tid = ingest(store, channel, msg("1@x")).ticket_id
    run_rules(store)
    assert tickets_tags(store, tid) == {"first", "second"}
    rules.move_rule(store, "Sees first", "First", ACTOR)
    tid2 = ingest(store, channel, msg("2@x", subject="another")).ticket_id
    run_rules(store)
    # Now it runs before "First" tagged anything: it does not match, so no stop either.
    assert tickets_tags(store, tid2) == {"first", "never"}


def test_a_rule_never_runs_on_events_before_it_was_turned_on(
    store: Store, channel: ChannelContext
) -> None:
    ingest(store, channel, msg("old@x"))
    load(store, wismo())  # enabled now: the message above is history
    assert run_rules(store).runs == 0 and outbox(store) == []
    ingest(store, channel, msg("new@x", subject="new one"))
    assert run_rules(store).replies == 1


def test_agent_actions_are_events_too(store: Store, channel: ChannelContext) -> None:
    load(
        store,
        'name = "VIP"\nwhen = ["ticket.updated"]\nif = "tag:vip"\n'
        'then = [{ priority = "urgent" }, { assign = "boss@shop.test" }]',
        'name = "Assigned"\nwhen = ["ticket.assigned"]\nif = "*"\n'
        'then = [{ note = "assigned: look at it" }]',
    )
    tid = ingest(store, channel, msg("1@x")).ticket_id
    tickets.add_tags(store, tid, ["vip"], ACTOR)
    run_rules(store)
    with store.read() as session:
        ticket = session.get(Ticket, tid)
        assert ticket is not None and ticket.priority == "urgent"
    # The rule's own assignment is a rule's doing: it runs no rule (no ping-pong).
    assert notes(store, tid) == ["Rule 'VIP' set priority urgent; assigned boss@shop.test"]
    tickets.assign(store, tid, "dewi@shop.test", ACTOR)
    run_rules(store)
    assert notes(store, tid)[-2:] == ["assigned: look at it", "Rule 'Assigned' added a note"]


def test_conditions_see_the_last_order_and_hours(store: Store, channel: ChannelContext) -> None:
    load(
        store,
        'name = "Shipped"\nwhen = ["message.created"]\n'
        "if = 'order.status:shipped AND order.total>50 AND order.age<2d AND customer.orders>=1'\n"
        'then = [{ tag = ["shipped"] }]',
        'name = "Outside"\nwhen = ["message.created"]\nif = "hours:outside"\n'
        'then = [{ tag = ["after-hours"] }]',
        'name = "Words"\nwhen = ["message.created"]\nif = \'message.body:"where is"\'\n'
        'then = [{ tag = ["asked"] }]',
    )
    tid = ingest(store, channel, msg("1@x", body="Hi, WHERE IS my parcel")).ticket_id
    with store.write() as session:
        session.add(
            Order(
                store="main",
                external_id="gid://shopify/Order/1",
                email="alice@example.com",
                placed_at=datetime.now(UTC) - timedelta(days=1),
                total="75.00",
                status="shipped",
            )
        )
    closed_all_week = business_hours("UTC", {})
    run_rules(store, EngineSettings(hours=closed_all_week))
    assert tickets_tags(store, tid) == {"shipped", "after-hours", "asked"}


def test_rules_tag_customers_by_what_they_spent(store: Store, channel: ChannelContext) -> None:
    """issue 15 item 5: `customer.spent` and `customer.orders` set vip / repeat-buyer; a
    refunded order is not spent."""
    load(
        store,
        'name = "VIP"\nwhen = ["message.created"]\nif = "customer.spent>100"\n'
        'then = [{ tag = ["vip"] }]',
        'name = "Repeat buyer"\nwhen = ["message.created"]\nif = "customer.orders>=2"\n'
        'then = [{ tag = ["repeat-buyer"] }]',
    )
    with store.write() as session:
        for number, (total, financial) in enumerate((("75.00", "paid"), ("90.00", "refunded"))):
            session.add(
                Order(
                    store="main",
                    external_id=f"gid://shopify/Order/{number}",
                    email="alice@example.com",
                    placed_at=datetime.now(UTC) - timedelta(days=number + 1),
                    total=total,
                    financial_status=financial,
                    status="delivered",
                )
            )
    first = ingest(store, channel, msg("1@x", body="Hello again")).ticket_id
    run_rules(store, EngineSettings())
    # Two orders, but 75.00 spent: the refunded 90.00 went back.
    assert tickets_tags(store, first) == {"repeat-buyer"}
    with store.write() as session:
        session.add(
            Order(
                store="main",
                external_id="gid://shopify/Order/9",
                email="alice@example.com",
                placed_at=datetime.now(UTC),
                total="40.00",
                financial_status="paid",
                status="to_ship",
            )
        )
    second = ingest(store, channel, msg("2@x", subject="New question", body="Hi")).ticket_id
    run_rules(store, EngineSettings())
    assert tickets_tags(store, second) == {"vip", "repeat-buyer"}  # 115.00 spent now


def test_a_command_gets_the_event_and_its_output_is_kept(
    store: Store, channel: ChannelContext, tmp_path: Path
) -> None:
    script = tmp_path / "hook.py"
    script.write_text(
        "import json, sys\nevent = json.load(sys.stdin)\n"
        "print(event['event'], event['rule'], event['message']['from'])\n"
    )
    argv = json.dumps([sys.executable, str(script)])
    load(
        store,
        f'name = "Hook"\nwhen = ["message.created"]\nif = "*"\nthen = [{{ command = {argv} }}]',
    )
    ingest(store, channel, msg("1@x"))
    run_rules(store)
    with store.read() as session:
        [run] = session.exec(select(RuleRun)).all()
    [ran] = run.outcome["ran"]
    assert ran["exit"] == 0 and ran["stdout"] == "message.created Hook customer\n"


def test_no_rules_means_the_cursor_skips_ahead(store: Store, channel: ChannelContext) -> None:
    for n in range(3):
        ingest(store, channel, msg(f"{n}@x", subject=f"s{n}"))
    assert run_rules(store).events == 0
    load(store, wismo())
    # Only the rule's own audit event is new: history is never replayed.
    assert run_rules(store).events == 1 and outbox(store) == []


def test_the_engine_on_sqlite_and_postgresql(any_store: Store, any_channel: ChannelContext) -> None:
    _macros(any_store)  # the autouse fixture filled the SQLite ``store``, not this one
    load(
        any_store,
        wismo(cond="message.from:customer AND NOT tag:auto-answered AND subject:order"),
        'name = "Woken"\nwhen = ["snooze.ended"]\nif = "*"\nthen = [{ tag = ["woken"] }]',
    )
    tid = ingest(any_store, any_channel, msg("1@x", body="where is my order?")).ticket_id
    assert run_rules(any_store).replies == 1
    assert run_rules(any_store).runs == 0
    tickets.snooze(any_store, tid, datetime.now(UTC) + timedelta(hours=1), ACTOR)
    tickets.wake_snoozed(any_store, ACTOR, now=datetime.now(UTC) + timedelta(hours=2))
    run_rules(any_store)
    assert tickets_tags(any_store, tid) == {"auto-answered", "woken"}
    assert len(outbox(any_store)) == 1
    # rules test on the same store: judged on the ticket as it is now (tagged, so WISMO
    # would no longer match), the snooze rule on its one event.
    before = outbox(any_store)
    replayed = {r.name: r for r in replay(any_store, timedelta(days=1))}
    assert (replayed["WISMO"].matched, replayed["Woken"].tickets) == (0, [tid])
    assert replayed["WISMO"].events == 1 and outbox(any_store) == before  # its reply: a rule's


def test_a_rule_sees_what_an_earlier_rule_did_in_the_same_batch(
    store: Store, channel: ChannelContext
) -> None:
    """The batch is judged before any rule acts; a rule that acts makes that customer's
    verdicts stale, so the rules after it (on this event and on the customer's later
    events in the batch) are judged again, as if one by one."""
    load(
        store,
        'name = "First"\nwhen = ["message.created"]\nif = "NOT tag:seen"\n'
        'then = [{ tag = ["seen"] }]',
        'name = "Then"\nwhen = ["message.created"]\nif = "tag:seen AND NOT tag:then"\n'
        'then = [{ tag = ["then"] }]',
    )
    first = ingest(store, channel, msg("1@x", body="hello")).ticket_id
    # Her second ticket, in the same batch (tags are per ticket: it gets both again).
    second = ingest(store, channel, msg("2@x", subject="Another", body="again")).ticket_id
    run_rules(store)
    assert tickets_tags(store, first) == {"seen", "then"}
    assert tickets_tags(store, second) == {"seen", "then"}
