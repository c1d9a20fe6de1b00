"""A block of the conversation pane (its header, one message): a Static laid out once."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Static


class Block(Static):
    """A Static whose first size does not lay the screen out a second time.

    Issue 11 item 1. Textual 8.2 stores a new widget's first size through a layout=True
    reactive, so each ticket shown was laid out twice and its pane painted twice (4 KB more
    per `j` at 120x40). The layout that reports the size has just placed the block with it.
    """

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)
