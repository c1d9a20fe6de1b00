"""Issue 10 item 10: the conversation header says "snoozed until …", never "closed"."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from textual.widgets import Static

from deskterm.cli import main
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


def header(view: ConversationView) -> str:
    return str(view.query_one(".header", Static).render())


async def test_snoozed_ticket_header_says_snoozed(sample_config: Path) -> None:
    """issue 10 item 10: the TUI header of a snoozed ticket reads
    "snoozed until <local time>", as `show` and --json say "snoozed"."""
    wake = (datetime.now() + timedelta(days=30)).replace(hour=9, minute=0)
    assert main(["--config", str(sample_config), "snooze", "2", f"{wake:%Y-%m-%d} 09:00"]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        app.open_ticket(2)
        # The old header leaves the DOM a moment after the new ticket is set: wait for it.
        await until(lambda: header(view).startswith("#2 "), pilot)
        line = header(view).splitlines()[1]
        assert line.startswith(f"snoozed until {wake:%a %d %b} 09:00"), line
        assert "closed" not in line
        app.open_ticket(1)
        await until(lambda: header(view).startswith("#1 "), pilot)
        assert header(view).splitlines()[1].startswith("open ")
