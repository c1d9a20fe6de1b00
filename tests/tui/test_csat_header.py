"""Issue 15 item 2: the conversation shows the customer's satisfaction rating."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import Static

from deskterm.tui.widgets.conversation.conversation_view import ConversationView, csat_line
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app
from tests.tui.test_snoozed_header import header


def rate(sample_config: Path, ticket_id: int, state: str, score: int | None, comment: str) -> None:
    db = sample_config.parent / ".sample-store" / "deskterm.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO csatsurvey (ticket_id, state, due_at, language, sent_at, score,"
            " comment, answered_at, created_at) VALUES (?, ?, CURRENT_TIMESTAMP, 'en',"
            " CURRENT_TIMESTAMP, ?, ?, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            (ticket_id, state, score, comment),
        )


async def test_the_header_shows_the_rating_and_a_waiting_survey(sample_config: Path) -> None:
    rate(sample_config, 1, "answered", 4, "fast delivery")
    rate(sample_config, 2, "sent", None, "")
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.inbox.query_one(ConversationView)
        await until(lambda: view.ticket is not None, pilot)
        app.open_ticket(1)
        await until(lambda: header(view).startswith("#1 "), pilot)
        assert header(view).splitlines()[2] == "CSAT ★★★★☆ 4/5  “fast delivery”"
        app.open_ticket(2)
        await until(lambda: header(view).startswith("#2 "), pilot)
        assert header(view).splitlines()[2] == "CSAT survey sent, no answer yet"
        app.open_ticket(3)
        await until(lambda: header(view).startswith("#3 "), pilot)
        assert "CSAT" not in str(view.query_one(".header", Static).render())


def test_no_line_for_a_scheduled_or_cancelled_survey() -> None:
    for state in ("scheduled", "cancelled"):
        assert csat_line({"csat": {"survey": state, "score": None}}) is None
    assert csat_line({"csat": None}) is None
    line = csat_line({"csat": {"survey": "answered", "score": 1, "comment": ""}})
    assert line is not None and line.plain == "CSAT ★☆☆☆☆ 1/5"
