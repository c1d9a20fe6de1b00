"""A long conversation opens at its newest messages at once; `o` shows the whole history."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from deskterm.cli import main
from deskterm.tui.widgets.conversation.conversation_view import SHOWN_AT_FIRST, ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

COUNT = 45


def long_thread_mbox(path: Path) -> None:
    mails = []
    for n in range(COUNT):
        parent = f"In-Reply-To: <thread-{n - 1}@mail.test>\n" if n else ""
        mails.append(
            f"From budi@mail.test Mon Nov 16 10:{n:02d}:00 2026\n"
            "From: Budi <budi@mail.test>\nTo: support@kopi-nusantara.test\n"
            f"Subject: Re: Pesanan panjang\nMessage-ID: <thread-{n}@mail.test>\n{parent}"
            f"Date: Mon, 16 Nov 2026 10:{n:02d}:00 +0000\n\nPesan nomor {n}.\n"
        )
    path.write_text("\n".join(mails), encoding="utf-8")


async def test_long_thread_opens_at_its_end_and_o_shows_everything(
    sample_config: Path, tmp_path: Path
) -> None:
    mbox = tmp_path / "long.mbox"
    long_thread_mbox(mbox)
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        app.open_ticket(11)
        await until(lambda: view.ticket["id"] == 11, pilot)  # type: ignore[index]
        await pilot.pause(0.2)
        shown = [str(s.render()) for s in view.query(Static)]
        assert any(f"{COUNT - SHOWN_AT_FIRST} earlier messages" in s for s in shown)
        assert any(f"Pesan nomor {COUNT - 1}." in s for s in shown)
        assert not any("Pesan nomor 0." in s for s in shown)
        view.focus()
        await pilot.press("o")
        await pilot.pause(0.2)
        shown = [str(s.render()) for s in view.query(Static)]
        assert any("Pesan nomor 0." in s for s in shown)
        assert len(view.query(".message")) == COUNT
