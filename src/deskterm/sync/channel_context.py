"""Build the ingest ChannelContext for a configured channel, creating its row on first use."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from deskterm.config import ChannelConfig, EmailChannel
from deskterm.ingest.context import ChannelContext
from deskterm.store.channels import ensure_channel
from deskterm.sync.labelling import deferred_labeller


def channel_context(
    session: Session, channel: ChannelConfig, *, data_dir: Path | None = None
) -> ChannelContext:
    """The store row and threading options for ``channel``; with ``data_dir`` (the store's
    folder) new messages are labelled as [classify] says."""
    labeller = deferred_labeller(data_dir)
    address = channel.address if isinstance(channel, EmailChannel) else ""
    row = ensure_channel(
        session, name=channel.name, type=channel.type, address=address, store=channel.store
    )
    assert row.id is not None
    if isinstance(channel, EmailChannel):
        return ChannelContext(
            id=row.id,
            name=channel.name,
            type=channel.type,
            own_addresses=frozenset(channel.own_addresses()),
            noreply_addresses=frozenset(a.lower() for a in channel.noreply_addresses),
            gmail_grouping=channel.gmail_grouping,
            store=channel.store,
            labeller=labeller,
        )
    return ChannelContext(
        id=row.id, name=channel.name, type=channel.type, store=channel.store, labeller=labeller
    )


def adhoc_email_context(
    session: Session, name: str, *, data_dir: Path | None = None
) -> ChannelContext:
    """A channel for mail imported without a configured channel (no own address known)."""
    row = ensure_channel(session, name=name, type="email")
    assert row.id is not None
    labeller = deferred_labeller(data_dir)
    return ChannelContext(id=row.id, name=name, type="email", labeller=labeller)
