"""The ticket list's column layout by priority (issue 10 item 1), at every list width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.domain.list_columns import (
    AGE,
    CUSTOMER,
    FLAGS,
    MIN_CUSTOMER,
    MIN_ROW,
    MIN_SUBJECT,
    SLA_LONG,
    SLA_SHORT,
    channel_code,
    customer_label,
    list_columns,
)
from deskterm.domain.sla import SlaTargets, sla_short_label, sla_state

PRIORITY = ["channel", "sla", "store", "id", "assignee"]  # first to last; the last drops first
EVERYTHING = {"sla": True, "store": True, "assignee": True, "channel": True}


def optional(width: int, **kwargs: bool) -> list[str]:
    shown = [name for name, _cells in list_columns(width, **kwargs).shown]
    return [name for name in PRIORITY if name in shown]


@pytest.mark.parametrize("width", range(MIN_ROW, 241))
def test_subject_and_customer_always_fit_and_nothing_overflows(width: int) -> None:
    """issue 10 item 1: from MIN_ROW cells on, the subject keeps 20 characters and its …,
    the customer 10 and its …, flags and age show, and the row never exceeds the list."""
    for flags in ({}, EVERYTHING):
        columns = list_columns(width, id_width=5, **flags)
        assert columns.subject >= MIN_SUBJECT >= 21
        assert columns.customer >= MIN_CUSTOMER >= 11
        assert columns.flags == FLAGS and columns.age == AGE
        assert columns.used <= width
        # What is not given to another column goes to the subject: the row fills the list.
        assert columns.used == width


@pytest.mark.parametrize("width", range(0, MIN_ROW))
def test_a_list_narrower_than_a_row_still_shows_both_and_never_overflows(width: int) -> None:
    columns = list_columns(width, **EVERYTHING)
    assert columns.used <= max(width, FLAGS + AGE + 1)
    assert [name for name, _ in columns.shown if name not in ("flags", "age")] in (
        ["customer", "subject"],
        ["subject"],
        [],
    )
    if width >= 30:
        assert columns.subject >= 2 * columns.customer - 1 and columns.customer >= 6


def test_optional_columns_drop_strictly_last_first_as_the_list_narrows() -> None:
    """Channel, SLA, store, id, assignee: a narrower list only ever loses the last ones."""
    previous: list[str] = PRIORITY
    for width in range(240, 0, -1):
        shown = optional(width, **EVERYTHING)
        assert shown == PRIORITY[: len(shown)], (width, shown)
        assert len(shown) <= len(previous), (width, shown, previous)
        previous = shown


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        # The list's content width at 80 (stacked, full width less the scrollbar), 100
        # (no sidebar, half the rest), 120 and 140 (narrow sidebar), 160 (full sidebar).
        (79, ["channel", "sla", "store"]),
        (48, ["channel"]),
        (49, ["channel"]),
        (60, ["channel", "sla"]),
        (65, ["channel", "sla"]),
    ],
)
def test_what_each_terminal_width_keeps(width: int, expected: list[str]) -> None:
    assert optional(width, id_width=3, **EVERYTHING) == expected


def test_at_eighty_columns_the_subject_gets_more_than_its_floor() -> None:
    """issue 10 item 1: at 80 columns (sidebar hidden, list full width) with every optional
    column wanted, the subject still has well over 20 characters."""
    columns = list_columns(79, id_width=4, **EVERYTHING)
    assert columns.subject >= 30
    assert columns.customer >= CUSTOMER


def test_short_forms_come_before_long_ones() -> None:
    """The SLA and the channel shrink to short forms before anything drops."""
    narrow = list_columns(60, sla=True)
    assert narrow.sla == SLA_SHORT and narrow.channel == 4
    wide = list_columns(120, sla=True, channel_width=9)
    assert wide.sla == SLA_LONG and wide.channel == 9


def test_unused_columns_take_no_room() -> None:
    """No SLA targets, one shop, one channel, nobody assigned: the subject gets it all."""
    bare = list_columns(79, sla=False, store=False, channel=False, assignee=False)
    assert {name for name, _ in bare.shown} == {"flags", "id", "age", "customer", "subject"}


@pytest.mark.parametrize(
    ("name", "kind", "code"),
    [
        ("support", "email", "mail"),
        ("tokopedia", "tiktokshop", "tok"),
        ("shopee-id", "shopee", "shp"),
        ("lazada-id", "lazada", "lzd"),
        ("ops", "email", "ops"),  # short enough to show as it is
        ("weirdchannel", "other", "weir"),
    ],
)
def test_channel_codes(name: str, kind: str, code: str) -> None:
    assert channel_code(name, kind) == code


def test_customer_label_falls_back_to_address_then_handle() -> None:
    assert customer_label({"name": "Siti", "email": "s@x.test", "handles": []}) == "Siti"
    assert customer_label({"name": "", "email": "s@x.test", "handles": []}) == "s@x.test"
    assert customer_label({"name": "", "email": None, "handles": ["shopee:7688"]}) == "7688"
    assert customer_label({"name": "", "email": None, "handles": []}) == "-"


def test_short_sla_label_fits_five_cells_with_its_clock() -> None:
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    targets = SlaTargets(first_response=timedelta(hours=4))

    def label(hours: float) -> str:
        state = sla_state(
            targets,
            created_at=created,
            first_reply_at=None,
            status="open",
            closed_at=None,
            now=created + timedelta(hours=hours),
        )
        return sla_short_label(state)

    assert label(1) == "3h"
    assert label(3.99) == "<1m" or label(3.99).endswith("m")
    assert label(7.5) == "!3h"
    assert label(24 * 30) == "!4w"  # weeks, so it still fits
    for hours in (0, 1, 3.5, 5, 30, 400, 24 * 400):
        assert len("⏱" + label(hours)) <= SLA_SHORT + 1
