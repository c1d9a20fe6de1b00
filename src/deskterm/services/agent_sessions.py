"""Agent sessions: when an agent opens the inbox, is still in it, and leaves (stats count
the time online from them)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from deskterm.services.actor import Actor
from deskterm.store.engine import Store
from deskterm.store.tables import AgentSession, utcnow


def where_from(env: Mapping[str, str] = os.environ) -> str:
    """``ssh`` over an ssh login, ``browser`` under deskterm serve, else ``terminal``."""
    if env.get("DESKTERM_SERVE"):
        return "browser"
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return "ssh"
    return "terminal"


def open_session(store: Store, actor: Actor, screen: str, now: datetime | None = None) -> int:
    """Record that ``actor`` opened the inbox; the session's id."""
    if actor.agent_id is None:
        raise ValueError("a session belongs to an agent")
    moment = now or utcnow()
    with store.write() as session:
        row = AgentSession(
            agent_id=actor.agent_id, started_at=moment, last_seen_at=moment, screen=screen
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def touch_session(store: Store, session_id: int, now: datetime | None = None) -> None:
    """The heartbeat: the inbox is still open (a crash ends the session here)."""
    with store.write() as session:
        row = session.get(AgentSession, session_id)
        if row is not None and row.ended_at is None:
            row.last_seen_at = now or utcnow()


def close_session(store: Store, session_id: int, now: datetime | None = None) -> None:
    """The agent left the inbox."""
    moment = now or utcnow()
    with store.write() as session:
        row = session.get(AgentSession, session_id)
        if row is not None and row.ended_at is None:
            row.last_seen_at = row.ended_at = moment
