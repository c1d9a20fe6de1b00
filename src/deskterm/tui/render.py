"""The one place untrusted text becomes something a widget may show (reliability.md 1-3).

Every widget builds its content from these helpers: the text is made terminal-safe
(control bytes and bidi controls become visible placeholders) and wrapped in a Rich
``Text`` so that nothing in it is ever parsed as markup or turned into an action/link.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from deskterm.domain.text import one_line, terminal_safe, width_stable
from deskterm.tui import cell_widths  # noqa: F401 - corrects Rich's widths on import


def shown_text(value: str) -> str:
    """Multi-line untrusted text as ``safe_text`` shows it (plain)."""
    return width_stable(terminal_safe(value))


def shown_line(value: str, limit: int | None = None) -> str:
    """One line of untrusted text as ``safe_line`` shows it (plain)."""
    return one_line(width_stable(value), limit)


def safe_text(value: str, style: str | Style = "") -> Text:
    """Multi-line untrusted text, inert."""
    return Text(shown_text(value), style=style, no_wrap=False)


def safe_line(value: str, style: str | Style = "", *, limit: int | None = None) -> Text:
    """One line of untrusted text (newlines folded), inert, optionally cut to ``limit``."""
    return Text(shown_line(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def join(*parts: Text | str, separator: str = " ") -> Text:
    """Join inert pieces; plain ``str`` pieces are OUR text (labels), never customer text."""
    out = Text()
    for index, part in enumerate(parts):
        if index:
            out.append(separator)
        out.append(part if isinstance(part, Text) else Text(part))
    return out
