"""A small terminal model for tests: the cells a stream of output leaves on the screen.

It knows what deskterm's frames use: cursor position (CUP, CUF), colours and attributes
(SGR, 256 colours and true colour), erase characters (ECH) and text with Rich's cell widths.
A blank cell keeps only what shows on it (background, reverse, underline and the like).
"""

from __future__ import annotations

import re

from rich.cells import get_character_cell_size

_TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-9;:?<=>$]*)(?P<final>[@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b.|(?P<text>[^\x1b]+)",
    re.DOTALL,
)
_SHOWS_ON_BLANK = frozenset({"4", "5", "7", "9", "21", "53"})

Cell = tuple[str, str | None, str | None, frozenset[str]]


class Terminal:
    """``width`` x ``height`` cells; ``feed`` applies output to them."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        blank: Cell = (" ", None, None, frozenset())
        self.cells: list[list[Cell]] = [[blank] * width for _ in range(height)]
        self.row = self.col = 0
        self.fg: str | None = None
        self.bg: str | None = None
        self.attrs: set[str] = set()

    def feed(self, data: str) -> None:
        """Apply ``data`` to the screen."""
        for match in _TOKEN.finditer(data):
            text = match.group("text")
            if text is not None:
                self._text(text)
            elif match.group("final") is not None:
                self._csi(match.group("params"), match.group("final"))

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", "<", ">", "=")) or "$" in params:
            return
        numbers = [int(p) if p else 0 for p in params.split(";")] if params else []
        first = numbers[0] if numbers else 0
        if final == "H":
            self.row = max((numbers[0] if numbers else 1) - 1, 0)
            self.col = max((numbers[1] if len(numbers) > 1 else 1) - 1, 0)
        elif final == "C":
            self.col = min(self.col + max(first, 1), self.width - 1)
        elif final == "X":
            for x in range(self.col, min(self.col + max(first, 1), self.width)):
                self._put(x, " ")
        elif final == "m":
            self._sgr(params)

    def _sgr(self, params: str) -> None:
        parts = params.replace(":", ";").split(";") if params else ["0"]
        index = 0
        while index < len(parts):
            code = parts[index] or "0"
            if code in ("38", "48"):
                kind = parts[index + 1]
                size = 3 if kind == "5" else 5
                value = ";".join(parts[index + 1 : index + size])
                if code == "38":
                    self.fg = value
                else:
                    self.bg = value
                index += size
                continue
            number = int(code) if code.isdigit() else -1
            if 30 <= number <= 37 or 90 <= number <= 97:
                self.fg = code
            elif 40 <= number <= 47 or 100 <= number <= 107:
                self.bg = code
            elif code == "0":
                self.fg = self.bg = None
                self.attrs = set()
            elif code == "39":
                self.fg = None
            elif code == "49":
                self.bg = None
            elif code == "22":
                self.attrs -= {"1", "2"}
            elif code in ("23", "24", "25", "27", "28", "29"):
                self.attrs.discard(str(int(code) - 20))
            elif code == "55":
                self.attrs.discard("53")
            else:
                self.attrs.add(code)
            index += 1

    def _put(self, x: int, char: str) -> None:
        if 0 <= self.row < self.height and 0 <= x < self.width:
            if char == " ":
                cell: Cell = (" ", None, self.bg, frozenset(self.attrs & _SHOWS_ON_BLANK))
            else:
                cell = (char, self.fg, self.bg, frozenset(self.attrs))
            self.cells[self.row][x] = cell

    def _text(self, text: str) -> None:
        for char in text:
            if char == "\n":
                self.row += 1
            elif char == "\r":
                self.col = 0
            elif ord(char) < 32:
                continue
            else:
                width = get_character_cell_size(char)
                if width == 0:
                    continue
                self._put(self.col, char)
                if width == 2:
                    self._put(self.col + 1, "")
                self.col += width
                self.col = min(self.col, self.width)

    def lines(self) -> list[str]:
        """The characters of each row."""
        return ["".join(cell[0] for cell in row) for row in self.cells]
