"""The earlier messages of a long thread, drawn lazily: only the lines on screen are rendered.

A ticket with thousands of messages would cost thousands of widgets (seconds to mount and to
unmount, hundreds of MB). This one widget knows each message's height at the pane's width
(cheap to count exactly, see ``message_height``) and renders a message's lines only when
they come into view, keeping a few recent ones.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from rich._wrap import divide_line
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from deskterm.tui.render import shown_line, shown_text

Message = dict[str, Any]
Draw = Callable[[Message], Text]  # a message as inert Text (the conversation's message_text)
Parts = Callable[[Message], tuple[str, str, str]]  # plain (header, text shown, fold hint)

_KEPT = 64  # rendered messages kept: a few screens' worth, whatever the thread's length
_LAYOUTS_KEPT = 8  # (quotes state, width) layouts remembered
_BORDER = "█"  # what Textual draws for a thick left border (the message widgets have one)


def _wrapped(line: str, width: int) -> int:
    """Rows one display line takes at ``width``: Rich's own word wrap (``Text.wrap`` cuts
    each line where ``divide_line`` says, folding words longer than the width)."""
    if len(line) <= width and (line.isascii() or cell_len(line) <= width):
        return 1
    return len(divide_line(line, width, fold=True)) + 1


def message_height(message: Message, parts: tuple[str, str, str], width: int) -> int:
    """Rows a message takes at ``width`` (its blank separator row included), counted from
    its plain text without building the styled Text: what makes 5,000 messages cheap."""
    header, fresh, hint = parts
    rows = _wrapped(header, width)
    rows += sum(_wrapped(line, width) for line in shown_text(fresh).split("\n"))
    if hint:
        rows += _wrapped(hint, width)
    for attachment in message.get("attachments") or ():
        name = shown_line(str(attachment["filename"]))
        line = f"📎 {name} {attachment['content_type']}, {attachment['size']} bytes"
        rows += _wrapped(line, width)
    return rows + 1


class EarlierMessages(Widget):
    """Messages of a long thread above the newest ones, rendered only where seen."""

    DEFAULT_CSS = """
    EarlierMessages { height: auto; }
    """

    def __init__(self, messages: list[Message], draw: Draw, parts: Parts, state: object) -> None:
        super().__init__(classes="earlier-messages")
        self.messages = messages
        self._draw = draw
        self._parts = parts
        self._width = -1
        self._starts: list[int] = [0]  # first row of each message; the last item: total rows
        self._rendered: OrderedDict[int, list[Strip]] = OrderedDict()
        # Each message's plain parts and the rows they take, by the view's state (quotes
        # folded or not) and width: `z` back and forth measures nothing twice.
        self._state: object = state
        self._plain: dict[object, list[tuple[str, str, str]]] = {}
        self._layouts: dict[tuple[object, int], list[int]] = {}

    # --- layout -----------------------------------------------------------------------

    def relayout(self, state: object) -> None:
        """The messages' text changed (quotes folded or shown: ``state``): measure again."""
        self._state = state
        self._width = -1
        self._rendered.clear()
        self.refresh(layout=True)

    def _measure(self, width: int) -> None:
        if width == self._width:
            return
        key = (self._state, width)
        starts = self._layouts.get(key)
        if starts is None:
            plain = self._plain.get(self._state)
            if plain is None:
                plain = self._plain[self._state] = [self._parts(m) for m in self.messages]
            text_width = [max(width - 1, 1)] * len(plain)
            heights = map(message_height, self.messages, plain, text_width)
            if len(self._layouts) >= _LAYOUTS_KEPT:  # a terminal resized again and again
                self._layouts.clear()
            starts = self._layouts[key] = [0, *accumulate(heights)]
        self._starts = starts
        self._width = width
        self._rendered.clear()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """All the messages' rows at ``width``."""
        self._measure(width)
        return self._starts[-1]

    def message_top(self, index: int) -> int:
        """Row (within this widget) where message ``index`` starts."""
        return self._starts[min(index, len(self._starts) - 1)]

    def message_rows(self, index: int) -> int:
        """Rows message ``index`` takes (its separator row included)."""
        return self._starts[index + 1] - self._starts[index]

    def message_at(self, row: int) -> int:
        """Index of the message shown at ``row`` (within this widget)."""
        return max(min(bisect_right(self._starts, row) - 1, len(self.messages) - 1), 0)

    # --- drawing ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """Row ``y``: a line of the message there, rendered when first seen."""
        width = self.size.width
        self._measure(width)
        if not self.messages or y >= self._starts[-1]:
            return Strip.blank(width, self.rich_style)
        index = self.message_at(y)
        strips = self._rendered.get(index)
        if strips is None:
            strips = self._render_message(index, width)
            self._rendered[index] = strips
            if len(self._rendered) > _KEPT:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(index)
        return strips[y - self._starts[index]]

    def _render_message(self, index: int, width: int) -> list[Strip]:
        message = self.messages[index]
        console = self.app.console
        base = self.rich_style
        border, background = self._colours(str(message["direction"]))
        if background is not None:
            base = base + Style(bgcolor=background.rich_color)
        bar = Segment(_BORDER, base + Style(color=border.rich_color))
        text = self._draw(message)
        strips = []
        for line in text.wrap(console, max(width - 1, 1)):
            segments = [bar, *Segment.apply_style(line.render(console, end=""), base)]
            strips.append(Strip(segments).adjust_cell_length(width, base))
        rows = self.message_rows(index)
        blank = Strip([bar]).adjust_cell_length(width, base)
        # Exactly the measured rows, so the layout never shifts under the reader.
        return (strips + [blank] * rows)[:rows]

    def _colours(self, direction: str) -> tuple[Color, Color | None]:
        """The left bar's colour and the background, as the message widgets' CSS has them."""
        variables = self.app.get_css_variables()
        if direction == "note":
            warning = Color.parse(variables.get("warning", "yellow"))
            under = Color.parse(variables.get("background", "black"))
            return warning, under.blend(warning, 0.15)
        name = {"out": "success", "in": "primary"}.get(direction, "secondary")
        return Color.parse(variables.get(name, "blue")), None
