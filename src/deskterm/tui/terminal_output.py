"""Fewer bytes for the same picture: a compact rewrite of what Textual writes to the terminal.

Issue 11 item 1. Textual renders every segment as ``SGR text RESET`` (``\\x1b[38;5;253;
48;5;234mtext\\x1b[0m``) and writes blank cells as spaces, so a screen of one colour costs
a reset and a colour change every few cells and a byte per blank cell. Over ssh on a slow
link that is most of what the inbox sends. ``compact`` rewrites one frame so that:

- a reset followed by the same colours as before is dropped (adjacent segments of the same
  style merge, also across a cursor move);
- a reset followed by other colours becomes one sequence (``\\x1b[0;…m``);
- a run of spaces becomes "erase N characters" plus "cursor forward N" (ECH + CUF), which
  paint the same blank cells in the current background (every terminal deskterm supports
  erases with the current background: xterm, tmux, screen, VTE, kitty, iTerm2, Windows
  Terminal, the Linux console), unless the current style would show on a blank cell
  (underline, reverse, strike, overline, blink).

The picture is unchanged: the terminal ends in the same state (cells, cursor, attributes
reset at the end of the frame).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"(?P<sgr>\x1b\[(?P<params>[0-9;:]*)m)"
    r"|(?P<cup>\x1b\[[0-9]*(?:;[0-9]*)?H)"
    r"|(?P<sync>\x1b\[\?2026[hl])"
    r"|(?P<esc>\x1b(?:\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|.))"
    r"|(?P<text>[^\x1b]+)",
    re.DOTALL,
)
_SPACES = re.compile(r" {12,}")  # shorter runs cost more as ECH + CUF than as spaces
_VISIBLE_ON_BLANK = frozenset({"4", "5", "6", "7", "9", "21", "53"})  # underline, blink, …
RESET = "\x1b[0m"


def _blank_safe(params: str) -> bool:
    """Whether a cell erased under these SGR parameters looks like a space under them."""
    parts = params.replace(":", ";").split(";")
    index = 0
    while index < len(parts):
        code = parts[index]
        if code in ("38", "48", "58"):  # a colour: its arguments are not attributes
            kind = parts[index + 1] if index + 1 < len(parts) else ""
            index += 3 if kind == "5" else (5 if kind == "2" else 2)
            continue
        if code in _VISIBLE_ON_BLANK or code.startswith("4:"):
            return False
        index += 1
    return True


def _squeeze(text: str) -> str:
    """Runs of spaces as ECH (erase, cursor stays) + CUF (cursor forward)."""

    def erase(match: re.Match[str]) -> str:
        count = len(match.group())
        return f"\x1b[{count}X\x1b[{count}C"

    return _SPACES.sub(erase, text)


def compact(frame: str) -> str:
    """``frame`` (one write of Textual's) rewritten to draw the same with fewer bytes."""
    if "\x1b[" not in frame:
        return frame
    out: list[str] = []
    append = out.append
    current: str | None = ""  # SGR parameters in effect ("" = reset), None = unknown
    pending_reset = False  # a reset seen but not written yet: the next SGR may make it moot
    for match in _TOKEN.finditer(frame):
        kind = match.lastgroup
        if kind == "sgr":
            params = match.group("params")
            if params.startswith("0;"):  # a reset and a style in one sequence
                pending_reset, params = True, params[2:]
            if params in ("", "0"):
                pending_reset = True
            elif pending_reset:
                pending_reset = False
                if params != current:
                    append(f"\x1b[0;{params}m")
                    current = params
            else:
                append(match.group())
                current = params if current == "" else None
        elif kind == "text":
            text = match.group()
            if pending_reset:
                pending_reset = False
                if current != "":
                    append(RESET)
                    current = ""
            if current is not None and " " * 12 in text and _blank_safe(current):
                text = _squeeze(text)
            append(text)
        elif kind in ("cup", "sync"):
            append(match.group())  # moving the cursor keeps the attributes
        else:
            if current != "":
                append(RESET)
            pending_reset = False
            current = ""
            append(match.group())
    if pending_reset and current != "":
        append(RESET)
    return "".join(out)
