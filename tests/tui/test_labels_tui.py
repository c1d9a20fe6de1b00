"""Labels in the TUI (issue 12 items 5 and 6): the badge in the list and the conversation
header at 80x24 and 120x40, in colour and without, and `I` setting a ticket's intent."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from deskterm.domain.labels import INTENTS
from deskterm.tui.actions.label_actions import intent_done
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.intent_picker import AUTO, IntentPicker, intent_score
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import seed_labels
from tests.tui.svg_text import svg_lines
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_snapshots import Snap, fixed_store, settled

__all__ = ["fixed_store"]  # the fixture, for pytest
CHOICES = (AUTO, *INTENTS)


def db_path(config: Path) -> Path:
    return config.parent / ".sample-store" / "deskterm.db"


def ticket_intent(config: Path, ticket_id: int) -> tuple[str | None, str]:
    """(intent, intent_source) of a ticket, read from the store file."""
    with sqlite3.connect(db_path(config)) as db:
        intent, source = db.execute(
            "SELECT intent, intent_source FROM ticket WHERE id = ?", (ticket_id,)
        ).fetchone()
    return intent, source


def latest_customer_intent(config: Path, ticket_id: int) -> str | None:
    """The model's intent of the ticket's latest customer message."""
    with sqlite3.connect(db_path(config)) as db:
        row = db.execute(
            "SELECT intent FROM message WHERE ticket_id = ? AND direction = 'in'"
            " AND auto_submitted = 0 ORDER BY sent_at DESC, id DESC LIMIT 1",
            (ticket_id,),
        ).fetchone()
    return row[0] if row else None


def row_text(tickets: TicketList, ticket_id: int) -> str:
    """What the list shows for ticket ``ticket_id`` (plain)."""
    for index in range(tickets.total):
        row = tickets.row(index)
        if row is not None and row["id"] == ticket_id:
            return tickets._row_text(row).plain
    raise AssertionError(f"#{ticket_id} not in the list")


def header_text(app: DesktermApp) -> str:
    """The conversation header's text (plain)."""
    view = app.inbox.query_one(ConversationView)
    return str(view.children[0].content) if view.children else ""  # type: ignore[attr-defined]


async def show(app: DesktermApp, pilot: Any, ticket_id: int) -> None:
    """Move the list's cursor onto ``ticket_id`` and wait for its conversation."""
    tickets = app.inbox.query_one(TicketList)
    conversation = app.inbox.query_one(ConversationView)
    await until(lambda: tickets.total > 0 and tickets.current is not None, pilot)
    for _ in range(tickets.total):
        if tickets.current is not None and tickets.current["id"] == ticket_id:
            break
        await pilot.press("j")
    await until(
        lambda: conversation.ticket is not None and conversation.ticket["id"] == ticket_id, pilot
    )


async def top_of_conversation(app: DesktermApp, pilot: Any) -> None:
    """Scroll the conversation to its header (a ticket opens at its newest message)."""
    await pilot.pause(0.2)
    app.inbox.query_one(ConversationView).scroll_home(animate=False, immediate=True)
    await pilot.pause(0.2)


# --- the badge ---------------------------------------------------------------------------


def at_siti(app: DesktermApp, shots: list[str]) -> Any:
    """Settle, put the cursor on Siti's ticket (agent's intent, negative and urgent) and
    keep a screenshot for the text checks."""
    wait = settled(app)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("G")
        conversation = app.inbox.query_one(ConversationView)
        await until(
            lambda: (
                conversation.ticket is not None
                and conversation.ticket["subject"] == "Pesanan #1042 belum sampai"
            ),
            pilot,
        )
        await top_of_conversation(app, pilot)
        shots.append(app.export_screenshot())

    return run_before


def test_badges_80x24(fixed_store: Path, snap_compare: Snap) -> None:
    app = make_app(fixed_store)
    shots: list[str] = []
    assert snap_compare(app, terminal_size=(80, 24), run_before=at_siti(app, shots))
    lines = svg_lines(shots[0])
    text = "\n".join(lines)
    # The list: marks, the short intent (an agent's marked ✓) and the language, before the
    # subject, which keeps 30 cells; a ticket without labels shows none.
    assert re.search(r"Siti Rahma +!-u ship/status✓ id Pesanan #1042 belum sampai", text)
    assert re.search(r"John Carter +!!- ord/damaged +en Damaged grinder - order #1051", text)
    assert re.search(r"Javier López +u +ship/status +es ¿Cuándo llega", text)
    assert re.search(r"Ngọc Anh +\*\+ +thanks +vi Cảm ơn", text)
    assert re.search(r"Marketplace W… +Your weekly seller digest", text)
    # The header: the full intent, the sentiments in words after the alarm, the language.
    assert "open  shipping/status✓  !negative urgent  lang:id" in text


def test_badges_120x40(fixed_store: Path, snap_compare: Snap) -> None:
    """At 120 columns the list (three panes) has no room for the badge before its subject
    would shrink: the header shows it."""
    app = make_app(fixed_store)
    shots: list[str] = []
    assert snap_compare(app, terminal_size=(120, 40), run_before=at_siti(app, shots))
    text = "\n".join(svg_lines(shots[0]))
    assert "#1 Pesanan #1042 belum sampai" in text
    assert "open  shipping/status✓  !negative urgent  lang:id" in text
    assert "Siti Rahma     Pesanan #1042 belum sam…" in text  # the subject keeps its room


async def test_badges_without_colour_are_characters(
    fixed_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: the screen is greys only and the badge still says everything, the alarm
    of an open ticket with an angry customer included."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(fixed_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app)(pilot)
        assert app.no_color
        await show(app, pilot, 2)  # John Carter: negative and threatening, the model's intent
        await top_of_conversation(app, pilot)
        svg = app.export_screenshot()
    fills = set(re.findall(r"fill: #([0-9a-f]{6})", svg)) - {"c5c8c6"}
    assert all(f[0:2] == f[2:4] == f[4:6] for f in fills), sorted(fills)
    text = "\n".join(svg_lines(svg))
    assert re.search(r"John Carter +!!- ord/damaged +en", text)
    assert re.search(r"Siti Rahma +!-u ship/status✓ id", text)
    assert "open  order/damaged  !threatening negative  lang:en" in text


async def test_closed_ticket_has_no_alarm(fixed_store: Path) -> None:
    """The alarm is for open tickets: once closed, the marks stay, the `!` goes."""
    with sqlite3.connect(db_path(fixed_store)) as db:
        db.execute("UPDATE ticket SET status = 'closed', closed_at = created_at WHERE id = 2")
    app = make_app(fixed_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app)(pilot)
        await pilot.press("slash", *"status:closed", "enter")
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 1 and tickets.current is not None, pilot)
        assert re.search(r"!- +ord/damaged +en", row_text(tickets, 2))
        assert not re.search(r"!!", row_text(tickets, 2))


# --- I: the intent picker ----------------------------------------------------------------


@pytest.fixture
def labelled(sample_config: Path) -> tuple[Path, dict[str, int]]:
    """The sample store with fixed labels, and its ticket ids by customer name."""
    return sample_config, seed_labels(sample_config)


async def test_I_sets_the_intent_as_the_agent(labelled: tuple[Path, dict[str, int]]) -> None:
    config, ids = labelled
    tid = ids["Budi Santoso"]  # product/question, the model's
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(app, pilot, tid)
        await pilot.press("I")
        await until(lambda: isinstance(app.screen, IntentPicker), pilot)
        picker = app.screen
        assert isinstance(picker, IntentPicker)
        assert picker.current == "product/question"  # highlighted, marked "now"
        await pilot.press(*"ship st")
        assert picker.shown[0] == "shipping/status"
        await pilot.press("enter")
        await until(lambda: ticket_intent(config, tid) == ("shipping/status", "agent"), pilot)
        tickets = app.inbox.query_one(TicketList)
        # The list and the header follow (the store changed: both reload).
        await until(lambda: "ship/status✓" in row_text(tickets, tid), pilot)
        await until(lambda: "shipping/status✓" in header_text(app), pilot)
        assert any(str(n.message) == f"#{tid}: intent shipping/status" for n in app._notifications)


async def test_I_auto_hands_the_intent_back_to_the_model(
    labelled: tuple[Path, dict[str, int]],
) -> None:
    config, ids = labelled
    tid = ids["Siti Rahma"]  # shipping/status, set by an agent
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await show(app, pilot, tid)
        app.inbox.query_one(ConversationView).focus()  # works from the conversation too
        await pilot.press("I")
        await until(lambda: isinstance(app.screen, IntentPicker), pilot)
        await pilot.press(*"auto", "enter")
        await until(lambda: ticket_intent(config, tid)[1] == "model", pilot)
        assert ticket_intent(config, tid)[0] == latest_customer_intent(config, tid)
        await until(lambda: "✓" not in header_text(app), pilot)


async def test_I_escape_changes_nothing(labelled: tuple[Path, dict[str, int]]) -> None:
    config, ids = labelled
    tid = ids["Ana Souza"]
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(app, pilot, tid)
        await pilot.press("I", *"order", "escape")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, IntentPicker)
    assert ticket_intent(config, tid) == ("refund/request", "model")


async def test_I_on_marked_tickets_sets_each(labelled: tuple[Path, dict[str, int]]) -> None:
    config, _ids = labelled
    app = make_app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        await until(lambda: tickets.total == 10 and tickets.current is not None, pilot)
        await pilot.press("x", "x", "x")
        marked = sorted(tickets.marked)
        assert len(marked) == 3
        await pilot.press("I")
        await until(lambda: isinstance(app.screen, IntentPicker), pilot)
        assert "3 marked tickets" in str(app.screen.query_one("#intent-title").content)
        await pilot.press(*"order/cancel", "enter")
        await until(
            lambda: all(ticket_intent(config, t) == ("order/cancel", "agent") for t in marked),
            pilot,
        )
        assert not tickets.marked
        await until(
            lambda: any(
                str(n.message) == "Intent order/cancel on 3 tickets" for n in app._notifications
            ),
            pilot,
        )


def test_intent_picker_80x24(fixed_store: Path, snap_compare: Snap) -> None:
    """The picker on Siti's ticket (the agent's shipping/status): the current intent marked,
    auto first, short forms beside the names; typed ahead with `I`."""
    app = make_app(fixed_store)
    shots: list[str] = []
    wait = at_siti(app, shots)

    async def run_before(pilot: Any) -> None:
        await wait(pilot)
        await pilot.press("I", *"ship")
        await until(lambda: isinstance(app.screen, IntentPicker), pilot)
        await pilot.pause(0.2)
        shots.append(app.export_screenshot())

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    text = "\n".join(svg_lines(shots[-1]))
    assert "Intent of #1" in text
    assert re.search(r"● shipping/status +ship/status +\(now, ✓ set by an agent\)", text)
    assert "shipping/policy" in text and "order/cancel" not in text  # filtered by "ship"


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("ship st", "shipping/status"),
        ("shipping/status", "shipping/status"),
        ("cancel", "order/cancel"),
        ("refund stat", "refund/status"),
        ("prod info", "product/question"),
        ("damag", "order/damaged"),
        ("auto", "auto"),
        ("model", "auto"),
    ],
)
def test_the_picker_filter_finds_intents_by_name_and_short_form(typed: str, first: str) -> None:
    scored = [(intent_score(typed, name), index, name) for index, name in enumerate(CHOICES)]
    assert min(s for s in scored if s[0] is not None)[2] == first


def test_the_notification_says_what_was_set_and_on_how_many() -> None:
    assert intent_done("auto", [4], 1) == "#4: intent back to the model"
    assert intent_done("feedback", [4], 0) == "#4: intent feedback (unchanged)"
    assert intent_done("order/cancel", [1, 2, 3], 3) == "Intent order/cancel on 3 tickets"
    assert intent_done("order/cancel", [1, 2, 3], 2, 1) == (
        "Intent order/cancel on 2 of 3 tickets (1 could not be changed)"
    )
