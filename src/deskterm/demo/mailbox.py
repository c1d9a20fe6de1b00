"""The demo's support mailbox: a small shop's realistic, multilingual customer mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

SHOP_NAME = "Kopi Nusantara"
SHOP = "support@kopi-nusantara.test"


def _mail(
    mid: str,
    sender: str,
    subject: str,
    body: str,
    when: datetime,
    *,
    to: str = SHOP,
    in_reply_to: str = "",
    references: tuple[str, ...] = (),
    html: str = "",
    attachment: tuple[str, str, bytes] | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<{mid}>"
    if in_reply_to:
        msg["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        msg["References"] = " ".join(f"<{ref}>" for ref in references)
    for name, value in headers:
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    if attachment:
        name, ctype, data = attachment
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def demo_messages(now: datetime | None = None) -> list[bytes]:
    """About twenty messages over the last two weeks, in arrival order."""
    now = now or datetime.now(UTC)

    def ago(days: float, hours: float = 0) -> datetime:
        return now - timedelta(days=days, hours=hours)

    shop = f"{SHOP_NAME} <{SHOP}>"
    return [
        _mail(
            "siti-1@mail.test",
            "Siti Rahma <siti.rahma@mail.test>",
            "Pesanan #1042 belum sampai",
            "Halo kak,\n\nPesanan saya #1042 sudah seminggu belum sampai. Bisa dicek resinya?\n\nTerima kasih,\nSiti",
            ago(12),
        ),
        _mail(
            "shop-1@kopi-nusantara.test",
            shop,
            "Re: Pesanan #1042 belum sampai",
            "Halo Kak Siti,\n\nResi JNE: JNE1234567890. Paket sedang transit di Surabaya.\n\nSalam,\nDewi\n\n> Pesanan saya #1042 sudah seminggu belum sampai.",
            ago(12, -2),
            to="Siti Rahma <siti.rahma@mail.test>",
            in_reply_to="siti-1@mail.test",
            references=("siti-1@mail.test",),
        ),
        _mail(
            "siti-2@mail.test",
            "Siti Rahma <siti.rahma@mail.test>",
            "Re: Pesanan #1042 belum sampai",
            "Sudah sampai kak, terima kasih banyak!\n\n-- \nSiti\n\nPada tanggal 12 Nov 2026, Kopi Nusantara menulis:\n> Resi JNE: JNE1234567890.",
            ago(10),
            in_reply_to="shop-1@kopi-nusantara.test",
            references=("siti-1@mail.test", "shop-1@kopi-nusantara.test"),
        ),
        _mail(
            "john-1@example.com",
            "John Carter <john.carter@example.com>",
            "Damaged grinder - order #1051",
            "Hi,\n\nThe hand grinder in order #1051 arrived with a cracked handle. Photo attached.\nI'd like a replacement or a refund.\n\nJohn",
            ago(6),
            attachment=("cracked-handle.jpg", "image/jpeg", b"\xff\xd8\xff\xe0" + b"demo" * 200),
        ),
        _mail(
            "john-2@example.com",
            "John Carter <john.carter@example.com>",
            "RE: Damaged grinder - order #1051",
            "Any news on this? It's been three days.\n\nJohn",
            ago(3),
            references=("john-1@example.com",),
        ),
        _mail(
            "ana-1@correio.test",
            "Ana Souza <ana.souza@correio.test>",
            "Reembolso do pedido #1060",
            "Olá,\n\nGostaria de solicitar o reembolso do pedido #1060. O café veio com a embalagem aberta.\n\nObrigada,\nAna",
            ago(5),
        ),
        _mail(
            "javier-1@correo.test",
            "Javier López <javier.lopez@correo.test>",
            "¿Cuándo llega mi pedido?",
            "Hola,\n\n¿Me pueden decir cuándo llega el pedido #1063? Necesito el número de seguimiento.\n\nGracias,\nJavier",
            ago(4),
        ),
        _mail(
            "budi-1@mail.test",
            "Budi Santoso <budi.s@mail.test>",
            "Tanya stok kopi Gayo 1kg",
            "Selamat siang, apakah kopi Arabika Gayo 1kg masih ada stok? Mau pesan 3 bungkus.",
            ago(2),
            html="<p>Selamat siang, apakah kopi <b>Arabika Gayo 1kg</b> masih ada stok?</p>"
            "<img src='https://tracker.test/p.gif' width=1 height=1>"
            "<p><a href='https://kopi-nusantara.test/gayo'>link produk</a></p>",
        ),
        _mail(
            "form-1@kopi-nusantara.test",
            "Website form <no-reply@kopi-nusantara.test>",
            "Contact form: wholesale",
            "Name: Rina Wijaya\nEmail: rina@cafe-rina.test\nMessage: Kami kafe di Bandung, ingin beli grosir 20kg per bulan. Ada harga khusus?",
            ago(2, 3),
            headers=(("Reply-To", "Rina Wijaya <rina@cafe-rina.test>"),),
        ),
        _mail(
            "form-2@kopi-nusantara.test",
            "Website form <no-reply@kopi-nusantara.test>",
            "Contact form: wholesale",
            "Name: Tom Becker\nEmail: tom@beanhouse.test\nMessage: Do you ship wholesale to Singapore?",
            ago(1, 20),
            headers=(("Reply-To", "Tom Becker <tom@beanhouse.test>"),),
        ),
        _mail(
            "news-1@newsletter.test",
            "Marketplace Weekly <news@newsletter.test>",
            "Your weekly seller digest",
            "Top tips for sellers this week...\n\nUnsubscribe: https://newsletter.test/unsubscribe",
            ago(1, 8),
            headers=(("Precedence", "bulk"), ("List-Id", "<weekly.newsletter.test>")),
        ),
        _mail(
            "ngoc-1@mail.test",
            "Ngọc Anh <ngoc.anh@mail.test>",
            "Cảm ơn - thanks for the quick delivery!",
            "Thanks a lot, the coffee is great. Cảm ơn!",
            ago(1),
        ),
        _mail(
            "maria-1@correio.test",
            "Maria Oliveira <maria.o@correio.test>",
            "Pedido errado #1071",
            "Boa tarde,\n\nRecebi o pedido #1071 mas veio café moído em vez de grãos. Podem trocar?\n\nMaria",
            ago(0, 5),
        ),
        _mail(
            "dewa-1@mail.test",
            "Dewa Putra <dewa.putra@mail.test>",
            "Ganti alamat pengiriman #1074",
            "Kak, boleh ganti alamat pengiriman pesanan #1074 ke Jl. Sudirman 10, Denpasar? Terima kasih.",
            ago(0, 2),
        ),
    ]


def late_message(now: datetime | None = None) -> bytes:
    """A message that arrives while the demo runs, to show live updates."""
    return _mail(
        "late-1@mail.test",
        "Putri Lestari <putri.l@mail.test>",
        "Kopi luwak ready?",
        "Halo, kopi luwak 250g ready stok? Saya mau kirim ke Jakarta hari ini.",
        now or datetime.now(UTC),
    )
