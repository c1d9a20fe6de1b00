"""Snapshots (pytest-textual-snapshot) of the main screen at 80x24 and 160x48 and at 80,
100, 120, 140 and 160 columns, the macro picker (also with suggestions) and the help
overlay, on a fixed clock and a store with fixed dates and fixed labels (intent,
sentiments, language).

Update after an intended change: `pytest tests/tui/test_snapshots.py --snapshot-update`,
then look at the SVGs in the report before committing them.
"""

from __future__ import annotations

import mailbox
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.cli import main
from deskterm.tui import live_data
from deskterm.tui.app import DesktermApp
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import REPO, seed_labels
from tests.tui.test_keys_palette_composer import make_app as make_live_app


def make_app(config: Path) -> DesktermApp:
    """The app for a picture: a blinking cursor would be on or off at the moment taken."""
    app = make_live_app(config)
    app.blink_cursor = False
    return app


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
Snap = Callable[..., bool]


@pytest.fixture
def fixed_store(sample_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample store without its undated message (it would be dated "now"), macros in,
    the clock fixed, and nothing marked read while the picture is taken."""
    monkeypatch.setattr("deskterm.domain.timefmt.utc_now", lambda: NOW)
    monkeypatch.setattr("deskterm.tui.widgets.tickets.ticket_list.utc_now", lambda: NOW)
    monkeypatch.setattr(live_data, "READ_AFTER_SECONDS", 3600.0)
    monkeypatch.setenv("TZ", "UTC")  # message times are shown in local time
    time.tzset()
    config = tmp_path / "snap" / "config.toml"
    config.parent.mkdir()
    config.write_text(sample_config.read_text(encoding="utf-8"), encoding="utf-8")
    dated = tmp_path / "dated.mbox"
    source, target = mailbox.mbox(REPO / "samples" / "support.mbox"), mailbox.mbox(dated)
    for message in source:
        try:
            parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            continue  # undated or broken date: ingest would date it "now"
        target.add(message)
    target.flush()
    assert main(["--config", str(config), "import", "mbox", str(dated)]) == 0
    macros = str(REPO / "samples" / "macros.toml")
    assert main(["--config", str(config), "macros", "import", macros]) == 0
    seed_labels(config)  # fixed labels: the pictures do not follow the classifier's model
    return config


def settled(app: DesktermApp) -> Callable[[Any], Awaitable[None]]:
    """Wait until the panes are filled (workers done) before the picture."""

    async def run_before(pilot: Any) -> None:
        for _ in range(400):
            tickets = app.inbox.query_one(TicketList)
            views = app.inbox.query_one(ViewsList)
            shown = app.inbox.query_one(ConversationView).ticket
            if (
                tickets.current is not None
                and shown is not None
                and views.option_count >= 7
                and len(app.macros) == 4
            ):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    return run_before


def test_main_screen_80x24(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app))


def test_main_screen_160x48(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(160, 48), run_before=settled(app))


@pytest.mark.parametrize("width", [80, 100, 120, 140, 160])
def test_main_screen_at_width(fixed_store: Path, snap_compare: Snap, width: int) -> None:
    """issue 10 item 1: the list laid out by priority at each width (customer and subject
    always; the sidebar hidden below 120 columns, narrowed below 160)."""
    app = make_app(fixed_store)
    assert snap_compare(app, terminal_size=(width, 30), run_before=settled(app))


def test_macro_picker(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("m", *"refund")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_macro_picker_with_suggestions(fixed_store: Path, snap_compare: Snap) -> None:
    """issue 12 item 7: for a ticket whose intent is shipping/status the shipping macros
    lead, each with its reason in a dim column; a line, then the rest by name."""
    from tests.tui.test_suggestions import set_intent

    set_intent(fixed_store, "shipping/status")
    app = make_app(fixed_store)
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        from deskterm.tui.screens.macro_picker import MacroPicker

        await wait(pilot)
        await pilot.press("m")
        for _ in range(200):  # the picker, with its suggestions (slow under load)
            if isinstance(app.screen, MacroPicker) and app.screen.suggestions:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_article_picker(fixed_store: Path, snap_compare: Snap) -> None:
    """issue 12 item 7: ctrl+k in the composer lists the help articles for the customer's
    message, the highlighted one's link and excerpt beside the list."""
    from deskterm.tui.screens.article_picker import ArticlePicker
    from tests.tui.test_suggestions import set_intent, with_help_center

    set_intent(fixed_store, None)  # the picture does not follow the shipped model's labels
    app = make_app(with_help_center(fixed_store))
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("r", "ctrl+k")
        for _ in range(200):
            if isinstance(app.screen, ArticlePicker):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_help_overlay(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_no_color_renders_in_greys_only(
    fixed_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR (no-color.org) is respected: every colour on screen is a grey."""
    import re

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(fixed_store)
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(app)(pilot)
        assert app.no_color
        svg = app.export_screenshot()
    # c5c8c6 is the SVG exporter's own default text colour, not something the app drew.
    fills = set(re.findall(r"fill: #([0-9a-f]{6})", svg)) - {"c5c8c6"}
    assert fills  # the picture has colours at all
    greys = {f for f in fills if f[0:2] == f[2:4] == f[4:6]}
    assert fills == greys, sorted(fills - greys)
