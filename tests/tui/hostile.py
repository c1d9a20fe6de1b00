"""Hostile fixtures: escape sequences, markup and bidi controls in every field we show."""

from __future__ import annotations

from email.message import EmailMessage

ESCAPES = {
    "osc52": "\x1b]52;c;ZXZpbA==\x07",
    "title": "\x1b]0;pwned-title\x07",
    "link": "\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\",
    "csi": "\x1b[2J\x1b[31m",
    "c1": "\x9b31m",
}
MARKUP = [
    "[@click=app.quit]x[/]",
    "Invoice [/] overdue",
    "[link=https://evil.test]y[/link]",
    "[b]bold",
]
BIDI = "invoice\u202efdp.exe"
# The sequences themselves (ESC included) must never reach the terminal; their text after a
# visible placeholder (␛]52;...) is harmless and expected.
PAYLOADS = ("\x1b]52;c;ZXZpbA", "\x1b]0;pwned-title", "\x1b]8;;https://evil.test", "\x9b31m")


def hostile_mbox() -> bytes:
    """An mbox with one message per hostile subject/name/body/filename combination."""
    out = b""
    samples = [*ESCAPES.values(), *MARKUP, BIDI]
    for n, text in enumerate(samples):
        msg = EmailMessage()
        msg["From"] = f'"{text}" <h{n}@evil.test>'.replace("\n", " ")
        msg["To"] = "support@kopi-nusantara.test"
        msg["Subject"] = f"{text} subject {n}"
        msg["Date"] = "Mon, 2 Nov 2026 10:00:00 +0000"
        msg["Message-ID"] = f"<hostile{n}@evil.test>"
        msg.set_content(f"Body {n}: {text}\nmore {text}")
        msg.add_attachment(
            b"x", maintype="application", subtype="octet-stream", filename=f"{text}.pdf"
        )
        out += (
            b"From h@evil.test Mon Nov  2 10:00:00 2026\n"
            + msg.as_bytes().replace(b"\nFrom ", b"\n>From ")
            + b"\n"
        )
    return out
