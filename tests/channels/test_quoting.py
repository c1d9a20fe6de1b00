"""Quoted history and signatures are found (to collapse them) in the languages we meet."""

from __future__ import annotations

import pytest

from deskterm.domain.quoting import fold_reply, split_reply


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


# --- issue 10 item 8: only quoted history and mail-client signatures are folded ---------

SIGN_OFFS = [
    "Thanks for the quick reply!\n\nBest regards,\nRina",
    "Barangnya sudah sampai, terima kasih.\n\nSalam,\nRina Kusuma",
    "Kapan dikirim kak?\n\nTerima kasih,\nSiti",
    "Mohon dibantu.\n\nHormat saya,\nBudi Santoso\nPT Maju Jaya",
    "Recebi o pedido.\n\nAtenciosamente,\nAna Souza",
    "Obrigado!\n\nAbraços,\nJoão",
    "Where is my order?\n\nThanks,\nBudi",
    "Please check.\n\nKind Regards\nDewi",
    "Got it\n\nAll the best,\nMark",
    "Cheers,\nTom",
    "Saya pesan:\n- kopi arabika 2 kg\n- kopi robusta 1 kg\nTotal berapa?",
    "Dikirim dari gudang mana kak?\n\nDikirim dari Surabaya ya?",
    "Did you ship it?\nSent from the warehouse yesterday, you said.",
    "Terima kasih\n--\n",
]


@pytest.mark.parametrize("body", SIGN_OFFS)
def test_customer_sign_off_is_their_own_words(body: str) -> None:
    """issue 10 item 8: a plain sign-off, a list or a phrase that only looks like a
    mail-client line is the customer's own text, never folded away."""
    assert split_reply(body) == (body, "")


MAIL_CLIENT_SIGNATURES = [
    ("Thanks!\n\nSent from my iPhone", "Thanks!", "Sent from my iPhone"),
    ("Sudah diterima\n\nDikirim dari iPhone saya", "Sudah diterima", "Dikirim dari iPhone"),
    (
        "Kak, paketnya belum sampai.\n\nDikirim dari Yahoo Mail di Android",
        "Kak, paketnya belum sampai.",
        "Dikirim dari Yahoo",
    ),
    (
        "Oke kak\n\nDikirim dari ponsel cerdas Samsung Galaxy saya.",
        "Oke kak",
        "Dikirim dari ponsel",
    ),
    ("Recebi, obrigada.\n\nEnviado do meu iPhone", "Recebi, obrigada.", "Enviado do meu"),
    (
        "Chegou quebrado.\n\nEnviado do meu smartphone Samsung Galaxy.",
        "Chegou quebrado.",
        "Enviado do meu",
    ),
    ("Gracias\n\nEnviado desde mi iPhone", "Gracias", "Enviado desde"),
    ("Danke\n\nVon meinem iPhone gesendet", "Danke", "Von meinem"),
    ("ok thanks\n\nGet Outlook for Android<https://aka.ms/AAb9ysg>", "ok thanks", "Get Outlook"),
    ("Any update?\n\nSent from Yahoo Mail on Android", "Any update?", "Sent from Yahoo"),
    (
        "Where is my order?\n\nBest regards,\nRina\n\n-- \nRina Kusuma\nPT Maju Jaya\n+62 812 0000",
        "Where is my order?\n\nBest regards,\nRina",
        "-- \nRina Kusuma",
    ),
    ("Terima kasih\n--\nSiti Rahayu\n0812-3456-789", "Terima kasih", "--\nSiti"),
    ("Thanks\r\n-- \r\nRina\r\n", "Thanks", "-- \r\nRina"),
]


@pytest.mark.parametrize(("body", "fresh", "hidden_starts"), MAIL_CLIENT_SIGNATURES)
def test_mail_client_signature_is_folded(body: str, fresh: str, hidden_starts: str) -> None:
    """issue 10 item 8: what the customer's mail client adds (the "-- " block, "Sent from my
    iPhone", "Dikirim dari iPhone saya", "Enviado do meu ...") is folded, in any language."""
    head, tail = split_reply(body)
    assert head == fresh
    assert tail.startswith(hidden_starts)
    assert body.startswith(head) and tail in body


def test_sign_off_stays_above_folded_quote() -> None:
    """issue 10 item 8: the customer's sign-off is kept; only the history below is folded."""
    body = (
        "Halo kak, barangnya sudah sampai.\n\nSalam,\nRina\n\n"
        "Pada tanggal 10 Nov 2026, Kopi Nusantara <a@b.test> menulis:\n> Pesanan dikirim"
    )
    head, tail = split_reply(body)
    assert head == "Halo kak, barangnya sudah sampai.\n\nSalam,\nRina"
    assert tail.startswith("Pada tanggal")


@pytest.mark.parametrize(
    "body",
    [
        "Halo kak, sudah kami kirim hari ini.\n\nBest regards,\nDewi",
        "Pesanan sudah dikirim.\n\nSalam hangat,\nDewi\nKopi Nusantara",
        "Obrigada pela compra!\n\nAtenciosamente,\nDewi",
        "Noted.\n\n-- \nDewi\nKopi Nusantara\nSent from my iPhone",
    ],
)
@pytest.mark.parametrize("direction", ["out", "note"])
def test_shop_text_is_never_folded(body: str, direction: str) -> None:
    """issue 10 item 8: the shop's own reply or note is shown whole, sign-off included."""
    assert split_reply(body, direction=direction) == (body, "")


def test_outgoing_reply_folds_only_the_quoted_history() -> None:
    """issue 10 item 8: a reply written in another mail client keeps its sign-off; the
    customer's mail it quoted is history and is folded."""
    body = (
        "Sudah kami kirim kak.\n\nBest regards,\nDewi\n\n"
        "On Tue, Nov 10, 2026 at 11:00 AM Rina <rina@mail.test> wrote:\n> Kapan dikirim?"
    )
    head, tail = split_reply(body, direction="out")
    assert head == "Sudah kami kirim kak.\n\nBest regards,\nDewi"
    assert tail.startswith("On Tue")
    assert split_reply(body, direction="note") == (body, "")


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        ("Thanks\n\nOn Tue, Nov 10, 2026 at 11:00 AM A <a@b.test> wrote:\n> x", "2 quoted lines"),
        ("Thanks\n> only this", "1 quoted line"),
        ("Thanks\n\nSent from my iPhone", "1 signature line"),
        ("Thanks\n-- \nRina\nPT Maju", "3 signature lines"),
        (
            "Thanks\n-- \nRina\n\n"
            "On Tue, Nov 10, 2026 at 11:00 AM A <a@b.test> wrote:\n> x\n>\n> y",
            "signature and 4 quoted lines",
        ),
        ("Thanks\n-- \nRina\n> x", "signature and 1 quoted line"),
    ],
)
def test_folded_summary_counts_right(body: str, summary: str) -> None:
    """issue 10 item 8: "1 quoted line", not "1 quoted lines"; a signature is named as one."""
    folded = fold_reply(body)
    assert folded.summary() == summary
    assert folded.fresh == "Thanks"
    assert body.startswith(folded.fresh) and folded.hidden in body
