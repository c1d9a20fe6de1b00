"""The inbox's rebindable binding ids, and the check of a ``[ui.keys]`` table against them.

The ids belong to the TUI's bindings, but the config layer may not import the TUI; this
list lets ``config check`` refuse what the inbox refuses. tests/tui asserts it equals the
TUI's own ids, so the two cannot drift apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Final

BINDING_IDS: Final = frozenset(
    {
        # everywhere
        "tag",
        "assign",
        "close_reopen",
        "snooze",
        "spam",
        "undo",
        "merge",
        "pipe",
        "reply",
        "macro",
        "note",
        "edit_reply",
        "retry",
        "save_attachments",
        "manage_macros",
        "manage_views",
        "manage_rules",
        "save_view",
        "link_customer",
        "set_intent",
        "orders",
        "quit",
        "help",
        "search",
        "suspend",
        # panes
        "inbox.focus_next",
        "inbox.toggle_customer",
        "inbox.focus_previous",
        "inbox.focus_list",
        # ticket list
        "list.cursor_down",
        "list.cursor_up",
        "list.first",
        "list.last",
        "list.page_down",
        "list.page_up",
        "list.open",
        "list.mark",
        # conversation
        "conversation.scroll_down",
        "conversation.scroll_up",
        "conversation.page_down",
        "conversation.page_up",
        "conversation.toggle_quotes",
        "conversation.show_all",
        # views
        "views.cursor_down",
        "views.cursor_up",
        # composer
        "composer.send",
        "composer.macro",
        "composer.editor",
        "composer.articles",
        "composer.attach",
        "composer.cancel",
        # macro manager and editor
        "macro_manager.new",
        "macro_manager.edit",
        "macro_manager.delete",
        "macro_manager.filter",
        "macro_manager.close",
        "macro_editor.save",
        "macro_editor.cancel",
        # views manager and editor
        "views_manager.new",
        "views_manager.edit",
        "views_manager.delete",
        "views_manager.close",
        "view_editor.save",
        "view_editor.cancel",
        # rules manager and editor
        "rules_manager.toggle",
        "rules_manager.up",
        "rules_manager.down",
        "rules_manager.edit",
        "rules_manager.new",
        "rules_manager.delete",
        "rules_manager.close",
        "rule_editor.save",
        "rule_editor.preview",
        "rule_editor.cancel",
        # stats
        "stats",
        "stats.days_7",
        "stats.days_30",
        "stats.days_90",
        "stats.days_365",
        "stats.chart",
        "stats.business_hours",
        "stats.breached",
        "stats.agents",
        "stats.again",
        "stats.close",
        # orders
        "orders.close",
        "orders.act",
        "orders.refresh",
    }
)
"""Every binding id ``[ui.keys]`` may rebind (the ids the ``?`` overlay shows)."""


def keymap_problems(
    keymap: Mapping[str, object], known: Collection[str] = BINDING_IDS
) -> list[tuple[str, str]]:
    """``(binding id, problem)`` for each entry naming no binding or giving no key.

    Values that are not strings are left to the config's type check.
    """
    problems: list[tuple[str, str]] = []
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            problems.append((binding_id, _unknown(binding_id, known)))
        elif isinstance(keys, str) and not any(key.strip() for key in keys.split(",")):
            problems.append((binding_id, 'give at least one key, e.g. "ctrl+r"'))
    return problems


def _unknown(binding_id: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(binding_id, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"no such binding (did you mean {close[0]}?)"
    return f"no such binding (the ? overlay lists every id, e.g. {', '.join(sorted(known)[:3])})"
