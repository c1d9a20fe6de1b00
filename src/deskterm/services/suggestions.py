"""Suggestions for the open ticket: the macros that fit it and the help articles that answer it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from deskterm.automation import help_center
from deskterm.automation.macro_suggest import MacroFacts, Suggestion, rank_macros
from deskterm.config import Config
from deskterm.domain.errors import UsageError
from deskterm.domain.quoting import fold_reply

HOW_TO_SET = 'set [help_center] path = "~/helpcenter" (a folder of Markdown articles)'


def latest_customer_text(ticket: dict[str, Any]) -> str:
    """The customer's latest message in ``ticket`` (``show --json`` form) without the
    history it quotes or its mail client's signature; "" when the customer never wrote."""
    for message in reversed(ticket.get("messages") or []):
        if message.get("direction") == "in" and not message.get("auto_submitted"):
            return fold_reply(message.get("body_text") or "", direction="in").fresh
    return ""


def suggest_macros(ticket: dict[str, Any], macros: Sequence[MacroFacts]) -> list[Suggestion]:
    """The macros that fit ``ticket`` best first, each with its reason."""
    return rank_macros(
        macros,
        intent=ticket.get("intent"),
        text=latest_customer_text(ticket),
        language=ticket.get("language"),
    )


class MacroLike(Protocol):
    """A macro as the TUI holds it (``MacroChoice``): what ranking reads of it."""

    @property
    def name(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def actions(self) -> dict[str, Any]: ...
    @property
    def intents(self) -> Sequence[str]: ...


def suggest_for(ticket: dict[str, Any], macros: Iterable[MacroLike]) -> list[Suggestion]:
    """:func:`suggest_macros` for macros as the TUI holds them."""
    facts = [MacroFacts.of(m.name, m.body, m.actions, m.intents) for m in macros]
    return suggest_macros(ticket, facts)


def open_help_center(config: Config | None) -> help_center.HelpCenter:
    """The configured help center, indexed (cached until a file changes).

    UsageError in one line when none is configured or its folder is missing.
    """
    folder = config.help_center_path() if config is not None else None
    if folder is None or config is None:
        raise UsageError(f"No help center configured: {HOW_TO_SET}")
    try:
        return help_center.load(folder, config.help_center.base_url)
    except OSError as exc:
        raise UsageError(f"[help_center] path: {exc}") from None


def suggest_articles(
    centre: help_center.HelpCenter, ticket: dict[str, Any], *, limit: int = 8
) -> list[help_center.Hit]:
    """The articles that best answer the customer's latest message; every article, by
    title, when nothing in it matches (the agent can still search)."""
    query = latest_customer_text(ticket)
    if ticket.get("channel_type") == "email":  # a mail's subject is the customer's words too
        query = f"{ticket.get('subject') or ''}\n{query}"
    hits = centre.search(query, limit=limit, language=ticket.get("language"))
    return hits or centre.browse()
