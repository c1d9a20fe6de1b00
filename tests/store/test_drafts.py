"""Drafts survive quitting: saved per agent, ticket and kind, and kept through merges."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.query import parse_query
from deskterm.ingest.context import ChannelContext
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.services.drafts import discard_draft, load_draft, save_draft
from deskterm.store import reader
from deskterm.store.engine import Store, open_store
from deskterm.store.readdb import ReadDb
from deskterm.store.tables import Draft
from tests.conftest import ingest, msg


def agent(store: Store, email: str) -> Actor:
    with store.write() as session:
        return agent_actor(session, email=email)


def new_ticket(store: Store, channel: ChannelContext, mid: str, day: int = 1) -> int:
    return ingest(store, channel, msg(mid, day=day)).ticket_id


def draft_rows(store: Store) -> list[tuple[int, int, str, str]]:
    with store.read() as session:
        rows = session.exec(
            select(Draft).order_by(col(Draft.ticket_id), col(Draft.agent_id), col(Draft.kind))
        ).all()
        return [(d.ticket_id, d.agent_id, d.kind, d.body) for d in rows]


def test_draft_survives_closing_and_reopening_the_store(
    any_store: Store, any_channel: ChannelContext
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    assert save_draft(any_store, ticket, "reply", "Hi Alice,\n\nyour parcel", ana) == ticket
    any_store.close()  # the TUI quits

    reopened = open_store(any_store.url, data_dir=any_store.data_dir)
    try:
        assert load_draft(reopened, ticket, "reply", ana) == "Hi Alice,\n\nyour parcel"
    finally:
        reopened.close()


def test_saving_again_replaces_the_draft(any_store: Store, any_channel: ChannelContext) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    save_draft(any_store, ticket, "reply", "Hi", ana)
    save_draft(any_store, ticket, "reply", "Hi Alice, it shipped today.", ana)
    assert load_draft(any_store, ticket, "reply", ana) == "Hi Alice, it shipped today."
    assert len(draft_rows(any_store)) == 1


def test_empty_or_blank_body_deletes_the_draft(
    any_store: Store, any_channel: ChannelContext
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    save_draft(any_store, ticket, "note", "check the warehouse", ana)
    assert save_draft(any_store, ticket, "note", "  \n\t ", ana) is None
    assert load_draft(any_store, ticket, "note", ana) == ""
    assert draft_rows(any_store) == []
    # Blank with nothing saved is not an error either.
    assert save_draft(any_store, ticket, "note", "", ana) is None


def test_drafts_are_per_agent_and_kind(any_store: Store, any_channel: ChannelContext) -> None:
    ana, budi = agent(any_store, "ana@shop.test"), agent(any_store, "budi@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    save_draft(any_store, ticket, "reply", "ana's reply", ana)
    save_draft(any_store, ticket, "note", "ana's note", ana)
    save_draft(any_store, ticket, "reply", "budi's reply", budi)
    assert load_draft(any_store, ticket, "reply", ana) == "ana's reply"
    assert load_draft(any_store, ticket, "note", ana) == "ana's note"
    assert load_draft(any_store, ticket, "reply", budi) == "budi's reply"
    assert load_draft(any_store, ticket, "note", budi) == ""


def test_discard_draft(any_store: Store, any_channel: ChannelContext) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    save_draft(any_store, ticket, "reply", "sent now", ana)
    save_draft(any_store, ticket, "note", "keep me", ana)
    assert discard_draft(any_store, ticket, "reply", ana) is True
    assert discard_draft(any_store, ticket, "reply", ana) is False
    assert load_draft(any_store, ticket, "reply", ana) == ""
    assert load_draft(any_store, ticket, "note", ana) == "keep me"


def test_text_is_kept_as_typed_except_nul_and_crlf(
    any_store: Store, any_channel: ChannelContext
) -> None:
    # PostgreSQL text cannot hold NUL; pasted Windows text must not double its newlines.
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    body = "Terima kasih 🙏\r\nsee below\x00\n\n  -- Ana  \n"
    save_draft(any_store, ticket, "reply", body, ana)
    assert (
        load_draft(any_store, ticket, "reply", ana) == "Terima kasih 🙏\nsee below\n\n  -- Ana  \n"
    )


def test_bad_kind_non_agent_and_missing_ticket_are_refused(
    any_store: Store, any_channel: ChannelContext
) -> None:
    ana = agent(any_store, "ana@shop.test")
    ticket = new_ticket(any_store, any_channel, "1@x")
    with pytest.raises(UsageError, match="unknown draft kind 'forward'"):
        save_draft(any_store, ticket, "forward", "x", ana)
    with pytest.raises(UsageError, match="only agents keep drafts"):
        save_draft(any_store, ticket, "reply", "x", Actor(label="rule:auto"))
    with pytest.raises(NotFoundError, match="no ticket with id 999"):
        save_draft(any_store, 999, "reply", "x", ana)
    with pytest.raises(NotFoundError):
        load_draft(any_store, 999, "reply", ana)


def test_merge_moves_drafts_and_joins_clashing_ones(
    any_store: Store, any_channel: ChannelContext
) -> None:
    ana, budi = agent(any_store, "ana@shop.test"), agent(any_store, "budi@shop.test")
    older = new_ticket(any_store, any_channel, "1@x", day=1)
    newer = ingest(
        any_store, any_channel, msg("2@x", subject="Refund?", body="still waiting", day=2)
    ).ticket_id
    assert older != newer
    save_draft(any_store, older, "reply", "Hi Alice,\nthe parcel left today.\n", ana)
    save_draft(any_store, newer, "reply", "About your refund: approved.", ana)
    save_draft(any_store, newer, "note", "refund approved by budi", budi)
    save_draft(any_store, newer, "reply", "same text", budi)
    save_draft(any_store, older, "reply", "same text", budi)

    survivor = svc.merge(any_store, newer, older, ana)

    assert survivor == older
    assert load_draft(any_store, older, "reply", ana) == (
        "Hi Alice,\nthe parcel left today.\n\nAbout your refund: approved."
    )
    assert load_draft(any_store, older, "note", budi) == "refund approved by budi"
    assert load_draft(any_store, older, "reply", budi) == "same text"  # not doubled
    assert all(row[0] == older for row in draft_rows(any_store))
    assert len(draft_rows(any_store)) == 3


def test_draft_saved_on_a_merged_ticket_lands_on_the_survivor(
    any_store: Store, any_channel: ChannelContext
) -> None:
    # A composer left open while a teammate merges its ticket away.
    ana = agent(any_store, "ana@shop.test")
    older = new_ticket(any_store, any_channel, "1@x", day=1)
    newer = ingest(any_store, any_channel, msg("2@x", subject="Other", day=2)).ticket_id
    svc.merge(any_store, older, newer, ana)
    assert save_draft(any_store, newer, "reply", "typed after the merge", ana) == older
    assert load_draft(any_store, older, "reply", ana) == "typed after the merge"
    assert load_draft(any_store, newer, "reply", ana) == "typed after the merge"
    assert discard_draft(any_store, newer, "reply", ana) is True
    assert draft_rows(any_store) == []


def test_reader_lists_which_tickets_have_my_drafts(
    any_store: Store, any_channel: ChannelContext, db: ReadDb
) -> None:
    ana, budi = agent(any_store, "ana@shop.test"), agent(any_store, "budi@shop.test")
    first = new_ticket(any_store, any_channel, "1@x", day=1)
    second = ingest(any_store, any_channel, msg("2@x", subject="Invoice", day=2)).ticket_id
    third = ingest(any_store, any_channel, msg("3@x", subject="Hello", day=3)).ticket_id
    save_draft(any_store, first, "reply", "r", ana)
    save_draft(any_store, first, "note", "n", ana)
    save_draft(any_store, second, "reply", "budi only", budi)
    save_draft(any_store, third, "note", "later", ana)
    assert ana.agent_id is not None

    where = reader.compile_query(db, parse_query("status:open"), me_agent_id=None)
    rows = {t["id"]: t["drafts"] for t in reader.list_tickets(db, where, agent_id=ana.agent_id)}
    assert rows == {first: ["note", "reply"], second: [], third: ["note"]}
    without_agent = reader.list_tickets(db, where)
    assert all(t["drafts"] == [] for t in without_agent)
    assert reader.get_ticket(db, first, agent_id=ana.agent_id)["drafts"] == ["note", "reply"]

    mine = reader.my_drafts(db, ana.agent_id)
    assert [(d["ticket_id"], d["kind"]) for d in mine] == [
        (third, "note"),
        (first, "note"),
        (first, "reply"),
    ]
    assert mine[0]["subject"] == "Hello" and mine[0]["updated_at"].endswith("Z")
