"""What the terminal shows, cell by cell, so that a frame writes only the cells that changed.

Issue 11 item 1. Textual repaints by region: a status line whose text did not change, a
ticket list row re-rendered after a reload, a scrollbar refreshed twice, a pane laid out
again, all go out whole. ``ShadowScreen.frame`` takes one of Textual's frames (cursor moves,
colours, text), compares every cell it paints with what this screen last wrote there, and
returns a frame that paints only the cells that differ (and the cursor moves and other
sequences of the original, in order). Anything that may have changed the terminal behind
our back (another screen buffer, a clear, a resize: ``reset``) makes every cell unknown, so
the next frame is written in full.

Cell widths are Rich's (``rich.cells``), the same Textual lays its frames out with.
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

_TOKEN = re.compile(
    r"(?P<sgr>\x1b\[(?P<params>[0-9;:]*)m)"
    r"|(?P<cup>\x1b\[(?P<row>[0-9]*)(?:;(?P<col>[0-9]*))?H)"
    r"|(?P<esc>\x1b(?:\[[0-9;?<=>$]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|.))"
    r"|(?P<ctl>[\x00-\x09\x0b\x0c\x0e-\x1f\x7f])"
    r"|(?P<nl>\n)"
    r"|(?P<cr>\r)"
    r"|(?P<text>[^\x00-\x1f\x7f\x1b]+)",
    re.DOTALL,
)
# Sequences after which the terminal's cells are not what we wrote: another screen buffer,
# a clear, a reset, a scroll region.
_FORGET = re.compile(r"\x1b\[\?(?:1049|1047|47)[hl]|\x1b\[[0-3]?J|\x1bc|\x1b\[[0-9;]*r")
CONT = ("", "")  # the right half of a wide character
GAP = 6  # unchanged cells between two changed runs rewritten rather than jumped over

Cell = tuple[str, str]  # (text, SGR parameters)


class ShadowScreen:
    """The terminal's cells as written so far; ``frame`` turns a frame into its changes."""

    def __init__(self) -> None:
        self.rows: dict[int, list[Cell | None]] = {}
        self.cursor: tuple[int, int] | None = None  # where the last frame left the cursor

    def reset(self) -> None:
        """Forget every cell: the next frame is written whole."""
        self.rows.clear()
        self.cursor = None

    def frame(self, data: str) -> str:
        """``data`` (one write of Textual's) as the writes of the cells that changed."""
        if "\x1b[" not in data:
            return data
        out: list[str] = []
        pending: dict[int, dict[int, Cell]] = {}
        row = col = 0
        style = ""
        cursor_moved = False  # a cursor move not followed by text: it places the cursor
        for match in _TOKEN.finditer(data):
            kind = match.lastgroup
            if kind == "text":
                cursor_moved = False
                line = pending.setdefault(row, {})
                text = match.group()
                if text.isascii():
                    for char in text:
                        line[col] = (char, style)
                        col += 1
                    continue
                for char in text:
                    width = get_character_cell_size(char)
                    if width == 0:
                        if col > 0 and col - 1 in line:  # a combining mark joins its cell
                            joined, joined_style = line[col - 1]
                            line[col - 1] = (joined + char, joined_style)
                        continue
                    line[col] = (char, style)
                    if width == 2:
                        line[col + 1] = CONT
                    col += width
            elif kind == "sgr":
                params = match.group("params")
                if params in ("", "0"):
                    style = ""
                elif params.startswith("0;"):
                    style = params[2:]
                else:
                    style = f"{style};{params}" if style else params
            elif kind == "cup":
                row = int(match.group("row") or 1) - 1
                col = int(match.group("col") or 1) - 1
                cursor_moved = True
            elif kind == "nl":
                row += 1
            elif kind == "cr":
                col = 0
            else:  # another sequence or control: in order, after the cells before it
                self._flush(pending, out)
                pending = {}
                if cursor_moved:
                    out.append(f"\x1b[{row + 1};{col + 1}H")
                    cursor_moved = False
                sequence = match.group()
                if _FORGET.fullmatch(sequence):
                    self.reset()
                out.append(sequence)
        self._flush(pending, out)
        if out:
            self.cursor = None  # cells or sequences written: the cursor moved on
        if cursor_moved and self.cursor != (row, col):
            # A frame that changed no cell does not move the cursor to where it already is.
            out.append(f"\x1b[{row + 1};{col + 1}H")
            self.cursor = (row, col)
        return "".join(out)

    def _flush(self, pending: dict[int, dict[int, Cell]], out: list[str]) -> None:
        """Write the pending cells that differ from the shadow, row by row."""
        for y in sorted(pending):
            wanted = pending[y]
            shown = self.rows.setdefault(y, [])
            right = max(wanted) + 2
            if len(shown) < right:
                shown.extend([None] * (right - len(shown)))
            changed = []
            for x in sorted(wanted):
                if shown[x] != wanted[x]:
                    changed.append(x)
            if not changed:
                continue
            for x in changed:
                # Overwriting half of a wide character blanks its other half on the terminal.
                if shown[x] == CONT and wanted[x] != CONT and x > 0:
                    shown[x - 1] = None
                if shown[x + 1] == CONT and wanted.get(x + 1) != CONT:
                    shown[x + 1] = None
            changed = [x for x in sorted(wanted) if shown[x] != wanted[x]]
            for start, end in _runs(changed, wanted):
                out.append(f"\x1b[{y + 1};{start + 1}H")
                current = None
                for x in range(start, end + 1):
                    cell = wanted.get(x)
                    if cell == CONT:
                        continue
                    if cell is None:  # not painted by this frame: jump over it
                        out.append(f"\x1b[{y + 1};{x + 2}H")
                        continue
                    text, sgr = cell
                    if sgr != current:
                        out.append(f"\x1b[0;{sgr}m" if sgr else "\x1b[0m")
                        current = sgr
                    out.append(text)
                    shown[x] = cell
                    if x + 1 < len(shown) and wanted.get(x + 1) == CONT:
                        shown[x + 1] = CONT
                out.append("\x1b[0m")


def _runs(changed: list[int], wanted: dict[int, Cell]) -> list[tuple[int, int]]:
    """Changed columns grouped into runs to write, each whole: a run starts on a character
    (not the right half of a wide one), ends after one, and bridges short unchanged gaps
    whose cells this frame paints too."""
    runs: list[tuple[int, int]] = []
    for x in changed:
        start = x
        while wanted.get(start) == CONT and start - 1 in wanted:
            start -= 1
        end = x + 1 if wanted.get(x + 1) == CONT else x
        if runs:
            last_start, last_end = runs[-1]
            bridge = range(last_end + 1, start)
            if start <= last_end + 1 or (len(bridge) <= GAP and all(b in wanted for b in bridge)):
                runs[-1] = (last_start, max(last_end, end))
                continue
        runs.append((start, end))
    return runs
