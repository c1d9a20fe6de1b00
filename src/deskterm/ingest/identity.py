"""Customer identity resolution: find or create the customer behind a handle."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import Party
from deskterm.domain.text import clean_stored_text
from deskterm.store.tables import Customer, CustomerIdentity


def normalize_handle(kind: IdentityKind, handle: str) -> str:
    """The canonical form an identity is stored and matched under."""
    handle = handle.strip()
    if kind is IdentityKind.EMAIL:
        return handle.lower()
    if kind is IdentityKind.PHONE:
        return re.sub(r"[^\d+]", "", handle)
    return handle


def resolve_customer(session: Session, party: Party, *, scope: str = "") -> Customer:
    """The customer known by ``party``'s handle, created (with the identity) when new."""
    kind = IdentityKind(party.kind)
    value = normalize_handle(kind, party.handle)
    scope = scope if kind is IdentityKind.BUYER else ""
    name = clean_stored_text(party.name).strip()
    found = session.exec(
        select(Customer, CustomerIdentity)
        .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)  # type: ignore[arg-type]
        .where(
            CustomerIdentity.kind == kind.value,
            CustomerIdentity.scope == scope,
            CustomerIdentity.value == value,
        )
    ).first()
    if found is not None:
        customer, identity = found
        if name and not customer.name:
            customer.name = name
            session.add(customer)
        if name and not identity.display_name:
            identity.display_name = name
            session.add(identity)
        return customer
    customer = Customer(name=name)
    session.add(customer)
    session.flush()
    assert customer.id is not None
    session.add(
        CustomerIdentity(
            customer_id=customer.id, kind=kind.value, scope=scope, value=value, display_name=name
        )
    )
    return customer
