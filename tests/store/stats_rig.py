"""A store with known timings for ``deskterm stats`` tests (computed by hand in the tests).

March 2026: the 1st is a Sunday. Tickets (times UTC):

- T1 email: Alice asks Sun 1st 10:00; the shop's autoresponder 10:05, a rule's reply
  10:30 and a note 11:00 (none counts); agent replies 12:00 and 15:00 (two: not one-touch); closed
  Mon 2nd 10:00. Assigned to ana, tagged "order".
- T2 email: Bob asks Mon 2nd 09:00; agent replies 10:00; closed 11:00; Bob writes again
  Tue 3rd 08:00 (reopens); closed again 12:00 (last close). One agent reply.
- T3 email, opened by the shop: agent writes Carol Mon 2nd 14:00; Carol answers 15:00;
  agent again 16:00. Open.
- T4 chat (shopee-id): buyer asks Tue 3rd 09:00; platform notice 09:01; the shop's
  auto-reply 09:02; agent replies 09:30. Open, tagged "vip" and "order".
- T5 email: Dave asks Tue 3rd 10:00; nobody answered. Open.
- T6 email: spam, Mon 2nd; never counted.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.services import replies
from deskterm.services import tickets as svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import Store
from tests.conftest import SHOP, ingest, msg


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Known:
    """The ticket ids of the rig."""

    t1: int
    t2: int
    t3: int
    t4: int
    t5: int
    t6: int


def _email(mid: str, sender: str, when: datetime, **kwargs: object) -> InboundMessage:
    base = msg(mid, sender=sender, name=sender.partition("@")[0].title(), **kwargs)  # type: ignore[arg-type]
    return dataclasses.replace(base, sent_at=when)


def _ours(
    mid: str, to: str, when: datetime, *, parent: str = "", auto: bool = False
) -> InboundMessage:
    """A message from the shop's own address, as the Sent-folder sync ingests it."""
    sent = msg(mid, sender=SHOP, name="Shop", to=to, in_reply_to=parent, subject="Re: hi")
    return dataclasses.replace(sent, sent_at=when, auto_submitted=auto)


def _chat(
    mid: str, when: datetime, *, shop: bool = False, notice: bool = False, auto: bool = False
) -> InboundMessage:
    buyer = Party("Siti", "buyer-1", IdentityKind.BUYER)
    platform = Party("Shopee", "shopee", IdentityKind.BUYER)
    sender = (
        platform if notice else (Party("Shop", "shop-1", IdentityKind.BUYER) if shop else buyer)
    )
    return InboundMessage(
        external_id=mid,
        content_hash=hashlib.sha256(mid.encode()).hexdigest(),
        subject="Chat with Siti",
        sender=sender,
        recipients=[buyer] if shop or notice else [],
        sent_at=when,
        body_text=f"chat {mid}",
        references=["conv:C1"],
        outbound=shop,
        platform_notice=notice,
        auto_submitted=auto,
        raw_format="json",
    )


def build(store: Store, channel: ChannelContext, monkeypatch: pytest.MonkeyPatch) -> Known:
    """Fill ``store`` (whose email channel is ``channel``) with the tickets above."""
    with store.write() as session:
        ana = agent_actor(session, email="ana@shop.test", name="Ana")
        row = ensure_channel(session, name="shopee-id", type="shopee", address="shop-1")
        assert row.id is not None
        chat = ChannelContext(id=row.id, name="shopee-id", type="shopee")

    def clock(moment: datetime) -> None:
        monkeypatch.setattr(svc, "utcnow", lambda: moment)
        monkeypatch.setattr(replies, "utcnow", lambda: moment)

    t1 = ingest(store, channel, _email("1@x", "alice@example.com", at(1, 10))).ticket_id
    ingest(
        store, channel, _ours("1a@x", "alice@example.com", at(1, 10, 5), parent="1@x", auto=True)
    )
    clock(at(1, 10, 30))
    with store.write() as session:
        replies.reply_queued(session, t1, "Thanks, we got it.", Actor("rule:welcome"), auto=True)
    clock(at(1, 11))
    svc.add_note(store, t1, "internal: check the stock first", ana)  # a note is no reply
    ingest(store, channel, _ours("1b@x", "alice@example.com", at(1, 12), parent="1@x"))
    ingest(store, channel, _ours("1c@x", "alice@example.com", at(1, 15), parent="1b@x"))
    clock(at(2, 10))
    svc.close(store, t1, ana)
    svc.assign(store, t1, "ana@shop.test", ana)
    svc.add_tags(store, t1, ["order"], ana)

    bob = "bob@example.com"
    t2 = ingest(store, channel, _email("2@x", bob, at(2, 9), subject="Refund")).ticket_id
    ingest(store, channel, _ours("2a@x", bob, at(2, 10), parent="2@x"))
    clock(at(2, 11))
    svc.close(store, t2, ana)
    again = _email("2b@x", bob, at(3, 8), subject="Re: Refund", in_reply_to="2a@x")
    assert ingest(store, channel, again).ticket_reopened
    clock(at(3, 12))
    svc.close(store, t2, ana)

    carol = "carol@example.com"
    t3 = ingest(store, channel, _ours("3@x", carol, at(2, 14))).ticket_id
    ingest(store, channel, _email("3a@x", carol, at(2, 15), subject="Re: hi", in_reply_to="3@x"))
    ingest(store, channel, _ours("3b@x", carol, at(2, 16), parent="3a@x"))

    t4 = ingest(store, chat, _chat("c1", at(3, 9))).ticket_id
    assert ingest(store, chat, _chat("c2", at(3, 9, 1), notice=True)).ticket_id == t4
    assert ingest(store, chat, _chat("c3", at(3, 9, 2), shop=True, auto=True)).ticket_id == t4
    assert ingest(store, chat, _chat("c4", at(3, 9, 30), shop=True)).ticket_id == t4
    svc.add_tags(store, t4, ["vip", "order"], ana)

    t5 = ingest(store, channel, _email("5@x", "dave@example.com", at(3, 10), subject="Q")).ticket_id
    t6 = ingest(
        store, channel, _email("6@x", "spam@example.com", at(2, 3), subject="WIN")
    ).ticket_id
    svc.set_spam(store, t6, True, ana)
    assert len({t1, t2, t3, t4, t5, t6}) == 6
    return Known(t1, t2, t3, t4, t5, t6)
