"""Review reproduction: a live update of a long conversation keeps the reader's place."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from deskterm.cli import main
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_long_thread import COUNT, long_thread_mbox


def top_message(view: ConversationView) -> str:
    """The text of the message at the top of the pane."""
    for widget in view.query(".message"):
        region = widget.virtual_region
        if region.y <= view.scroll_y < region.y + region.height:
            return str(widget.render()).split("\n")[1]  # type: ignore[attr-defined]
    return ""


async def test_new_mail_keeps_the_reader_on_the_message_they_read(
    sample_config: Path, tmp_path: Path
) -> None:
    """With more than 20 messages a new one drops the oldest drawn message from the top;
    the view keeps the message read at the top in place all the same (issue 11 item 6:
    the reader's place is kept by message, not by scroll offset)."""
    mbox = tmp_path / "long.mbox"
    long_thread_mbox(mbox)
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        app.open_ticket(11)
        await until(lambda: view.ticket["id"] == 11, pilot)  # type: ignore[index]
        await pilot.pause(0.3)
        view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
        await pilot.pause(0.3)
        reading = top_message(view)
        more = tmp_path / "more.mbox"
        more.write_text(
            "From budi@mail.test Mon Nov 16 11:00:00 2026\n"
            "From: Budi <budi@mail.test>\nTo: support@kopi-nusantara.test\n"
            "Subject: Re: Pesanan panjang\nMessage-ID: <thread-new@mail.test>\n"
            f"In-Reply-To: <thread-{COUNT - 1}@mail.test>\n"
            "Date: Mon, 16 Nov 2026 11:00:00 +0000\n\nSatu lagi.\n",
            encoding="utf-8",
        )
        assert main(["--config", str(sample_config), "import", "mbox", str(more)]) == 0
        await until(lambda: len(view.ticket["messages"]) == COUNT + 1, pilot)  # type: ignore[index]
        await pilot.pause(0.5)
        assert any("Satu lagi." in str(s.render()) for s in view.query(Static))
        assert top_message(view) == reading, f"was reading {reading!r}, now {top_message(view)!r}"
