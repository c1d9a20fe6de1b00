"""Customers across channels: link, merge, unlink, handles, and automatic links in ingest."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from deskterm.domain.enums import IdentityKind
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.identity import normalize_handle, normalize_phone, usable_hint
from deskterm.services import customers as svc
from deskterm.services.actor import Actor
from deskterm.store.channels import ensure_channel
from deskterm.store.customer_reader import customer_context_for_ticket
from deskterm.store.engine import Store
from deskterm.store.readdb import ReadDb
from deskterm.store.tables import Customer, CustomerIdentity, Event, Order, Ticket
from tests.conftest import ingest, msg

ACTOR = Actor(label="agent:test")


def _shopee(store: Store) -> ChannelContext:
    with store.write() as session:
        row = ensure_channel(session, name="shopee-id", type="shopee", address="2000002")
        assert row.id is not None
        return ChannelContext(id=row.id, name="shopee-id", type="shopee")


def _chat(
    mid: str,
    buyer: str,
    *,
    name: str = "alice_shop",
    emails: tuple[str, ...] = (),
    phones: tuple[str, ...] = (),
    body: str = "Kak, pesanan saya kapan dikirim?",
) -> InboundMessage:
    return InboundMessage(
        external_id=mid,
        content_hash=hashlib.sha256(f"{mid}|{body}".encode()).hexdigest(),
        subject=body[:40],
        sender=Party(name, buyer, IdentityKind.BUYER, emails=emails, phones=phones),
        sent_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
        body_text=body,
    )


def _customer_of(store: Store, ticket_id: int) -> int:
    with store.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.customer_id is not None
        return ticket.customer_id


def _identities(store: Store, customer_id: int) -> set[str]:
    with store.read() as session:
        rows = session.exec(
            select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
        ).all()
        return {svc.identity_label(i.kind, i.scope, i.value) for i in rows}


def _events(store: Store, kind: str) -> list[Event]:
    with store.read() as session:
        return list(
            session.exec(select(Event).where(Event.kind == kind).order_by(col(Event.id))).all()
        )


def _customers(store: Store) -> int:
    with store.read() as session:
        return len(session.exec(select(Customer)).all())


@pytest.fixture
def two_people(any_store: Store, any_channel: ChannelContext) -> tuple[int, int, int, int]:
    """Alice by email (ticket 1) and a Shopee buyer (ticket 2) with a cached order.

    Returns (email ticket, chat ticket, email customer, buyer customer).
    """
    email_ticket = ingest(any_store, any_channel, msg("q1@mail.test")).ticket_id
    chat_ticket = ingest(any_store, _shopee(any_store), _chat("c1", "buyer-77")).ticket_id
    buyer = _customer_of(any_store, chat_ticket)
    with any_store.write() as session:
        session.add(
            Order(store="main", external_id="gid://1", customer_id=buyer, name="#1042", email="")
        )
        session.add(Customer(name="Nobody", note=""))  # an unrelated customer stays put
    return email_ticket, chat_ticket, _customer_of(any_store, email_ticket), buyer


# --- handles and normalisation (pure) -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+62 812-3456-7890", "+6281234567890"),
        ("(+62) 812 3456 7890", "+6281234567890"),
        ("0062 812 3456 7890", "+6281234567890"),
        ("0812-3456-7890", "081234567890"),  # national: the country cannot be known
        ("62.812.3456.7890", "6281234567890"),
    ],
)
def test_phone_normalisation(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected
    assert normalize_handle(IdentityKind.PHONE, raw) == expected


def test_masked_or_malformed_hints_are_ignored() -> None:
    assert usable_hint(IdentityKind.EMAIL, " Alice@Example.COM ") == "alice@example.com"
    assert usable_hint(IdentityKind.EMAIL, "a***e@example.com") == ""
    assert usable_hint(IdentityKind.EMAIL, "not-an-address") == ""
    assert usable_hint(IdentityKind.PHONE, "62812****789") == ""
    assert usable_hint(IdentityKind.PHONE, "+62 812 3456 789") == "+628123456789"
    assert usable_hint(IdentityKind.PHONE, "12") == ""


@pytest.mark.parametrize(
    ("text", "kind", "scope", "value", "customer_id"),
    [
        ("email:Alice@Example.com", "email", "", "alice@example.com", None),
        ("Alice@Example.com", "email", "", "alice@example.com", None),
        ("phone:+62 812-3456-7890", "phone", "", "+6281234567890", None),
        ("+62 812 3456 7890", "phone", "", "+6281234567890", None),
        ("shopee:12345", "buyer", "shopee", "12345", None),
        ("Tokopedia:7001", "buyer", "tiktokshop", "7001", None),
        ("buyer:lazada:L-9", "buyer", "lazada", "L-9", None),
        ("#12", None, "", "", 12),
    ],
)
def test_parse_handle(
    text: str, kind: str | None, scope: str, value: str, customer_id: int | None
) -> None:
    handle = svc.parse_handle(text)
    assert (handle.kind, handle.scope, handle.value, handle.customer_id) == (
        kind,
        scope,
        value,
        customer_id,
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty customer handle"),
        ("#abc", "customer ids are numbers"),
        ("12345", "cannot tell what"),
        ("ebay:1", "cannot tell what"),
        ("email:nobody", "not an email address"),
        ("phone:123", "not a phone number"),
        ("buyer:ebay:1", "unknown marketplace"),
        ("buyer:shopee", "buyer:MARKETPLACE:ID"),
        ("shopee:", "empty shopee buyer id"),
    ],
)
def test_bad_handles_are_usage_errors(text: str, needle: str) -> None:
    with pytest.raises(UsageError, match=needle) as caught:
        svc.parse_handle(text)
    assert caught.value.exit_code == 2


# --- linking ------------------------------------------------------------------------------


def test_merge_moves_identities_tickets_and_orders(
    any_store: Store, db: ReadDb, two_people: tuple[int, int, int, int]
) -> None:
    email_ticket, chat_ticket, alice, buyer = two_people
    result = svc.link_customers(any_store, alice, buyer, ACTOR)
    assert result.customer_id == alice and result.merged_id == buyer
    assert result.added == ("shopee:buyer-77",) and result.tickets == (chat_ticket,)
    assert result.orders == 1
    assert result.describe() == f"customer #{alice} now also has shopee:buyer-77 (merged #{buyer})"
    assert _identities(any_store, alice) == {"email:alice@example.com", "shopee:buyer-77"}
    assert _customer_of(any_store, chat_ticket) == alice
    with any_store.read() as session:
        assert session.get(Customer, buyer) is None  # deleted: nothing refers to it
        assert session.get(Customer, alice).name == "Alice"  # type: ignore[union-attr]
        order = session.exec(select(Order)).one()
        assert order.customer_id == alice
    assert _customers(any_store) == 2  # alice and the unrelated one
    # The customer panel of the email ticket now shows the chat and the order.
    context = customer_context_for_ticket(db, email_ticket)
    assert context is not None
    assert [t["id"] for t in context["tickets"]] == [chat_ticket]
    assert {(i["kind"], i["value"]) for i in context["identities"]} == {
        ("email", "alice@example.com"),
        ("buyer", "buyer-77"),
    }
    assert context["order_count"] == 1
    events = _events(any_store, "customer.linked")
    assert {e.ticket_id for e in events} == {email_ticket, chat_ticket} and len(events) == 2
    assert all(e.data["merged"] == buyer and e.actor == "agent:test" for e in events)
    assert events[0].data["identities"] == ["shopee:buyer-77"]


def test_linking_an_identity_of_another_customer_merges_them(
    any_store: Store, two_people: tuple[int, int, int, int]
) -> None:
    _email_ticket, chat_ticket, alice, buyer = two_people
    result = svc.link_identity(any_store, alice, "buyer", "buyer-77", ACTOR, scope="shopee")
    assert result.merged_id == buyer and _customer_of(any_store, chat_ticket) == alice
    again = svc.link_identity(any_store, alice, "buyer", "buyer-77", ACTOR, scope="shopee")
    assert not again.changed
    assert again.describe() == f"customer #{alice} already has shopee:buyer-77 (no change)"


def test_linking_a_new_identity_attaches_it(
    any_store: Store, two_people: tuple[int, int, int, int]
) -> None:
    email_ticket, _chat_ticket, alice, _buyer = two_people
    result = svc.link_identity(any_store, alice, "phone", "+62 812-3456-7890", ACTOR)
    assert result.added == ("phone:+6281234567890",) and result.merged_id is None
    assert "phone:+6281234567890" in _identities(any_store, alice)
    assert svc.find_customer(any_store, "phone:+62 (812) 3456 7890") == alice
    events = _events(any_store, "customer.identity_added")
    assert [(e.ticket_id, e.data["identity"]) for e in events] == [
        (email_ticket, "phone:+6281234567890")
    ]
    assert _customers(any_store) == 3  # nobody was created or merged


def test_link_handles_first_customer_survives(
    any_store: Store, two_people: tuple[int, int, int, int]
) -> None:
    _email_ticket, _chat_ticket, alice, buyer = two_people
    result = svc.link_handles(any_store, "shopee:buyer-77", "ALICE@example.com", ACTOR)
    assert result.customer_id == buyer and result.merged_id == alice
    assert result.describe() == (
        f"customer #{buyer} now also has email:alice@example.com (merged #{alice})"
    )
    with pytest.raises(UsageError, match=r"no customer has email:ghost@mail\.test"):
        svc.link_handles(any_store, "email:ghost@mail.test", "shopee:buyer-77", ACTOR)
    with pytest.raises(UsageError, match="no customer #999"):
        svc.link_handles(any_store, "shopee:buyer-77", "#999", ACTOR)
    same = svc.link_handles(any_store, f"#{buyer}", "shopee:buyer-77", ACTOR)
    assert not same.changed


def test_link_customers_errors(any_store: Store, two_people: tuple[int, int, int, int]) -> None:
    _email_ticket, _chat_ticket, alice, _buyer = two_people
    assert not svc.link_customers(any_store, alice, alice, ACTOR).changed
    with pytest.raises(NotFoundError):
        svc.link_customers(any_store, alice, 999, ACTOR)


def test_unlink_moves_the_identity_and_its_tickets_out(
    any_store: Store, two_people: tuple[int, int, int, int]
) -> None:
    email_ticket, chat_ticket, alice, _buyer = two_people
    svc.link_handles(any_store, "email:alice@example.com", "shopee:buyer-77", ACTOR)
    result = svc.unlink_identity(any_store, alice, "buyer", "shopee", "buyer-77", ACTOR)
    new = result.new_customer_id
    assert new != alice and result.tickets == (chat_ticket,)
    assert _identities(any_store, alice) == {"email:alice@example.com"}
    assert _identities(any_store, new) == {"shopee:buyer-77"}
    assert _customer_of(any_store, chat_ticket) == new
    assert _customer_of(any_store, email_ticket) == alice
    with any_store.read() as session:
        assert session.get(Customer, new).name == "alice_shop"  # type: ignore[union-attr]
    events = _events(any_store, "customer.unlinked")
    assert {e.ticket_id for e in events} == {email_ticket, chat_ticket} and len(events) == 2
    assert events[0].data["new_customer"] == new
    assert result.describe().startswith(
        f"shopee:buyer-77 moved from customer #{alice} to new customer #{new}"
    )


def test_unlink_keeps_tickets_with_messages_from_other_handles(
    any_store: Store, any_channel: ChannelContext
) -> None:
    first = ingest(any_store, any_channel, msg("m1@x", sender="alice@example.com")).ticket_id
    second = ingest(any_store, any_channel, msg("m2@x", sender="alice@work.test", day=2))
    alice = _customer_of(any_store, first)
    svc.link_identity(any_store, alice, "email", "alice@work.test", ACTOR)
    # A reply from the work address lands in the first ticket: it has both handles now.
    ingest(
        any_store,
        any_channel,
        msg("m3@x", sender="Alice@Work.test", in_reply_to="m1@x", body="again", day=3),
    )
    with any_store.write() as session:
        session.add(
            Order(store="main", external_id="o-work", customer_id=alice, email="alice@work.test")
        )
        session.add(
            Order(store="main", external_id="o-home", customer_id=alice, email="alice@example.com")
        )
    result = svc.unlink_identity(any_store, alice, "email", "", "ALICE@work.test", ACTOR)
    assert result.tickets == (second.ticket_id,) and result.orders == 1
    assert _customer_of(any_store, first) == alice


def test_unlink_refusals(any_store: Store, two_people: tuple[int, int, int, int]) -> None:
    _email_ticket, _chat_ticket, alice, _buyer = two_people
    with pytest.raises(UsageError, match="only identity"):
        svc.unlink_identity(any_store, alice, "email", "", "alice@example.com", ACTOR)
    with pytest.raises(UsageError, match="has no identity shopee:nope"):
        svc.unlink_identity(any_store, alice, "buyer", "shopee", "nope", ACTOR)


def test_find_customer(any_store: Store, two_people: tuple[int, int, int, int]) -> None:
    _email_ticket, _chat_ticket, alice, buyer = two_people
    assert svc.find_customer(any_store, "email:ALICE@example.com ") == alice
    assert svc.find_customer(any_store, "shopee:buyer-77") == buyer
    assert svc.find_customer(any_store, f"#{buyer}") == buyer
    with pytest.raises(UsageError, match="no customer has lazada:buyer-77") as caught:
        svc.find_customer(any_store, "lazada:buyer-77")  # buyer ids are per marketplace
    assert caught.value.exit_code == 2


def test_ticket_without_customer_joins_the_handles_customer(
    any_store: Store, any_channel: ChannelContext, two_people: tuple[int, int, int, int]
) -> None:
    _email_ticket, _chat_ticket, alice, _buyer = two_people
    orphan = ingest(any_store, any_channel, msg("orphan@x", sender="", name="")).ticket_id
    with any_store.read() as session:
        assert session.get(Ticket, orphan).customer_id is None  # type: ignore[union-attr]
    result = svc.link_ticket_customer(any_store, orphan, "alice@example.com", ACTOR)
    assert result.customer_id == alice and result.tickets == (orphan,)
    assert _customer_of(any_store, orphan) == alice


# --- automatic linking in ingest ----------------------------------------------------------


def test_buyer_with_a_known_email_lands_on_the_email_customer(
    any_store: Store, any_channel: ChannelContext
) -> None:
    email_ticket = ingest(any_store, any_channel, msg("q1@mail.test")).ticket_id
    alice = _customer_of(any_store, email_ticket)
    before = _customers(any_store)
    chat = ingest(
        any_store,
        _shopee(any_store),
        _chat("c1", "buyer-77", emails=("Alice@Example.com",), phones=("+62 812 3456 7890",)),
    )
    assert _customer_of(any_store, chat.ticket_id) == alice
    assert _customers(any_store) == before  # no duplicate customer
    assert _identities(any_store, alice) == {
        "email:alice@example.com",
        "shopee:buyer-77",
        "phone:+6281234567890",
    }
    # The next message of that buyer (no hints this time) still finds alice.
    again = ingest(any_store, _shopee(any_store), _chat("c2", "buyer-77", body="halo?"))
    assert _customer_of(any_store, again.ticket_id) == alice


def test_a_buyer_hint_links_later_mail_to_the_buyer(
    any_store: Store, any_channel: ChannelContext
) -> None:
    chat = ingest(any_store, _shopee(any_store), _chat("c1", "buyer-77"))
    buyer = _customer_of(any_store, chat.ticket_id)
    ingest(any_store, _shopee(any_store), _chat("c2", "buyer-77", emails=("bob@mail.test",)))
    mail = ingest(any_store, any_channel, msg("q1@mail.test", sender="bob@mail.test"))
    assert _customer_of(any_store, mail.ticket_id) == buyer


def test_masked_hints_and_other_owners_never_merge(
    any_store: Store, any_channel: ChannelContext
) -> None:
    alice = _customer_of(any_store, ingest(any_store, any_channel, msg("q1@m")).ticket_id)
    masked = ingest(any_store, _shopee(any_store), _chat("c1", "b1", emails=("a***e@example.com",)))
    assert _customer_of(any_store, masked.ticket_id) != alice
    # A buyer that already is a customer keeps it, even when a hint names someone else:
    # merging two histories is the agent's call.
    other = ingest(any_store, _shopee(any_store), _chat("c2", "b1", emails=("alice@example.com",)))
    assert _customer_of(any_store, other.ticket_id) != alice
    assert _identities(any_store, alice) == {"email:alice@example.com"}
