"""The key map: every binding with its id and where it works, and the config's rebinding checked."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import format_key

from deskterm.domain.errors import ConfigError
from deskterm.domain.keymap import keymap_problems
from deskterm.tui.screens.composer import ComposerScreen
from deskterm.tui.screens.inbox import InboxScreen
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_manager import MacroManager
from deskterm.tui.screens.orders import OrdersScreen
from deskterm.tui.screens.rule_editor import RuleEditor
from deskterm.tui.screens.rules_manager import RulesManager
from deskterm.tui.screens.stats import StatsScreen
from deskterm.tui.screens.view_editor import ViewEditor
from deskterm.tui.screens.views_manager import ViewsManager
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList


@dataclass(frozen=True)
class KeyRow:
    """One binding as the help overlay shows it."""

    where: str
    id: str
    keys: str
    description: str


def key_places(app_class: type[DOMNode]) -> list[tuple[str, type[DOMNode]]]:
    """Where bindings live, in the order the help overlay lists them."""
    return [
        ("everywhere", app_class),
        ("panes", InboxScreen),
        ("ticket list", TicketList),
        ("conversation", ConversationView),
        ("views", ViewsList),
        ("composer", ComposerScreen),
        ("macro manager", MacroManager),
        ("macro editor", MacroEditor),
        ("views manager", ViewsManager),
        ("view editor", ViewEditor),
        ("rules manager", RulesManager),
        ("rule editor", RuleEditor),
        ("orders", OrdersScreen),
        ("stats", StatsScreen),
    ]


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    """Bindings declared on ``cls`` and its bases (app mixins each bring their own)."""
    seen: list[Binding] = []
    for klass in reversed(cls.__mro__):
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id and binding not in seen:
                seen.append(binding)
    return seen


def shown_keys(keys: str) -> str:
    """``question_mark,ctrl+p`` as a person reads it: ``? / ctrl+p``."""
    return " / ".join(format_key(key.strip()) for key in keys.split(",") if key.strip())


def key_rows(places: Iterable[tuple[str, type[DOMNode]]], keymap: dict[str, str]) -> list[KeyRow]:
    """Every binding with an id, with the keys in effect after ``keymap``."""
    rows: list[KeyRow] = []
    for where, cls in places:
        for binding in own_bindings(cls):
            assert binding.id is not None
            keys = keymap.get(binding.id, binding.key)
            rows.append(
                KeyRow(
                    where,
                    binding.id,
                    shown_keys(keys),
                    binding.description or binding.action,
                )
            )
    return rows


def check_keymap(keymap: dict[str, str], places: Iterable[tuple[str, type[DOMNode]]]) -> None:
    """Refuse ids no binding has, and keys that are empty, in one line naming the entry.

    The wording is ``config check``'s (domain.keymap), so both say the same thing.
    """
    known = {row.id for row in key_rows(places, {})}
    problems = keymap_problems(keymap, known)
    if problems:
        binding_id, problem = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ConfigError(f"ui.keys.{binding_id}: {problem}{more}")
