"""A lazily drawn message takes exactly the rows it is counted for (issue 11 item 6)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from deskterm.tui.widgets.conversation.conversation_view import message_parts, message_text
from deskterm.tui.widgets.conversation.history import message_height


def message(body: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": abs(hash(body)) % 10_000_000,
        "body_text": body,
        "direction": "in",
        "author": "Budi Santoso",
        "author_handle": None,
        "sent_at": "2026-11-16T10:00:00Z",
        "parse_status": "ok",
        "attachments": [],
        "delivery": None,
    }
    base.update(extra)
    return base


MESSAGES = [
    message("Halo kak"),
    message(""),
    message("kata " * 200),
    message("x" * 5000),
    message("tab\there\tand\x1b[2J control\r\nnext\u202eline"),
    message("日本語のテキスト" * 30 + "\n👍🏽 ❤️ 🏳️‍🌈 किताब मिली " * 10),
    message("Jawab:\n\nOn Mon, 16 Nov 2026 Support <s@x.test> wrote:\n> dulu\n> lagi\n"),
    message("Thanks\n--\nBudi\nJakarta\n"),
    message(
        "with files",
        attachments=[
            {"filename": "foto produk 🙂.jpg" * 4, "content_type": "image/jpeg", "size": 123456}
        ],
    ),
    message(
        "failed",
        direction="out",
        author="Dewi " * 30,
        delivery={"state": "failed", "error": "550 mailbox unavailable " * 5},
    ),
    message("queued", direction="out", delivery={"state": "queued", "error": "try later"}),
    message("parse", parse_status="partial", author=None, author_handle="@budi"),
    message("a note\n\n\n", direction="note"),
    message("notice", direction="system", author=None, author_handle=None),
]


@pytest.mark.parametrize("width", [12, 37, 63, 100])
@pytest.mark.parametrize("expanded", [False, True])
def test_counted_rows_equal_rendered_rows(width: int, expanded: bool) -> None:
    """Issue 11 item 6: the cheap count (no styled Text) equals Rich's wrap of the message
    as drawn, at narrow and wide panes, folded or not: the lazy history never cuts or pads
    a customer's line."""
    console = Console(file=io.StringIO(), width=200)
    for item in MESSAGES:
        drawn = message_text(item, expanded=expanded).wrap(console, width)
        counted = message_height(item, message_parts(item, expanded=expanded), width)
        assert counted == len(drawn) + 1, (item["body_text"][:40], width)
