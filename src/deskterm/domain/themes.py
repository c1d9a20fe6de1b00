"""The inbox's theme names, and the check of ``[ui] theme`` against them.

The names are Textual's built-in themes, but the config layer may not import Textual; this
list lets ``config check`` refuse what the inbox refuses. tests/tui asserts it equals
Textual's own list, so an upgrade that adds or drops a theme shows up there.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from deskterm.domain.text import one_line

THEME_NAMES: Final = frozenset(
    {
        "ansi-dark",
        "ansi-light",
        "atom-one-dark",
        "atom-one-light",
        "catppuccin-frappe",
        "catppuccin-latte",
        "catppuccin-macchiato",
        "catppuccin-mocha",
        "dracula",
        "flexoki",
        "gruvbox",
        "monokai",
        "nord",
        "rose-pine",
        "rose-pine-dawn",
        "rose-pine-moon",
        "solarized-dark",
        "solarized-light",
        "textual-dark",
        "textual-light",
        "tokyo-night",
    }
)
"""Every value ``[ui] theme`` may take."""


def theme_problem(name: str, known: Collection[str] = THEME_NAMES) -> str | None:
    """Why ``name`` is not a theme, or None when it is one."""
    if name in known:
        return None
    return f"no theme {one_line(name, 60)!r} (one of: {', '.join(sorted(known))})"
