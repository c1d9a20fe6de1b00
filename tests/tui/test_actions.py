"""Acting on tickets from the keyboard: close, tag, assign, snooze, search, note, reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deskterm.cli import main
from deskterm.config import load_config
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.servers.smtp_servers import refuse_first
from tests.tui.conftest import import_macros, store_url
from tests.tui.test_inbox import ME, until


def show(config: Path, ticket_id: int, capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["--config", str(config), "show", str(ticket_id), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def composer_open(app: DesktermApp) -> bool:
    """The composer is on top and drawn (a macro picked renders in a worker first)."""
    return isinstance(app.screen, ComposerScreen) and bool(app.screen.query("#composer-body"))


def make_app(config: Path) -> DesktermApp:
    return DesktermApp(
        store_url=store_url(config), me_email=ME, me_name="Dewi", config=load_config(config)
    )


async def test_close_tag_assign_snooze_from_the_keyboard(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: tickets.current is not None and conversation.ticket is not None, pilot)
        tid = int(tickets.current["id"])  # type: ignore[index]
        await pilot.press("t")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"vip refund", "enter")
        await until(
            lambda: (
                conversation.ticket is not None and conversation.ticket["tags"] == ["refund", "vip"]
            ),
            pilot,
        )
        await pilot.press("a", "enter")  # default answer: me
        await until(
            lambda: conversation.ticket is not None and conversation.ticket["assignee"] == ME, pilot
        )
        await pilot.press("c")
        await until(lambda: tickets.total == 9, pilot)  # closed: it left the Inbox
    ticket = show(sample_config, tid, capsys)
    assert ticket["status"] == "closed" and ticket["tags"] == ["refund", "vip"]


async def test_search_replaces_the_list(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 10, pilot)
        await pilot.press("slash", *"grinder", "enter")
        await until(lambda: app.view == "Search: grinder" and tickets.total == 1, pilot)
        await pilot.press("slash", *"foo:bar", "enter")  # a bad query: an error, not a crash
        await pilot.pause(0.3)
        assert app.is_running and app.view == "Search: grinder"


async def test_note_and_reply_appear_in_the_conversation(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        tid = int(tickets.current["id"])  # type: ignore[index]
        count = len(conversation.ticket["messages"])  # type: ignore[index]
        await pilot.press("n")
        assert isinstance(app.screen, ComposerScreen)
        await pilot.press(*"called her", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 1, pilot)  # type: ignore[index]
        await pilot.press("r", *"Halo kak", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 2, pilot)  # type: ignore[index]
    messages = show(sample_config, tid, capsys)["messages"]
    assert messages[-2]["direction"] == "note" and messages[-2]["body_text"] == "called her"
    assert messages[-1]["direction"] == "out" and messages[-1]["body_text"] == "Halo kak"
    # No SMTP server runs here: the reply stays queued for the next sync, never lost.
    assert messages[-1]["delivery"]["state"] in ("queued", "failed")


async def test_macro_fills_the_reply_and_applies_its_actions(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from deskterm.tui.screens.macro_picker import MacroPicker

    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)
        await pilot.press("j")  # the first ticket's sender has no name: pick a named customer
        await until(lambda: conversation.ticket["id"] == tickets.current["id"] != 10, pilot)  # type: ignore[index]
        tid = int(tickets.current["id"])  # type: ignore[index]
        await pilot.press("m")
        assert isinstance(app.screen, MacroPicker)
        await pilot.press(*"refund", "enter")
        await until(lambda: composer_open(app), pilot)  # the macro renders in a worker
        text = app.screen.query_one("#composer-body").text  # type: ignore[attr-defined]
        assert f"ticket #{tid}" in text and "{{" not in text and "Dewi" in text
        await pilot.press("ctrl+s")
        await until(lambda: tickets.total == 9, pilot)  # the macro closed it
    ticket = show(sample_config, tid, capsys)
    assert "refund" in ticket["tags"] and ticket["status"] == "closed"
    assert "refund is approved" in ticket["messages"][-1]["body_text"]


async def test_empty_variable_blocks_send_until_confirmed(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_macros(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None and len(app.macros) == 4, pilot)
        count = len(conversation.ticket["messages"])  # type: ignore[index]
        await pilot.press("r", *"Hello ", "ctrl+t", *";track", "enter")
        await until(lambda: composer_open(app) and bool(app.screen.empty), pilot)  # type: ignore[attr-defined]
        composer = app.screen
        assert isinstance(composer, ComposerScreen) and composer.empty  # orders are unknown here
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert app.screen is composer  # refused the first time
        await pilot.press("ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 1, pilot)  # type: ignore[index]


async def test_bulk_actions_on_marked_tickets_and_merge(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        await pilot.press("x", "x", "x")  # mark three, the cursor moves on
        marked = sorted(tickets.marked)
        assert len(marked) == 3
        await pilot.press("t", *"bulk", "enter")
        await pilot.pause(0.2)
        await pilot.press("x", "x")
        await pilot.press("c", "y")  # closes both marked tickets, once confirmed
        await until(lambda: tickets.total == 8, pilot)
        assert not tickets.marked
    tagged = [show(sample_config, tid, capsys)["tags"] for tid in marked]
    assert all(tags == ["bulk"] for tags in tagged)

    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: tickets.total == 8 and conversation.ticket is not None, pilot)
        first = int(conversation.ticket["id"])  # type: ignore[index]
        await pilot.press("j")
        await until(lambda: conversation.ticket["id"] != first, pilot)  # type: ignore[index]
        await pilot.press("M", *str(first), "enter")
        await pilot.pause(0.5)  # different customers: refused with a message, nothing merged
        assert tickets.total == 8 and app.is_running


async def test_failed_delivery_shows_the_reason_and_R_retries(
    sample_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESKTERM_SAMPLE_PASSWORD", "unused")
    with refuse_first(550, "5.2.2 mailbox full") as smtp:
        text = sample_config.read_text(encoding="utf-8")
        sample_config.write_text(text.replace("port = 1025", f"port = {smtp.port}"))
        app = make_app(sample_config)
        async with app.run_test(size=(160, 48)) as pilot:
            conversation = app.inbox.query_one(ConversationView)
            await until(lambda: conversation.ticket is not None, pilot)
            first = int(conversation.ticket["id"])  # type: ignore[index]
            await pilot.press("j")  # the first sample's address is malformed on purpose
            await until(lambda: conversation.ticket["id"] != first, pilot)  # type: ignore[index]
            tid = int(conversation.ticket["id"])  # type: ignore[index]

            def last_delivery() -> dict | None:  # type: ignore[type-arg]
                shown = conversation.ticket
                return None if shown is None else shown["messages"][-1].get("delivery")

            await pilot.press("r", *"Your order ships today.", "ctrl+s")
            await until(lambda: (last_delivery() or {}).get("state") == "failed", pilot)
            assert "mailbox full" in (last_delivery() or {}).get("error", "")
            await pilot.press("R")
            await until(lambda: (last_delivery() or {}).get("state") == "sent", pilot)
        assert len(smtp.messages) == 1
    sent = show(sample_config, tid, capsys)["messages"][-1]
    assert b"Your order ships today." in smtp.messages[0].content
    assert sent["external_id"].encode() in smtp.messages[0].content  # the same Message-ID


async def test_the_composer_shows_the_signature_and_the_reply_carries_it(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 16 item 3: the agent's signature (macro variables filled) shows under the
    editor and goes under the sent text after "-- "; a note gets none."""
    text = sample_config.read_text(encoding="utf-8")
    sample_config.write_text(
        text.replace("[user]\n", '[user]\nsignature = "{{ current_user.firstname }} · Kopi"\n', 1),
        encoding="utf-8",
    )
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        tid = int(tickets.current["id"])  # type: ignore[index]
        count = len(conversation.ticket["messages"])  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: composer_open(app), pilot)
        effects = str(app.screen.query_one("#composer-actions").render())
        assert "Signed: Dewi · Kopi" in effects
        await pilot.press(*"Halo kak", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 1, pilot)  # type: ignore[index]
        await pilot.press("n")
        await until(lambda: composer_open(app), pilot)
        assert "Signed" not in str(app.screen.query_one("#composer-actions").render())
        await pilot.press(*"called her", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 2, pilot)  # type: ignore[index]
    messages = show(sample_config, tid, capsys)["messages"]
    assert messages[-2]["body_text"] == "Halo kak\n\n-- \nDewi · Kopi"
    assert messages[-1]["body_text"] == "called her"


async def test_ctrl_a_attaches_files_to_a_reply_held_to_the_channels_limit(
    sample_config: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """issue 16 item 2: ctrl+a in the composer asks for paths, shows what is attached, and
    the reply carries the files (kept in the store, shown on it); a path that does not
    exist or a total over the channel's max_attachment_mb is refused under the field; a
    note takes no files."""
    text = sample_config.read_text(encoding="utf-8")
    sample_config.write_text(
        text.replace('type = "email"\n', 'type = "email"\nmax_attachment_mb = 1\n', 1),
        encoding="utf-8",
    )
    chart = tmp_path / "size chart.pdf"
    chart.write_bytes(b"%PDF-1.4 chart" * 100)
    big = tmp_path / "video.mp4"
    big.write_bytes(b"\x00" * 900_000)  # 1.2 MiB as sent, over the 1 MiB limit
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        tid = int(tickets.current["id"])  # type: ignore[index]
        count = len(conversation.ticket["messages"])  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: composer_open(app), pilot)
        composer = app.screen
        await pilot.press("ctrl+a")
        await until(lambda: isinstance(app.screen, PromptScreen), pilot)
        await pilot.press(*str(tmp_path / "nope.pdf"), "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, PromptScreen)  # refused, the field kept
        assert "no such file" in str(app.screen.query_one("#prompt-error").render())
        await pilot.press("ctrl+u", *f"{big}", "enter")
        await pilot.pause(0.2)
        assert "max_attachment_mb" in str(app.screen.query_one("#prompt-error").render())
        await pilot.press("ctrl+u", *f"{chart}", "enter")
        await until(lambda: app.screen is composer, pilot)
        assert "Attached: size chart.pdf (1 KiB)" in str(
            composer.query_one("#composer-actions").render()
        )
        await pilot.press(*"Chart attached", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 1, pilot)  # type: ignore[index]
        await pilot.press("n")
        await until(lambda: composer_open(app), pilot)
        await pilot.press("ctrl+a")
        await pilot.pause(0.2)
        assert composer_open(app)  # a note: no prompt, a warning instead
        await pilot.press("escape")
    reply = show(sample_config, tid, capsys)["messages"][-1]
    assert reply["body_text"] == "Chart attached"
    assert [(a["filename"], a["size"]) for a in reply["attachments"]] == [("size chart.pdf", 1400)]


async def test_ctrl_a_forwards_a_file_the_customer_sent(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue 16 item 2: a received attachment of the ticket is forwarded by its name (the
    prompt lists them), read back from the attachment store, byte for byte."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        conversation = app.inbox.query_one(ConversationView)
        await until(lambda: conversation.ticket is not None, pilot)
        app.open_ticket(2)  # the customer sent cracked-handle.jpg
        await until(lambda: conversation.ticket["id"] == 2, pilot)  # type: ignore[index]
        count = len(conversation.ticket["messages"])  # type: ignore[index]
        await pilot.press("r")
        await until(lambda: composer_open(app), pilot)
        await pilot.press("ctrl+a")
        await until(lambda: isinstance(app.screen, PromptScreen), pilot)
        assert "forward this ticket's: cracked-handle.jpg" in str(
            app.screen.query_one("#prompt-hint").render()
        )
        await pilot.press(*"cracked-handle.jpg", "enter")
        await until(lambda: composer_open(app), pilot)
        await pilot.press(*"Is this the crack?", "ctrl+s")
        await until(lambda: len(conversation.ticket["messages"]) == count + 1, pilot)  # type: ignore[index]
    messages = show(sample_config, 2, capsys)["messages"]
    received = next(a for m in messages if m["direction"] == "in" for a in m["attachments"])
    [forwarded] = messages[-1]["attachments"]
    assert (forwarded["filename"], forwarded["size"], forwarded["sha256"]) == (
        "cracked-handle.jpg",
        320,
        received["sha256"],
    )
