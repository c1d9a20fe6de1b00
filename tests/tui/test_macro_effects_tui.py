"""Macros say what they will do before ctrl+s; bulk prompts say how many tickets they act on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static, TextArea

from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import import_macros
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


def show(config: Path, ticket_id: int, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["--config", str(config), "show", str(ticket_id), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def effects_line(composer: ComposerScreen) -> str:
    """The composer's line saying what sending will do ("" when it is hidden)."""
    line = composer.query_one("#composer-actions", Static)
    return str(line.render()) if line.display else ""


async def ready(app: DesktermApp, pilot: object) -> int:
    """The inbox with its macros loaded; the id of the ticket in view."""
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)
    return int(conversation.ticket["id"])  # type: ignore[index]


async def test_the_composer_says_what_the_macro_will_do_and_it_does(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 4: after inserting a macro with tag + close actions the composer says
    "will add tag refund and close the ticket"; ctrl+s does exactly that."""
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tid = await ready(app, pilot)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert effects_line(composer) == ""  # no macro yet: nothing besides the text
        await pilot.press(*"Hello, ", "ctrl+t", *"refund", "enter")
        await until(lambda: bool(composer.actions), pilot)
        line = effects_line(composer)
        assert "will add tag refund and close the ticket" in line, line
        # Shown on screen, inside the composer, above the keys.
        actions = composer.query_one("#composer-actions").region
        assert composer.query_one("#composer-box").region.contains_region(actions)
        assert actions.y < composer.query_one("#composer-hint").region.y
        await pilot.press("ctrl+s")
        if composer.empty:  # a customer without a name: the first ctrl+s asks to confirm
            await pilot.press("ctrl+s")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 9, pilot)  # closed: it left the Inbox
    ticket = show(sample_config, tid, capsys)
    assert ticket["tags"] == ["refund"] and ticket["status"] == "closed"
    assert "refund is approved" in ticket["messages"][-1]["body_text"]


async def test_two_macros_are_described_together(sample_config: Path) -> None:
    """issue 10 item 4: the line sums up every inserted macro ("the macros will ...")."""
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("r", "ctrl+t", *"wismo", "enter")
        await until(lambda: isinstance(app.screen, ComposerScreen) and app.screen.actions, pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        assert "the macro will add tag shipping." in effects_line(composer)
        await pilot.press("ctrl+t", *"refund", "enter")
        await until(lambda: len(composer.actions) == 2, pilot)
        line = effects_line(composer)
        assert "the macros will add tags shipping, refund and close the ticket" in line, line


async def test_clearing_the_text_drops_the_macros_actions(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 4: the line goes when the macro's text is cleared, and so do its
    actions: what is sent then neither tags nor closes (the line was true)."""
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        tid = await ready(app, pilot)
        await pilot.press("m", *"refund", "enter")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        await until(lambda: "refund" in effects_line(composer), pilot)
        composer.query_one(TextArea).clear()
        await until(lambda: effects_line(composer) == "", pilot)
        assert composer.actions == []
        await pilot.press(*"Sorry, wrong macro.", "ctrl+s")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        conversation = app.inbox.query_one(ConversationView)
        await until(
            lambda: conversation.ticket["messages"][-1]["body_text"] == "Sorry, wrong macro.",  # type: ignore[index]
            pilot,
        )
        await pilot.pause(0.3)
    ticket = show(sample_config, tid, capsys)
    assert ticket["tags"] == [] and ticket["status"] == "open"


def question(app: DesktermApp) -> str:
    """The first line of the prompt or confirmation on top."""
    return str(app.screen.query(Static).first().render())


async def test_bulk_prompts_say_how_many_marked_tickets(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 10 item 4: with 3 tickets marked, tag/assign/close/spam say "3 marked
    tickets"; with 1, "1 marked ticket"; with none they name the one ticket."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        one = int(tickets.current["id"])  # type: ignore[index]
        await pilot.press("t")
        assert isinstance(app.screen, PromptScreen) and question(app) == f"Tag #{one}"
        await pilot.press("escape", "a")
        assert isinstance(app.screen, PromptScreen) and question(app) == f"Assign #{one} to"
        await pilot.press("escape")

        await pilot.press("x", "x", "x")  # mark three
        marked = sorted(tickets.marked)
        assert len(marked) == 3
        await pilot.press("t")
        assert isinstance(app.screen, PromptScreen)
        assert question(app) == "Tag 3 marked tickets"
        await pilot.press(*"bulk", "enter")
        await until(lambda: not tickets.marked, pilot)  # done: the marks clear

        await pilot.press("x", "x", "x")  # three more (the cursor moved on)
        closed = sorted(tickets.marked)
        await pilot.press("a")
        assert question(app) == "Assign 3 marked tickets to"
        await pilot.press("escape", "exclamation_mark")
        assert isinstance(app.screen, ConfirmScreen)
        assert question(app) == "Mark 3 marked tickets as spam?"
        await pilot.press("n", "c")
        assert isinstance(app.screen, ConfirmScreen)
        assert question(app) == "Close 3 marked tickets?"
        await pilot.press("n")  # nothing closed, the marks stay
        assert not isinstance(app.screen, ConfirmScreen) and len(tickets.marked) == 3
        await pilot.press("c", "y")
        await until(lambda: tickets.total == 7 and not tickets.marked, pilot)

        await pilot.press("x")  # one marked ticket: singular
        single = sorted(tickets.marked)
        await pilot.press("t")
        assert question(app) == "Tag 1 marked ticket"
        await pilot.press("escape", "c")
        assert question(app) == "Close 1 marked ticket?"
        await pilot.press("y")
        await until(lambda: tickets.total == 6, pilot)
    assert all(show(sample_config, tid, capsys)["tags"] == ["bulk"] for tid in marked)
    for tid in [*closed, *single]:
        ticket = show(sample_config, tid, capsys)
        assert ticket["status"] == "closed" and not ticket["spam"]
