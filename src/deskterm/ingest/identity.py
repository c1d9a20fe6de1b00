"""Customer identity resolution: find or create the customer behind a handle."""

from __future__ import annotations

import re

from sqlalchemy import Connection, bindparam, insert, select, update

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import Party
from deskterm.domain.text import clean_stored_text
from deskterm.store.tables import Customer, CustomerIdentity, inserted_id, table_of, utcnow

# Core statements, not the ORM: ingest runs per message on 100k-message imports, and the
# ORM's unit of work cost 5x the SQL itself there (measured with cProfile).
CUSTOMER = table_of(Customer)
IDENTITY = table_of(CustomerIdentity)
_c, _i = CUSTOMER.c, IDENTITY.c
# Built once: constructing statements per call cost more than executing them.
FIND_IDENTITY = (
    select(_i.id, _i.customer_id, _i.display_name, _c.name)
    .join(CUSTOMER, _c.id == _i.customer_id)
    .where(_i.kind == bindparam("kind"), _i.scope == bindparam("scope"))
    .where(_i.value == bindparam("value"))
)
NAME_CUSTOMER = update(CUSTOMER).where(_c.id == bindparam("cid")).values(name=bindparam("name"))
NAME_IDENTITY = (
    update(IDENTITY).where(_i.id == bindparam("iid")).values(display_name=bindparam("name"))
)


def normalize_handle(kind: IdentityKind, handle: str) -> str:
    """The canonical form an identity is stored and matched under."""
    handle = handle.strip()
    if kind is IdentityKind.EMAIL:
        return handle.lower()
    if kind is IdentityKind.PHONE:
        return re.sub(r"[^\d+]", "", handle)
    return handle


def resolve_customer(conn: Connection, party: Party, *, scope: str = "") -> int:
    """The id of the customer known by ``party``'s handle, created (with the identity) if new."""
    kind = IdentityKind(party.kind)
    value = normalize_handle(kind, party.handle)
    scope = scope if kind is IdentityKind.BUYER else ""
    name = clean_stored_text(party.name).strip()
    found = conn.execute(
        FIND_IDENTITY, {"kind": kind.value, "scope": scope, "value": value}
    ).first()
    if found is not None:
        identity_id, customer_id, display_name, customer_name = found
        if name and not customer_name:
            conn.execute(NAME_CUSTOMER, {"cid": customer_id, "name": name})
        if name and not display_name:
            conn.execute(NAME_IDENTITY, {"iid": identity_id, "name": name})
        return int(customer_id)
    now = utcnow()
    result = conn.execute(insert(CUSTOMER), {"name": name, "note": "", "created_at": now})
    customer_id = inserted_id(result)
    conn.execute(
        insert(IDENTITY),
        {
            "customer_id": customer_id,
            "kind": kind.value,
            "scope": scope,
            "value": value,
            "display_name": name,
            "created_at": now,
        },
    )
    return customer_id
