"""Quoted history and signatures are found (to collapse them) in the languages we meet."""

from __future__ import annotations

import pytest

from deskterm.domain.quoting import split_reply


@pytest.mark.parametrize(
    ("body", "fresh", "quoted_starts"),
    [
        (
            "Thanks!\n\nOn Tue, Nov 10, 2026 at 11:00 AM Shop <a@b.test> wrote:\n> old\n> older",
            "Thanks!",
            "On Tue",
        ),
        (
            "Sudah sampai kak!\n\n-- \nSiti\n\n"
            "Pada tanggal 10 Nov 2026, Kopi <a@b.test> menulis:\n> Halo",
            "Sudah sampai kak!",
            "-- ",
        ),
        (
            "Obrigada!\n\nEm ter., 10 de nov. de 2026 às 11:00, Loja <a@b.test> escreveu:\n> Oi",
            "Obrigada!",
            "Em ter.",
        ),
        (
            "¡Gracias!\n\nEl mar, 10 nov 2026 a las 11:00, Tienda (<a@b.test>) escribió:\n> Hola",
            "¡Gracias!",
            "El mar",
        ),
    ],
)
def test_split_reply(body: str, fresh: str, quoted_starts: str) -> None:
    head, tail = split_reply(body)
    assert head == fresh
    assert tail.startswith(quoted_starts)
    assert head in body and tail in body  # nothing rewritten, only split


@pytest.mark.parametrize("body", ["", "Just one line", "> only a quote", "a\n> inline\nb"])
def test_nothing_to_collapse(body: str) -> None:
    assert split_reply(body) == (body, "")
