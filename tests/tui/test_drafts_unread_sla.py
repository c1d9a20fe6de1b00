"""Drafts that survive quitting, per-agent unread marks, and SLA hints in the ticket list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.widgets import TextArea

from deskterm.domain.list_columns import list_columns
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


def loaded(tickets: TicketList) -> list[dict[str, Any]] | None:
    """Every row of the list, or None while a (live) reload has pages missing."""
    rows = [tickets.row(i) for i in range(tickets.total)]
    return None if not rows or any(r is None for r in rows) else rows  # type: ignore[return-value]


async def test_draft_survives_quit_and_is_gone_after_send(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None, pilot)
        await pilot.press("j")
        await until(
            lambda: (
                (shown := app.inbox.query_one(ConversationView).ticket) is not None
                and tickets.current is not None
                and shown["id"] == tickets.current["id"]
            ),
            pilot,
        )
        tid = int(tickets.current["id"])  # type: ignore[index]
        await pilot.press("r", *"Half-written answer")
        await pilot.press("ctrl+q")  # quit with the composer open
    assert not app.is_running

    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: loaded(tickets) is not None, pilot)
        row = next(r for r in loaded(tickets) or [] if r["id"] == tid)
        assert row["drafts"] == ["reply"]  # marked ✎ in the list
        assert "✎" in str(tickets._row_text(row))
        await until(lambda: app.inbox.query_one(ConversationView).ticket is not None, pilot)
        app.open_ticket(tid)
        await until(
            lambda: (
                (shown := app.inbox.query_one(ConversationView).ticket) is not None
                and shown["id"] == tid
                and shown["drafts"] == ["reply"]
            ),
            pilot,
        )
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
            lambda: (rows := loaded(tickets)) is not None and not any(r["drafts"] for r in rows),
            pilot,
        )


async def test_unread_marks_clear_once_a_ticket_stays_on_screen(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current is not None and loaded(tickets) is not None, pilot)
        first = int(tickets.current["id"])  # type: ignore[index]
        rows = loaded(tickets) or []
        # A new agent: everything is unread (the one on screen may already have turned read).
        assert sum(r["unread"] for r in rows) >= len(rows) - 1
        other = next(r for r in rows if r["id"] != first)
        assert "●" in str(tickets._row_text(other))
        # Shown for a moment: read; the others stay unread; the cursor did not move.
        await until(
            lambda: (
                (rows := loaded(tickets)) is not None
                and sum(r["unread"] for r in rows) == len(rows) - 1
                and not tickets.current["unread"]  # type: ignore[index]
            ),
            pilot,
        )
        assert int(tickets.current["id"]) == first  # type: ignore[index]
        assert "●" not in str(tickets._row_text(tickets.current))


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
        await until(lambda: loaded(tickets) is not None, pilot)
        # The sample mail is days old and unanswered: breached; the newest arrived just now.
        # A list as wide as 160 columns leave it shows the short forms (issue 10 item 1) ...
        labels = [str(tickets._row_text(row)) for row in loaded(tickets) or []]
        assert any("⏱!" in label for label in labels)
        assert any(re.search(r"⏱(\d+[mhd]|<1m) ", label) for label in labels)
        # ... a wider one the words.
        wide = list_columns(120, sla=True)
        labels = [str(tickets._row_text(row, wide)) for row in loaded(tickets) or []]
        assert any("⏱breached" in label for label in labels)
        assert any("left" in label for label in labels)
