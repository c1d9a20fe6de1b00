"""SLA hints: durations, which clock runs, time left / breached, and the list label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.domain.sla import (
    SlaTargets,
    format_duration,
    parse_duration,
    sla_for_ticket,
    sla_label,
    sla_state,
)

CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BOTH = SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(days=2))


def at(hours: float) -> datetime:
    return CREATED + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (" 1d 12h ", timedelta(days=1, hours=12)),
        ("4H", timedelta(hours=4)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "4", "h", "4x", "4 hours", "-1h", "1.5h", "h4"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("30m", "4h", "1d12h", "1w", "2w3d"):
        assert format_duration(parse_duration(text)) == text


def test_unanswered_open_ticket_runs_the_first_response_clock() -> None:
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=None, status="open", closed_at=None, now=at(2.8)
    )
    assert state is not None
    assert state.target == "first_response"
    assert state.due_at == at(4)
    assert state.running and not state.breached
    assert state.left == timedelta(hours=1, minutes=12)
    assert sla_label(state) == "1h12m left"


def test_first_response_breach_shows_how_late() -> None:
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=None, status="open", closed_at=None, now=at(7.5)
    )
    assert state is not None and state.breached and state.running
    assert state.left == -timedelta(hours=3, minutes=30)
    assert sla_label(state) == "breached 3h"


def test_after_the_first_reply_the_resolution_clock_runs() -> None:
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=at(1), status="open", closed_at=None, now=at(24)
    )
    assert state is not None
    assert state.target == "resolution"
    assert state.due_at == at(48)
    assert sla_label(state) == "1d left"


def test_a_late_first_reply_no_longer_shows_as_breached() -> None:
    # The reply came after the 4h target; what matters now is resolution.
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=at(6), status="open", closed_at=None, now=at(7)
    )
    assert state is not None and state.target == "resolution"
    assert not state.breached
    assert sla_label(state) == "1d17h left"


def test_closed_ticket_reports_resolution_outcome_without_a_label() -> None:
    on_time = sla_state(
        BOTH,
        created_at=CREATED,
        first_reply_at=at(1),
        status="closed",
        closed_at=at(30),
        now=at(90),
    )
    late = sla_state(
        BOTH,
        created_at=CREATED,
        first_reply_at=at(1),
        status="closed",
        closed_at=at(50),
        now=at(90),
    )
    assert on_time is not None and late is not None
    assert not on_time.running and not on_time.breached and on_time.left == timedelta(hours=18)
    assert not late.running and late.breached
    assert sla_label(on_time) == sla_label(late) == ""


def test_reopened_ticket_resolution_counts_from_the_first_message() -> None:
    # helpdesk.md: resolution is to the LAST close, reopen cycles included.
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=at(1), status="open", closed_at=at(5), now=at(60)
    )
    assert state is not None and state.running and state.breached
    assert sla_label(state) == "breached 12h"


def test_first_response_only_target() -> None:
    targets = SlaTargets(first_response=timedelta(minutes=30))
    running = sla_state(
        targets,
        created_at=CREATED,
        first_reply_at=None,
        status="open",
        closed_at=None,
        now=at(0.25),
    )
    answered = sla_state(
        targets, created_at=CREATED, first_reply_at=at(1), status="open", closed_at=None, now=at(2)
    )
    closed_unanswered = sla_state(
        targets,
        created_at=CREATED,
        first_reply_at=None,
        status="closed",
        closed_at=at(0.2),
        now=at(2),
    )
    assert running is not None and sla_label(running) == "15m left"
    assert answered is not None and not answered.running and answered.breached
    assert sla_label(answered) == ""
    assert closed_unanswered is not None and not closed_unanswered.breached


def test_resolution_only_target_runs_from_creation() -> None:
    targets = SlaTargets(resolution=timedelta(hours=8))
    state = sla_state(
        targets, created_at=CREATED, first_reply_at=None, status="open", closed_at=None, now=at(2)
    )
    assert state is not None and state.target == "resolution"
    assert sla_label(state) == "6h left"


def test_no_targets_no_state_no_label() -> None:
    for targets in (None, SlaTargets()):
        state = sla_state(
            targets,
            created_at=CREATED,
            first_reply_at=None,
            status="open",
            closed_at=None,
            now=at(1),
        )
        assert state is None
        assert sla_label(state) == ""


def test_snoozed_ticket_stops_the_clock() -> None:
    state = sla_state(
        BOTH, created_at=CREATED, first_reply_at=None, status="closed", closed_at=at(1), now=at(99)
    )
    assert state is not None and not state.running
    assert sla_label(state) == ""


@pytest.mark.parametrize(
    ("now_hours", "label"),
    [
        (4 - 1 / 120, "<1m left"),  # 30 seconds left
        (3.25, "45m left"),
        (1, "3h left"),
        (4 + 1 / 120, "breached <1m"),
        (4 + 0.5, "breached 30m"),
        (4 + 50, "breached 2d"),
    ],
)
def test_label_units(now_hours: float, label: str) -> None:
    state = sla_state(
        BOTH,
        created_at=CREATED,
        first_reply_at=None,
        status="open",
        closed_at=None,
        now=at(now_hours),
    )
    assert sla_label(state) == label


def test_due_soon_in_the_last_quarter() -> None:
    def state_at(hours: float) -> bool:
        result = sla_state(
            BOTH,
            created_at=CREATED,
            first_reply_at=None,
            status="open",
            closed_at=None,
            now=at(hours),
        )
        assert result is not None
        return result.due_soon

    assert not state_at(2.9)  # 1h06m of 4h left
    assert state_at(3.1)  # 54m left
    assert not state_at(5)  # breached is not "due soon"


def test_sla_for_reader_row_parses_iso_fields() -> None:
    row = {
        "created_at": "2026-03-02T09:00:00Z",
        "first_reply_at": None,
        "status": "open",
        "closed_at": None,
        "channel": "support",
    }
    state = sla_for_ticket(row, BOTH, now=at(3))
    assert state is not None and sla_label(state) == "1h left"
    replied = dict(row, first_reply_at="2026-03-02T10:00:00Z")
    state = sla_for_ticket(replied, BOTH, now=at(3))
    assert state is not None and state.target == "resolution"
    assert sla_for_ticket(row, None, now=at(3)) is None


def test_naive_times_are_taken_as_utc() -> None:
    naive = sla_state(
        BOTH,
        created_at=CREATED.replace(tzinfo=None),
        first_reply_at=None,
        status="open",
        closed_at=None,
        now=at(1),
    )
    assert naive is not None and naive.left == timedelta(hours=3)
