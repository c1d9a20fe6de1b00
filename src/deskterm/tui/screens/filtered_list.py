"""What the type-to-filter pickers share: moving in the list while typing, the highlighted item."""

from __future__ import annotations

from typing import Generic, TypeVar, cast

from textual.widget import Widget
from textual.widgets import OptionList

Item = TypeVar("Item")


class FilteredList(Generic[Item]):
    """A mixin for a screen with an ``OptionList`` of ``shown`` items and a filter input.

    The list's rows are the ``shown`` items in order (the macro picker's divider row comes
    after them all, so an index still finds its item).
    """

    shown: list[Item]

    def _options(self) -> OptionList:
        return cast(Widget, self).query_one(OptionList)

    def _current(self) -> Item | None:
        index = self._options().highlighted
        return self.shown[index] if index is not None and index < len(self.shown) else None

    def action_move(self, delta: int) -> None:
        """Up/down move in the list while typing in the filter."""
        options = self._options()
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + delta))
