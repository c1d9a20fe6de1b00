"""The label badge (issue 12 item 6): intent, sentiment marks and language, in characters,
and the ticket list's labels column by priority."""

from __future__ import annotations

import pytest

from deskterm.domain.label_badge import (
    AGENT_MARK,
    ALARM_MARK,
    BADGE_LONG,
    BADGE_SHORT,
    BADGE_TINY,
    INTENT_SHORT,
    INTENT_SHORT_CELLS,
    badge_of,
    header_badge,
    intent_label,
    language_code,
    list_badge,
    plain,
)
from deskterm.domain.labels import INTENTS, SENTIMENT_MARKS, SENTIMENTS
from deskterm.domain.list_columns import (
    LABELS_LONG,
    LABELS_SHORT,
    LABELS_SUBJECT,
    LABELS_TINY,
    MIN_ROW,
    MIN_SUBJECT,
    list_columns,
)

ANGRY = {
    "status": "open",
    "intent": "shipping/status",
    "intent_source": "agent",
    "sentiments": ["urgent", "negative"],
    "language": "id",
}


def test_every_intent_has_a_short_form_unique_and_short() -> None:
    assert set(INTENT_SHORT) == set(INTENTS)
    shorts = list(INTENT_SHORT.values())
    assert len(set(shorts)) == len(shorts)  # unambiguous
    assert all(len(short) <= INTENT_SHORT_CELLS for short in shorts)
    # Readable: the family shows (or the whole name, when it is one word).
    for name, short in INTENT_SHORT.items():
        family = name.split("/")[0]
        assert short[:3] == family[:3] or short in name, (name, short)


def test_every_sentiment_has_a_distinct_mark() -> None:
    marks = [SENTIMENT_MARKS[name] for name in SENTIMENTS]
    assert len(set(marks)) == len(marks) and all(len(mark) == 1 for mark in marks)


@pytest.mark.parametrize(
    ("cells", "shown"),
    [
        (BADGE_TINY, "!-u id"),
        (BADGE_SHORT, f"!-u ship/status{AGENT_MARK} id"),
        (BADGE_LONG, f"!-u shipping/status{AGENT_MARK}         id"),
    ],
)
def test_list_badge_forms_fill_their_cells(cells: int, shown: str) -> None:
    text = plain(list_badge(badge_of(ANGRY), cells))
    assert text == shown and len(text) == cells


def test_the_alarm_is_for_open_tickets_only_and_marks_are_most_important_first() -> None:
    closed = badge_of({**ANGRY, "status": "closed"})
    assert not closed.alarm and closed.marks == "-u"
    threat = badge_of({"status": "open", "sentiments": "positive threatening offensive"})
    assert threat.alarm and threat.marks == "!!x+"
    assert plain(list_badge(threat, BADGE_TINY)) == "!!x   "  # cut to three, no language
    happy = badge_of({"status": "open", "sentiments": ["positive", "promoter"]})
    assert not happy.alarm and happy.marks == "*+"


def test_a_model_intent_has_no_agent_mark_and_no_labels_show_nothing() -> None:
    model = badge_of({**ANGRY, "intent_source": "model", "sentiments": []})
    assert plain(list_badge(model, BADGE_SHORT)) == "    ship/status  id"
    empty = badge_of({"status": "open", "intent": None, "sentiments": [], "language": None})
    assert empty.empty and plain(list_badge(empty, BADGE_SHORT)).strip() == ""
    assert header_badge(empty) == []
    # No intent: the agent mark is not shown even if the source says "agent".
    assert not badge_of({"intent": None, "intent_source": "agent"}).agent


def test_header_badge_says_it_in_words() -> None:
    assert plain(header_badge(badge_of(ANGRY))) == (
        f"shipping/status{AGENT_MARK}  {ALARM_MARK}negative urgent  lang:id"
    )
    assert plain(header_badge(badge_of({"language": "pt", "status": "open"}))) == "lang:pt"


def test_odd_store_values_stay_in_their_cells() -> None:
    assert intent_label("made/up-intent-name", short=True) == "made/up-in…"
    assert language_code("zh-Hant") == "zh" and language_code("fil") == "f…"
    odd = badge_of({"intent": "made/up-intent-name", "language": "fil", "status": "open"})
    assert len(plain(list_badge(odd, BADGE_SHORT))) == BADGE_SHORT


# --- the column in the list ----------------------------------------------------------------


def test_labels_show_only_when_a_ticket_has_labels() -> None:
    assert list_columns(200).labels == 0
    assert list_columns(200, labels=True).labels == LABELS_LONG


def test_at_80_columns_the_intent_shows_and_the_subject_keeps_30() -> None:
    """An 80-column terminal stacks the panes: the list is 80 cells wide."""
    columns = list_columns(80, labels=True, assignee=False, channel=False)
    assert columns.labels == LABELS_SHORT
    assert columns.subject >= LABELS_SUBJECT
    assert columns.id and columns.customer >= 14  # nothing that showed before is lost
    # Several channels and SLA targets: marks and language only, the rest as before.
    crowded = list_columns(80, id_width=5, labels=True, assignee=False, sla=True)
    assert crowded.labels == LABELS_TINY and crowded.channel and crowded.sla and crowded.id
    assert crowded.subject >= LABELS_SUBJECT


@pytest.mark.parametrize("width", range(MIN_ROW, 241))
def test_labels_never_squeeze_the_subject(width: int) -> None:
    """The badge drops before the subject goes below what it had without it (or 24
    cells for the marks, 30 for the intent, 36 for the full names)."""
    for flags in ({}, {"sla": True, "channel": True, "store": True, "assignee": True}):
        without = list_columns(width, id_width=4, **flags)
        columns = list_columns(width, id_width=4, labels=True, **flags)
        assert columns.used == width
        assert columns.subject >= MIN_SUBJECT
        if columns.labels == LABELS_TINY:
            assert columns.subject >= 24 or columns.subject >= without.subject - LABELS_TINY - 1
        if columns.labels == LABELS_SHORT:
            assert columns.subject >= LABELS_SUBJECT
        if columns.labels == LABELS_LONG:
            assert columns.subject >= 36
        assert columns.labels in (0, LABELS_TINY, LABELS_SHORT, LABELS_LONG)


def test_labels_rank_after_channel_and_sla_before_store_id_and_assignee() -> None:
    order = ["channel", "sla", "labels", "store", "id", "assignee"]
    flags = {"sla": True, "store": True, "assignee": True, "channel": True, "labels": True}
    seen: list[list[str]] = []
    for width in range(240, MIN_ROW - 1, -1):
        shown = [name for name, _ in list_columns(width, **flags).shown]
        seen.append([name for name in order if name in shown])
    for kept in seen:  # always a prefix of the priority order
        assert kept == order[: len(kept)]
