"""``L`` links the shown ticket's customer with a handle; the customer panel follows."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select
from textual.widgets import Input, Label

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import ingest_message
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store
from deskterm.store.tables import Customer
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.conversation.customer_panel import CustomerPanel
from tests.tui.conftest import store_url
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

CHAT = "Kak, kopi Gayo pesanan saya kapan dikirim?"


def add_shopee_chat(config: Path) -> int:
    """A Shopee chat from buyer ``buyer-77``, a customer of its own; returns its ticket id."""
    store = open_store(store_url(config))
    with store.write() as session:
        row = ensure_channel(session, name="shopee-id", type="shopee", address="2000002")
        assert row.id is not None
        result = ingest_message(
            session,
            ChannelContext(id=row.id, name="shopee-id", type="shopee"),
            InboundMessage(
                external_id="chat-1",
                content_hash=hashlib.sha256(CHAT.encode()).hexdigest(),
                subject=CHAT,
                sender=Party("siti_r", "buyer-77", IdentityKind.BUYER),
                sent_at=datetime(2026, 11, 16, 9, tzinfo=UTC),
                body_text=CHAT,
            ),
            blob_root=store.attachments_dir(),
            actor="test",
        )
    store.close()
    return result.ticket_id


def customers(config: Path) -> int:
    store = open_store(store_url(config))
    with store.read() as session:
        count = len(session.exec(select(Customer)).all())
    store.close()
    return count


async def test_l_links_the_customer_and_the_panel_shows_the_other_channel(
    sample_config: Path,
) -> None:
    chat_ticket = add_shopee_chat(sample_config)
    before = customers(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.inbox.query_one(CustomerPanel)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(1)  # Siti's email ticket
        await until(lambda: panel.context is not None and "Siti" in str(panel.content), pilot)
        assert "buyer-77" not in str(panel.content)
        await pilot.press("L")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"shopee:buyer-77", "enter")
        await until(lambda: "buyer buyer-77" in str(panel.content), pilot)
        text = str(panel.content)
        assert "email siti.rahma@mail.test" in text
        assert "(shopee-id)" in text  # the channel the buyer wrote on
        assert f"#{chat_ticket}" in text and "kopi Gayo" in text  # the chat, as another ticket
        assert any("now also has shopee:buyer-77" in str(n.message) for n in app._notifications)
    assert customers(sample_config) == before - 1  # merged, not duplicated


async def test_l_with_a_bad_handle_says_so_and_changes_nothing(sample_config: Path) -> None:
    before = customers(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(lambda: app.inbox.query_one(ConversationView).ticket is not None, pilot)
        await pilot.press("L", *"ebay:42", "enter")
        # issue 10 item 6: the dialog stays, the error under the field, the text kept.
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert "cannot tell what" in str(app.screen.query_one("#prompt-error", Label).content)
        assert app.screen.query_one(Input).value == "ebay:42"
        await pilot.press("escape")
        await pilot.press("L", *"shopee:nobody", "enter")
        await until(
            lambda: any("now also has" in str(n.message) for n in app._notifications), pilot
        )
    # An identity nobody had is simply added to the shown customer.
    assert customers(sample_config) == before
