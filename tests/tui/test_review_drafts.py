"""Review reproductions: drafts lost or resurrected around the composer (see the review report)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import TextArea

from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import store_url
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


def stored_drafts(config: Path) -> list[tuple[int, str, str]]:
    path = store_url(config).removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute("SELECT ticket_id, kind, body FROM draft")]


async def shown_and_ready(app, pilot) -> int:  # type: ignore[no-untyped-def]
    tickets = app.inbox.query_one(TicketList)
    await until(lambda: tickets.current is not None, pilot)
    await until(
        lambda: (
            (shown := app.inbox.query_one(ConversationView).ticket) is not None
            and shown["id"] == tickets.current["id"]
        ),
        pilot,
    )
    await until(lambda: app._store is not None and app._actor is not None, pilot)  # warmed up
    return int(tickets.current["id"])


async def test_escape_then_reply_again_at_once_opens_empty_and_overwrites_draft(
    sample_config: Path,
) -> None:
    """`escape` keeps the draft, but `r` pressed again before the next store poll opens an
    EMPTY composer (the ticket dict's "drafts" is stale), and the next autosave replaces
    the kept draft with the new text: the first text is gone."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await shown_and_ready(app, pilot)
        await pilot.press("r", *"Hi Ann")  # under a second: no autosave yet
        await pilot.press("escape", "r")  # "escape close (draft kept)", and straight back in
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        await pilot.pause(1.0)  # the saved draft had every chance to arrive
        area = app.screen.query_one(TextArea)
        text_shown = area.text
        await pilot.press(*" and more")
        await pilot.pause(1.5)  # one autosave
        await pilot.press("escape")
        await pilot.pause(0.5)
    drafts = [body for t, kind, body in stored_drafts(sample_config) if t == tid]
    assert (text_shown, drafts) == ("Hi Ann", ["Hi Ann and more"]), (
        f"composer reopened with {text_shown!r}; stored draft now {drafts!r}"
    )


async def test_ctrl_q_with_the_palette_over_the_composer_loses_the_text(
    sample_config: Path,
) -> None:
    """ctrl+q keeps the composer's text as a draft only when the composer is the TOP
    screen (app.py action_quit). With the command palette (or the macro picker, a
    prompt) opened over it, the text typed since the last autosave is dropped."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await shown_and_ready(app, pilot)
        await pilot.press("r", *"Hi Ann", "ctrl+p", "ctrl+q")  # within the 1 s autosave
    assert not app.is_running
    drafts = [body for t, kind, body in stored_drafts(sample_config) if t == tid]
    assert drafts == ["Hi Ann"], f"stored drafts after quit: {drafts!r}"


async def test_ctrl_q_save_is_overwritten_by_an_older_autosave_still_queued(
    sample_config: Path,
) -> None:
    """action_quit writes the draft directly on the UI thread, but the autosaves go
    through the writer queue. When the writer is busy (a long bulk change; here a
    stand-in job), an older autosave still queued lands AFTER the quit's save during
    finish_writes(): the last keystrokes are lost."""
    import time

    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await shown_and_ready(app, pilot)
        app.run_change("", lambda st, ac: time.sleep(4.0))  # e.g. closing 500 marked tickets
        await pilot.press("r", *"Hi")
        await pilot.pause(1.3)  # one autosave of "Hi": queued behind the slow change
        await pilot.press(*" Ann", "ctrl+q")
    drafts = [body for t, kind, body in stored_drafts(sample_config) if t == tid]
    assert drafts == ["Hi Ann"], f"stored drafts after quit: {drafts!r}"


async def test_an_autosave_tick_during_send_does_not_resurrect_the_draft(
    sample_config: Path,
) -> None:
    """The autosave is a Timer callback: it runs in its own asyncio task, so a tick can
    land between ctrl+s reaching the screen and the screen being removed. Nothing stops
    it: its DraftChanged reaches the app AFTER the send's callback, so the writer runs
    "add note + discard draft" and THEN "save draft": the sent text comes back as a
    draft (and is offered again on the next `n`). The tick is placed there by hand."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tid = await shown_and_ready(app, pilot)
        await pilot.press("n")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        composer = app.screen
        real_send = composer.action_send

        def send_then_tick() -> None:
            real_send()
            composer._save_draft()  # the 1 s interval firing in that window

        composer.action_send = send_then_tick  # type: ignore[method-assign]
        await pilot.press(*"Refund sent today", "ctrl+s")
        await until(lambda: not isinstance(app.screen, ComposerScreen), pilot)
        await pilot.pause(1.0)
    drafts = [(kind, body) for t, kind, body in stored_drafts(sample_config) if t == tid]
    assert drafts == [], f"after sending, the ticket still has drafts {drafts!r}"
