"""Snapshots of the composer open in the conversation pane at 80x24 and 120x40.

Update after an intended change: `pytest tests/tui/test_snapshots_composer.py
--snapshot-update`, then look at the SVGs before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import TextArea

from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_snapshots import Snap, fixed_store, settled

__all__ = ["fixed_store"]  # the fixture, found by pytest through this module


def composing(app: Any) -> Any:
    """Open the reply composer, type a line and insert the refund macro (tag + close)."""
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("r")
        await until(
            lambda: isinstance(app.screen, ComposerScreen) and app.screen._placed is not None,
            pilot,
        )
        await pilot.press(*"Halo kak, ", "ctrl+t", *"refund", "enter")
        await until(lambda: bool(app.screen.actions), pilot)
        # The draft is saved within a second and the list marks it ✎: wait for that, so
        # the picture does not depend on the timing.
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.current["drafts"] == ["reply"], pilot)
        app.screen.query_one(TextArea).cursor_blink = False  # the picture: cursor always on
        await pilot.pause(0.3)

    return run_before


def test_composer_80x24(fixed_store: Path, snap_compare: Snap) -> None:
    """issue 10 items 3 and 4: at 80x24 the list steps aside; the customer's message shows
    above the composer, which says what the macro will do."""
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=composing(app))


def test_composer_120x40(fixed_store: Path, snap_compare: Snap) -> None:
    """issue 10 items 3 and 4: the composer in the conversation pane's lower part, the list
    and the customer's message beside and above it."""
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(120, 40), run_before=composing(app))
