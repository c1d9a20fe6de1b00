"""Fewer bytes for the same picture: a compact rewrite of what Textual writes to the terminal.

Issue 11 item 1. Textual renders every segment as ``SGR text RESET`` (``\\x1b[38;5;253;
48;5;234mtext\\x1b[0m``) and writes blank cells as spaces, so a screen of one colour costs
a reset and a colour change every few cells and a byte per blank cell. Over ssh on a slow
link that is most of what the inbox sends. ``compact`` rewrites one frame so that:

- a reset followed by the same colours as before is dropped (adjacent segments of the same
  style merge, also across a cursor move);
- a reset followed by other colours becomes only the change (``\\x1b[22;3m`` for "not bold,
  italic", ``\\x1b[38;5;32m`` for another foreground), or one sequence (``\\x1b[0;…m``);
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


_OFF = {"3": "23", "4": "24", "5": "25", "7": "27", "8": "28", "9": "29", "53": "55"}
_Style = tuple[frozenset[str], str | None, str | None]  # attributes, foreground, background


def _parse(params: str) -> _Style | None:
    """SGR parameters as (attributes, foreground, background); None when unusual."""
    parts = params.split(";")
    attrs: set[str] = set()
    fg = bg = None
    index = 0
    while index < len(parts):
        code = parts[index]
        if code in ("38", "48"):
            kind = parts[index + 1] if index + 1 < len(parts) else ""
            size = 3 if kind == "5" else (5 if kind == "2" else 0)
            if not size or index + size > len(parts):
                return None
            value = ";".join(parts[index : index + size])
            fg, bg = (value, bg) if code == "38" else (fg, value)
            index += size
            continue
        if code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
            fg = code
        elif code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107):
            bg = code
        elif code in ("1", "2") or code in _OFF:
            attrs.add(code)
        else:
            return None
        index += 1
    return frozenset(attrs), fg, bg


def _transition(current: str | None, params: str) -> str:
    """The shortest SGR sequence from style ``current`` to style ``params``: only what
    differs (``22;3`` rather than ``0;3;38;5;253;48;5;234``), or a reset and the style."""
    full = f"\x1b[0;{params}m"
    if not current:
        return full
    before, after = _parse(current), _parse(params)
    if before is None or after is None:
        return full
    codes: list[str] = []
    gone = before[0] - after[0]
    added = set(after[0] - before[0])
    if gone & {"1", "2"}:
        codes.append("22")  # bold and faint go off together: keep what stays
        added |= after[0] & {"1", "2"}
    codes += [_OFF[code] for code in sorted(gone - {"1", "2"})]
    codes += sorted(added)
    if before[1] != after[1]:
        codes.append(after[1] or "39")
    if before[2] != after[2]:
        codes.append(after[2] or "49")
    if not codes:
        return ""  # the same look, written another way
    short = f"\x1b[{';'.join(codes)}m"
    return short if len(short) < len(full) else full


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
                    append(_transition(current, params))
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
