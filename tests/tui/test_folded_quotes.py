"""Issue 10 item 8: the conversation folds quoted history and mail-client signatures only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from deskterm.cli import main
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

CUSTOMER_MAIL = (
    "From rina@mail.test Mon Nov 16 10:00:00 2026\n"
    "From: Rina Kusuma <rina@mail.test>\nTo: support@kopi-nusantara.test\n"
    "Subject: Kopi Toraja Sapan\nMessage-ID: <sapan-1@mail.test>\n"
    "Date: Mon, 16 Nov 2026 10:00:00 +0000\n\n"
    "Kapan dikirim kak?\n\nBest regards,\nRina\n> Pesanan sudah kami terima\n\n"
    "From rina@mail.test Mon Nov 16 11:00:00 2026\n"
    "From: Rina Kusuma <rina@mail.test>\nTo: support@kopi-nusantara.test\n"
    "Subject: Re: Kopi Toraja Sapan\nMessage-ID: <sapan-2@mail.test>\n"
    "In-Reply-To: <sapan-1@mail.test>\n"
    "Date: Mon, 16 Nov 2026 11:00:00 +0000\n\n"
    "Sudah sampai!\n\nDikirim dari iPhone saya\n"
)
SHOP_REPLY = "Sudah kami kirim kak, resi JNE123.\n\nBest regards,\nDewi\nKopi Nusantara"


def message_texts(view: ConversationView) -> list[str]:
    return [str(widget.render()) for widget in view.query(".message").results(Static)]


async def test_own_sign_off_shown_and_one_quoted_line_is_singular(
    sample_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """issue 10 item 8: "Best regards, Dewi" in the shop's reply (and the customer's own
    "Best regards, Rina") stay on screen; a one-line quote reads "1 quoted line"; the
    customer's "Dikirim dari iPhone saya" footer is folded as a signature."""
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")  # the reply is only queued
    mbox = tmp_path / "sapan.mbox"
    mbox.write_text(CUSTOMER_MAIL, encoding="utf-8")
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    config = ["--config", str(sample_config)]
    capsys.readouterr()
    assert main([*config, "tickets", "--query", "subject:sapan", "--json"]) == 0
    ticket_id = json.loads(capsys.readouterr().out)[0]["id"]
    assert main([*config, "reply", str(ticket_id), "--body", SHOP_REPLY]) == 0
    assert main([*config, "reply", str(ticket_id), "--note", "--body", "Cek stok.\n-- \nDewi"]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(120, 60)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        app.open_ticket(ticket_id)
        await until(lambda: view.ticket["id"] == ticket_id, pilot)  # type: ignore[index]
        await until(lambda: len(message_texts(view)) == 4, pilot)
        first, second, reply, note = message_texts(view)
        assert "Best regards,\nRina" in first
        assert first.endswith("… 1 quoted line (z to expand)")
        assert "Pesanan" not in first
        assert second.endswith("Sudah sampai!\n… 1 signature line (z to expand)")
        assert reply.endswith(SHOP_REPLY)
        assert note.endswith("Cek stok.\n-- \nDewi")
        await pilot.press("z")
        await until(lambda: "> Pesanan sudah kami terima" in message_texts(view)[0], pilot)
