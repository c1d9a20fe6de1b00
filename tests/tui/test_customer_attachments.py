"""The customer panel (identities, other tickets, orders) and saving attachments with `w`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from deskterm.cli import main
from deskterm.store.engine import open_store
from deskterm.store.tables import Order
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from tests.tui.conftest import store_url
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

SECOND_MAIL = b"""From siti.rahma@mail.test Mon Nov 16 10:00:00 2026
From: Siti Rahma <siti.rahma@mail.test>
To: support@kopi-nusantara.test
Subject: Mau pesan lagi
Message-ID: <second-ticket@mail.test>
Date: Mon, 16 Nov 2026 10:00:00 +0000

Halo, saya mau pesan 2 kg lagi.
"""


def add_second_ticket_and_order(config: Path, tmp_path: Path) -> None:
    mbox = tmp_path / "more.mbox"
    mbox.write_bytes(SECOND_MAIL)
    assert main(["--config", str(config), "import", "mbox", str(mbox)]) == 0
    store = open_store(store_url(config))
    with store.write() as session:
        session.add(
            Order(
                store="main",
                external_id="gid://shopify/Order/1042",
                email="siti.rahma@mail.test",
                name="#1042",
                placed_at=datetime(2026, 11, 10, tzinfo=UTC),
                financial_status="PAID",
                fulfillment_status="FULFILLED",
                total="185000",
                currency="IDR",
                data={"tracking": [{"number": "JNE123", "company": "JNE", "url": ""}]},
            )
        )


async def test_customer_panel_shows_identities_other_tickets_and_orders(
    sample_config: Path, tmp_path: Path
) -> None:
    add_second_ticket_and_order(sample_config, tmp_path)
    app = make_app(sample_config)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.inbox.query_one(CustomerPanel)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(1)
        await until(lambda: panel.context is not None and "Siti" in str(panel.content), pilot)
        text = str(panel.content)
        assert "email siti.rahma@mail.test" in text
        assert "Mau pesan lagi" in text  # the other ticket
        assert "#1042" in text and "Rp185.000" in text and "JNE123" in text
        assert panel.display  # wide enough: shown
        await pilot.press("i")
        assert app.inbox.has_class("-no-customer")


async def test_customer_panel_hides_on_narrow_terminals(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.inbox.query_one(ConversationView).ticket is not None, pilot)
        assert isinstance(app.screen, InboxScreen) and app.inbox.has_class("-no-customer")
        await pilot.press("i")
        assert not app.inbox.has_class("-no-customer")


async def test_w_saves_attachments_without_overwriting(sample_config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "cracked-handle.jpg").write_bytes(b"mine")  # must survive
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(2)
        await until(lambda: conversation.ticket["id"] == 2, pilot)  # type: ignore[index]
        await pilot.press("w")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *str(folder), "enter")
        await until((folder / "cracked-handle (1).jpg").exists, pilot)
    assert (folder / "cracked-handle.jpg").read_bytes() == b"mine"
    assert (folder / "cracked-handle (1).jpg").stat().st_size == 320


async def test_w_offers_to_create_a_missing_folder(sample_config: Path, tmp_path: Path) -> None:
    folder = tmp_path / "new" / "place"
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(2)
        await until(lambda: conversation.ticket["id"] == 2, pilot)  # type: ignore[index]
        await pilot.press("w", "ctrl+u", *str(folder), "enter")
        await until(lambda: isinstance(app.screen, PromptScreen), pilot)
        await pilot.press("enter")  # "y" is the default answer
        await until((folder / "cracked-handle.jpg").exists, pilot)


async def test_w_into_a_file_keeps_the_dialog(sample_config: Path, tmp_path: Path) -> None:
    """issue 10 item 6: a file named as the folder is refused under the field, the path kept."""
    from textual.widgets import Input, Label

    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(2)
        await until(lambda: conversation.ticket["id"] == 2, pilot)  # type: ignore[index]
        await pilot.press("w", "ctrl+u", *str(afile), "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == str(afile)
        error = app.screen.query_one("#prompt-error", Label)
        assert str(error.content) == f"{afile}: not a folder"
