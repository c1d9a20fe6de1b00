"""Money in the inbox: the customer panel formats every order total per currency (Babel),
and Babel stays out of the inbox's cold start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

from deskterm.tui.widgets.conversation.customer_panel import panel_text
from tests.tui.conftest import REPO


def _order(name: str, total: str, currency: str) -> dict[str, Any]:
    return {
        "name": name,
        "external_id": name,
        "created_at": "2026-03-01T00:00:00Z",
        "financial_status": "paid",
        "fulfillment_status": "fulfilled",
        "total": total,
        "currency": currency,
        "items": [],
        "tracking": [],
    }


def test_order_totals_read_as_money_in_the_customer_panel() -> None:
    """issue 10 item 11: the panel showed ``135000`` and ``365000.0 IDR`` for two totals."""
    context = {
        "customer": {"name": "Siti Rahma", "email": "siti@mail.test"},
        "identities": [],
        "tickets": [],
        "ticket_count": 0,
        "orders": [
            _order("#1001", "135000", "IDR"),
            _order("#1002", "365000.0", "IDR"),
            _order("#1003", "1234.5", "USD"),
        ],
    }
    shown = panel_text(context).plain
    assert "Rp135.000" in shown and "Rp365.000" in shown and "$1,234.50" in shown
    assert "365000.0" not in shown and "IDR" not in shown


def test_babel_is_not_imported_by_the_inbox_cold_start() -> None:
    """Babel takes ~50 ms to load with its locale data: the first amount shown pays for it,
    not the paint of the ticket list (bench/README: TUI cold start)."""
    child = textwrap.dedent(
        """
        import sys
        import deskterm.tui.app
        from deskterm.tui.widgets.conversation import customer_panel
        print(sorted(name for name in sys.modules if name.split(".")[0] == "babel"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr[-2000:]
