"""The TUI on marketplace chats and Shopify: a chat reply reaches its conversation exactly
once, and opening a ticket fetches the customer's orders into the panel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from deskterm.cli import main
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app


@pytest.fixture
def markets(sample_config: Path, tmp_path: Path) -> Iterator[tuple[Marketplaces, Path]]:
    with serve_marketplaces(tmp_path / "secrets", conversations=3, messages=3) as fakes:
        text = sample_config.read_text(encoding="utf-8")
        sample_config.write_text(text + fakes.config, encoding="utf-8")
        yield fakes, sample_config


def store_ticket_for(config: Path, channel: str) -> int:
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        assert main(["--config", str(config), "tickets", "--view", "All", "--json"]) == 0
    return next(t["id"] for t in json.loads(out.getvalue()) if t["channel"] == channel)


async def test_chat_reply_from_the_composer_reaches_its_conversation_once(
    markets: tuple[Marketplaces, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes, config = markets
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    assert main(["--config", str(config), "sync", "--once", "--channel", "shopee-id"]) == 0
    tid = store_ticket_for(config, "shopee-id")
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(tid)
        await until(lambda: conversation.ticket["id"] == tid, pilot)  # type: ignore[index]
        cid = conversation.ticket["messages"][0]["conversation_id"]  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        assert "Chat reply (shopee)" in str(app.screen.query_one("#composer-title").render())
        await pilot.press(*"Siap kak, dikirim hari ini.")
        assert app.screen.query_one(TextArea).text == "Siap kak, dikirim hari ini."
        await pilot.press("ctrl+s")
        await until(
            lambda: (
                (conversation.ticket["messages"][-1].get("delivery") or {}).get("state")  # type: ignore[index]
                == "sent"
            ),
            pilot,
        )
    assert fakes.shopee.seller_texts(cid).count("Siap kak, dikirim hari ini.") == 1
    assert main(["--config", str(config), "sync", "--once", "--channel", "shopee-id"]) == 0
    assert fakes.shopee.seller_texts(cid).count("Siap kak, dikirim hari ini.") == 1


async def test_opening_a_ticket_fetches_the_customers_orders(
    markets: tuple[Marketplaces, Path],
) -> None:
    _fakes, config = markets
    app = make_app(config)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.inbox.query_one(CustomerPanel)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(1)  # Siti Rahma: the Shopify fake has orders for her address
        # issue 10 item 11: totals read as money ("Rp365.000"), not "365000.0 IDR".
        await until(lambda: "Siti" in str(panel.content) and "Rp" in str(panel.content), pilot)
        assert "IDR" not in str(panel.content)
        assert "orders as of now" in str(panel.content)


async def test_a_platform_notice_is_drawn_as_the_platforms_not_as_a_reply(
    markets: tuple[Marketplaces, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 9 finding 7: Lazada's rating request is set apart as a platform notice."""
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    from textual.widgets import Static

    fakes, config = markets
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    session = fakes.lazada.add_session("Budi Notice", "Kak, pesanan saya kapan dikirim?")
    text = {"txt": "Please rate your experience with this shop"}
    fakes.lazada.add_message(session, 1, text, from_buyer=False, system=True)
    assert main(["--config", str(config), "sync", "--once", "--channel", "lazada-id"]) == 0
    out = StringIO()
    with redirect_stdout(out):
        assert main(["--config", str(config), "tickets", "--view", "All", "--json"]) == 0
    tid = next(
        t["id"] for t in json.loads(out.getvalue()) if t["customer"]["name"] == "Budi Notice"
    )
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(tid)
        await until(lambda: conversation.ticket["id"] == tid, pilot)  # type: ignore[index]
        await pilot.pause()
        notices = [w for w in conversation.query(Static) if w.has_class("system")]
        assert len(notices) == 1
        drawn = str(notices[0].render())
        assert "platform notice from Lazada" in drawn and "Please rate" in drawn
        assert not any(w.has_class("out") for w in conversation.query(Static))


async def test_the_toast_after_a_chat_reply_names_the_buyer_not_their_id(
    markets: tuple[Marketplaces, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 10 item 11: "reply to 482913377 queued" named the buyer by their numeric id."""
    fakes, config = markets
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    cid = fakes.shopee.add_conversation("Rina Kusuma", buyer_id=482913377)
    fakes.shopee.add_message(cid, "text", {"text": "Kak, paket saya sudah dikirim?"})
    assert main(["--config", str(config), "sync", "--once", "--channel", "shopee-id"]) == 0
    tid = next(t["id"] for t in tickets_json(config) if t["customer"]["name"] == "Rina Kusuma")
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(tid)
        await until(lambda: conversation.ticket["id"] == tid, pilot)  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ComposerScreen), pilot)
        await pilot.press(*"Sudah kak", "ctrl+s")
        await until(lambda: any("queued" in str(n.message) for n in app._notifications), pilot)
        toasts = [str(n.message) for n in app._notifications if "queued" in str(n.message)]
    assert toasts == ["reply to Rina Kusuma queued"]


def tickets_json(config: Path) -> list[dict[str, Any]]:
    import json
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        assert main(["--config", str(config), "tickets", "--view", "All", "--json"]) == 0
    found: list[dict[str, Any]] = json.loads(out.getvalue())
    return found


def test_cli_reply_to_a_chat_names_the_buyer_not_their_id(
    markets: tuple[Marketplaces, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """issue 10 item 11, the same line in `deskterm reply`."""
    fakes, config = markets
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    cid = fakes.lazada.add_session("Budi Santoso", "Kak, ada warna hitam?")
    assert cid
    assert main(["--config", str(config), "sync", "--once", "--channel", "lazada-id"]) == 0
    tid = next(t["id"] for t in tickets_json(config) if t["customer"]["name"] == "Budi Santoso")
    capsys.readouterr()
    assert main(["--config", str(config), "reply", str(tid), "--body", "Ada kak"]) == 0
    assert capsys.readouterr().out.startswith(f"ticket {tid}: reply to Budi Santoso queued\n")
