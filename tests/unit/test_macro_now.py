"""Macros know the time: ``{{ now }}``, date arithmetic and formats; and money per currency.

issue 10 item 14: ``{{ now }}`` rendered empty and blocked sending; "ships by
{{ now | add_days(2) | date('%A') }}" could not be written.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from deskterm.automation.macros import render_macro, ticket_variables

JAKARTA = timezone(timedelta(hours=7))
THURSDAY = datetime(2026, 1, 1, 14, 5, 30, tzinfo=JAKARTA)  # New Year's Day 2026: a Thursday
TICKET = {
    "id": 42,
    "subject": "Pesanan belum sampai",
    "created_at": "2026-11-20T10:00:00Z",
    "customer": {"name": "Siti Rahma", "email": "siti@mail.test"},
    "orders": [
        {"name": "#1042", "total": "185000.0", "currency": "IDR"},
        {"name": "#1043", "total": "1234.5", "currency": "USD"},
    ],
}


def render(body: str, now: datetime | None = THURSDAY) -> tuple[str, list[str], str]:
    variables = ticket_variables(TICKET, agent_name="Dewi", agent_email="d@x", now=now)
    rendered = render_macro(body, variables)
    return rendered.text, rendered.empty, rendered.error


def test_now_renders_and_does_not_block_sending() -> None:
    assert render("{{ now }}") == ("2026-01-01 14:05", [], "")
    text, empty, error = render("Hari ini {{ now }}", now=None)  # the real clock, local time
    assert text.startswith("Hari ini 2") and empty == [] and error == ""


def test_now_is_local_time_and_aware() -> None:
    variables = ticket_variables(TICKET, agent_name="Dewi", agent_email="d@x")
    now = variables["now"]
    assert now.tzinfo is not None
    assert abs(now - datetime.now().astimezone()) < timedelta(minutes=5)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ships by {{ now | add_days(2) | date('%A') }}", "ships by Saturday"),
        ("{{ now | add_days(-1) | date('%d/%m/%Y') }}", "31/12/2025"),
        ("{{ now | add_hours(12) | date('%a %d %b %H:%M') }}", "Fri 02 Jan 02:05"),
        ("{{ now | add_days('3') | date('%A') }}", "Sunday"),
        ("{{ now.year }}", "2026"),
        ("{{ now | date }}", "01 Jan 2026"),
        ("{{ (now | add_days(2)) }}", "2026-01-03 14:05"),
        # Weekday and month names in the customer's language, from Babel's CLDR data.
        ("dikirim {{ now | add_days(1) | date('%A, %d %B', 'id') }}", "dikirim Jumat, 02 Januari"),
        ("{{ now | date('%A', 'th') }}", "วันพฤหัสบดี"),
        # Ticket times are ISO text: the same filters read them.
        ("{{ ticket.created_datetime | add_days(3) | date('%d/%m') }}", "23/11"),
        ("{{ ticket.created_datetime | datetime_format('%d/%m') }}", "20/11"),
    ],
)
def test_date_arithmetic_and_formats(body: str, expected: str) -> None:
    assert render(body) == (expected, [], "")


@pytest.mark.parametrize(
    "body",
    [
        "{{ now | add_days('soon') }}",
        "{{ now | add_days(10 ** 12) }}",
        "{{ now | date('%A', 'xx_NOPE') }}",
        "{{ now | date('" + "%A" * 200 + "') }}",
        "{{ 'not a date' | add_days(1) }}",
    ],
)
def test_bad_date_arithmetic_is_one_template_error(body: str) -> None:
    text, _empty, error = render(body)
    assert error.startswith("template error") and "\n" not in error
    assert text == body  # nothing half-rendered goes into a reply


def test_order_totals_can_be_shown_as_money() -> None:
    """issue 10 item 11: macro variables that carry prices read as money too."""
    orders = "ticket.customer.integrations.shopify.orders"
    body = (
        f"{{{{ {orders}[0].total_price_formatted }}}} | {{{{ {orders}[1].total_price_formatted }}}}"
        f" | {{{{ {orders}[0].total_price | money({orders}[0].currency) }}}}"
        f" | {{{{ {orders}[0].total_price }}}} {{{{ {orders}[0].currency }}}}"
    )
    assert render(body) == ("Rp185.000 | $1,234.50 | Rp185.000 | 185000.0 IDR", [], "")
