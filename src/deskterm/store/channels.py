"""Channel rows: the store-side record of each configured channel, created on first use."""

from __future__ import annotations

from sqlmodel import Session, select

from deskterm.store.tables import Channel


def ensure_channel(
    session: Session, *, name: str, type: str, address: str = "", store: str | None = None
) -> Channel:
    """Return the channel row named ``name``, creating or refreshing it from config."""
    channel = session.exec(select(Channel).where(Channel.name == name)).first()
    if channel is None:
        channel = Channel(name=name, type=type, address=address, store=store)
        session.add(channel)
        session.flush()
    elif (channel.type, channel.address, channel.store) != (type, address, store):
        channel.type, channel.address, channel.store = type, address, store
        session.add(channel)
        session.flush()
    return channel
