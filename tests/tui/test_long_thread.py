"""A long conversation opens at its newest messages at once; `o` shows the whole history."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static
from textual.worker import WorkerState

from deskterm.cli import main
from deskterm.tui.widgets.conversation.conversation_view import SHOWN_AT_FIRST, ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_memory import rss_mb

COUNT = 45
BUSY = (WorkerState.PENDING, WorkerState.RUNNING)


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


# --- issue 11 item 6: z keeps the place, a huge thread is drawn lazily, quotes ------------


def screen_lines(app: object) -> list[str]:
    """What the terminal shows, one string per row."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return ["".join(segment.text for segment in strip) for strip in strips]


def conversation_rows(app: object, view: ConversationView) -> list[str]:
    """The rows of the conversation pane as shown."""
    region = view.content_region
    rows = screen_lines(app)[region.y : region.bottom]
    return [row[region.x : region.right] for row in rows]


def quoting_thread_mbox(path: Path, count: int) -> None:
    """A thread whose every mail quotes four lines of the shop's previous answer."""
    mails = []
    for n in range(count):
        parent = f"In-Reply-To: <quoting-{n - 1}@mail.test>\n" if n else ""
        stamp = f"{10 + n // 3600:02d}:{(n // 60) % 60:02d}:{n % 60:02d}"
        mails.append(
            f"From budi@mail.test Mon Nov 16 10:00:00 2026\n"
            "From: Budi <budi@mail.test>\nTo: support@kopi-nusantara.test\n"
            f"Subject: Re: Kopi yang panjang\nMessage-ID: <quoting-{n}@mail.test>\n{parent}"
            f"Date: Mon, 16 Nov 2026 {stamp} +0000\n\nPesan nomor {n}.\nMasih menunggu.\n\n"
            "On Mon, 16 Nov 2026 10:00 Support <support@kopi-nusantara.test> wrote:\n"
            f"> Balasan {n} baris satu\n> baris dua\n> baris tiga\n> baris empat\n"
        )
    path.write_text("\n".join(mails), encoding="utf-8")


async def open_thread(app: object, pilot: object, count: int) -> ConversationView:
    view: ConversationView = app.inbox.query_one(ConversationView)  # type: ignore[attr-defined]
    await until(lambda: view.ticket is not None, pilot)
    tickets = app.inbox.query_one(TicketList)  # type: ignore[attr-defined]

    def listed() -> list[int]:
        return [int(row["id"]) for page in tickets._pages.values() for row in page]

    # The imported thread comes after the samples; a loaded machine may list it a
    # moment after the first ticket is shown.
    await until(lambda: any(i > 10 for i in listed()), pilot)
    wanted = next(i for i in listed() if i > 10)
    app.open_ticket(wanted)  # type: ignore[attr-defined]
    await until(
        lambda: view.ticket["id"] == wanted and len(view.ticket["messages"]) == count, pilot
    )  # type: ignore[index]
    # The load worker goes on folding the history after showing the newest messages.
    await until(
        lambda: not any(w.group == "ticket" and w.state in BUSY for w in app.workers), pilot
    )  # type: ignore[attr-defined]
    await pilot.pause(0.1)  # type: ignore[attr-defined]
    return view


def top_message(view: ConversationView) -> int | None:
    anchor = view.reading_anchor()
    return None if anchor is None else anchor[0]


async def test_z_keeps_the_message_read_at_the_top_in_place(
    sample_config: Path, tmp_path: Path
) -> None:
    """Issue 11 item 6: `z` (quotes) keeps the message at the top of the view where it was,
    both ways, in an ordinary thread and in a huge one drawn lazily."""
    for count, place in ((18, 3), (400, 200)):
        mbox = tmp_path / f"quoting{count}.mbox"
        quoting_thread_mbox(mbox, count)
        assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
        await _z_keeps_the_place(make_app(sample_config), count, place)
        mbox.unlink()


async def _z_keeps_the_place(app: Any, count: int, place: int) -> None:
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_thread(app, pilot, count)
        view.focus()
        if count > SHOWN_AT_FIRST:
            await pilot.press("o")
            await until(lambda: len(view._message_spans()) > place, pilot)
        # A message at the top of the view, read one row into it: its text on top.
        message_id, top, _rows = view._message_spans()[place]
        view.scroll_to(y=top + 1, animate=False, immediate=True)
        await until(lambda: view.reading_anchor() == (message_id, 1), pilot, timeout=10)
        await until(lambda: "Pesan nomor" in conversation_rows(app, view)[0], pilot, timeout=10)
        first_row = conversation_rows(app, view)[0]

        def kept() -> bool:
            rows = conversation_rows(app, view)
            return view.reading_anchor() == (message_id, 1) and rows[0] == first_row

        await pilot.press("z")  # quotes shown: the message grows below its top rows
        assert view.expanded
        # Under load the re-scroll lands a frame or two later: wait for it, bounded.
        await until(
            lambda: kept() and any("> baris empat" in r for r in conversation_rows(app, view)),
            pilot,
            timeout=10,
        )
        await pilot.press("z")  # folded again: still the same message, same row on top
        assert not view.expanded
        await until(kept, pilot, timeout=10)
        await pilot.press("q")


@pytest.mark.slow
async def test_five_thousand_messages_drawn_lazily_every_one_reachable(
    sample_config: Path, tmp_path: Path
) -> None:
    """Issue 11 item 6: `o` on a long thread mounts no widget per message (the history is
    drawn where it shows), every message is reachable by scrolling (Home shows the first,
    End the last, the middle by scrolling), and `o` then `z` twice cost under 200 MB of RSS
    (measured as a delta; times are in bench/long_thread.py)."""
    count = int(os.environ.get("LONG_THREAD_MESSAGES", "5000"))
    mbox = tmp_path / "huge.mbox"
    quoting_thread_mbox(mbox, count)
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = await open_thread(app, pilot, count)
        view.focus()
        before = rss_mb()
        await pilot.press("o")
        await until(lambda: view.show_all and len(view._message_spans()) == count, pilot)
        assert len(view.children) < SHOWN_AT_FIRST + 5  # header, history, the newest

        def shows(text: str) -> bool:
            return any(text in row for row in conversation_rows(app, view))

        await pilot.press("home")
        await until(lambda: shows("Pesan nomor 0."), pilot, timeout=10)
        for n in (1, count // 2, count - SHOWN_AT_FIRST - 1):
            spans = view._message_spans()
            view.scroll_to(y=spans[n][1], animate=False, immediate=True)
            await until(lambda n=n: shows(f"Pesan nomor {n}."), pilot, timeout=10)  # type: ignore[misc]
        await pilot.press("z")
        await until(lambda: shows("> baris empat"), pilot, timeout=10)
        await pilot.press("z")
        await until(lambda: not view.expanded, pilot)
        await pilot.press("end")
        await until(lambda: shows(f"Pesan nomor {count - 1}."), pilot, timeout=10)
        after = rss_mb()
        assert after - before < 200, f"RSS grew {after - before:.0f} MB"
        await pilot.press("q")


async def test_a_long_line_wraps_and_unquoted_text_is_shown_whole(
    sample_config: Path, tmp_path: Path
) -> None:
    """Issue 11 item 6: a 200,000-character line is shown whole, wrapped (not cut), and a
    message without any quote whose last 40 characters also appear earlier is shown whole,
    with no "quoted lines hidden" hint."""
    repeated = "pesanan saya belum sampai ke alamat rumah"
    bodies = [
        f"Halo, {repeated}.\nSudah dua minggu.\nTolong dicek, {repeated}.",
        "Halo " + "x" * 200_000 + " END",
    ]
    mails = [
        f"From budi@mail.test Mon Nov 16 10:0{n}:00 2026\nFrom: Budi <budi@mail.test>\n"
        f"To: support@kopi-nusantara.test\nSubject: Panjang {n}\n"
        f"Message-ID: <wrap-{n}@mail.test>\nDate: Mon, 16 Nov 2026 10:0{n}:00 +0000\n\n{body}\n"
        for n, body in enumerate(bodies)
    ]
    mbox = tmp_path / "wrap.mbox"
    mbox.write_text("\n".join(mails), encoding="utf-8")
    assert main(["--config", str(sample_config), "import", "mbox", str(mbox)]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        tickets = app.inbox.query_one(TicketList)
        by_subject = {
            str(row["subject"]): int(row["id"]) for page in tickets._pages.values() for row in page
        }
        app.open_ticket(by_subject["Panjang 0"])
        await until(lambda: view.ticket["subject"] == "Panjang 0", pilot)  # type: ignore[index]
        await pilot.pause(0.2)
        shown = "\n".join(conversation_rows(app, view))
        assert "Sudah dua minggu." in shown and f"Tolong dicek, {repeated}." in shown
        assert "hidden" not in shown and "quoted" not in shown
        app.open_ticket(by_subject["Panjang 1"])
        await until(lambda: view.ticket["subject"] == "Panjang 1", pilot)  # type: ignore[index]
        await pilot.pause(0.3)
        width = view.content_region.width
        assert view.virtual_size.height > 200_000 // width  # every character has a row
        assert "quoted" not in "\n".join(conversation_rows(app, view))
        await pilot.press("end")
        await pilot.pause(0.2)
        assert any("x END" in row for row in conversation_rows(app, view))
        await pilot.press("q")
