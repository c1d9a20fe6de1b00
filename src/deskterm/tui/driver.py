"""The terminal driver: Textual's own, writing compact frames and asking only for clicks.

Issue 11 item 1. Two local workarounds over Textual 8's Linux driver (no patch of Textual):

- every write goes through ``screen_diff.ShadowScreen`` (only the cells that differ from
  what the terminal shows) and ``terminal_output.compact`` (merged styles, blank runs
  erased);
- mouse reporting asks for buttons and the wheel (``?1000``), drags while a button is held
  (``?1002``, the scrollbar) and SGR coordinates (``?1006``), but not every motion
  (``?1003``): nothing in deskterm reacts to hover, and a terminal in any-motion mode sends
  an event for each cell the pointer crosses, each answered with a repaint of the cells
  Textual's hover styles touch (kilobytes per motion over ssh).
"""

from __future__ import annotations

import os
from typing import Any

from textual.drivers.linux_driver import LinuxDriver

from deskterm.tui.screen_diff import ShadowScreen
from deskterm.tui.terminal_output import compact

MOUSE_ON = ("\x1b[?1000h", "\x1b[?1002h", "\x1b[?1006h")
# Everything Textual or another program may have turned on, off again at exit.
MOUSE_OFF = ("\x1b[?1000l", "\x1b[?1002l", "\x1b[?1003l", "\x1b[?1015l", "\x1b[?1006l")


class TerminalDriver(LinuxDriver):
    """LinuxDriver with compact output and click-and-wheel mouse reporting."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shadow = ShadowScreen()
        self._shadow_size: os.terminal_size | None = None

    def write(self, data: str) -> None:
        """Write ``data`` rewritten with fewer bytes (same cells, same cursor)."""
        try:
            size = os.get_terminal_size(self.fileno)
        except (OSError, ValueError):
            size = None
        if size != self._shadow_size:  # a resize may have moved or cleared what was shown
            self._shadow_size = size
            self.shadow.reset()
        super().write(compact(self.shadow.frame(data)))

    def start_application_mode(self) -> None:
        """Enter (or, after ctrl+z or $EDITOR, re-enter) the full screen: nothing known."""
        self.shadow.reset()
        super().start_application_mode()  # type: ignore[no-untyped-call]

    def _enable_mouse_support(self) -> None:
        if not self._mouse:
            return
        for sequence in MOUSE_ON:
            super().write(sequence)
        self.flush()

    def _disable_mouse_support(self) -> None:
        if not self._mouse:
            return
        for sequence in MOUSE_OFF:
            super().write(sequence)
        self.flush()
