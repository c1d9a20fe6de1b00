"""A first start with nothing configured shows a welcome pane until tickets arrive
(issue 10 item 7)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from deskterm.config import Config, load_config
from deskterm.config.starter import EMAIL_STARTER
from deskterm.store.engine import open_store
from deskterm.tui.app import DesktermApp
from deskterm.tui.widgets.conversation.welcome import WelcomePane
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.conftest import ingest, msg, support_channel
from tests.tui.test_inbox import until

CONFIG_DIR = "/home/ana/.config/deskterm"  # fixed, so the pictures do not change per run
Snap = Callable[..., bool]


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated store with no tickets, and a config directory holding no config."""
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", CONFIG_DIR)
    url = f"sqlite:///{tmp_path / 'deskterm.db'}"
    open_store(url).close()
    return url


def first_start(url: str, config: Config | None = None) -> DesktermApp:
    return DesktermApp(store_url=url, me_email="ana@shop.test", config=config or Config())


def welcome_text(app: DesktermApp) -> str:
    return str(app.inbox.query_one("#welcome-text").content)  # type: ignore[attr-defined]


def welcome_shown(app: DesktermApp) -> bool:
    return app.inbox.has_class("-welcome") and app.inbox.query_one(WelcomePane).display


def add_ticket(url: str) -> None:
    """A customer's mail arrives (as sync or an import would store it)."""
    store = open_store(url)
    try:
        ingest(store, support_channel(store), msg("<first@example.com>", subject="Hello shop"))
    finally:
        store.close()


async def test_welcome_pane_on_a_first_start_goes_when_tickets_arrive(empty_store: str) -> None:
    """issue 10 item 7: no config file and an empty store: the welcome names where the
    config is looked for (the loader's own places), the demo and the one-channel email
    setup; the first ticket takes its place, and the list gets the focus."""
    app = first_start(empty_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: welcome_shown(app), pilot)
        text = welcome_text(app)
        assert "No config file found" in text
        assert "--config FILE" in text and "not given" in text
        assert "$DESKTERM_CONFIG" in text and "not set" in text
        assert f"{CONFIG_DIR}/config.toml" in text and "not there" in text
        assert "deskterm demo" in text
        for line in EMAIL_STARTER.splitlines():
            assert line in text
        assert "deskterm secret set support" in text and "deskterm doctor" in text
        tickets = app.inbox.query_one(TicketList)
        assert not tickets.display  # the empty list makes way
        await until(lambda: isinstance(app.focused, WelcomePane), pilot, timeout=5)
        add_ticket(empty_store)
        await until(lambda: not welcome_shown(app) and tickets.total == 1, pilot)
        assert tickets.display and app.focused is tickets


async def test_a_config_without_channels_is_named(empty_store: str, tmp_path: Path) -> None:
    """issue 10 item 7: a config file with no channels: the welcome names that file."""
    path = tmp_path / "config.toml"
    path.write_text('[user]\nname = "Ana"\n', encoding="utf-8")
    app = first_start(empty_store, load_config(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: welcome_shown(app), pilot)
        text = welcome_text(app)
        assert f"Your config {path} has no [[channels]] yet" in text
        assert "add this to it" in text and "No config file found" not in text


async def test_no_welcome_once_a_channel_is_configured(
    empty_store: str, sample_config: Path
) -> None:
    """issue 10 item 7: with a channel configured the inbox is the inbox, even empty
    (sync is about to fill it)."""
    app = first_start(empty_store, load_config(sample_config))
    async with app.run_test(size=(120, 40)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: app.view == "Inbox" and tickets.total == 0, pilot)
        await pilot.pause(0.3)
        assert not welcome_shown(app) and tickets.display


async def test_no_welcome_when_the_store_has_tickets(
    empty_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 10 item 7: tickets (imported, say) but no config: no welcome."""
    add_ticket(empty_store)
    app = first_start(empty_store)
    async with app.run_test(size=(120, 40)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 1, pilot)
        await pilot.pause(0.3)
        assert not welcome_shown(app)


def settled(app: DesktermApp) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await until(
            lambda: welcome_shown(app) and app.inbox.query_one(TicketList).total == 0, pilot
        )
        await pilot.pause(0.2)

    return run_before


def test_welcome_80x24(empty_store: str, snap_compare: Snap) -> None:
    """issue 10 item 7: the welcome at 80x24 (the list hidden, everything readable)."""
    app = first_start(empty_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(app))


def test_welcome_120x40(empty_store: str, snap_compare: Snap) -> None:
    """issue 10 item 7: the welcome at 120x40, beside the views sidebar."""
    app = first_start(empty_store)
    assert snap_compare(app, terminal_size=(120, 40), run_before=settled(app))
