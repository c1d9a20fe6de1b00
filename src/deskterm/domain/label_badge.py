"""The label badge of a ticket (intent, sentiment marks, language), readable without colour.

UI-free: the ticket list and the conversation header style the pieces (colour is only an
extra). Every piece is characters: an agent's intent ends with ``AGENT_MARK``, and an open
ticket whose customer is negative, threatening or offensive starts with ``ALARM_MARK``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from deskterm.domain.labels import INTENTS, SENTIMENT_MARKS

INTENT_SHORT: dict[str, str] = {
    "discount/request": "discount",
    "exchange/request": "exch/req",
    "exchange/status": "exch/status",
    "feedback": "feedback",
    "order/cancel": "ord/cancel",
    "order/change": "ord/change",
    "order/damaged": "ord/damaged",
    "order/wrong": "ord/wrong",
    "other/no-reply": "no-reply",
    "other/question": "question",
    "other/thanks": "thanks",
    "product/question": "prod/info",
    "product/recommendation": "prod/advice",
    "refund/request": "refund/req",
    "refund/status": "refund/stat",
    "return/request": "return/req",
    "return/status": "return/stat",
    "shipping/change": "ship/change",
    "shipping/delivery-issue": "ship/issue",
    "shipping/policy": "ship/policy",
    "shipping/status": "ship/status",
}
"""Each intent in at most ``INTENT_SHORT_CELLS`` cells, its family still readable."""

INTENT_SHORT_CELLS = 11
INTENT_LONG_CELLS = max(len(name) for name in INTENTS)  # shipping/delivery-issue: 23

AGENT_MARK = "✓"
"""After an intent an agent set (the model does not change it any more)."""

ALARM_MARK = "!"
"""Before the marks of an OPEN ticket whose customer is negative, threatening or offensive."""

ALARMING = frozenset({"negative", "threatening", "offensive"})

# The marks most worth seeing first, when a narrow cell cannot hold them all.
MARK_ORDER = ("threatening", "offensive", "negative", "urgent", "promoter", "positive")

MARK_CELLS = 3
"""``!-u``: the alarm and two marks."""

LANGUAGE_CELLS = 2
"""ISO 639-1."""

Role = Literal["alarm", "marks", "intent", "agent", "language", "gap"]
Piece = tuple[str, Role]


@dataclass(frozen=True)
class Badge:
    """What a ticket's labels say, before it is laid out."""

    sentiments: tuple[str, ...] = ()
    """Known sentiments, most important first (``MARK_ORDER``)."""
    alarm: bool = False
    intent: str | None = None
    agent: bool = False
    """The intent was set by an agent."""
    language: str = ""

    @property
    def empty(self) -> bool:
        """Nothing to show."""
        return not (self.sentiments or self.intent or self.language)

    @property
    def marks(self) -> str:
        """``!-u``: the alarm mark, then one mark per sentiment."""
        marks = "".join(SENTIMENT_MARKS[name] for name in self.sentiments)
        return (ALARM_MARK if self.alarm else "") + marks


def badge_of(ticket: Mapping[str, Any]) -> Badge:
    """The badge of a ``tickets --json``-shaped row (with ``intent_source`` when known)."""
    raw = ticket.get("sentiments") or ()
    names = raw.split() if isinstance(raw, str) else [str(name) for name in raw]
    sentiments = tuple(name for name in MARK_ORDER if name in names)
    alarm = ticket.get("status") == "open" and any(name in ALARMING for name in sentiments)
    intent = ticket.get("intent") or None
    return Badge(
        sentiments=sentiments,
        alarm=alarm,
        intent=str(intent) if intent else None,
        agent=bool(intent) and ticket.get("intent_source") == "agent",
        language=str(ticket.get("language") or ""),
    )


def intent_label(intent: str, *, short: bool) -> str:
    """``ship/status`` (short) or ``shipping/status``; an unknown name as it is, cut."""
    if not short:
        return intent
    known = INTENT_SHORT.get(intent)
    if known is not None:
        return known
    return intent if len(intent) <= INTENT_SHORT_CELLS else intent[: INTENT_SHORT_CELLS - 1] + "…"


BADGE_TINY = MARK_CELLS + 1 + LANGUAGE_CELLS
"""``!-u id``: marks and language."""

BADGE_SHORT = BADGE_TINY + 1 + INTENT_SHORT_CELLS + len(AGENT_MARK)
"""``!-u ship/status✓ id``."""

BADGE_LONG = BADGE_TINY + 1 + INTENT_LONG_CELLS + len(AGENT_MARK)
"""``!-u shipping/status✓ id``: the intents' full names."""


def language_code(language: str) -> str:
    """``id``, ``zh`` for ``zh-Hant``, padded to ``LANGUAGE_CELLS``; a longer code cut with
    ``…`` rather than shown as another language (``fil`` is not Finnish)."""
    code = language.split("-", maxsplit=1)[0]
    if len(code) > LANGUAGE_CELLS:
        code = code[: LANGUAGE_CELLS - 1] + "…"
    return code.ljust(LANGUAGE_CELLS)


def list_badge(badge: Badge, cells: int) -> list[Piece]:
    """The list's badge in a column ``cells`` wide: the marks, the intent (from
    ``BADGE_SHORT`` cells on; its full name from ``BADGE_LONG``) and the language, each
    padded so that the rows line up."""
    pieces: list[Piece] = []
    marks = badge.marks[:MARK_CELLS]
    if badge.alarm:
        pieces.append((ALARM_MARK, "alarm"))
        marks = marks[1:]
    pieces.append((marks.ljust(MARK_CELLS - (1 if badge.alarm else 0)), "marks"))
    pieces.append((" ", "gap"))
    intent_cells = cells - BADGE_TINY - 1
    if intent_cells >= INTENT_SHORT_CELLS + len(AGENT_MARK):
        mark = AGENT_MARK if badge.agent else ""
        short = intent_cells < INTENT_LONG_CELLS + len(AGENT_MARK)
        name = intent_label(badge.intent, short=short) if badge.intent else ""
        room = intent_cells - len(mark)
        if len(name) > room:
            name = name[: room - 1] + "…"
        pieces += [(name, "intent"), (mark, "agent")]
        pieces.append((" " * (intent_cells - len(name) - len(mark) + 1), "gap"))
    pieces.append((language_code(badge.language), "language"))
    return [(text, role) for text, role in pieces if text]


def header_badge(badge: Badge) -> list[Piece]:
    """The conversation header's badge: the full intent, the sentiments in words (after
    the alarm mark when it applies) and ``lang:xx``; empty pieces left out."""
    pieces: list[Piece] = []
    if badge.intent:
        pieces.append((badge.intent, "intent"))
        if badge.agent:
            pieces.append((AGENT_MARK, "agent"))
    if badge.sentiments:
        if pieces:
            pieces.append(("  ", "gap"))
        if badge.alarm:
            pieces.append((ALARM_MARK, "alarm"))
        pieces.append((" ".join(badge.sentiments), "marks"))
    if badge.language:
        if pieces:
            pieces.append(("  ", "gap"))
        pieces.append((f"lang:{badge.language}", "language"))
    return pieces


def plain(pieces: Sequence[Piece]) -> str:
    """The pieces' text, as the terminal shows it without styles."""
    return "".join(text for text, _role in pieces)
