"""`u` undoes the last triage action from the keyboard, exactly (issue 10 item 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskterm.store import reader
from deskterm.store.readdb import open_read
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url
from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until

TRIAGE_FIELDS = ("status", "closed_at", "snoozed_until", "snoozed_at", "spam", "assignee")


def triage_state(config: Path, ticket_id: int) -> dict[str, Any]:
    """The fields a triage action may change, as `deskterm show --json` reports them
    (read from the store: the app under test owns stdout meanwhile)."""
    db = open_read(store_url(config))
    try:
        ticket = reader.get_ticket(db, ticket_id)
    finally:
        db.close()
    state = {name: ticket[name] for name in TRIAGE_FIELDS}
    state["tags"] = sorted(ticket["tags"])  # order-insensitive
    return state


def toasted(app: DesktermApp, text: str) -> bool:
    return any(str(n.message) == text for n in app._notifications)


def toasts(app: DesktermApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def ready(app: DesktermApp, pilot: Any) -> int:
    """Wait for the first ticket and its conversation; its id."""
    tickets = app.inbox.query_one(TicketList)
    conversation = app.inbox.query_one(ConversationView)
    await until(
        lambda: tickets.total == 10 and tickets.current is not None and conversation.ticket,
        pilot,
    )
    return int(tickets.current["id"])  # type: ignore[index]


async def test_c_then_u(sample_config: Path) -> None:
    """issue 10 item 5: close, the toast offers u, u reopens it exactly as it was."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        before = triage_state(sample_config, tid)
        tickets = app.inbox.query_one(TicketList)
        await pilot.press("c")
        await until(
            lambda: tickets.total == 9 and toasted(app, f"Closed #{tid} — u to undo"), pilot
        )
        assert triage_state(sample_config, tid)["status"] == "closed"
        await pilot.press("u")
        await until(lambda: toasted(app, f"Undone: closed #{tid}") and tickets.total == 10, pilot)
        assert triage_state(sample_config, tid) == before
        await pilot.press("u")  # only the last action: nothing left
        await until(lambda: toasted(app, "Nothing to undo"), pilot)
    assert triage_state(sample_config, tid) == before


async def test_spam_then_u(sample_config: Path) -> None:
    """issue 10 item 5: `!` marks as spam (it leaves the Inbox), u brings it back."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        before = triage_state(sample_config, tid)
        tickets = app.inbox.query_one(TicketList)
        await pilot.press("exclamation_mark")
        await until(
            lambda: tickets.total == 9 and toasted(app, f"Marked #{tid} as spam — u to undo"),
            pilot,
        )
        assert triage_state(sample_config, tid)["spam"] is True
        await pilot.press("u")
        await until(lambda: toasted(app, f"Undone: marked #{tid} as spam"), pilot)
        await until(lambda: tickets.total == 10, pilot)
    assert triage_state(sample_config, tid) == before


async def test_snooze_then_u(sample_config: Path) -> None:
    """issue 10 item 5: snooze from the prompt, the toast names the time, u wakes it."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        before = triage_state(sample_config, tid)
        tickets = app.inbox.query_one(TicketList)
        await pilot.press("s")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("backspace", "backspace", *"tomorrow 9am", "enter")
        await until(lambda: tickets.total == 9, pilot)
        toast = f"Snoozed #{tid} until "
        await until(lambda: any(t.startswith(toast) for t in toasts(app)), pilot)
        shown = next(t for t in toasts(app) if t.startswith(toast))
        assert shown.endswith(" 09:00 — u to undo")
        snoozed = triage_state(sample_config, tid)
        assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"]
        await pilot.press("u")
        what = shown.removesuffix(" — u to undo")  # "Snoozed #3 until Thu 09:00"
        await until(lambda: toasted(app, f"Undone: s{what[1:]}"), pilot)
        await until(lambda: tickets.total == 10, pilot)
    assert triage_state(sample_config, tid) == before


async def test_tag_then_u(sample_config: Path) -> None:
    """issue 10 item 5: tags added by `t` are gone again after u (the others stay)."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        conversation = app.inbox.query_one(ConversationView)
        await pilot.press("t", *"vip", "enter")
        await until(lambda: conversation.ticket["tags"] == ["vip"], pilot)  # type: ignore[index]
        before = triage_state(sample_config, tid)
        await pilot.press("t", *"refund -vip late", "enter")
        await until(
            lambda: toasted(app, f"Tagged #{tid} refund, late, untagged vip — u to undo"), pilot
        )
        assert triage_state(sample_config, tid)["tags"] == ["late", "refund"]
        await pilot.press("u")
        await until(
            lambda: toasted(app, f"Undone: tagged #{tid} refund, late, untagged vip"), pilot
        )
        await until(lambda: conversation.ticket["tags"] == ["vip"], pilot)  # type: ignore[index]
    assert triage_state(sample_config, tid) == before


async def test_assign_then_u(sample_config: Path) -> None:
    """issue 10 item 5: assign to me, u: nobody again."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        before = triage_state(sample_config, tid)
        assert before["assignee"] is None
        await pilot.press("a", "enter")  # the default answer: me
        await until(lambda: toasted(app, f"Assigned #{tid} to Dewi — u to undo"), pilot)
        assert triage_state(sample_config, tid)["assignee"] is not None
        await pilot.press("u")
        await until(lambda: toasted(app, f"Undone: assigned #{tid} to Dewi"), pilot)
    assert triage_state(sample_config, tid) == before


async def test_bulk_close_of_three_marked_then_u(sample_config: Path) -> None:
    """issue 10 items 4 and 5: x x x, c asks "Close 3 marked tickets?", y closes the three
    in one action; u reopens all three."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        tickets = app.inbox.query_one(TicketList)
        tickets.focus()
        await pilot.press("x", "x", "x")
        ids = sorted(tickets.marked)
        assert len(ids) == 3
        before = [triage_state(sample_config, tid) for tid in ids]
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        assert str(app.screen.question) == "Close 3 marked tickets?"
        await pilot.press("y")
        await until(
            lambda: tickets.total == 7 and toasted(app, "Closed 3 tickets — u to undo"), pilot
        )
        assert all(triage_state(sample_config, t)["status"] == "closed" for t in ids)
        await pilot.press("u")
        await until(lambda: toasted(app, "Undone: closed 3 tickets") and tickets.total == 10, pilot)
    assert [triage_state(sample_config, tid) for tid in ids] == before


async def test_u_right_after_the_action_still_undoes_it(sample_config: Path) -> None:
    """issue 10 item 5: `c u` typed at once: the undo waits for the close, then undoes it."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await ready(app, pilot)
        before = triage_state(sample_config, tid)
        await pilot.press("c", "u")
        await until(lambda: toasted(app, f"Undone: closed #{tid}"), pilot)
    assert triage_state(sample_config, tid) == before


async def test_u_with_nothing_done_says_so(sample_config: Path) -> None:
    """issue 10 item 5: `u` before any triage action changes nothing and says so."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        await pilot.press("u")
        await until(lambda: toasted(app, "Nothing to undo"), pilot)
