"""The loop guards of rule replies (issue 14 item 3): when a rule must NOT answer.

A rule's reply is refused, whatever its condition says, when answering could loop or
annoy: the event is a rule's own doing; the message is a marketplace system notice; the
customer's last message is auto-generated (RFC 3834: ``Auto-Submitted`` other than
``no``, ``Precedence: bulk|list|junk``, ``List-Id``/``List-Unsubscribe``, as ingest
records in ``message.auto_submitted``) or comes from MAILER-DAEMON, postmaster or a
no-reply address, or from one of the shop's own addresses; or the ticket already got a
rule's reply in the last 24 hours (unless the action says ``limit = false``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from deskterm.automation.rules.model import AUTO_REPLY_WINDOW_HOURS
from deskterm.domain.enums import Direction
from deskterm.domain.machine_mail import machine_sender
from deskterm.store.tables import Channel, Message, Ticket


def last_customer_message(session: Session, ticket_id: int) -> Message | None:
    """The customer's newest message on the ticket (what a reply answers)."""
    return session.exec(
        select(Message)
        .where(Message.ticket_id == ticket_id, Message.direction == Direction.IN.value)
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
    ).first()


def _own_addresses(session: Session) -> set[str]:
    rows = session.exec(select(Channel.address).where(Channel.type == "email")).all()
    return {address.strip().lower() for address in rows if address and "@" in address}


def recent_auto_reply(session: Session, ticket_id: int, now: datetime) -> bool:
    """Whether a rule replied on this ticket within the auto-reply window."""
    since = now - timedelta(hours=AUTO_REPLY_WINDOW_HOURS)
    found = session.exec(
        select(Message.id).where(
            Message.ticket_id == ticket_id,
            Message.direction == Direction.OUT.value,
            col(Message.auto_submitted).is_(True),
            Message.sent_at >= since,
        )
    ).first()
    return found is not None


def reply_refusal(
    session: Session,
    ticket: Ticket,
    *,
    caused_by_rule: bool,
    event_message: Message | None,
    limit: bool,
    now: datetime,
) -> str | None:
    """Why a rule must not reply on this event (one phrase), or None when it may."""
    assert ticket.id is not None
    if caused_by_rule:
        return "the event is a rule's own doing (rules never answer rules)"
    if event_message is not None and event_message.direction == Direction.SYSTEM.value:
        return "the message is a marketplace system notice"
    last_in = last_customer_message(session, ticket.id)
    if last_in is None:
        return "the ticket has no customer message to answer"
    if last_in.auto_submitted:
        return "the customer's message is auto-generated (RFC 3834)"
    handle = last_in.author_handle.strip().lower()
    if "@" in handle and machine_sender(handle):
        return f"{handle} is a bounce or no-reply address"
    if handle in _own_addresses(session):
        return f"{handle} is one of the shop's own addresses"
    if limit and recent_auto_reply(session, ticket.id, now):
        return f"a rule already replied on this ticket in the last {AUTO_REPLY_WINDOW_HOURS} hours"
    return None
