"""The sentence saying what inserted macros do besides their text (issue 10 item 4)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from deskterm.automation.macros import MacroActions
from deskterm.services.macro_effects import combined, describe_actions

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Snooze times are said in local time: the tests read them in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def said(now: datetime = NOW, **actions: object) -> str:
    return describe_actions(MacroActions.from_dict(actions), now=now)


def test_nothing_to_do_says_nothing() -> None:
    """issue 10 item 4: a macro with text only adds no line to the composer."""
    assert said() == ""
    assert describe_actions([]) == ""


@pytest.mark.parametrize(
    ("actions", "sentence"),
    [
        ({"add_tags": ["refund"]}, "will add tag refund"),
        ({"add_tags": ["refund", "vip"]}, "will add tags refund, vip"),
        ({"remove_tags": ["urgent"]}, "will remove tag urgent"),
        ({"remove_tags": ["urgent", "new"]}, "will remove tags urgent, new"),
        ({"status": "closed"}, "will close the ticket"),
        ({"status": "open"}, "will reopen the ticket"),
        ({"assign": "me"}, "will assign to you"),
        ({"assign": "none"}, "will unassign the ticket"),
        ({"assign": "dewi@kopi.test"}, "will assign to dewi@kopi.test"),
        ({"snooze": "2d"}, "will snooze for 2 days"),
        ({"snooze": "1d"}, "will snooze for 1 day"),
        ({"snooze": "3h"}, "will snooze for 3 hours"),
        ({"snooze": "1h"}, "will snooze for 1 hour"),
        ({"snooze": "45m"}, "will snooze for 45 minutes"),
        ({"snooze": "1w"}, "will snooze for 1 week"),
        ({"snooze": "mon 9:00"}, "will snooze until Mon 23 Nov 09:00"),
        ({"snooze": "tomorrow"}, "will snooze until Sat 21 Nov 09:00"),
        ({"snooze": "2026-12-01 08:30"}, "will snooze until Tue 01 Dec 08:30"),
    ],
)
def test_every_action_kind_alone(actions: dict[str, object], sentence: str) -> None:
    """issue 10 item 4: each kind of action, singular and plural."""
    assert said(**actions) == sentence


def test_two_actions_join_with_and() -> None:
    """issue 10 item 4: the sample refund macro's sentence."""
    assert said(add_tags=["refund"], status="closed") == "will add tag refund and close the ticket"


def test_many_actions_join_with_commas_and_a_last_and() -> None:
    """issue 10 item 4: the issue's example, with every clause in the order applied."""
    assert (
        said(add_tags=["refund", "vip"], assign="dewi@kopi.test", snooze="mon 9:00")
        == "will add tags refund, vip, assign to dewi@kopi.test and snooze until Mon 23 Nov 09:00"
    )
    assert (
        said(add_tags=["a"], remove_tags=["b"], assign="none", status="closed")
        == "will add tag a, remove tag b, unassign the ticket and close the ticket"
    )


def test_snooze_wins_over_a_status_as_when_applied() -> None:
    """issue 10 item 4: apply_actions snoozes and ignores the status: so does the sentence."""
    assert said(status="closed", snooze="2d") == "will snooze for 2 days"


def test_an_unreadable_snooze_is_quoted_as_written() -> None:
    """A snooze the importer would refuse still reads plainly (it fails when applied)."""
    assert said(snooze="whenever") == "will snooze until whenever"


def test_several_macros_are_described_by_their_net_effect() -> None:
    """issue 10 item 4: two macros inserted: what sending really does, once."""
    first = MacroActions(add_tags=["refund", "urgent"], status="closed", assign="me")
    second = MacroActions(add_tags=["vip", "refund"], remove_tags=["urgent"], status="open")
    assert combined([first, second]) == MacroActions(
        add_tags=["refund", "vip"], remove_tags=["urgent"], status="open", assign="me"
    )
    assert describe_actions([first, second], now=NOW) == (
        "will add tags refund, vip, remove tag urgent, assign to you and reopen the ticket"
    )
    snoozed = MacroActions(snooze="3h")
    assert describe_actions([first, snoozed]).endswith("and snooze for 3 hours")
    assert describe_actions([snoozed, first]).endswith("and close the ticket")
