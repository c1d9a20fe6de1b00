"""The composer shares the conversation pane: the customer's last message stays in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import TextArea

from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

LONG_NOTE = "\n".join(f"checked with the warehouse, line {n}" for n in range(12))


def composer_ready(app: DesktermApp) -> bool:
    """The composer is up, drawn and placed in the conversation pane."""
    screen = app.screen
    return (
        isinstance(screen, ComposerScreen)
        and bool(screen.query("#composer-body"))
        and screen.has_class("-docked")
        and screen._placed is not None
    )


def check_customer_visible(app: DesktermApp) -> None:
    """The customer's last message is on screen, inside what the conversation shows, and
    clear of the composer, while the composer's text area has the focus."""
    composer = app.screen
    assert isinstance(composer, ComposerScreen)
    assert app.focused is composer.query_one(TextArea)
    conversation = app.inbox.query_one(ConversationView)
    message = conversation.query(".message.in").last().region
    box = composer.query_one("#composer-box").region
    screen = Region(0, 0, *app.size)
    assert message.height > 0 and screen.contains_region(message), (message, screen)
    assert conversation.region.contains_region(message), (message, conversation.region)
    assert not message.overlaps(box), f"customer's message {message} under composer {box}"
    assert box.height >= 9 and screen.contains_region(box)  # room to write, all on screen
    assert box.y >= message.bottom  # the composer is below the message, not beside it


async def open_composer_on_a_long_thread(
    app: DesktermApp, config: Path, pilot: object
) -> ConversationView:
    """Open the composer on the ticket in view after our own long notes followed the
    customer's message: scrolling to the end would hide what the reply answers."""
    conversation = app.inbox.query_one(ConversationView)
    tickets = app.inbox.query_one(TicketList)
    await until(lambda: conversation.ticket is not None and tickets.current is not None, pilot)
    tid = int(conversation.ticket["id"])  # type: ignore[index]
    count = len(conversation.ticket["messages"])  # type: ignore[index]
    for _ in range(3):
        args = ["--config", str(config), "reply", str(tid), "--note", "--body", LONG_NOTE]
        assert main(args) == 0
    await until(lambda: len(conversation.ticket["messages"]) == count + 3, pilot)  # type: ignore[index]
    await pilot.press("r")  # type: ignore[attr-defined]
    await until(lambda: composer_ready(app), pilot)
    await pilot.press(*"Halo kak, ")  # type: ignore[attr-defined]
    await pilot.pause(0.2)  # type: ignore[attr-defined]
    return conversation


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_customers_message_stays_visible_while_typing(
    sample_config: Path, size: tuple[int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 3: the composer takes the lower part of the conversation pane; the
    customer's last message is visible above it, at 80x24 and 120x40, while typing."""
    app = make_app(sample_config)
    async with app.run_test(size=size) as pilot:
        await open_composer_on_a_long_thread(app, sample_config, pilot)
        check_customer_visible(app)
        composer = app.screen
        assert composer.query_one(TextArea).text.endswith("Halo kak, ")
        if size == (80, 24):  # narrow: the list steps aside while writing
            assert not app.inbox.query_one(TicketList).display
    capsys.readouterr()


async def test_the_composer_follows_a_resize_and_gives_the_pane_back(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 3: shrinking the terminal while typing keeps the message in view;
    closing the composer (draft kept) gives the conversation its whole pane back."""
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        conversation = await open_composer_on_a_long_thread(app, sample_config, pilot)
        full_width = conversation.region.width
        await pilot.resize_terminal(80, 24)
        await until(lambda: app.inbox.has_class("-narrow"), pilot)
        await pilot.pause(0.3)
        check_customer_visible(app)
        assert conversation.region.width > full_width  # the narrow layout, really
        await pilot.resize_terminal(120, 40)
        await until(lambda: not app.inbox.has_class("-narrow"), pilot)
        await pilot.pause(0.3)
        check_customer_visible(app)
        await pilot.press("escape")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        await pilot.pause(0.2)
        assert not app.inbox.has_class("-composing")
        assert conversation.styles.margin.bottom == 0
        assert conversation.region.bottom == app.inbox.query_one("#conversation-area").region.bottom
        await pilot.press("r")  # the draft came back: escape kept it
        await until(lambda: composer_ready(app), pilot)
        area = app.screen.query_one(TextArea)
        await until(lambda: area.text.startswith("Halo kak,"), pilot)
    capsys.readouterr()


async def test_the_wheel_scrolls_the_conversation_above_the_composer(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 3: while typing, the mouse wheel over the conversation scrolls it
    (the earlier messages are a wheel away); the text being written is untouched."""
    from textual import events

    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        conversation = await open_composer_on_a_long_thread(app, sample_config, pilot)
        composer = app.screen
        before = conversation.scroll_y
        region = conversation.region
        x, y = region.x + 2, region.y + 2
        for _ in range(3):
            composer.post_message(
                events.MouseScrollDown(composer, x, y, 0, 1, 0, False, False, False, x, y)
            )
        await until(lambda: conversation.scroll_y > before, pilot)
        assert app.focused is composer.query_one(TextArea)
        assert composer.query_one(TextArea).text.endswith("Halo kak, ")
    capsys.readouterr()
