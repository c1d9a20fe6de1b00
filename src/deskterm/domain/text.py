"""Text hygiene for untrusted strings: storage cleaning and terminal-safe display.

Every byte from a customer, a marketplace or a mail server is untrusted
(reliability.md items 1-3). ``terminal_safe`` is the ONE function every renderer
(CLI and TUI) passes such text through before it reaches a terminal;
``neutralise_controls`` is its core, which the CLI's output streams apply to everything
else they print (arguments echoed back, names from a shared store, error lines).
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embedding/override/isolate controls that let a name spoof its extension.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# C0 (except tab and newline), DEL and C1 controls.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_RE = re.compile("[" + "".join(sorted(_BIDI)) + "]")
# Lone surrogates: an argument or file name that was not valid UTF-8 arrives as
# surrogate-escaped str (PEP 383); writing one to a UTF-8 stream raises UnicodeEncodeError.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_UNSAFE_RE = re.compile("|".join((_CONTROL_RE.pattern, _BIDI_RE.pattern, _SURROGATE_RE.pattern)))
_DATA_UNSAFE_RE = re.compile("|".join((_UNSAFE_RE.pattern, "[\u2028\u2029]")))


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ ␁ ... ␛ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the undecodable byte, as Python would write it
    return f"<U+{code:04X}>"  # C1, bidi and other surrogates have no control picture


def neutralise_controls(text: str) -> str:
    """``text`` with every control (but tab and newline), bidi control and lone surrogate
    made visible and inert; nothing else changes, so data such as JSON or TOML keeps its
    meaning."""
    return _UNSAFE_RE.sub(_control_picture, text)


def escape_in_strings(document: str) -> str:
    """A JSON or TOML ``document`` with every control (but tab and newline), bidi control,
    line separator and lone surrogate written as a ``\\uXXXX`` escape.

    Lossless: such characters only occur inside the document's strings, where the escape
    means the same character, so the data reads back unchanged while a terminal showing it
    sees nothing it could act on.
    """
    return _DATA_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


def terminal_safe(text: str, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with every control and bidi character made visible and inert.

    Tabs become spaces (a tab moves the cursor in ways that break layouts);
    CR is shown as a picture unless it precedes LF, where it is dropped.
    """
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    return neutralise_controls(text)


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


# Characters whose width terminals disagree on (measured in tmux 3.3 against Rich 15):
# a variation selector makes ❤ two cells for Rich and one for tmux; a skin-tone modifier
# is a second emoji two cells wide in tmux; a zero-width joiner folds the next emoji into
# the previous cell in tmux (🏳️‍🌈 is one cell) while others draw one glyph of two; an
# enclosing keycap and emoji tag characters are drawn by some terminals, not others.
_WIDTH_UNSTABLE_RE = re.compile("[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_ZWJ = "\u200d"


def width_stable(text: str) -> str:
    """``text`` for display with every character's width agreed on by terminals and by
    the layout's measuring: emoji keep their base (👍🏽 → 👍, ❤️ → ❤), a joined sequence
    shows its parts side by side (🏳️‍🌈 → 🏳🌈, 👨‍👩‍👧 → 👨👩👧; in Indic text a joiner
    asking for a half form gives the full conjunct). Letters are untouched: Indic spacing
    vowel signs (ि ी) keep their cell, which the TUI's measure counts (tui/cell_widths.py)."""
    if text.isascii():
        return text
    return _WIDTH_UNSTABLE_RE.sub("", text).replace(_ZWJ, "")
