"""terminal_safe / one_line / clean_stored_text: untrusted text made inert (reliability 1-3)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deskterm.domain.text import clean_stored_text, one_line, terminal_safe

HOSTILE = [
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52 clipboard write
    "\x1b]0;pwned\x07",  # OSC 0 title
    "\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b[2J\x1b[H",  # CSI clear screen
    "\x1bP+q\x1b\\",  # DCS
    "\x1b_apc\x1b\\",  # APC
    "\x9b31m",  # C1 CSI
    "\x07\x08\x7f",
]


def test_escape_sequences_become_visible_placeholders() -> None:
    for sample in HOSTILE:
        safe = terminal_safe(sample)
        assert "\x1b" not in safe and "\x07" not in safe and "\x9b" not in safe
    assert terminal_safe("a\x1bb") == "a␛b"
    assert terminal_safe("\x9b") == "<U+009B>"


def test_bidi_controls_are_shown_escaped() -> None:
    assert terminal_safe("invoice\u202efdp.exe") == "invoice<U+202E>fdp.exe"
    assert "\u2066" not in terminal_safe("x\u2066y")


def test_newlines_kept_or_folded() -> None:
    assert terminal_safe("a\r\nb\tc") == "a\nb    c"
    assert one_line("  a \n\n b  ") == "a b"
    assert one_line("abcdef", 4) == "abc…"


def test_clean_stored_text_normalises_but_keeps_evidence() -> None:
    assert clean_stored_text("a\r\nb\rc\x00d") == "a\nb\ncd"
    assert clean_stored_text("e\u0301") == "\u00e9"
    assert "\x1b" in clean_stored_text("\x1b[31m")  # kept; neutralised on display


@given(st.text())
def test_no_control_survives(text: str) -> None:
    safe = terminal_safe(text)
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in safe)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in safe)


def test_neutralise_controls_keeps_tabs_and_shows_undecodable_bytes() -> None:
    """issue 9 finding 3/14: the CLI's output streams neutralise what terminal_safe would,
    without touching tabs, and a non-UTF-8 argument (a lone surrogate) prints as its byte."""
    from deskterm.domain.text import neutralise_controls

    assert neutralise_controls("a\tb\n\x1b[2J\x9b\u202e") == "a\tb\n␛[2J<U+009B><U+202E>"
    assert neutralise_controls("caf\udce9") == "caf\\xe9"
    assert terminal_safe("caf\udce9").encode("utf-8") == b"caf\\xe9"


@given(st.text())
def test_escape_in_strings_is_lossless_json(text: str) -> None:
    """issue 9 finding 3: --json and TOML exports escape C1/bidi too, and read back the same."""
    import json

    from deskterm.domain.text import escape_in_strings

    document = escape_in_strings(json.dumps({"v": text}, ensure_ascii=False))
    assert json.loads(document) == {"v": text}
    assert not any(0x7F <= ord(ch) <= 0x9F or ch in "\u202e\u2066" for ch in document)
