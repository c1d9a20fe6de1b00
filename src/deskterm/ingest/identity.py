"""Customer identity resolution: find or create the customer behind a handle."""

from __future__ import annotations

import re

from sqlalchemy import Connection, bindparam, insert, select, update

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import Party
from deskterm.domain.text import clean_stored_text
from deskterm.store.search_index import reindex_customer
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
# Who owns a party's email/phone hints: one lookup for all of them (uq_identity serves it).
FIND_HINTS = select(_i.kind, _i.value, _i.customer_id).where(
    _i.kind.in_((IdentityKind.EMAIL.value, IdentityKind.PHONE.value)),
    _i.scope == "",
    _i.value.in_(bindparam("values", expanding=True)),
)
INSERT_IDENTITY = insert(IDENTITY)
NAME_NAMELESS = (
    update(CUSTOMER).where(_c.id == bindparam("cid"), _c.name == "").values(name=bindparam("name"))
)
# Marketplaces mask contact details ("a***@gmail.com", "62812****89"); stripping the mask
# would leave a different, real-looking handle that could fuse two strangers.
_MASKS = frozenset("*•●…")
_MIN_PHONE_DIGITS = 6
# Contact hints used per party: a person has a few addresses; a platform payload listing
# thousands is junk, and each hint is a parameter of FIND_HINTS's IN (...).
MAX_HINTS = 20


def normalize_phone(raw: str) -> str:
    """E.164-ish: ``+`` and digits for an international number, the digits alone otherwise.

    Hand-written (``phonenumbers`` is not a dependency): a leading ``+`` or ``00`` marks the
    country code; a national number ("0812 3456 789") is kept as its digits, because the
    country it belongs to cannot be known from the number alone.
    """
    text = raw.strip().lstrip("(").lstrip()
    digits = "".join(c for c in text if c in "0123456789")
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def normalize_handle(kind: IdentityKind, handle: str) -> str:
    """The canonical form an identity is stored and matched under."""
    handle = handle.strip()
    if kind is IdentityKind.EMAIL:
        return handle.lower()
    if kind is IdentityKind.PHONE:
        return normalize_phone(handle)
    return handle


def usable_hint(kind: IdentityKind, raw: str) -> str:
    """The normalised form of a contact hint, or "" when it is masked or malformed."""
    if not raw or _MASKS & set(raw):
        return ""
    value = normalize_handle(kind, raw)
    if kind is IdentityKind.EMAIL:
        local, at, domain = value.partition("@")
        return value if at and local and "." in domain and not re.search(r"\s", value) else ""
    digits = sum(c.isdigit() for c in value)
    return value if digits >= _MIN_PHONE_DIGITS else ""


def _hints(party: Party, own: tuple[str, str]) -> list[tuple[str, str]]:
    """(kind, value) of the party's usable email/phone hints, emails first, without its own."""
    found = [(IdentityKind.EMAIL, raw) for raw in party.emails]
    found += [(IdentityKind.PHONE, raw) for raw in party.phones]
    hints = [(kind.value, usable_hint(kind, raw)) for kind, raw in found[: MAX_HINTS * 4]]
    return [hint for hint in dict.fromkeys(hints) if hint[1] and hint != own][:MAX_HINTS]


def resolve_customer(conn: Connection, party: Party, *, scope: str = "") -> int:
    """The id of the customer known by ``party``'s handle, created (with the identity) if new.

    Email/phone hints on the party link identities automatically, in the caller's
    transaction: a new handle joins the customer who already owns one of the hints (no
    duplicate customer), and unowned hints become identities of the party's customer. Two
    customers that both already exist are never merged here: that moves tickets and orders
    and is the agent's call (``deskterm customer link``, ``L`` in the TUI).
    """
    kind = IdentityKind(party.kind)
    value = normalize_handle(kind, party.handle)
    scope = scope if kind is IdentityKind.BUYER else ""
    name = clean_stored_text(party.name).strip()
    hints = _hints(party, (kind.value, value)) if party.emails or party.phones else []
    owners: dict[tuple[str, str], int] = {}
    if hints:
        rows = conn.execute(FIND_HINTS, {"values": [v for _k, v in hints]}).all()
        owners = {(k, v): int(c) for k, v, c in rows}
    found = conn.execute(
        FIND_IDENTITY, {"kind": kind.value, "scope": scope, "value": value}
    ).first()
    if found is not None:
        identity_id, customer_id, display_name, customer_name = found
        if name and not customer_name:
            conn.execute(NAME_CUSTOMER, {"cid": customer_id, "name": name})
        if name and not display_name:
            conn.execute(NAME_IDENTITY, {"iid": identity_id, "name": name})
        _attach_hints(conn, int(customer_id), hints, owners, name, existing=True)
        return int(customer_id)
    now = utcnow()
    # Hints are in preference order (emails first): the first owned one names the person.
    owner = next((owners[hint] for hint in hints if hint in owners), None)
    if owner is None:
        result = conn.execute(insert(CUSTOMER), {"name": name, "note": "", "created_at": now})
        customer_id = inserted_id(result)
    else:
        customer_id = owner
        if name:
            conn.execute(NAME_NAMELESS, {"cid": customer_id, "name": name})
    conn.execute(
        INSERT_IDENTITY,
        {
            "customer_id": customer_id,
            "kind": kind.value,
            "scope": scope,
            "value": value,
            "display_name": name,
            "created_at": now,
        },
    )
    if owner is None:
        _attach_hints(conn, customer_id, hints, owners, name, existing=False)
    elif not _attach_hints(conn, customer_id, hints, owners, name, existing=True):
        reindex_customer(conn, customer_id)  # the new handle alone changed its search rows
    return customer_id


def _attach_hints(
    conn: Connection,
    customer_id: int,
    hints: list[tuple[str, str]],
    owners: dict[tuple[str, str], int],
    name: str,
    *,
    existing: bool,
) -> bool:
    """Give ``customer_id`` the hints nobody owns yet; True when its search rows were redone."""
    new = [hint for hint in hints if hint not in owners]
    if new:
        now = utcnow()
        conn.execute(
            INSERT_IDENTITY,
            [
                {
                    "customer_id": customer_id,
                    "kind": hint_kind,
                    "scope": "",
                    "value": hint_value,
                    "display_name": name,
                    "created_at": now,
                }
                for hint_kind, hint_value in new
            ],
        )
    if existing and new:
        # The customer's tickets are searchable by its handles (store.search_index).
        reindex_customer(conn, customer_id)
        return True
    return False
