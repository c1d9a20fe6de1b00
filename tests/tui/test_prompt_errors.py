"""A mistake in a dialog keeps the dialog, its text and the focus; the error shows under
the field (issue 10 item 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Label

from deskterm.store import reader
from deskterm.store.readdb import open_read
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url
from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until


def ticket(config: Path, ticket_id: int) -> dict[str, Any]:
    db = open_read(store_url(config))
    try:
        return reader.get_ticket(db, ticket_id)
    finally:
        db.close()


def dialog(app: DesktermApp) -> PromptScreen:
    assert isinstance(app.screen, PromptScreen), "the dialog closed"
    return app.screen


def field(app: DesktermApp) -> Input:
    return dialog(app).query_one("#prompt-input", Input)


def error_line(app: DesktermApp) -> str:
    label = dialog(app).query_one("#prompt-error", Label)
    return str(label.content) if label.display else ""


def assert_error_under_the_field(app: DesktermApp, text: str, error: str) -> None:
    """The dialog is open with ``text`` intact and focused, ``error`` right below it."""
    box = dialog(app).query_one("#prompt-box")
    children = list(box.children)
    input_widget, label = field(app), dialog(app).query_one("#prompt-error", Label)
    assert children.index(label) == children.index(input_widget) + 1  # right under the field
    assert input_widget.value == text
    assert app.focused is input_widget
    assert error in error_line(app)
    assert label.region.height == 1  # one line


async def ready(app: DesktermApp, pilot: Any) -> int:
    tickets = app.inbox.query_one(TicketList)
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: tickets.current is not None and conversation.ticket, pilot)
    return int(tickets.current["id"])  # type: ignore[index]


async def test_a_bad_snooze_time_keeps_the_dialog_then_the_fix_snoozes(
    sample_config: Path,
) -> None:
    """issue 10 item 6: `next fridayy` shows the error under the field, the dialog stays
    open with the text; deleting the extra y and enter snoozes to next Friday."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tid = await ready(app, pilot)
        await pilot.press("s", "backspace", "backspace", *"next fridayy", "enter")
        await pilot.pause()
        assert_error_under_the_field(app, "next fridayy", "cannot understand time 'next fridayy'")
        assert ticket(sample_config, tid)["status"] == "open"
        await pilot.press("backspace")  # editing clears the error
        assert error_line(app) == ""
        await pilot.press("enter")
        await until(lambda: not isinstance(app.screen, PromptScreen), pilot)
        await until(lambda: ticket(sample_config, tid)["status"] == "snoozed", pilot)
        assert any(
            str(n.message).startswith(f"Snoozed #{tid} until Fri ") for n in app._notifications
        )


async def test_a_past_snooze_time_is_refused_in_the_dialog(sample_config: Path) -> None:
    """issue 10 item 6: a time already past is an error under the field, not a toast."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("s", "backspace", "backspace", *"2020-01-01", "enter")
        await pilot.pause()
        assert_error_under_the_field(app, "2020-01-01", "is in the past")


async def test_a_bad_query_keeps_the_search_dialog(sample_config: Path) -> None:
    """issue 10 item 6: `(refund OR foo:bar` shows the parse error under the field and
    keeps the text; the list is untouched; escape then closes the dialog."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        tickets = app.inbox.query_one(TicketList)
        total = tickets.total
        await pilot.press("slash", *"(refund OR foo:bar", "enter")
        await pilot.pause()
        assert_error_under_the_field(app, "(refund OR foo:bar", "query error at column")
        assert app.view == "Inbox" and tickets.total == total
        await pilot.press("escape")
        assert not isinstance(app.screen, PromptScreen)
        await pilot.press("slash", *"refund", "enter")  # a good one goes through
        await until(lambda: app.view == "Search: refund", pilot)


async def test_an_unknown_agent_keeps_the_assign_dialog(sample_config: Path) -> None:
    """issue 10 item 6: assigning to a name nobody has is an error under the field; a
    known agent's name works."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tid = await ready(app, pilot)
        await pilot.press("a", "backspace", "backspace", *"zorro", "enter")
        await pilot.pause()
        assert_error_under_the_field(app, "zorro", "no agent called 'zorro'")
        for _ in "zorro":
            await pilot.press("backspace")
        await pilot.press(*"dewi", "enter")  # the local agent, by name
        await until(lambda: ticket(sample_config, tid)["assignee"] is not None, pilot)


async def test_a_bad_tag_keeps_the_tag_dialog(sample_config: Path) -> None:
    """issue 10 item 6: a tag with a quote in it is refused under the field."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("t", *'vip re"fund', "enter")
        await pilot.pause()
        assert_error_under_the_field(app, 'vip re"fund', "invalid tag")


async def test_saving_a_search_under_a_taken_name_keeps_the_dialog(sample_config: Path) -> None:
    """issue 10 item 6: `V` with a system view's name is an error under the field."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await until(lambda: "Inbox" in app.view_names, pilot)
        await pilot.press("slash", *"refund", "enter")
        await until(lambda: app.view == "Search: refund", pilot)
        await pilot.press("V", *"inbox", "enter")
        await pilot.pause()
        assert_error_under_the_field(app, "inbox", "system view")
