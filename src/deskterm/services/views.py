"""Saved views: named queries shown in the sidebar and usable as ``--view NAME``."""

from __future__ import annotations

from sqlmodel import col, func, select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.query import parse_query
from deskterm.services.actor import Actor
from deskterm.services.tickets import log_event
from deskterm.store.engine import Store
from deskterm.store.tables import SavedView
from deskterm.store.views import SYSTEM_VIEWS


def save_view(store: Store, name: str, query: str, actor: Actor, *, private: bool = False) -> bool:
    """Create or update the view ``name``; returns True when it was new.

    The query is checked now (a broken view would fail every time it is opened) and stored
    as typed, so relative dates like ``date:2d..`` stay relative.
    """
    name = " ".join(name.split())
    if not name:
        raise UsageError("a view needs a name")
    if name.casefold() in {view.casefold() for view in SYSTEM_VIEWS}:
        raise UsageError(f"{name!r} is a system view; choose another name")
    parse_query(query)
    with store.write() as session:
        view = session.exec(select(SavedView).where(SavedView.name == name)).first()
        created = view is None
        if view is None:
            last = session.exec(select(func.max(SavedView.position))).one()
            view = SavedView(name=name, query=query, position=(last or 0) + 1)
        view.query = query
        view.agent_id = actor.agent_id if private else None
        session.add(view)
        log_event(session, None, actor, "view.saved", name=name, query=query)
    return created


def delete_view(store: Store, name: str, actor: Actor) -> None:
    """Delete a saved view (system views cannot be deleted)."""
    with store.write() as session:
        view = session.exec(
            select(SavedView).where(func.lower(SavedView.name) == name.casefold())
        ).first()
        if view is None:
            raise NotFoundError(f"no saved view named {name!r}")
        session.delete(view)
        log_event(session, None, actor, "view.deleted", name=view.name)


def view_names(store: Store) -> list[str]:
    """Saved view names in sidebar order."""
    with store.read() as session:
        rows = session.exec(select(SavedView.name).order_by(col(SavedView.position)))
        return list(rows)
