"""The label badge (domain.label_badge) as styled, inert Text for the list and the header."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from deskterm.domain.label_badge import Piece, Role
from deskterm.tui.render import shown_line

BADGE_STYLES: dict[Role, str] = {
    "alarm": "bold red",
    "marks": "yellow",
    "intent": "cyan",
    "agent": "bold green",
    "language": "dim",
    "gap": "",
}
"""Colour on top of the characters: without colour (NO_COLOR) the marks say it all."""

ALARM_STYLE = "bold red"
"""The marks of an open ticket with a negative, threatening or offensive customer."""


def badge_text(pieces: Sequence[Piece]) -> Text:
    """The badge's pieces styled, each piece's padding kept and its text made inert:
    labels come from fixed lists, but what the store holds is not trusted."""
    out = Text(no_wrap=True)
    alarm = any(role == "alarm" for _text, role in pieces)
    for text, role in pieces:
        word = text.strip()
        if not word:
            out.append(text)
            continue
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        style = ALARM_STYLE if alarm and role == "marks" else BADGE_STYLES[role]
        out.append(lead)
        out.append(shown_line(word), style)
        out.append(trail)
    return out
