"""The base of every deskterm dialog: closing it closes it and never the screen beneath."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, Screen

ResultT = TypeVar("ResultT")


def not_closed() -> AwaitComplete:
    """What a refused dismiss returns: an AwaitComplete that is already done."""
    done: AwaitComplete = AwaitComplete.nothing()  # type: ignore[no-untyped-call]
    return done


def on_top(screen: Screen[Any]) -> bool:
    """Whether ``screen`` is the one the agent sees (and so the one a dismiss would pop)."""
    return screen.is_attached and screen.app.screen is screen


class Modal(ModalScreen[ResultT]):
    """A modal screen whose ``dismiss`` only ever closes itself.

    Textual's ``Screen.dismiss`` pops whatever screen is on top. Keys that arrive in one
    read (``t``, ``vip``, Enter Enter over ssh) are all handed to the dialog before its
    first Enter has closed it, so the second Enter dismissed the dialog again: that popped
    the inbox and left a blank terminal. A dialog that is no longer on top ignores the
    late dismiss (its result callback ran once, for the first one).
    """

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        """Close this dialog with ``result``, unless it is already closed or covered."""
        if not on_top(self):
            return not_closed()
        return super().dismiss(result)
