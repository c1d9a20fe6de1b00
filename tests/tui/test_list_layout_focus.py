"""The ticket list at every width (issue 10 item 1) and where the keys go (issue 10 item 2):
`j`/`k` move between tickets from any pane, `J`/`K`/space/`b` scroll the conversation,
escape comes back to the list, the cursor starts on the newest ticket and stays visible."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from deskterm.cli import main
from deskterm.domain.list_columns import customer_label
from deskterm.domain.text import one_line
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import REPO, clear_labels
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_snapshots import fixed_store, settled

__all__ = ["fixed_store"]  # the fixture, used by name

WIDTHS = [80, 100, 120, 140, 160]

LONG_NAMES = [
    "Siti Rahmawati Kusumaningrum",
    "José María Fernández-López",
    "Nguyễn Thị Ngọc Ánh",
    "王小明 (Wang Xiaoming)",
    "Bartholomew Higginbottom III",
]
LONG_SUBJECTS = [
    "Halo kak, pesanan saya kok belum sampai ya? Sudah 5 hari dari tanggal pesan",
    "Hello, I received the wrong colour for order 579308316879981094, can you help",
    "Kak, paketnya sudah sampai tapi kainnya ada yang sobek, bisa retur? 😢",
    "¿Cuándo llega mi pedido? Lo pedí hace dos semanas y no tengo noticias",
    "Refund request for a damaged grinder — the burr arrived cracked in two",
]


def crowd_mbox(path: Path, count: int, *, day: int = 19, prefix: str = "crowd") -> None:
    """``count`` one-message tickets with long names and subjects, an hour apart."""
    mails = []
    for n in range(count):
        name = LONG_NAMES[n % len(LONG_NAMES)]
        subject = f"{LONG_SUBJECTS[n % len(LONG_SUBJECTS)]} ({prefix} {n})"
        hour, minute = divmod(n, 60)
        mails.append(
            f"From c{n}@mail.test Thu Nov {day} 10:00:00 2026\n"
            f"From: {name} <{prefix}{n}@mail.test>\nTo: support@kopi-nusantara.test\n"
            f"Subject: {subject}\nMessage-ID: <{prefix}-{n}@mail.test>\n"
            f"Date: Thu, {day} Nov 2026 {hour % 24:02d}:{minute:02d}:00 +0000\n"
            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"Message number {n}.\n"
        )
    path.write_text("\n".join(mails), encoding="utf-8")


def long_mail_mbox(path: Path) -> None:
    """One ticket, the newest, whose message is far longer than any pane."""
    body = "\n".join(f"Line {n} of a long message about an order." for n in range(150))
    path.write_text(
        "From budi@mail.test Fri Nov 20 11:30:00 2026\n"
        "From: Budi <budi@mail.test>\nTo: support@kopi-nusantara.test\n"
        "Subject: A very long message\nMessage-ID: <long-1@mail.test>\n"
        "Date: Fri, 20 Nov 2026 11:30:00 +0000\n\n" + body + "\n",
        encoding="utf-8",
    )


def import_mbox(config: Path, mbox: Path) -> None:
    assert main(["--config", str(config), "import", "mbox", str(mbox)]) == 0


@pytest.fixture
def crowded_store(fixed_store: Path) -> Path:
    """The snapshot store plus 40 tickets with long names and subjects, one per hour."""
    mbox = fixed_store.parent / "crowd.mbox"
    crowd_mbox(mbox, 40)
    import_mbox(fixed_store, mbox)
    return fixed_store


def visible_rows(tickets: TicketList) -> list[tuple[str, dict[str, Any]]]:
    """(rendered text, ticket) of every row on screen, as the terminal shows it."""
    rows = []
    height = tickets.scrollable_content_region.height
    for y in range(height):
        index = tickets.scroll_offset.y + y
        if index >= tickets.total:
            break
        ticket = tickets.row(index)
        assert ticket is not None, f"row {index} not loaded"
        rows.append((tickets.render_line(y).text, ticket))
    return rows


def shows_customer(text: str, ticket: dict[str, Any]) -> bool:
    """The whole name, or at least its first 10 characters cut with "…"."""
    name = one_line(customer_label(ticket["customer"]))
    if name in text:
        return True
    return any(name[:cut] + "…" in text for cut in range(10, len(name)))


def shows_subject(text: str, ticket: dict[str, Any]) -> bool:
    """The whole subject, or at least its first 20 characters."""
    subject = one_line(ticket["subject"] or "(no subject)")
    return subject[:20] in text


async def loaded(app: DesktermApp, pilot: Any) -> TicketList:
    tickets = app.inbox.query_one(TicketList)
    await until(lambda: tickets.current is not None, pilot)
    await until(lambda: all(r is not None for r in (tickets.row(i) for i in range(20))), pilot)
    await pilot.pause(0.1)
    return tickets


# --- item 1: the list at every width -----------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
async def test_every_row_shows_customer_and_twenty_characters_of_subject(
    crowded_store: Path, width: int
) -> None:
    """issue 10 item 1: at 80, 100, 120, 140 and 160 columns every visible row shows the
    customer (whole, or 10+ characters and …) and at least 20 characters of the subject
    (long names and subjects, accents, CJK and emoji included)."""
    app = make_app(crowded_store)
    async with app.run_test(size=(width, 30)) as pilot:
        tickets = await loaded(app, pilot)
        rows = visible_rows(tickets)
        assert len(rows) >= 10
        for text, ticket in rows:
            assert shows_customer(text, ticket), (width, text, ticket["customer"])
            assert shows_subject(text, ticket), (width, text, ticket["subject"])
        # Scrolled further down the rows still read the same way.
        await pilot.press("G")
        await pilot.pause(0.1)
        for text, ticket in visible_rows(tickets):
            assert shows_customer(text, ticket) and shows_subject(text, ticket), text
        sidebar = app.inbox.query_one(ViewsList)
        if width < 120:
            assert not sidebar.display  # hidden: the list gets the width
        elif width < 160:
            assert sidebar.outer_size.width <= 19  # collapsed to names and counts
            assert all("\n" not in str(sidebar.get_option_at_index(i).prompt) for i in range(3))


async def test_channel_and_sla_shrink_to_short_forms_before_anything_drops(
    crowded_store: Path,
) -> None:
    """issue 10 item 1: with SLA targets and two channels, a narrow list shows the channel
    as a short code and the SLA as ``⏱!3h``; a wide one their names and words; the
    customer and the subject keep their room either way."""
    text = crowded_store.read_text(encoding="utf-8")
    text = text.replace(
        "gmail_grouping = true", 'gmail_grouping = true\nsla = { first_response = "1h" }'
    )
    # A second channel, so the channel column has something to tell apart.
    text += (
        '\n[[channels]]\nname = "wholesale-desk"\ntype = "email"\n'
        'address = "sales@kopi-nusantara.test"\n'
        'imap = { host = "localhost", port = 1143, security = "none", '
        'username = "sales@kopi-nusantara.test" }\n'
        'smtp = { host = "localhost", port = 1025, security = "none", '
        'username = "sales@kopi-nusantara.test" }\n'
        'password = { env = "DESKTERM_SAMPLE_PASSWORD" }\n'
    )
    crowded_store.write_text(text, encoding="utf-8")
    mbox = crowded_store.parent / "sales.mbox"
    crowd_mbox(mbox, 3, day=20, prefix="sales")
    args = ["--config", str(crowded_store), "import", "mbox", str(mbox)]
    assert main([*args, "--channel", "wholesale-desk"]) == 0
    # Issue 10's columns alone: the labels' column (issue 12) takes its place by its own
    # priority, tested in tests/unit/test_list_columns.py.
    clear_labels(crowded_store)
    # 140 columns: a list of ~60 cells; 98: stacked panes, a list of ~97 cells.
    for width, channel, sla in ((140, "mail", "⏱!"), (98, "wholesale-d", "⏱breached")):
        app = make_app(crowded_store)
        async with app.run_test(size=(width, 30)) as pilot:
            tickets = await loaded(app, pilot)
            rows = visible_rows(tickets)
            assert any(channel in text for text, _ticket in rows), (width, rows[0][0])
            assert any(sla in text for text, _ticket in rows), (width, rows[0][0])
            for text, ticket in rows:
                assert shows_customer(text, ticket) and shows_subject(text, ticket), text


# --- item 2: focus and keys --------------------------------------------------------------


async def test_after_enter_j_and_k_still_move_between_tickets(fixed_store: Path) -> None:
    """issue 10 item 2: enter moves to the conversation; j/k there move the list's cursor
    and the conversation shows the ticket selected (as mutt's and aerc's index do)."""
    app = make_app(fixed_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(app)(pilot)
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await pilot.press("enter")
        assert app.focused is conversation
        first = tickets.current["id"]  # type: ignore[index]
        await pilot.press("j")
        assert tickets.cursor == 1
        second = tickets.current["id"]  # type: ignore[index]
        assert second != first
        await until(lambda: conversation.ticket["id"] == second, pilot)  # type: ignore[index]
        await pilot.press("j", "j")
        assert tickets.cursor == 3
        await pilot.press("k")
        assert tickets.cursor == 2
        third = tickets.current["id"]  # type: ignore[index]
        await until(lambda: conversation.ticket["id"] == third, pilot)  # type: ignore[index]
        assert app.focused is conversation  # still reading: J/K and escape work from here


@pytest.mark.parametrize("where", ["list", "conversation"])
async def test_J_K_space_and_b_scroll_the_conversation_from_any_pane(
    fixed_store: Path, where: str
) -> None:
    """issue 10 item 2: J/K scroll the conversation a line, space/b a page, wherever the
    focus is; the list's cursor does not move."""
    long_mail = fixed_store.parent / "long.mbox"
    long_mail_mbox(long_mail)
    import_mbox(fixed_store, long_mail)
    app = make_app(fixed_store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(app)(pilot)
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        assert conversation.ticket["subject"] == "A very long message"  # type: ignore[index]
        if where == "conversation":
            await pilot.press("enter")
            assert app.focused is conversation
        await until(lambda: conversation.max_scroll_y > 40, pilot)
        await until(lambda: conversation.scroll_y == conversation.max_scroll_y, pilot)
        bottom = conversation.scroll_y
        await pilot.press("K")
        await until(lambda: conversation.scroll_y == bottom - 1, pilot)
        await pilot.press("K", "K")
        await until(lambda: conversation.scroll_y == bottom - 3, pilot)
        await pilot.press("J")
        await until(lambda: conversation.scroll_y == bottom - 2, pilot)
        await pilot.press("b")
        await until(lambda: conversation.scroll_y < bottom - 10, pilot)
        paged_up = conversation.scroll_y
        await pilot.press("b")
        await until(lambda: conversation.scroll_y < paged_up - 8, pilot)
        await pilot.press("space")
        await until(lambda: conversation.scroll_y == paged_up, pilot)
        assert tickets.cursor == 0
        assert app.focused is (tickets if where == "list" else conversation)


async def test_escape_goes_back_to_the_list_and_closes_only_a_dialog(fixed_store: Path) -> None:
    """issue 10 item 2: escape in the conversation (or the sidebar) returns to the list;
    escape in a dialog closes just that dialog."""
    app = make_app(fixed_store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settled(app)(pilot)
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await pilot.press("j", "enter")
        assert app.focused is conversation
        await pilot.press("t")  # the tag prompt
        await until(lambda: isinstance(app.screen, PromptScreen), pilot)
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, InboxScreen), pilot)
        assert app.focused is conversation  # the dialog closed, nothing else moved
        await pilot.press("escape")
        assert app.focused is tickets
        assert tickets.cursor == 1  # the same ticket is still selected
        await pilot.press("escape")  # already home: nothing happens
        assert app.focused is tickets and isinstance(app.screen, InboxScreen)
        await pilot.press("shift+tab")
        assert isinstance(app.focused, ViewsList)
        await pilot.press("escape")
        assert app.focused is tickets


async def test_the_cursor_starts_on_the_newest_ticket_at_the_top(crowded_store: Path) -> None:
    """issue 10 item 2: at start the cursor is on the top row, the newest ticket, and the
    list is scrolled to the top."""
    app = make_app(crowded_store)
    async with app.run_test(size=(120, 20)) as pilot:
        tickets = await loaded(app, pilot)
        rows = [tickets.row(i) for i in range(tickets.total)]
        newest = max(rows, key=lambda r: (r["last_message_at"], r["id"]))  # type: ignore[index]
        assert tickets.cursor == 0 and tickets.scroll_offset.y == 0
        assert tickets.current["id"] == newest["id"]  # type: ignore[index]
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket["id"] == newest["id"], pilot)  # type: ignore[index]


async def test_tickets_arriving_during_the_first_sync_keep_the_cursor_at_the_top(
    tmp_path: Path,
) -> None:
    """issue 10 item 2: a first start fills the store while the inbox is open; rows that
    arrive above the first ticket loaded do not pin the cursor mid-list: until the agent
    moves, it stays on the newest ticket. Once they moved, it stays on their ticket."""
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    app = make_app(config)
    async with app.run_test(size=(120, 30)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: app.where is not None, pilot)
        first = tmp_path / "first.mbox"
        crowd_mbox(first, 2, day=10, prefix="first")  # the oldest arrive first
        await asyncio.to_thread(import_mbox, config, first)
        await until(lambda: tickets.total == 2 and tickets.current is not None, pilot)
        for day, prefix in ((12, "later"), (14, "latest")):
            more = tmp_path / f"{prefix}.mbox"
            crowd_mbox(more, 3, day=day, prefix=prefix)
            await asyncio.to_thread(import_mbox, config, more)
        await until(lambda: tickets.total == 8, pilot)
        await until(lambda: tickets.row(0) is not None and tickets.current is not None, pilot)
        await pilot.pause(0.2)
        assert tickets.cursor == 0 and tickets.scroll_offset.y == 0
        assert "(latest 2)" in tickets.current["subject"]  # type: ignore[index]
        await until(lambda: "(latest 2)" in conversation.ticket["subject"], pilot)  # type: ignore[index]

        await pilot.press("j")  # the agent moved: from now on the selection is theirs
        chosen = tickets.current["id"]  # type: ignore[index]
        newer = tmp_path / "newer.mbox"
        crowd_mbox(newer, 2, day=16, prefix="newer")
        await asyncio.to_thread(import_mbox, config, newer)
        await until(lambda: tickets.total == 10, pilot)
        await until(lambda: tickets.cursor == 3, pilot)
        assert tickets.current["id"] == chosen  # type: ignore[index]


@pytest.mark.parametrize("width", [80, 160])
async def test_shrinking_the_terminal_keeps_the_cursor_on_screen(
    crowded_store: Path, width: int
) -> None:
    """issue 10 item 2: with the cursor low in the list, going from 40 rows to 15 keeps
    its row visible (the list scrolls to it)."""
    app = make_app(crowded_store)
    async with app.run_test(size=(width, 40)) as pilot:
        tickets = await loaded(app, pilot)
        for _ in range(25):
            await pilot.press("j")
        assert tickets.cursor == 25

        def cursor_visible() -> bool:
            top, height = tickets.scroll_offset.y, tickets.scrollable_content_region.height
            return height > 0 and top <= tickets.cursor < top + height

        await until(cursor_visible, pilot)
        await pilot.resize_terminal(width, 15)
        await until(lambda: tickets.scrollable_content_region.height <= 13, pilot)
        await until(cursor_visible, pilot)
        assert tickets.cursor == 25
        assert any(tickets.current["subject"][:20] in text for text, _ in visible_rows(tickets))  # type: ignore[index]
