"""The assign prompt's answer: me, none, an email, or a known agent's name (issue 10 item 6)."""

from __future__ import annotations

import pytest

from deskterm.domain.assignee import resolve_assignee
from deskterm.domain.errors import UsageError

AGENTS = [("Dewi", "dewi@shop.test"), ("Budi", "budi@shop.test"), ("", "rina@other.test")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me", ("dewi@shop.test", "Dewi")),
        ("ME", ("dewi@shop.test", "Dewi")),
        ("none", (None, "nobody")),
        ("nobody", (None, "nobody")),
        ("budi", ("budi@shop.test", "Budi")),
        ("Budi", ("budi@shop.test", "Budi")),
        ("rina", ("rina@other.test", "rina@other.test")),  # the part before the @
        ("Budi@Shop.test", ("budi@shop.test", "Budi")),
        ("new@shop.test", ("new@shop.test", "new@shop.test")),  # a new agent, made on use
    ],
)
def test_resolve_assignee(text: str, expected: tuple[str | None, str]) -> None:
    """issue 10 item 6: every accepted answer and the name the toast shows."""
    got = resolve_assignee(text, me_email="Dewi@shop.test", me_name="Dewi", agents=AGENTS)
    assert got == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("zorro", "no agent called 'zorro': give an email, me or none (agents: Budi, Dewi, rina"),
        ("a@b", "not an email address: 'a@b'"),
        ("", "give an email, me or none"),
    ],
)
def test_unknown_agents_are_refused_in_one_line(text: str, error: str) -> None:
    """issue 10 item 6: the error the assign dialog shows under its field."""
    with pytest.raises(UsageError) as caught:
        resolve_assignee(text, me_email="dewi@shop.test", agents=AGENTS)
    assert str(caught.value).startswith(error)


def test_a_name_two_agents_share_asks_for_the_email() -> None:
    """issue 10 item 6: an ambiguous name is refused, naming both."""
    agents = [("Ayu", "ayu@a.test"), ("Ayu", "ayu@b.test")]
    with pytest.raises(UsageError, match=r"could be ayu@a\.test, ayu@b\.test"):
        resolve_assignee("ayu", me_email="x@y.test", agents=agents)
