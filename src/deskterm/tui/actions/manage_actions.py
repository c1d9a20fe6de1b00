"""Managing macros and saved views inside the TUI."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType

from deskterm.tui.base import DesktermBase


class ManageActions(DesktermBase):
    """Screens to create, edit and delete macros and saved views."""

    BINDINGS: ClassVar[list[BindingType]] = []
