"""Drafts that survive quitting, per-agent unread marks, and SLA hints in the ticket list."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


async def test_draft_survives_quit_and_is_gone_after_send(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        await pilot.press("j")
        await until(
            lambda: app.inbox.query_one(ConversationView).ticket["id"] == tickets.current["id"],
            pilot,
        )  # type: ignore[index]
        tid = int(tickets.current["id"])  # type: ignore[index]
        await pilot.press("r", *"Half-written answer")
        await pilot.press("ctrl+q")  # quit with the composer open
    assert not app.is_running

    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.row(tickets.total - 1) is not None, pilot)
        row = next(tickets.row(i) for i in range(tickets.total) if tickets.row(i)["id"] == tid)  # type: ignore[index]
        assert row["drafts"] == ["reply"]  # marked ✎ in the list
        assert "✎" in str(tickets._row_text(row))
        app.open_ticket(tid)
        await until(lambda: app.inbox.query_one(ConversationView).ticket["id"] == tid, pilot)  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        area = app.screen.query_one(TextArea)
        await until(lambda: area.text == "Half-written answer", pilot)
        await pilot.press("escape")  # closes, the draft stays
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        await until(lambda: app.screen.query_one(TextArea).text == "Half-written answer", pilot)
        await pilot.press(*" - done", "ctrl+s")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        await until(
            lambda: (
                tickets.current is not None
                and all(not (tickets.row(i) or {}).get("drafts") for i in range(tickets.total))
            ),
            pilot,
        )


async def test_unread_marks_clear_once_a_ticket_stays_on_screen(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(
            lambda: tickets.current is not None and tickets.row(tickets.total - 1) is not None,
            pilot,
        )
        assert all(tickets.row(i)["unread"] for i in range(tickets.total))  # type: ignore[index]
        first = int(tickets.current["id"])  # type: ignore[index]
        assert "●" in str(tickets._row_text(tickets.current))
        # Shown for a moment: read; the others stay unread.
        await until(lambda: not tickets.current["unread"], pilot)  # type: ignore[index]
        assert (
            sum(bool(tickets.row(i)["unread"]) for i in range(tickets.total)) == tickets.total - 1
        )  # type: ignore[index]
        assert int(tickets.current["id"]) == first  # type: ignore[index]


async def test_sla_hint_shows_time_left_or_breached(sample_config: Path) -> None:
    text = sample_config.read_text(encoding="utf-8")
    sample_config.write_text(
        text.replace(
            "gmail_grouping = true", 'gmail_grouping = true\nsla = { first_response = "1h" }'
        ),
        encoding="utf-8",
    )
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.row(tickets.total - 1) is not None, pilot)
        labels = [str(tickets._row_text(tickets.row(i))) for i in range(tickets.total)]
        # The sample mail is days old and unanswered: breached; the newest arrived just now.
        assert any("⏱breached" in label for label in labels)
        assert any("left" in label for label in labels)
