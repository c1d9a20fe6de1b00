"""Who is acting: the local agent (from config ``[user]``) or an automated actor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from deskterm.store.tables import Agent


@dataclass(frozen=True)
class Actor:
    """The agent (or automation) on whose behalf a change is made."""

    label: str  # "agent:<email>", "rule:<name>", "sync:<channel>"
    agent_id: int | None = None


def ensure_agent(session: Session, *, email: str, name: str = "") -> Agent:
    """The agent row for ``email``, created on first use."""
    email = email.strip().lower()
    agent = session.exec(select(Agent).where(Agent.email == email)).first()
    if agent is None:
        agent = Agent(email=email, name=name or email.partition("@")[0])
        session.add(agent)
        session.flush()
    elif name and agent.name != name:
        agent.name = name
        session.add(agent)
    return agent


def agent_actor(session: Session, *, email: str, name: str = "") -> Actor:
    """An Actor for the agent with ``email`` (created on first use)."""
    agent = ensure_agent(session, email=email, name=name)
    return Actor(label=f"agent:{agent.email}", agent_id=agent.id)
