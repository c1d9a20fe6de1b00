"""Text hygiene for untrusted strings: storage cleaning and terminal-safe display.

Every byte from a customer, a marketplace or a mail server is untrusted
(reliability.md items 1-3). ``terminal_safe`` is the ONE function every renderer
(CLI and TUI) passes such text through before it reaches a terminal.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embedding/override/isolate controls that let a name spoof its extension.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# C0 (except tab and newline), DEL and C1 controls.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_RE = re.compile("[" + "".join(sorted(_BIDI)) + "]")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ ␁ ... ␛ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"  # C1 controls have no control picture


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with every control and bidi character made visible and inert.

    Tabs become spaces (a tab moves the cursor in ways that break layouts);
    CR is shown as a picture unless it precedes LF, where it is dropped.
    """
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    text = _CONTROL_RE.sub(_control_picture, text)
    return _BIDI_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Terminal-safe single line, whitespace collapsed, optionally cut to ``limit``."""
    line = " ".join(terminal_safe(text, keep_newlines=False).split())
    if limit is not None and len(line) > limit:
        return line[: max(limit - 1, 0)] + "…"
    return line


def clean_stored_text(text: str) -> str:
    """Normalise text before storing it: unify newlines, drop NULs, NFC-normalise.

    Controls other than NUL are kept (they are evidence) and neutralised on display.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)
