"""domain.metrics: nearest-rank percentiles, time buckets, flat CSV rows (issue 15 item 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from deskterm.domain.metrics import Period, Tally, flat_row, percentile, time_buckets


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.5, 7.0),
        ([7.0], 0.9, 7.0),
        ([3.0, 1.0], 0.5, 1.0),  # rank ceil(1.0) = 1: the lower of two
        ([1.0, 2.0, 3.0], 0.5, 2.0),
        ([1.0, 2.0, 3.0], 0.9, 3.0),
        ([float(n) for n in range(1, 11)], 0.9, 9.0),  # rank ceil(9.0) = 9
        ([float(n) for n in range(1, 11)], 0.5, 5.0),
        ([float(n) for n in range(1, 12)], 0.9, 10.0),  # rank ceil(9.9) = 10
    ],
)
def test_percentile_is_nearest_rank(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected


def test_time_buckets_list_every_day_and_week_in_the_zone() -> None:
    period = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
    assert time_buckets(period, "day", UTC) == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert time_buckets(period, "week", UTC) == ["2026-02-23", "2026-03-02"]
    # In New York the period starts on the evening of Feb 28.
    ny = ZoneInfo("America/New_York")
    assert time_buckets(period, "day", ny)[0] == "2026-02-28"


def test_an_empty_tally_is_null_where_undefined() -> None:
    metrics = Tally().as_json(sla_configured=True)
    assert metrics["first_response"] == {"median_s": None, "p90_s": None, "count": 0}
    assert metrics["one_touch_rate"] is None
    assert metrics["sla"]["breached_open"] == 0
    assert Tally().as_json(sla_configured=False)["sla"]["breached_open"] is None


def test_flat_row_names_every_column() -> None:
    row = flat_row(Tally().as_json(sla_configured=True))
    assert list(row) == [
        "tickets_created",
        "tickets_replied",
        "tickets_closed",
        "messages_received",
        "messages_sent",
        "first_response_median_s",
        "first_response_p90_s",
        "first_response_count",
        "resolution_median_s",
        "resolution_p90_s",
        "resolution_count",
        "one_touch_rate",
        "sla_first_response_met_rate",
        "sla_resolution_met_rate",
        "sla_breached_open",
        "csat_score",
        "csat_average",
        "csat_responses",
        "csat_sent",
        "csat_response_rate",
        "revenue_orders",
        "revenue_amount",
    ]
