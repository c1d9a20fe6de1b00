"""Issue 10 item 12: `sla:breached` / `sla:due<1h` in the query language, and the SLA summary
that `tickets --json` and the table show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deskterm.domain.errors import QueryError
from deskterm.domain.query import describe, parse_query
from deskterm.domain.query_ast import And, Not, SlaFilter, Term
from deskterm.domain.sla import SlaTargets, sla_cell, sla_summary
from deskterm.store.query_sql import QueryCompiler

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
TARGETS = SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(days=2))


def parse(text: str) -> object:
    return parse_query(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("sla:breached", SlaFilter(None)),
        ("SLA:Breached", SlaFilter(None)),
        ("sla:due<1h", SlaFilter(timedelta(hours=1))),
        ("sla:due<90m", SlaFilter(timedelta(minutes=90))),
        ("sla:due<1h30m", SlaFilter(timedelta(minutes=90))),
        ("sla:due<2d", SlaFilter(timedelta(days=2))),
    ],
)
def test_sla_terms_parse(text: str, node: SlaFilter) -> None:
    """issue 10 item 12: the two SLA filters, case-insensitive, durations as in the config."""
    parsed = parse(text)
    assert isinstance(parsed, SlaFilter)
    assert parsed.within == node.within


def test_sla_terms_combine_and_print_back() -> None:
    """issue 10 item 12: sla terms combine like any term; describe() reads back the same."""
    node = parse("tag:vip -sla:breached sla:due<1h30m")
    assert isinstance(node, And)
    assert isinstance(node.operands[0], Term) and isinstance(node.operands[1], Not)
    assert describe(node) == "tag:vip -sla:breached sla:due<1h30m"
    assert describe(parse(describe(node))) == describe(node)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "column", "needle"),
    [
        ("sla:late", 4, "expected breached or due<DURATION"),
        ("sla:due", 4, "expected breached or due<DURATION"),
        ("sla:due<", 8, "duration"),
        ("sla:due<soon", 8, "duration such as 30m, 1h"),
        ("sla:due<0m", 8, "longer than 0"),
        ("sla:due<99999999999w", 8, "at most"),
        ("sla:due>1h", 4, "expected breached or due<DURATION"),
    ],
)
def test_bad_sla_terms_point_at_the_fault(text: str, column: int, needle: str) -> None:
    """issue 10 item 12: a wrong sla: value is one clear query error at its column."""
    with pytest.raises(QueryError, match=needle) as caught:
        parse(text)
    assert caught.value.position == column


def test_compiler_without_targets_matches_nothing() -> None:
    """issue 10 item 12: with no channel SLA configured, sla: terms match no ticket."""
    fragment = QueryCompiler("sqlite").compile(SlaFilter(None))
    assert "1=0" in fragment.sql


def test_compiler_uses_each_channels_targets() -> None:
    """issue 10 item 12: targets come from the config, per channel, against a fixed now."""
    targets = {"support": TARGETS, "shopee-id": SlaTargets(resolution=timedelta(hours=8))}
    compiler = QueryCompiler("postgresql", sla_targets=targets, now=NOW)
    fragment = compiler.compile(SlaFilter(None))
    values = set(fragment.params.values())
    assert {"support", "shopee-id"} <= values
    assert NOW - timedelta(hours=4) in values  # first response due before now
    assert NOW - timedelta(days=2) in values
    assert NOW - timedelta(hours=8) in values
    assert "t.status" in fragment.sql


def ticket(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "status": "open",
        "created_at": "2026-03-15T10:00:00Z",
        "first_reply_at": None,
        "closed_at": None,
        "snoozed_at": None,
    }
    row.update(fields)
    return row


@pytest.mark.parametrize(
    ("row", "summary", "cell"),
    [
        (
            ticket(),
            {
                "first_response_due": "2026-03-15T14:00:00Z",
                "resolution_due": "2026-03-17T10:00:00Z",
                "breached": False,
            },
            "2h",
        ),
        (
            ticket(created_at="2026-03-15T05:00:00Z"),
            {
                "first_response_due": "2026-03-15T09:00:00Z",
                "resolution_due": "2026-03-17T05:00:00Z",
                "breached": True,
            },
            "!3h",
        ),
        (
            ticket(created_at="2026-03-15T05:00:00Z", first_reply_at="2026-03-15T06:00:00Z"),
            {
                "first_response_due": "2026-03-15T09:00:00Z",
                "resolution_due": "2026-03-17T05:00:00Z",
                "breached": False,
            },
            "1d",
        ),
        (
            ticket(
                status="closed",
                created_at="2026-03-10T05:00:00Z",
                closed_at="2026-03-14T05:00:00Z",
            ),
            {
                "first_response_due": "2026-03-10T09:00:00Z",
                "resolution_due": "2026-03-12T05:00:00Z",
                "breached": False,  # nothing is overdue NOW: the clocks stopped at the close
            },
            "—",
        ),
        (ticket(status="snoozed", snoozed_at="2026-03-15T11:00:00Z"), None, "—"),
    ],
)
def test_summary_and_cell(row: dict[str, object], summary: object, cell: str) -> None:
    """issue 10 item 12: `sla` is {first_response_due, resolution_due, breached}; the column
    shows time to the next due ("2h"), how long ago it was breached ("!3h"), or "—"."""
    got = sla_summary(row, TARGETS, NOW)
    if summary is not None:
        assert got == summary
    else:
        assert got is not None and got["breached"] is False
    assert sla_cell(row, TARGETS, NOW) == cell


def test_no_targets_gives_no_sla() -> None:
    """issue 10 item 12: a channel without targets has `sla: null` and the column "—"."""
    assert sla_summary(ticket(), None, NOW) is None
    assert sla_summary(ticket(), SlaTargets(), NOW) is None
    assert sla_cell(ticket(), None, NOW) == "—"


def test_only_a_resolution_target() -> None:
    """issue 10 item 12: first_response_due is null when that target is not set."""
    targets = SlaTargets(resolution=timedelta(hours=1))
    got = sla_summary(ticket(), targets, NOW)
    assert got == {
        "first_response_due": None,
        "resolution_due": "2026-03-15T11:00:00Z",
        "breached": True,
    }
    assert sla_cell(ticket(), targets, NOW) == "!1h"
