"""Customer use cases: find a customer by handle, link one person's identities, unlink one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select, update

from deskterm.domain.enums import ChannelType, Direction, IdentityKind
from deskterm.domain.errors import NotFoundError, UsageError
from deskterm.domain.record_ids import parse_id
from deskterm.ingest.identity import normalize_handle
from deskterm.services.actor import Actor
from deskterm.services.tickets import load_ticket, log_event
from deskterm.store.engine import Store
from deskterm.store.search_index import reindex_customer, reindex_ticket
from deskterm.store.tables import (
    Channel,
    Customer,
    CustomerIdentity,
    Message,
    Order,
    Ticket,
    utcnow,
)

BUYER_SCOPES: tuple[str, ...] = tuple(t.value for t in ChannelType if t is not ChannelType.EMAIL)
# Tokopedia shops are reached through the TikTok Shop API (DESIGN.md), so their buyer ids
# live in the tiktokshop scope; people still call them Tokopedia buyers.
_SCOPE_ALIASES = {"tokopedia": ChannelType.TIKTOKSHOP.value, "tiktok": ChannelType.TIKTOKSHOP.value}
HANDLE_FORMS = "email:ADDRESS, phone:NUMBER, shopee:ID, tiktokshop:ID, lazada:ID or #CUSTOMER_ID"
_MIN_PHONE_DIGITS = 6


@dataclass(frozen=True)
class Handle:
    """What a typed handle names: a customer id, or an identity (kind, scope, value).

    ``value`` is normalised the way identities are stored (ingest.identity.normalize_handle).
    """

    kind: IdentityKind | None  # None: the handle is a customer id
    scope: str = ""
    value: str = ""
    customer_id: int | None = None

    @property
    def label(self) -> str:
        """The handle as it is typed: ``#12``, ``email:x@y``, ``phone:+62…``, ``shopee:123``."""
        if self.kind is None:
            return f"#{self.customer_id}"
        return identity_label(self.kind, self.scope, self.value)


@dataclass(frozen=True)
class LinkResult:
    """What a link did to the surviving customer."""

    customer_id: int  # the customer that now holds every linked identity
    linked: str  # the handle that was linked, as typed back (``shopee:123``, ``#7``)
    added: tuple[str, ...] = ()  # identities new on the customer
    merged_id: int | None = None  # the customer merged into it (its row is gone)
    tickets: tuple[int, ...] = ()  # tickets that changed customer
    orders: int = 0  # cached orders that changed customer

    @property
    def changed(self) -> bool:
        """False when the handle already belonged to the customer."""
        return bool(self.added or self.merged_id is not None or self.tickets)

    def describe(self) -> str:
        """One line for the CLI and the TUI's notification."""
        who = f"customer #{self.customer_id}"
        if not self.changed:
            if self.linked.startswith("#"):
                return f"{self.linked} is already {who} (no change)"
            return f"{who} already has {self.linked} (no change)"
        if self.added:
            line = f"{who} now also has {', '.join(self.added)}"
        else:
            line = f"{who} now also has {_count(len(self.tickets), 'ticket')}"
        if self.merged_id is not None:
            line += f" (merged #{self.merged_id})"
        return line


@dataclass(frozen=True)
class UnlinkResult:
    """Where an unlinked identity went, and what went with it."""

    customer_id: int  # the customer it was taken from
    new_customer_id: int  # the customer made for it
    identity: str  # e.g. ``shopee:123``
    tickets: tuple[int, ...] = ()  # tickets that moved with it
    orders: int = 0

    def describe(self) -> str:
        """One line for the CLI and the TUI's notification."""
        moved = [_count(len(self.tickets), "ticket"), _count(self.orders, "order")]
        return (
            f"{self.identity} moved from customer #{self.customer_id} to new customer"
            f" #{self.new_customer_id} ({', '.join(moved)} moved with it)"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


# --- handles ------------------------------------------------------------------------------


def identity_label(kind: str, scope: str, value: str) -> str:
    """``email:x@y``, ``phone:+62…`` or ``shopee:123``: the form a handle is typed in."""
    return f"{scope}:{value}" if kind == IdentityKind.BUYER.value else f"{kind}:{value}"


def identity_handle(kind: str, value: str, *, scope: str = "") -> Handle:
    """A checked, normalised identity; UsageError names what is wrong with it."""
    try:
        known = IdentityKind(str(kind).strip().lower())
    except ValueError:
        raise UsageError(f"unknown identity kind {kind!r}: use email, phone or buyer") from None
    normalised = normalize_handle(known, value)
    if known is IdentityKind.EMAIL:
        local, at, domain = normalised.partition("@")
        if not (at and local and domain) or any(c.isspace() for c in normalised):
            raise UsageError(f"not an email address: {value!r}")
        return Handle(known, "", normalised)
    if known is IdentityKind.PHONE:
        if sum(c.isdigit() for c in normalised) < _MIN_PHONE_DIGITS:
            raise UsageError(f"not a phone number: {value!r} (e.g. phone:+6281234567890)")
        return Handle(known, "", normalised)
    wanted = scope.strip().lower()
    wanted = _SCOPE_ALIASES.get(wanted, wanted)
    if wanted not in BUYER_SCOPES:
        raise UsageError(f"unknown marketplace {scope!r}: one of {', '.join(BUYER_SCOPES)}")
    if not normalised:
        raise UsageError(f"empty {wanted} buyer id")
    return Handle(known, wanted, normalised)


def parse_handle(text: str) -> Handle:
    """The handle ``text`` names; UsageError (exit 2) says which forms exist.

    Forms: ``email:…``, ``phone:…``, ``shopee:ID`` (any marketplace; ``tokopedia:`` means
    tiktokshop), ``buyer:SCOPE:ID``, ``#12`` (a customer id), or a bare email address or
    ``+``-prefixed phone number. Bare digits are refused: a customer id or a phone?
    """
    raw = text.strip()
    if not raw:
        raise UsageError(f"empty customer handle: use {HANDLE_FORMS}")
    if raw.startswith("#"):
        try:
            return Handle(None, customer_id=parse_id(raw, "customer id"))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    prefix, colon, rest = raw.partition(":")
    prefix = prefix.strip().lower()
    if colon:
        if prefix == IdentityKind.BUYER.value:
            scope, colon2, buyer = rest.partition(":")
            if not colon2:
                raise UsageError(f"write a buyer as buyer:MARKETPLACE:ID, got {text!r}")
            return identity_handle(prefix, buyer, scope=scope)
        if prefix in (IdentityKind.EMAIL.value, IdentityKind.PHONE.value):
            return identity_handle(prefix, rest)
        if _SCOPE_ALIASES.get(prefix, prefix) in BUYER_SCOPES:
            return identity_handle(IdentityKind.BUYER.value, rest, scope=prefix)
    if "@" in raw and not colon:
        return identity_handle(IdentityKind.EMAIL.value, raw)
    if raw.lstrip("(").startswith("+"):
        return identity_handle(IdentityKind.PHONE.value, raw)
    raise UsageError(f"cannot tell what {text!r} is: use {HANDLE_FORMS}")


def _owner(session: Session, handle: Handle) -> int | None:
    """The customer ``handle`` names, or None when nobody has it."""
    if handle.kind is None:
        customer = session.get(Customer, handle.customer_id)
        return None if customer is None else customer.id
    return session.exec(
        select(CustomerIdentity.customer_id).where(
            CustomerIdentity.kind == handle.kind.value,
            CustomerIdentity.scope == handle.scope,
            CustomerIdentity.value == handle.value,
        )
    ).first()


def find_customer(source: Store | Session, handle: str | Handle) -> int:
    """The id of the customer ``handle`` names; UsageError (exit 2) when nobody has it."""
    parsed = parse_handle(handle) if isinstance(handle, str) else handle
    if isinstance(source, Store):
        with source.read() as session:
            found = _owner(session, parsed)
    else:
        found = _owner(source, parsed)
    if found is None:
        if parsed.kind is None:
            raise UsageError(f"no customer {parsed.label}")
        raise UsageError(f"no customer has {parsed.label}")
    return found


# --- linking ------------------------------------------------------------------------------


def link_customers(store: Store, keep_id: int, other_id: int, actor: Actor) -> LinkResult:
    """Merge customer ``other_id`` into ``keep_id``: one person, every ticket and order.

    Identities, tickets and cached orders move to ``keep_id``; its name is kept (the
    other's is taken when it has none) and notes are joined. The other customer's row is
    deleted rather than marked merged: nothing refers to it any more, the schema has no
    "merged" column that every customer query would then have to filter on, and the
    ``customer.linked`` events keep its id, name and identities for the record.
    """
    with store.write() as session:
        keep = _load(session, keep_id)
        if keep_id == other_id:
            return LinkResult(keep_id, f"#{other_id}")
        return _merge(session, keep, _load(session, other_id), actor, f"#{other_id}")


def link_identity(
    store: Store,
    customer_id: int,
    kind: str,
    value: str,
    actor: Actor,
    *,
    scope: str = "",
) -> LinkResult:
    """Attach an identity (``scope`` names the marketplace of a buyer id) to a customer.

    When another customer already has the identity, the two customers are one person:
    that customer is merged into ``customer_id`` (see link_customers).
    """
    handle = identity_handle(kind, value, scope=scope)
    with store.write() as session:
        return _link_handle(session, _load(session, customer_id), handle, actor)


def link_handles(store: Store, handle: str, other: str, actor: Actor) -> LinkResult:
    """Link the customers two handles name; the first one's customer survives.

    An identity handle nobody has yet (``email:new@x``) is attached to that customer.
    """
    first, second = parse_handle(handle), parse_handle(other)
    with store.write() as session:
        keep = _load(session, find_customer(session, first))
        return _link_handle(session, keep, second, actor)


def link_ticket_customer(store: Store, ticket_id: int, handle: str, actor: Actor) -> LinkResult:
    """Link the customer of ``ticket_id`` with whoever ``handle`` names (the TUI's ``L``).

    A ticket without a customer (its sender could not be parsed) joins that customer, made
    for the handle when nobody has it yet.
    """
    parsed = parse_handle(handle)
    with store.write() as session:
        ticket = load_ticket(session, ticket_id)
        if ticket.customer_id is not None:
            return _link_handle(session, _load(session, ticket.customer_id), parsed, actor)
        owner = _owner(session, parsed)
        added: tuple[str, ...] = ()
        if owner is None:
            if parsed.kind is None:
                raise UsageError(f"no customer {parsed.label}")
            owner = _new_customer(session, name="")
            _add_identity(session, owner, parsed, display_name="")
            added = (parsed.label,)
        ticket.customer_id, ticket.updated_at = owner, utcnow()
        session.add(ticket)
        session.flush()
        reindex_ticket(session, ticket_id)
        log_event(session, ticket_id, actor, "customer.linked", customer=owner, via=parsed.label)
        return LinkResult(owner, parsed.label, added=added, tickets=(ticket_id,))


def unlink_identity(  # noqa: PLR0917  (kind, scope, value: the identity's own unique key)
    store: Store, customer_id: int, kind: str, scope: str, value: str, actor: Actor
) -> UnlinkResult:
    """Move one identity out of a customer into a new customer (undo of a wrong link).

    The tickets that came in through that identity alone (every inbound message written
    from it, on a channel where it lives) move with it, and so do the customer's cached
    orders placed with it (an email). Tickets with messages from other handles of the
    customer, or none from this one (a contact form's Reply-To), stay where they are.
    """
    handle = identity_handle(kind, value, scope=scope)
    with store.write() as session:
        customer = _load(session, customer_id)
        identities = session.exec(
            select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)
        ).all()
        identity = next((i for i in identities if _is(i, handle)), None)
        if identity is None:
            raise UsageError(f"customer #{customer_id} has no identity {handle.label}")
        if len(identities) == 1:
            raise UsageError(
                f"{handle.label} is the only identity of customer #{customer_id};"
                " there is nothing to unlink it from"
            )
        affected = _ticket_ids(session, customer_id)
        moving = _tickets_through(session, customer_id, handle)
        new_id = _new_customer(session, name=identity.display_name or "")
        identity.customer_id = new_id
        session.add(identity)
        for start in range(0, len(moving), 500):  # ids per IN (...), under every limit
            session.execute(
                update(Ticket)
                .where(col(Ticket.id).in_(moving[start : start + 500]))
                .values(customer_id=new_id, updated_at=utcnow())
            )
        orders = 0
        if handle.kind is IdentityKind.EMAIL:
            orders = _rowcount(
                session.execute(
                    update(Order)
                    .where(col(Order.customer_id) == customer_id, col(Order.email) == handle.value)
                    .values(customer_id=new_id)
                )
            )
        session.flush()
        reindex_customer(session, customer_id)
        reindex_customer(session, new_id)
        _log_on(
            session,
            affected,
            actor,
            "customer.unlinked",
            customer=customer_id,
            new_customer=new_id,
            identity=handle.label,
            moved_tickets=moving,
        )
        assert customer.id is not None
        return UnlinkResult(customer.id, new_id, handle.label, tuple(moving), orders)


# --- helpers (inside the caller's transaction) --------------------------------------------


def _load(session: Session, customer_id: int) -> Customer:
    # Locked on PostgreSQL, so two agents linking the same people take turns (SQLite
    # serialises every write transaction already: BEGIN IMMEDIATE).
    customer = session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFoundError(f"no customer with id {customer_id}")
    return customer


def _link_handle(session: Session, keep: Customer, handle: Handle, actor: Actor) -> LinkResult:
    assert keep.id is not None
    owner = _owner(session, handle)
    if owner is None:
        if handle.kind is None:
            raise UsageError(f"no customer {handle.label}")
        _add_identity(session, keep.id, handle, display_name="")
        session.flush()
        reindex_customer(session, keep.id)
        _log_on(
            session,
            _ticket_ids(session, keep.id),
            actor,
            "customer.identity_added",
            customer=keep.id,
            identity=handle.label,
        )
        return LinkResult(keep.id, handle.label, added=(handle.label,))
    if owner == keep.id:
        return LinkResult(keep.id, handle.label)
    return _merge(session, keep, _load(session, owner), actor, handle.label)


def _merge(
    session: Session, keep: Customer, other: Customer, actor: Actor, linked: str
) -> LinkResult:
    assert keep.id is not None and other.id is not None
    keep_id, other_id = keep.id, other.id
    moved = session.exec(
        select(CustomerIdentity)
        .where(CustomerIdentity.customer_id == other_id)
        .order_by(col(CustomerIdentity.id))
    ).all()
    labels = tuple(identity_label(i.kind, i.scope, i.value) for i in moved)
    tickets = _ticket_ids(session, other_id, merged_too=True)
    # (kind, scope, value) is unique across customers, so no identity can collide here.
    session.execute(
        update(CustomerIdentity)
        .where(col(CustomerIdentity.customer_id) == other_id)
        .values(customer_id=keep_id)
    )
    session.execute(
        update(Ticket)
        .where(col(Ticket.customer_id) == other_id)
        .values(customer_id=keep_id, updated_at=utcnow())
    )
    orders = _rowcount(
        session.execute(
            update(Order).where(col(Order.customer_id) == other_id).values(customer_id=keep_id)
        )
    )
    if not keep.name and other.name:
        keep.name = other.name
    notes = [n for n in (keep.note.strip(), other.note.strip()) if n]
    keep.note = "\n".join(dict.fromkeys(notes))
    session.add(keep)
    for identity in moved:
        session.expunge(identity)  # rewritten above; the ORM copies are stale
    session.flush()  # every reference is gone before the row is
    session.delete(other)
    session.flush()
    reindex_customer(session, keep_id)
    _log_on(
        session,
        _ticket_ids(session, keep_id),
        actor,
        "customer.linked",
        customer=keep_id,
        merged=other_id,
        merged_name=other.name,
        identities=list(labels),
        via=linked,
    )
    return LinkResult(keep_id, linked, labels, other_id, tuple(tickets), orders)


def _new_customer(session: Session, *, name: str) -> int:
    customer = Customer(name=name, note="")
    session.add(customer)
    session.flush()
    assert customer.id is not None
    return customer.id


def _add_identity(session: Session, customer_id: int, handle: Handle, display_name: str) -> None:
    assert handle.kind is not None
    session.add(
        CustomerIdentity(
            customer_id=customer_id,
            kind=handle.kind.value,
            scope=handle.scope,
            value=handle.value,
            display_name=display_name,
        )
    )
    session.flush()


def _is(identity: CustomerIdentity, handle: Handle) -> bool:
    assert handle.kind is not None
    return (identity.kind, identity.scope, identity.value) == (
        handle.kind.value,
        handle.scope,
        handle.value,
    )


def _ticket_ids(session: Session, customer_id: int, *, merged_too: bool = False) -> list[int]:
    query = select(Ticket.id).where(Ticket.customer_id == customer_id)
    if not merged_too:
        query = query.where(col(Ticket.merged_into_id).is_(None))
    return [int(t) for t in session.exec(query.order_by(col(Ticket.id))).all() if t is not None]


def _tickets_through(session: Session, customer_id: int, handle: Handle) -> list[int]:
    """The customer's tickets whose every inbound message came from ``handle``."""
    assert handle.kind is not None
    rows = session.exec(
        select(Message.ticket_id, Channel.type, Message.author_handle)
        .distinct()
        .join(Ticket, col(Ticket.id) == col(Message.ticket_id))
        .join(Channel, col(Channel.id) == col(Message.channel_id))
        .where(
            Ticket.customer_id == customer_id,
            col(Ticket.merged_into_id).is_(None),
            Message.direction == Direction.IN.value,
        )
    ).all()
    through: dict[int, bool] = {}
    for ticket_id, channel_type, author in rows:
        # Messages keep the handle as it arrived; identities hold it normalised.
        ours = normalize_handle(handle.kind, author or "") == handle.value and (
            handle.kind is not IdentityKind.BUYER or channel_type == handle.scope
        )
        through[ticket_id] = through.get(ticket_id, True) and ours
    return sorted(ticket_id for ticket_id, ours in through.items() if ours)


def _log_on(session: Session, ticket_ids: list[int], actor: Actor, kind: str, **data: Any) -> None:
    """The event on every affected ticket; once without a ticket when there is none."""
    targets: list[int | None] = [*ticket_ids] or [None]
    for ticket_id in targets:
        log_event(session, ticket_id, actor, kind, **data)


def _rowcount(result: Any) -> int:
    # UPDATE results are CursorResults; their rowcount is the number of rows matched.
    return max(int(getattr(result, "rowcount", 0) or 0), 0)
