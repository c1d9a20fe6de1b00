"""The inbox TUI driven with Pilot: panes, keys, views, live updates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Static

from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.help import HelpScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url

ME = "dewi@kopi-nusantara.test"


async def until(condition: Callable[[], bool], pilot: object, timeout: float = 30.0) -> None:
    """Let the app work until ``condition`` holds (data still loading counts as "not yet")."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout

    def holds() -> bool:
        try:
            return condition()
        except (TypeError, KeyError):  # e.g. a pane whose ticket is not loaded yet
            return False

    while not holds():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def shown_subject(app: DesktermApp) -> str:
    view = app.screen.query_one(ConversationView)
    return "" if view.ticket is None else str(view.ticket["subject"])


async def test_three_panes_and_keyboard_navigation(sample_config: Path) -> None:
    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.screen.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        assert app.focused is tickets
        await until(lambda: shown_subject(app) == tickets.current["subject"], pilot)  # type: ignore[index]
        first = shown_subject(app)
        await pilot.press("j")
        await until(lambda: shown_subject(app) != first, pilot)
        assert tickets.cursor == 1
        await pilot.press("G")
        assert tickets.cursor == 9
        await until(lambda: shown_subject(app) == "Pesanan #1042 belum sampai", pilot)
        await pilot.press("g")
        assert tickets.cursor == 0
        await pilot.press("enter")
        assert isinstance(app.focused, ConversationView)
        await pilot.press("tab")
        assert app.focused is not None and not isinstance(app.focused, ConversationView)


async def test_views_sidebar_counts_and_switching(sample_config: Path) -> None:
    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        sidebar = app.screen.query_one(ViewsList)
        # 7 system views and the 2 saved ones every store gets
        await until(lambda: sidebar.option_count == 9, pilot)
        labels = [str(sidebar.get_option_at_index(i).prompt) for i in range(9)]
        assert labels[7].startswith("Angry customers") and labels[8].startswith("Cancellations")
        assert labels[0].startswith("Inbox") and labels[0].rstrip().endswith("10")
        assert labels[5].startswith("Spam") and labels[5].rstrip().endswith("0")
        sidebar.focus()
        sidebar.highlighted = 4  # Closed
        await pilot.press("enter")
        tickets = app.screen.query_one(TicketList)
        await until(lambda: app.view == "Closed" and tickets.total == 0, pilot)
        status = app.screen.query_one("#status", Static)
        assert "Closed: 0 tickets" in str(status.render())
        await until(lambda: tickets.has_focus, pilot)  # an empty view still hands over
        sidebar.focus()
        sidebar.highlighted = 6  # All
        await pilot.press("enter")
        await until(lambda: app.view == "All" and tickets.current is not None, pilot)
        await until(lambda: tickets.has_focus, pilot)  # the list, once its rows show


async def test_a_count_reload_keeps_the_agents_highlight_in_the_sidebar(
    sample_config: Path,
) -> None:
    """Counts reload after every store write; one arriving while the agent moves through
    the sidebar must not pull the highlight back to the view on screen (enter would then
    open that view again)."""
    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        sidebar = app.screen.query_one(ViewsList)
        await until(lambda: sidebar.option_count == 9, pilot)
        sidebar.focus()
        await pilot.pause()
        sidebar.highlighted = 4  # Closed
        views = list(sidebar._views)
        sidebar.show_views([(name, (count or 0) + 1) for name, count in views], "Inbox")
        assert sidebar.highlighted == 4
        sidebar.show_views([*views[:8], ("New view", 0), views[8]], "Inbox")  # one more
        assert sidebar.highlighted == 4
        await pilot.press("enter")
        await until(lambda: app.view == "Closed", pilot)
        app.screen.query_one(TicketList).focus()
        await pilot.pause()
        sidebar.show_views(views, "All")  # not choosing: the highlight follows the view
        assert sidebar.highlighted == 6


async def test_help_overlay_lists_the_keys(sample_config: Path) -> None:
    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0 or app.return_code is None


async def test_new_mail_appears_without_moving_the_cursor(sample_config: Path) -> None:
    from deskterm.cli import main

    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.screen.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        await pilot.press("j", "j")
        await until(lambda: tickets.cursor == 2 and tickets.current is not None, pilot)
        selected = tickets.current["id"]  # type: ignore[index]
        mbox = sample_config.parent / "new.mbox"
        mbox.write_bytes(
            b"From x@y Thu Jan  1 00:00:00 2026\nFrom: New Customer <new@cust.test>\n"
            b"To: support@kopi-nusantara.test\nSubject: Brand new question\n"
            b"Date: Mon, 1 Jan 2024 10:00:00 +0000\nMessage-ID: <new1@cust.test>\n\nHello!\n"
        )
        await asyncio.to_thread(main, ["--config", str(sample_config), "import", "mbox", str(mbox)])
        await until(lambda: tickets.total == 11, pilot, timeout=10)
        await until(lambda: tickets.current is not None, pilot)
        assert tickets.cursor == 2, tickets.cursor  # the position is kept ...
        # ... and the new, older-dated ticket sorted below, so the same ticket is under it.
        assert tickets.current["id"] == selected, (tickets.current, selected)  # type: ignore[index]


async def test_new_mail_above_keeps_the_same_ticket_selected(sample_config: Path) -> None:
    from datetime import UTC, datetime
    from email.utils import format_datetime

    from deskterm.cli import main

    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        await pilot.press("j", "j")
        await until(lambda: tickets.cursor == 2 and tickets.current is not None, pilot)
        selected = tickets.current["id"]  # type: ignore[index]
        mbox = sample_config.parent / "newest.mbox"
        date = format_datetime(datetime.now(UTC)).encode()
        mbox.write_bytes(
            b"From x@y Thu Jan  1 00:00:00 2026\nFrom: Newest <newest@cust.test>\n"
            b"To: support@kopi-nusantara.test\nSubject: Just now\nDate: " + date + b"\n"
            b"Message-ID: <newest1@cust.test>\n\nHello!\n"
        )
        await asyncio.to_thread(main, ["--config", str(sample_config), "import", "mbox", str(mbox)])
        await until(lambda: tickets.total == 11 and tickets.current is not None, pilot, timeout=10)
        await until(lambda: tickets.cursor == 3, pilot)  # moved down with its ticket
        assert tickets.current["id"] == selected  # type: ignore[index]
        assert shown_subject(app) != "Just now"


async def test_mouse_click_picks_a_ticket_and_double_click_opens_it(sample_config: Path) -> None:
    app = DesktermApp(store_url=store_url(sample_config), me_email=ME)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.screen.query_one(TicketList)
        conversation = app.screen.query_one(ConversationView)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        await pilot.click(TicketList, offset=(10, 3))
        assert tickets.cursor == 3
        await until(lambda: conversation.ticket["id"] == tickets.current["id"], pilot)  # type: ignore[index]
        await pilot.click(TicketList, offset=(10, 4), times=2)
        assert tickets.cursor == 4
        await until(lambda: conversation.has_focus, pilot)  # opened: the conversation has focus
