"""System views (the sidebar's fixed entries) and saved-view lookup."""

from __future__ import annotations

from deskterm.domain.errors import NotFoundError
from deskterm.store.readdb import ReadDb

# name -> query in the query language (helpdesk.md "Views").
SYSTEM_VIEWS: dict[str, str] = {
    "Inbox": "status:open",
    "Unassigned": "status:open assignee:none",
    "Mine": "status:open assignee:me",
    "Snoozed": "status:snoozed",
    "Closed": "status:closed -status:snoozed",
    "Spam": "status:spam",
    "All": "*",
}


SLA_VIEWS: dict[str, str] = {"SLA breached": "sla:breached"}
"""System views listed only when some channel has SLA targets (elsewhere they are empty)."""


def saved_views(db: ReadDb) -> list[tuple[str, str]]:
    """(name, query) of every saved view, in sidebar order."""
    rows = db.all("SELECT name, query FROM savedview ORDER BY position, name")
    return [(str(name), str(query)) for name, query in rows]


def all_views(db: ReadDb, *, sla: bool = False) -> list[tuple[str, str, bool]]:
    """(name, query, is_system) of every view, system views first (with ``sla``, the SLA
    views after them)."""
    shown = {**SYSTEM_VIEWS, **(SLA_VIEWS if sla else {})}
    system = [(name, query, True) for name, query in shown.items()]
    return system + [(name, query, False) for name, query in saved_views(db)]


def view_query(db: ReadDb, name: str) -> str:
    """The query behind a system or saved view (names are case-insensitive)."""
    wanted = name.casefold()
    for view, query in {**SYSTEM_VIEWS, **SLA_VIEWS}.items():
        if view.casefold() == wanted:
            return query
    saved = saved_views(db)
    for view, query in saved:
        if view.casefold() == wanted:
            return query
    known = ", ".join([*SYSTEM_VIEWS, *(view for view, _ in saved)])
    raise NotFoundError(f"no view named {name!r} (known: {known})")
