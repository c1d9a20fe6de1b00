"""Read queries shared by the CLI and the TUI: ticket lists, one ticket, search snippets."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from deskterm.domain.enums import SNOOZED, shown_status
from deskterm.domain.errors import NotFoundError
from deskterm.domain.query_ast import And, Node, Or, Term
from deskterm.domain.revenue import AttributionRules
from deskterm.domain.sla import SlaTargets
from deskterm.store.query_sql import QueryCompiler, SqlFragment
from deskterm.store.readdb import ReadDb, db_moment, iso_utc
from deskterm.store.sql_in import in_query

_TICKET_COLUMNS = """
    t.id, t.subject, t.status, t.snoozed_until, t.spam, ch.name, ch.type,
    t.customer_id, cu.name, a.email, a.name, t.message_count, t.created_at,
    t.last_message_at, t.priority, t.store, t.intent, t.sentiments, t.language,
    t.closed_at, t.last_inbound_at, t.intent_confidence, t.intent_source
"""
_TICKET_JOINS = """
    JOIN channel ch ON ch.id = t.channel_id
    LEFT JOIN customer cu ON cu.id = t.customer_id
    LEFT JOIN agent a ON a.id = t.assignee_id
"""
_TICKET_FROM = "FROM ticket t" + _TICKET_JOINS


def agent_id_for(db: ReadDb, email: str) -> int | None:
    """The agent row id of ``email`` (the local user), if it exists yet."""
    if not email:
        return None
    rows = db.all("SELECT id FROM agent WHERE email = :e", {"e": email.lower()})
    return int(rows[0][0]) if rows else None


def has_tickets(db: ReadDb) -> bool:
    """Whether the store holds any ticket at all (closed, spam and merged ones included)."""
    return bool(db.all("SELECT 1 FROM ticket LIMIT 1"))


def agents(db: ReadDb) -> list[tuple[str, str]]:
    """``(name, email)`` of every agent, by name."""
    rows = db.all("SELECT name, email FROM agent ORDER BY name, email")
    return [(str(name or ""), str(email)) for name, email in rows]


def compile_query(
    db: ReadDb,
    node: Node,
    *,
    me_agent_id: int | None,
    sla_targets: Mapping[str, SlaTargets] | None = None,
    now: datetime | None = None,
) -> SqlFragment:
    """The WHERE fragment for ``node`` in this database's dialect.

    ``sla_targets`` (the config's, by channel name) give ``sla:`` terms their meaning;
    without them those terms match nothing. ``now`` (default: the current time) is the
    moment they are judged at.
    """
    compiler = QueryCompiler(db.dialect, me_agent_id=me_agent_id, sla_targets=sla_targets, now=now)
    return compiler.compile(node)


def list_tickets(
    db: ReadDb,
    where: SqlFragment,
    *,
    limit: int = 50,
    offset: int = 0,
    agent_id: int | None = None,
) -> list[dict[str, Any]]:
    """Tickets matching ``where``, newest activity first, as ``tickets --json`` items.

    With ``agent_id``, ``unread`` and ``drafts`` are that agent's; without, every ticket
    is read and draft-free. Per-page facts (tags, first reply, unread, drafts) come from
    one IN-query each over the page's ids, never from the whole view.
    """
    params = dict(where.params, _limit=limit, _offset=offset)
    # The page's ids are picked first, on the ticket table alone; only those rows are then
    # joined to their channel, customer and agent. Joined before the sort, every match
    # was: ~45 ms of a frequent word's 85 ms at 100k tickets (bench/README).
    rows = db.all(
        f"SELECT {_TICKET_COLUMNS} FROM ("
        f"SELECT t.id AS pick_id, t.last_message_at AS pick_at FROM ticket t WHERE {where.sql}"
        " ORDER BY t.last_message_at DESC, t.id DESC LIMIT :_limit OFFSET :_offset"
        f") p JOIN ticket t ON t.id = p.pick_id {_TICKET_JOINS}"
        " ORDER BY p.pick_at DESC, p.pick_id DESC",
        params,
    )
    return _ticket_dicts(db, rows, agent_id)


def count_tickets(db: ReadDb, where: SqlFragment) -> int:
    """How many tickets match ``where`` (live counts in the sidebar)."""
    rows = db.all(f"SELECT count(*) FROM ticket t WHERE {where.sql}", where.params)
    return int(rows[0][0])


def get_ticket(
    db: ReadDb,
    ticket_id: int,
    *,
    agent_id: int | None = None,
    revenue: AttributionRules | None = None,
) -> dict[str, Any]:
    """One ticket with its messages oldest first, as ``show --json``.

    ``unread`` and ``drafts`` are those of ``agent_id`` (as in :func:`list_tickets`);
    with ``revenue`` (what counts as earned), the orders attributed to the ticket are
    under ``revenue`` (callers that only need the ticket's fields leave it out).
    """
    rows = db.all(f"SELECT {_TICKET_COLUMNS} {_TICKET_FROM} WHERE t.id = :id", {"id": ticket_id})
    if not rows:
        raise NotFoundError(f"no ticket with id {ticket_id}")
    ticket = _ticket_dicts(db, rows, agent_id)[0]
    merged = db.all("SELECT merged_into_id FROM ticket WHERE id = :id", {"id": ticket_id})
    ticket["merged_into"] = merged[0][0]
    ticket["messages"] = ticket_messages(db, ticket_id)
    ticket["csat"] = ticket_csat(db, ticket_id)
    # Imported here: the revenue and order modules cost `tickets` and `search` ~10 ms of
    # their start, and only a ticket's page shows them.
    from deskterm.store.customer_reader import customer_orders
    from deskterm.store.revenue_reader import attribution_json, ticket_revenue

    if revenue is not None:
        ticket["revenue"] = [attribution_json(a) for a in ticket_revenue(db, ticket_id, revenue)]
    customer_id = ticket["customer"].get("id")

    # The customer's cached shop orders, newest first ([] when no shop is connected).
    ticket["orders"] = customer_orders(db, customer_id) if customer_id else []
    return ticket


def ticket_csat(db: ReadDb, ticket_id: int) -> dict[str, Any] | None:
    """The ticket's satisfaction survey as ``show --json`` has it: ``{score, comment,
    answered_at, survey, sent_at}`` (the first three null until it is answered; ``survey``
    is scheduled, sent, answered or cancelled), or None when it was never surveyed."""
    rows = db.all(
        "SELECT state, score, comment, answered_at, sent_at FROM csatsurvey WHERE ticket_id = :id",
        {"id": ticket_id},
    )
    if not rows:
        return None
    state, score, comment, answered_at, sent_at = rows[0]
    answered = state == "answered"
    return {
        "score": score if answered else None,
        "comment": (comment or "") if answered else None,
        "answered_at": iso_utc(answered_at) if answered else None,
        "survey": state,
        "sent_at": iso_utc(sent_at),
    }


def ticket_messages(db: ReadDb, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's messages, oldest first, each with its attachments' metadata."""
    rows = db.all(
        "SELECT m.id, m.direction, m.author, m.author_handle, m.body_text, m.body_html_text,"
        " m.sent_at, m.external_id, m.subject, m.parse_status, m.parse_error, m.auto_submitted,"
        ' o.id, o.state, o.last_error, o.attempts, m."references",'
        " m.language, m.intent, m.intent_confidence, m.sentiments"
        " FROM message m LEFT JOIN outbox o ON o.message_id = m.id"
        " WHERE m.ticket_id = :id ORDER BY m.sent_at, m.id",
        {"id": ticket_id},
    )
    ids = [row[0] for row in rows]
    attachments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for message_id, filename, content_type, size, sha in in_query(
        db,
        "SELECT message_id, filename, content_type, size, sha256 FROM attachment"
        " WHERE message_id IN ({ids}) ORDER BY id",
        ids,
    ):
        attachments[message_id].append(
            {"filename": filename, "content_type": content_type, "size": size, "sha256": sha}
        )
    from deskterm.store.message_orders import linked_orders  # see get_ticket

    orders = linked_orders(db, ticket_id) if ids else {}
    return [
        {
            "id": row[0],
            "direction": row[1],
            "author": row[2],
            "author_handle": row[3],
            "body_text": row[4] or row[5],
            "sent_at": iso_utc(row[6]),
            "external_id": row[7],
            "subject": row[8],
            "parse_status": row[9],
            "parse_error": row[10],
            "auto_submitted": bool(row[11]),
            "attachments": attachments.get(row[0], []),
            # The classifier's labels: a language for every message; intent and
            # sentiments for a customer's (None / [] for the shop's and notices).
            "language": row[17],
            "intent": row[18],
            "intent_confidence": row[19],
            "sentiments": (row[20] or "").split(),
            # Marketplace chats: the platform's conversation ("" for email).
            "conversation_id": _conversation_id(row[16]),
            # A chat order card: the order it names and what the cache knows of it
            # ({store, id, status, fetched_at, ...}; status None while not fetched).
            "order": orders.get(row[0]),
            # Our replies: where delivery stands (queued, sending, sent, failed, unknown).
            "delivery": None
            if row[12] is None
            else {"outbox_id": row[12], "state": row[13], "error": row[14], "attempts": row[15]},
        }
        for row in rows
    ]


def _conversation_id(references: str | None) -> str:
    for ref in (references or "").split():
        if ref.startswith("conv:"):
            return ref.removeprefix("conv:")
    return ""


def first_replies(db: ReadDb, ticket_ids: list[int]) -> dict[int, Any]:
    """When each ticket got its first agent reply (stored form), for SLA first response.

    Public replies only (direction "out"): notes are not answers, and auto-submitted
    mail (autoresponders, rule-generated) does not count, as in helpdesk.md's FRT.
    """
    return {
        ticket_id: first
        for ticket_id, first in in_query(
            db,
            "SELECT ticket_id, min(sent_at) FROM message WHERE ticket_id IN ({ids})"
            " AND direction = :_out AND auto_submitted = :_auto GROUP BY ticket_id",
            ticket_ids,
            {"_out": "out", "_auto": False},
        )
    }


def unread_ids(db: ReadDb, agent_id: int, ticket_ids: list[int]) -> set[int]:
    """Which of these tickets ``agent_id`` has not read.

    Unread: an inbound message that reached the store after the agent's read mark, or
    no mark at all. Arrival (``received_at``, our clock) rather than the sender's date:
    mail fetched late, or from a customer whose clock lags, is still news to the agent.
    """
    unread = set()
    for ticket_id, arrived, read_at in in_query(
        db,
        "SELECT m.ticket_id, max(m.received_at), r.read_at FROM message m"
        " LEFT JOIN readmark r ON r.ticket_id = m.ticket_id AND r.agent_id = :_agent"
        " WHERE m.ticket_id IN ({ids}) AND m.direction = :_in"
        " GROUP BY m.ticket_id, r.read_at",
        ticket_ids,
        {"_agent": agent_id, "_in": "in"},
    ):
        mark, newest = db_moment(read_at), db_moment(arrived)
        if mark is None or (newest is not None and newest > mark):
            unread.add(ticket_id)
    return unread


def draft_kinds(db: ReadDb, agent_id: int, ticket_ids: list[int]) -> dict[int, list[str]]:
    """The kinds of draft (``reply``, ``note``) ``agent_id`` keeps on each of these tickets."""
    kinds: dict[int, list[str]] = defaultdict(list)
    for ticket_id, kind in in_query(
        db,
        "SELECT ticket_id, kind FROM draft WHERE agent_id = :_agent AND ticket_id IN ({ids})"
        " ORDER BY kind",
        ticket_ids,
        {"_agent": agent_id},
    ):
        kinds[ticket_id].append(kind)
    return dict(kinds)


def my_drafts(db: ReadDb, agent_id: int) -> list[dict[str, Any]]:
    """Every draft ``agent_id`` keeps, most recently edited first (a "Drafts" list)."""
    rows = db.all(
        "SELECT d.ticket_id, d.kind, d.updated_at, t.subject, length(d.body)"
        " FROM draft d JOIN ticket t ON t.id = d.ticket_id"
        " WHERE d.agent_id = :agent ORDER BY d.updated_at DESC, d.id DESC",
        {"agent": agent_id},
    )
    return [
        {
            "ticket_id": row[0],
            "kind": row[1],
            "updated_at": iso_utc(row[2]),
            "subject": row[3],
            "length": row[4],
        }
        for row in rows
    ]


def _ticket_dicts(db: ReadDb, rows: list[Any], agent_id: int | None = None) -> list[dict[str, Any]]:
    ticket_ids = [row[0] for row in rows]
    customer_ids = sorted({row[7] for row in rows if row[7] is not None})
    tags = ticket_tags(db, ticket_ids)
    identities: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for customer_id, kind, scope, value in in_query(
        db,
        "SELECT customer_id, kind, scope, value FROM customeridentity"
        " WHERE customer_id IN ({ids}) ORDER BY id",
        customer_ids,
    ):
        identities[customer_id].append((kind, scope, value))
    replied = first_replies(db, ticket_ids)
    unread: set[int] = set()
    drafts: dict[int, list[str]] = {}
    if agent_id is not None:
        # Tickets with no inbound message at all can never be unread; skip them.
        unread = unread_ids(db, agent_id, [row[0] for row in rows if row[20] is not None])
        drafts = draft_kinds(db, agent_id, ticket_ids)
    tickets = []
    for row in rows:
        ticket = _ticket_dict(row, tags[row[0]], identities.get(row[7], []))
        ticket["first_reply_at"] = iso_utc(replied.get(row[0]))
        ticket["unread"] = row[0] in unread
        ticket["drafts"] = drafts.get(row[0], [])
        tickets.append(ticket)
    return tickets


def ticket_tags(db: ReadDb, ticket_ids: list[int]) -> dict[int, list[str]]:
    """Each ticket's tag names, sorted (a ticket without tags: an empty list)."""
    tags: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in in_query(
        db,
        "SELECT tt.ticket_id, g.name FROM tickettag tt JOIN tag g ON g.id = tt.tag_id"
        " WHERE tt.ticket_id IN ({ids}) ORDER BY g.name",
        ticket_ids,
    ):
        tags[int(ticket_id)].append(str(name))
    return tags


def _ticket_dict(
    row: Any, tags: list[str], identities: list[tuple[str, str, str]]
) -> dict[str, Any]:
    emails = [value for kind, _scope, value in identities if kind == "email"]
    handles = [f"{scope or kind}:{value}" for kind, scope, value in identities]
    status = shown_status(row[2], row[3])
    # A snooze is stored as a close; its moment is shown as snoozed_at, not closed_at.
    stopped_at = iso_utc(row[19])
    return {
        "id": row[0],
        "subject": row[1],
        "status": status,
        "snoozed_until": iso_utc(row[3]),
        "spam": bool(row[4]),
        "channel": row[5],
        "channel_type": row[6],
        "customer": {
            "id": row[7],
            "name": row[8] or "",
            "email": emails[0] if emails else None,
            "handles": handles,
        },
        "tags": tags,
        "assignee": row[9],
        "assignee_name": row[10],
        "message_count": row[11],
        "created_at": iso_utc(row[12]),
        "last_message_at": iso_utc(row[13]),
        "priority": row[14],
        "store": row[15],
        "intent": row[16],
        "sentiments": (row[17] or "").split(),
        "language": row[18],
        # How sure the model was (1.0 when an agent set it), and who set it: "model",
        # "agent" or "" (not labelled yet).
        "intent_confidence": row[21],
        "intent_source": row[22] or "",
        "closed_at": None if status == SNOOZED else stopped_at,
        "snoozed_at": stopped_at if status == SNOOZED else None,
        "last_inbound_at": iso_utc(row[20]),
    }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def snippet_terms(node: Node) -> list[str]:
    """Words and phrases worth highlighting in a snippet (positive free/body terms)."""
    if isinstance(node, Term) and node.field in (None, "body"):
        return [node.value]
    if isinstance(node, And | Or):
        return [term for child in node.operands for term in snippet_terms(child)]
    return []


SNIPPET_WIDTH = 100
_SNIPPET_SCAN = 20_000  # characters of each body searched for a term


def add_snippets(db: ReadDb, tickets: list[dict[str, Any]], terms: Iterable[str]) -> None:
    """Give each ticket a one-line ``snippet`` around the first matching term."""
    wanted = [_fold(term) for term in terms if term]
    bodies: dict[int, list[str]] = defaultdict(list)
    for ticket_id, body in in_query(
        db,
        "SELECT ticket_id, body_text FROM message WHERE ticket_id IN ({ids})"
        # People's words first: a platform notice ("please rate…") is nobody's last word.
        " ORDER BY ticket_id, CASE WHEN direction = :_system THEN 1 ELSE 0 END,"
        " sent_at DESC, id DESC",
        [ticket["id"] for ticket in tickets],
        {"_system": "system"},
    ):
        bodies[ticket_id].append(" ".join(str(body or "")[:_SNIPPET_SCAN].split()))
    for ticket in tickets:
        ticket["snippet"] = _best_snippet(bodies.get(ticket["id"], []), wanted)


def _find(body: str, term: str) -> int:
    """Offset of ``term`` (already folded) in ``body``, ignoring case and accents."""
    lowered = body.casefold()
    # Case/accent folding can change lengths (ß -> ss); only trust offsets when it did not.
    if len(lowered) == len(body):
        at = lowered.find(term)
        if at >= 0:
            return at
    if body.isascii():
        return -1
    folded = _fold(body)
    return folded.find(term) if len(folded) == len(body) else -1


def _best_snippet(bodies: list[str], wanted: list[str]) -> str:
    width = SNIPPET_WIDTH
    for body in bodies:
        for term in wanted:
            at = _find(body, term)
            if at >= 0:
                start = max(at - width // 3, 0)
                if start:  # begin at a word boundary
                    space = body.find(" ", start)
                    start = space + 1 if 0 <= space < at else start
                text = body[start : start + width]
                return ("…" if start else "") + text + ("…" if start + width < len(body) else "")
    first = bodies[0] if bodies else ""
    return first[:width] + ("…" if len(first) > width else "")
