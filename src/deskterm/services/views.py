"""Saved views: named queries shown in the sidebar and usable as ``--view NAME``."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.query import parse_query
from deskterm.services.actor import Actor
from deskterm.services.tickets import log_event
from deskterm.store.engine import Store
from deskterm.store.tables import SavedView
from deskterm.store.views import SLA_VIEWS, SYSTEM_VIEWS


def check_view(name: str, query: str) -> str:
    """The view's name as stored (whitespace collapsed); refuse a bad name or query.

    Pure, so the TUI can say what is wrong while the agent is still typing. A broken query
    raises QueryError, whose ``position`` points at the fault.
    """
    name = " ".join(name.split())
    if not name:
        raise UsageError("a view needs a name")
    if name.casefold() in {view.casefold() for view in {**SYSTEM_VIEWS, **SLA_VIEWS}}:
        raise UsageError(f"{name!r} is a system view; choose another name")
    parse_query(query)  # a broken view would fail every time it is opened
    return name


def _find(session: Session, name: str) -> SavedView | None:
    # Names are case-insensitive everywhere a view is looked up (sidebar, --view); compared
    # here rather than with SQL lower(), which folds ASCII only. Views are few.
    wanted = " ".join(name.split()).casefold()
    return next((v for v in session.exec(select(SavedView)) if v.name.casefold() == wanted), None)


def save_view(
    store: Store,
    name: str,
    query: str,
    actor: Actor,
    *,
    private: bool = False,
    new: bool = False,
) -> bool:
    """Create or update the view ``name``; returns True when it was new.

    The query is stored as typed, so relative dates like ``date:2d..`` stay relative.
    ``new`` refuses to replace a view of the same name (saving a search from the TUI).
    """
    name = check_view(name, query)
    with store.write() as session:
        view = _find(session, name)
        if view is not None and new:
            raise UsageError(f"a view named {view.name!r} already exists; choose another name")
        created = view is None
        if view is None:
            last = session.exec(select(func.max(SavedView.position))).one()
            view = SavedView(name=name, query=query, position=(last or 0) + 1)
        view.query = query
        view.agent_id = actor.agent_id if private else None
        session.add(view)
        log_event(session, None, actor, "view.saved", name=name, query=query)
    return created


def update_view(store: Store, original: str, name: str, query: str, actor: Actor) -> None:
    """Rename the saved view ``original`` and/or change its query; its place and owner stay."""
    name = check_view(name, query)
    with store.write() as session:
        view = _find(session, original)
        if view is None:
            raise NotFoundError(f"no saved view named {original!r}")
        clash = _find(session, name)
        if clash is not None and clash.id != view.id:
            raise UsageError(f"a view named {clash.name!r} already exists; choose another name")
        previous = view.name
        view.name, view.query = name, query
        session.add(view)
        log_event(session, None, actor, "view.updated", name=name, previous=previous, query=query)


def delete_view(store: Store, name: str, actor: Actor) -> None:
    """Delete a saved view (system views cannot be deleted)."""
    with store.write() as session:
        view = _find(session, name)
        if view is None:
            raise NotFoundError(f"no saved view named {name!r}")
        session.delete(view)
        log_event(session, None, actor, "view.deleted", name=view.name)


def view_names(store: Store) -> list[str]:
    """Saved view names in sidebar order."""
    with store.read() as session:
        rows = session.exec(select(SavedView.name).order_by(col(SavedView.position)))
        return list(rows)
