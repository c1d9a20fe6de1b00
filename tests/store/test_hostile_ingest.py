"""Message-derived lists never reach a database's parameter limit (issue 9 finding 5), on
SQLite (250,000 in this build) and PostgreSQL (65,535)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.identity import resolve_customer
from deskterm.ingest.threading import candidate_ids
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from deskterm.store.reader import first_replies, unread_ids
from deskterm.store.tables import CustomerIdentity, Message, ThreadRef
from tests.conftest import ingest, msg

HUGE = 260_000


def test_huge_references_thread_on_the_root_and_newest_ids(
    any_store: Store, any_channel: ChannelContext
) -> None:
    """issue 9 finding 5: 260k References ids: stored, threaded, a bounded number kept."""
    parent = ingest(any_store, any_channel, msg("root@x"))
    junk = tuple(f"j{n}@spam.example" for n in range(HUGE))
    hostile = msg("hostile@x", references=("root@x", *junk), day=2)
    assert len(candidate_ids(hostile)) <= 51
    result = ingest(any_store, any_channel, hostile)
    assert result.ticket_id == parent.ticket_id
    # A reply to one of the newest ids threads too.
    newest = ingest(any_store, any_channel, msg("late@x", in_reply_to=junk[-1], day=3))
    assert newest.ticket_id == parent.ticket_id
    with any_store.read() as session:
        refs = session.exec(select(ThreadRef).where(ThreadRef.ticket_id == parent.ticket_id)).all()
        stored = session.get(Message, result.message_id)
    assert len(refs) < 200
    assert stored is not None and len(stored.references.split()) <= 100


def test_a_party_with_thousands_of_contact_hints(any_store: Store) -> None:
    """issue 9 finding 5: a platform payload listing 300k emails/phones for one buyer."""
    party = Party(
        "Buyer",
        "buyer-1",
        IdentityKind.BUYER,
        emails=tuple(f"b{n}@example.com" for n in range(HUGE)),
        phones=tuple(f"+62812{n:07d}" for n in range(40_000)),
    )
    with any_store.write() as session:
        customer_id = resolve_customer(session.connection(), party, scope="lazada")
    with any_store.read() as session:
        identities = session.exec(
            select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
        ).all()
    assert 1 < len(identities) <= 21


@pytest.mark.slow
def test_reads_over_many_tickets_are_chunked(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    """issue 9 finding 5: the list/SLA reads take any number of ticket ids."""
    first = ingest(any_store, any_channel, dataclasses.replace(msg("a@x")))
    ids = [first.ticket_id, *range(10**6, 10**6 + HUGE)]
    assert set(first_replies(db, ids)) <= {first.ticket_id}
    assert unread_ids(db, 1, ids) <= {first.ticket_id}
