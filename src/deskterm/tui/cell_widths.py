"""Rich measures text as the terminal draws it: Indic spacing vowel signs take a cell.

Rich's width table (from the wcwidth project) gives every combining mark zero cells, but
the spacing ones (Unicode category Mc: Devanagari ि ी ो, Bengali ি, Tamil ா ...) advance
the cursor one cell in tmux and in terminals using the C library's wcwidth. Measured as
zero, "किताब मिली" is 6 cells for the layout and 10 on screen: the pane border after it
moves right (issue 11 item 7). ``count_spacing_marks`` corrects the table once, before
anything is measured; it is applied when ``tui/render.py`` is imported.
"""

from __future__ import annotations

import unicodedata

from rich import cells
from rich._unicode_data import load


def _corrected(widths: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """``widths`` with the spacing marks inside its zero-width ranges counted one cell."""
    out: list[tuple[int, int, int]] = []
    for start, end, width in widths:
        if width != 0:
            out.append((start, end, width))
            continue
        run_start = start
        run_width = -1
        for code in range(start, end + 1):
            cell = 1 if unicodedata.category(chr(code)) == "Mc" else 0
            if cell != run_width:
                if run_width >= 0:
                    out.append((run_start, code - 1, run_width))
                run_start, run_width = code, cell
        out.append((run_start, end, run_width))
    return out


def count_spacing_marks() -> None:
    """Make Rich (and Textual, which measures with it) count spacing marks as one cell."""
    for version in ("auto", "latest"):
        widths = load(version).widths
        if isinstance(widths, list):
            widths[:] = _corrected(widths)
    cells.get_character_cell_size.cache_clear()
    cells.cached_cell_len.cache_clear()


count_spacing_marks()
