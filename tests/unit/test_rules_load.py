"""The rules file (issue 14 item 1): checked at import, one line per mistake naming the
rule, the field and the reason; conditions are the views' language plus rule-only fields."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from deskterm.automation.rules.actions import Known
from deskterm.automation.rules.conditions import (
    RULE_FIELDS,
    fact_value,
    is_fact,
    leaves,
    parse_condition,
)
from deskterm.automation.rules.load import dump_rules, load_rules
from deskterm.automation.rules.model import Action
from deskterm.domain.errors import QueryError, UsageError
from deskterm.domain.query import parse_query
from deskterm.domain.query_ast import And, Not, Term

KNOWN = Known(
    macros=[("where-is-my-order", "wismo"), ("Refund approved (EN)", "refund")],
    agents=[("Ana", "ana@shop.example")],
)
ISSUE_EXAMPLE = """
[[rules]]
name = "WISMO auto-answer"
when = ["message.created"]   # ticket.created | message.created | ticket.updated
if = 'intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered'
then = [{ reply = "where-is-my-order" }, { tag = ["auto-answered"] }]
stop = false                 # true: later rules do not run for this event
"""
EVERY_ACTION = """
[[rules]]
name = "Everything"
description = "one of each"
enabled = true
when = ["ticket.created", "message.created", "ticket.updated", "ticket.assigned",
        "snooze.ended", "survey.answered"]
if = "*"
then = [
  { reply = ";refund" }, { note = "seen by a rule" }, { tag = "vip" }, { untag = ["new", "x"] },
  { assign = "Ana" }, { assign = "bob@shop.example" }, { assign = "auto" },
  { priority = "High" }, { close = true }, { open = true }, { snooze = "2d" },
  { spam = true }, { command = "notify --ticket 'a b'" },
  { command = ["/usr/bin/notify", "--urgent"], timeout = 30 },
]
stop = true
"""


def load(text: str) -> list:  # type: ignore[type-arg]
    return load_rules(text, "rules.toml", KNOWN)


def test_the_issue_example_loads() -> None:
    [rule] = load(ISSUE_EXAMPLE)
    assert rule.name == "WISMO auto-answer"
    assert rule.when == ("message.created",)
    assert rule.then == (
        Action("reply", "where-is-my-order"),
        Action("tag", ("auto-answered",)),
    )
    assert rule.stop is False
    assert rule.enabled is False  # imported rules are off until enabled
    assert rule.enabled_given is False


def test_every_action_and_event() -> None:
    [rule] = load(EVERY_ACTION)
    assert rule.enabled and rule.stop and rule.description == "one of each"
    assert len(rule.when) == 6
    kinds = [(a.kind, a.value, a.timeout) for a in rule.then]
    assert kinds == [
        ("reply", ";refund", None),
        ("note", "seen by a rule", None),
        ("tag", ("vip",), None),
        ("untag", ("new", "x"), None),
        ("assign", "ana@shop.example", None),  # a name is stored as the agent's email
        ("assign", "bob@shop.example", None),
        ("assign", "auto", None),
        ("priority", "high", None),
        ("close", True, None),
        ("open", True, None),
        ("snooze", "2d", None),
        ("spam", True, None),
        ("command", "notify --ticket 'a b'", None),
        ("command", ("/usr/bin/notify", "--urgent"), 30),
    ]


def test_export_then_import_round_trips_exactly() -> None:
    rules = load(ISSUE_EXAMPLE) + load(EVERY_ACTION.replace("Everything", "Second"))
    text = dump_rules(rules)
    again = load(text)
    assert again == rules
    assert dump_rules(again) == text


def test_odd_text_round_trips() -> None:
    text = ISSUE_EXAMPLE.replace(
        "if = 'intent", "description = 'quote \" back\\\\slash \u202e tab\\t'\nif = 'intent"
    ).replace('"WISMO auto-answer"', '"Kopi \\"special\\" ☕"')
    rules = load(text)
    dumped = dump_rules(rules)
    assert "\u202e" not in dumped  # escaped: the file cannot act on a terminal
    assert load(dumped) == rules


# Each mistake: (what to change in ISSUE_EXAMPLE, the start of the one error line).
MISTAKES = {
    "unknown key": (
        ("stop = false", "stopp = false"),
        'rules.toml: rule "WISMO auto-answer": stopp: unknown key',
    ),
    "no name": (('name = "WISMO auto-answer"\n', ""), "rules.toml: rules[0]: name: a rule needs"),
    "empty name": (
        ('"WISMO auto-answer"', '"  "'),
        "rules.toml: rules[0]: name: must not be empty",
    ),
    "name not text": (('"WISMO auto-answer"', "3"), "rules.toml: rules[0]: name: expected text"),
    "name control": (
        ('"WISMO auto-answer"', '"a\\u001bb"'),
        "rules.toml: rules[0]: name: one line",
    ),
    "when missing": (
        ('when = ["message.created"]', ""),
        'rules.toml: rule "WISMO auto-answer": when: missing',
    ),
    "when wrong type": (
        ('when = ["message.created"]', "when = 3"),
        'rules.toml: rule "WISMO auto-answer": when: expected a list of events',
    ),
    "unknown event": (
        ('"message.created"]', '"message.created", "message.create"]'),
        "rule \"WISMO auto-answer\": when[1]: no event named 'message.create'"
        " (did you mean message.created?)",
    ),
    "if missing": (
        ("if = 'intent", "iff = 'intent"),
        'rule "WISMO auto-answer": iff: unknown key',
    ),
    "if not text": (
        (
            "if = 'intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered'",
            "if = 1",
        ),
        'rule "WISMO auto-answer": if: expected a condition',
    ),
    "if empty": (
        (
            "if = 'intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered'",
            "if = ''",
        ),
        'rule "WISMO auto-answer": if: empty condition',
    ),
    "unknown rule field": (
        ("order.status:", "order.stauts:"),
        "rule \"WISMO auto-answer\": if: query error at column 28: no such field 'order.stauts'"
        " (did you mean 'order.status'?)",
    ),
    "bad order status": (
        ("order.status:shipped", "order.status:shiped"),
        "if: query error at column 41: order.status: 'shiped' is not one of",
    ),
    "bad views field value": (
        ("intent:shipping/status", "intent:shiping/status"),
        "if: query error",
    ),
    "then missing": (
        ('then = [{ reply = "where-is-my-order" }, { tag = ["auto-answered"] }]', ""),
        'rule "WISMO auto-answer": then: missing',
    ),
    "then empty": (
        ('[{ reply = "where-is-my-order" }, { tag = ["auto-answered"] }]', "[]"),
        'rule "WISMO auto-answer": then: expected a list of actions',
    ),
    "action not a table": (
        ('{ reply = "where-is-my-order" }', '"reply"'),
        'rule "WISMO auto-answer": then[0]: an action is a table',
    ),
    "unknown action": (
        ('{ tag = ["auto-answered"] }', '{ tags = ["auto-answered"] }'),
        "rule \"WISMO auto-answer\": then[1].tags: no action named 'tags' (did you mean tag?)",
    ),
    "two actions": (
        ('{ tag = ["auto-answered"] }', '{ tag = ["a"], close = true }'),
        'rule "WISMO auto-answer": then[1].close: one action per table',
    ),
    "empty action": (('{ tag = ["auto-answered"] }', "{}"), "then[1]: an action table names one"),
    "no such macro": (
        ('"where-is-my-order"', '"wismo-old"'),
        'rule "WISMO auto-answer": then[0].reply: no macro named "wismo-old" (macros:'
        ' "Refund approved (EN)", "where-is-my-order")',
    ),
    "tag wrong type": (
        ('["auto-answered"]', "3"),
        'rule "WISMO auto-answer": then[1].tag: expected a tag or a list of tags',
    ),
    "tag with space": (('["auto-answered"]', '["auto answered"]'), "then[1].tag: invalid tag"),
    "untag empty list": (
        ('{ tag = ["auto-answered"] }', "{ untag = [] }"),
        "then[1].untag: expected",
    ),
    "unknown agent": (
        ('{ tag = ["auto-answered"] }', '{ assign = "Budi" }'),
        'then[1].assign: no agent named "Budi" (agents: Ana <ana@shop.example>)',
    ),
    "bad priority": (
        ('{ tag = ["auto-answered"] }', '{ priority = "asap" }'),
        "then[1].priority: 'asap' is not a priority (low, normal, high, urgent)",
    ),
    "bad snooze": (
        ('{ tag = ["auto-answered"] }', '{ snooze = "someday" }'),
        "then[1].snooze: cannot understand time 'someday'",
    ),
    "flag not true": (
        ('{ tag = ["auto-answered"] }', '{ close = "yes" }'),
        "then[1].close: expected true",
    ),
    "note empty": (('{ tag = ["auto-answered"] }', '{ note = " " }'), "then[1].note: expected"),
    "command empty": (
        ('{ tag = ["auto-answered"] }', '{ command = "" }'),
        "then[1].command: expected a program",
    ),
    "command unbalanced": (
        ('{ tag = ["auto-answered"] }', '{ command = "echo \'x" }'),
        "then[1].command: cannot split",
    ),
    "command wrong type": (
        ('{ tag = ["auto-answered"] }', "{ command = 3 }"),
        "then[1].command: expected a program",
    ),
    "timeout too long": (
        ('{ tag = ["auto-answered"] }', '{ command = ["x"], timeout = 3600 }'),
        "then[1].timeout: seconds from 1 to 300, got 3600",
    ),
    "timeout not a number": (
        ('{ tag = ["auto-answered"] }', '{ command = ["x"], timeout = "5" }'),
        "then[1].timeout: seconds from 1 to 300",
    ),
    "timeout without command": (
        ('{ tag = ["auto-answered"] }', '{ tag = ["x"], timeout = 5 }'),
        "then[1].timeout: timeout goes with a command action only",
    ),
    "stop not bool": (("stop = false", 'stop = "no"'), 'rule "WISMO auto-answer": stop: expected'),
    "enabled not bool": (
        ("stop = false", "enabled = 1"),
        'rule "WISMO auto-answer": enabled: expected',
    ),
    "description not text": (("stop = false", "description = 1"), "description: expected text"),
}


@pytest.mark.parametrize("change,expected", MISTAKES.values(), ids=list(MISTAKES))
def test_each_mistake_is_one_line_naming_rule_and_field(
    change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in ISSUE_EXAMPLE
    with pytest.raises(UsageError) as caught:
        load(ISSUE_EXAMPLE.replace(old, new))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("rules.toml: ") and expected in message, message


def test_every_field_and_action_has_a_mistake_above() -> None:
    named = " ".join(expected for _, expected in MISTAKES.values())
    for field in ("name", "when", "if", "then", "stop", "enabled", "description"):
        assert f" {field}:" in named or f"{field}[" in named, field
    for action in (
        "reply",
        "note",
        "tag",
        "untag",
        "assign",
        "priority",
        "close",
        "snooze",
        "command",
        "timeout",
    ):
        assert f"].{action}:" in named, action


def test_duplicate_names_in_a_file() -> None:
    twice = ISSUE_EXAMPLE + ISSUE_EXAMPLE.replace("WISMO auto-answer", "wismo AUTO-answer")
    with pytest.raises(
        UsageError,
        match=r"rules\[1\]\): name: the file already has a rule named"
        r' "WISMO auto-answer"',
    ):
        load(twice)


def test_file_level_mistakes() -> None:
    for text, needle in (
        ("", "expected [[rules]] tables"),
        ("rules = 3", "expected [[rules]] tables"),
        ("[[macros]]\nname = 'x'", "unknown table 'macros'"),
        ("[[rules]\n", "rules.toml: "),
        ("rules = [3]", "rules[0]: a rule is a table"),
    ):
        with pytest.raises(UsageError) as caught:
            load(text)
        assert needle in str(caught.value) and "\n" not in str(caught.value)


def test_no_macros_yet() -> None:
    with pytest.raises(UsageError, match="there are no macros yet"):
        load_rules(ISSUE_EXAMPLE, "rules.toml", Known())


# --- conditions ------------------------------------------------------------------------


def test_rule_fields_parse_to_typed_terms() -> None:
    tree = parse_condition(
        "order.total>=50.50 order.age<2d customer.orders>3 hours:inside"
        ' message.body:"where is" message.from:Customer message.channel_type:shopee'
        " order.fulfillment:unfulfilled customer.tag:VIP order.total:10"
    )
    assert isinstance(tree, And)
    found = {(t.field, t.op, fact_value(t)) for t in tree.operands if isinstance(t, Term)}
    assert found == {
        ("order.total", ">=", Decimal("50.5")),
        ("order.age", "<", timedelta(days=2)),
        ("customer.orders", ">", 3),
        ("hours", ":", "inside"),
        ("message.body", ":", "where is"),
        ("message.from", ":", "customer"),
        ("message.channel_type", ":", "shopee"),
        ("order.fulfillment", ":", "unfulfilled"),
        ("customer.tag", ":", "vip"),
        ("order.total", "=", Decimal(10)),
    }


def test_views_fields_keep_their_meaning_in_a_condition() -> None:
    tree = parse_condition("intent:shipping/status AND NOT tag:auto-answered date:2d..")
    assert [leaf.text for leaf in leaves(tree)][:2] == [
        "intent:shipping/status",
        "tag:auto-answered",
    ]
    assert not any(is_fact(leaf.node) for leaf in leaves(tree))
    assert isinstance(tree, And) and isinstance(tree.operands[1], Not)


def test_leaves_list_every_term_in_order() -> None:
    tree = parse_condition("(hours:outside OR order.total>100) -tag:vip message.body:refund")
    assert [leaf.text for leaf in leaves(tree)] == [
        "hours:outside",
        "order.total>100",
        "tag:vip",
        "message.body:refund",
    ]


@pytest.mark.parametrize(
    "condition,needle",
    [
        ("hour:inside", "no such field 'hour' (did you mean 'hours'?)"),
        ("order.stauts:shipped", "no such field 'order.stauts' (did you mean 'order.status'?)"),
        ("foo.bar:x", "no such field 'foo.bar' (fields: "),
        ("hours:maybe", "hours: 'maybe' is not one of inside, outside"),
        ("hours>3", "hours: compare with ':'"),
        ("message.from:bot", "message.from: 'bot' is not one of customer, agent, rule"),
        ("message.channel_type:tokopedia", "is not one of email, tiktokshop, shopee, lazada"),
        ("order.total>abc", "order.total: expected an amount"),
        ("order.total>-5", "order.total: expected an amount from 0"),
        ("order.age<2", "order.age: expected a duration"),
        ("order.age<0m", "order.age: expected a duration from 1m"),
        ("customer.orders>=1.5", "customer.orders: expected a whole number"),
        ("customer.tag:", "'customer.tag:' needs a value"),
        ("message.body:", "'message.body:' needs a value"),
    ],
)
def test_condition_mistakes(condition: str, needle: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_condition(condition)
    assert needle in str(caught.value), str(caught.value)


def test_views_do_not_see_rule_fields() -> None:
    """The extension is off for views: their language is exactly what it was."""
    with pytest.raises(QueryError, match="unknown field 'hours'"):
        parse_query("hours:inside")
    assert parse_query("order.total>50") == Term(None, "order.total>50")
    assert parse_query("a>b http://x.example") == And(
        (Term(None, "a>b"), Term(None, "http://x.example", position=4))
    )
    assert RULE_FIELDS.isdisjoint({"tag", "status", "intent"})


def test_urls_and_words_stay_words_in_a_condition() -> None:
    tree = parse_condition("http://x.example a>b 10:30")
    assert [leaf.text for leaf in leaves(tree)] == ["http://x.example", "a>b", "10:30"]
