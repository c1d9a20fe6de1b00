"""Realistic small support mail for sync tests: conversations with replies, several languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

SUBJECTS = (
    "Where is my order #{n}?",
    "Pesanan #{n} belum sampai",
    "Reembolso do pedido #{n}",
    "¿Cuándo llega mi pedido #{n}?",
    "Damaged item in order #{n}",
)


def customer_mail(
    n: int,
    *,
    to: str,
    reply_to_n: int | None = None,
    customer: int | None = None,
    subject: str | None = None,
    extra_headers: tuple[str, ...] = (),
) -> bytes:
    """Message ``n`` from customer ``customer`` (default n % 50), optionally a reply to message
    ``reply_to_n``."""
    who = n % 50 if customer is None else customer
    when = datetime(2026, 3, 1, 9, tzinfo=UTC) + timedelta(minutes=17 * n)
    base = subject or SUBJECTS[
        (reply_to_n if reply_to_n is not None else n) % len(SUBJECTS)
    ].format(n=1000 + (reply_to_n if reply_to_n is not None else n))
    lines = [
        f"From: Customer {who} <customer{who}@example.com>",
        f"To: {to}",
        f"Subject: {'Re: ' if reply_to_n is not None else ''}{base}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <m{n}@example.com>",
    ]
    if reply_to_n is not None:
        lines += [
            f"In-Reply-To: <m{reply_to_n}@example.com>",
            f"References: <m{reply_to_n}@example.com>",
        ]
    lines += [
        *extra_headers,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        f"Message {n}. Halo kak, tolong dicek pesanan saya. Obrigada! Gracias.",
        "",
    ]
    return "\r\n".join(lines).encode()


def conversation_mailbox(count: int, *, to: str) -> list[bytes]:
    """``count`` messages where every third message replies to the one before it."""
    return [
        customer_mail(
            n,
            to=to,
            reply_to_n=n - 1 if n % 3 == 2 else None,
            customer=(n - 1) % 50 if n % 3 == 2 else None,
        )
        for n in range(count)
    ]
