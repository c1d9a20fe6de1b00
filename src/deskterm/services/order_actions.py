"""Order actions done exactly once: recorded before sent, settled by reading the order back.

Like the outbox (reliability.md item 12): ``record`` writes the action with a fresh
idempotency key before anything is sent; ``execute`` marks it ``sending``, asks the
platform, and records the outcome. A refusal is final (one sentence, the platform's
reason). An ambiguous failure (timeout, 5xx, dropped connection) — or a process that died
while ``sending`` — is never simply retried: the order is read back first, and only an
action the platform shows not done is sent again, with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlmodel import col, select

from deskterm.domain.enums import Direction
from deskterm.domain.errors import ChannelError, DesktermError, NotFoundError
from deskterm.domain.orders import (
    ActionPlan,
    ActionRefused,
    ActionRequest,
    PlatformOrder,
    note_for,
)
from deskterm.domain.text import clean_stored_text
from deskterm.services.actor import Actor
from deskterm.services.tickets import add_note
from deskterm.store.engine import Store
from deskterm.store.events import append_event
from deskterm.store.order_cache import cache_orders
from deskterm.store.tables import Message, OrderAction, utcnow

PENDING, SENDING, DONE, REFUSED, UNKNOWN = "pending", "sending", "done", "refused", "unknown"
MAX_SENDS = 3  # sends of one action per run, each after a read-back showed it not done


class OrderActor(Protocol):
    """What one platform does for the engine (a thin layer over its order adapter)."""

    def perform(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Send the action; the platform's answer worth keeping (a draft's name, ...).
        Raises ActionRefused (final) or a transient ChannelError (ambiguous)."""
        ...

    def confirm(
        self, kind: str, order_id: str, params: Mapping[str, Any], idempotency_key: str
    ) -> dict[str, Any] | None:
        """Read the order back: the result when the action shows as done, else None.
        Raises ChannelError when the platform cannot be read either."""
        ...

    def read(self, order_id: str) -> PlatformOrder | None:
        """The order as the platform has it now (the cache is refreshed with it)."""
        ...


# The note left on the ticket when an action is done: a text, or one made from the
# platform's answer (a duplicate's draft name is known only then).
Summary = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class ActionOutcome:
    """How an action ended, for the CLI's line and the TUI's notice."""

    action_id: int
    state: str  # DONE, REFUSED or UNKNOWN
    message: str  # one line
    result: dict[str, Any]


def record(
    store: Store,
    *,
    store_name: str,
    order_id: str,
    order_name: str,
    kind: str,
    params: Mapping[str, Any],
    ticket_id: int | None,
    actor: Actor,
) -> int:
    """Write the action (state ``pending``, a new idempotency key); returns its id."""
    with store.write() as session:
        row = OrderAction(
            store=store_name,
            order_id=order_id,
            order_name=order_name or order_id,
            kind=kind,
            params=dict(params),
            idempotency_key=str(uuid.uuid4()),
            ticket_id=ticket_id,
            agent_id=actor.agent_id,
        )
        session.add(row)
        session.flush()
        append_event(
            session,
            ticket_id,
            "order.action_requested",
            actor=actor.label,
            agent_id=actor.agent_id,
            store=store_name,
            order=order_id,
            action=kind,
            params=dict(params),
        )
        assert row.id is not None
        return row.id


def execute(
    store: Store, actor_for: OrderActor, action_id: int, actor: Actor, summary: Summary
) -> ActionOutcome:
    """Carry the action out exactly once (see the module docstring); ``summary`` is the
    note left on the ticket when it is done ("Order #1042 cancelled: out of stock; ...")."""
    row = _load(store, action_id)
    if row.state in (DONE, REFUSED):
        return _outcome(row)
    if row.state in (SENDING, UNKNOWN):
        # It may have happened: a dropped answer, or a process killed while sending.
        settled = _settle(store, actor_for, row, actor, summary)
        if settled is not None:
            return settled
    sends = 0  # this run's: an earlier run's sends were all read back as not done
    while True:
        row = _load(store, action_id)
        if sends >= MAX_SENDS:
            return _mark(store, row, UNKNOWN, error="not confirmed after three tries")
        sends += 1
        _mark(store, row, SENDING, attempts=row.attempts + 1)
        try:
            result = actor_for.perform(row.kind, row.order_id, row.params, row.idempotency_key)
        except ActionRefused as exc:
            return _mark(store, row, REFUSED, error=exc.message, actor=actor)
        except ChannelError as exc:
            _mark(store, row, UNKNOWN, error=exc.message)
            settled = _settle(store, actor_for, _load(store, action_id), actor, summary)
            if settled is not None:
                return settled
            continue  # read back: not done, so it is safe to send again (same key)
        return _done(
            store, actor_for, _load(store, action_id), result, actor=actor, summary=summary
        )


def unsettled(store: Store, store_name: str, order_id: str, kind: str) -> OrderAction | None:
    """The earlier action of this kind on this order that never ended (pending, sending
    or unknown): it may have happened, so it is settled before anything new is sent."""
    with store.read() as session:
        row = session.exec(
            select(OrderAction)
            .where(
                OrderAction.store == store_name,
                OrderAction.order_id == order_id,
                OrderAction.kind == kind,
                col(OrderAction.state).in_((PENDING, SENDING, UNKNOWN)),
            )
            .order_by(col(OrderAction.id))
        ).first()
        if row is not None:
            session.expunge(row)
        return row


RECENT = timedelta(hours=24)  # a done action this recent is named before doing it again


def recent_done(
    store: Store, store_name: str, order_id: str, kind: str, within: timedelta = RECENT
) -> OrderAction | None:
    """The latest action of this kind on this order done within ``within``: a person who
    lost its outcome (a closed terminal, a killed process) and asks again is told before
    a second refund or a second draft is made."""
    since = utcnow() - within
    with store.read() as session:
        row = session.exec(
            select(OrderAction)
            .where(
                OrderAction.store == store_name,
                OrderAction.order_id == order_id,
                OrderAction.kind == kind,
                OrderAction.state == DONE,
                col(OrderAction.done_at) >= since,
            )
            .order_by(col(OrderAction.id).desc())
        ).first()
        if row is not None:
            session.expunge(row)
        return row


def done_before(row: OrderAction) -> str:
    """The plan's first line when the same action was done lately."""
    when = f"{row.done_at:%Y-%m-%d %H:%M} UTC" if row.done_at else "earlier"
    return (
        f"NOTE: the same {row.kind} of this order was already done at {when} "
        f"(action {row.id}); this does it again"
    )


class OrderPlanner(Protocol):
    """What a platform's actor plans (sync/orders/actors.py)."""

    def plan(self, order_id: str, request: ActionRequest) -> ActionPlan:
        """What ``request`` will do to the order as the platform has it now."""
        ...


@dataclass(frozen=True)
class Prepared:
    """What a person is asked to confirm, the CLI's and the TUI's words alike."""

    plan: ActionPlan
    earlier: OrderAction | None = None  # an unsettled earlier try, settled instead
    done: OrderAction | None = None  # the same action done lately: this is another

    def lines(self) -> list[str]:
        """The heading, then what will happen, one line each."""
        if self.earlier is not None:
            return [
                f"an earlier {self.plan.kind} of this order (recorded "
                f"{self.earlier.created_at:%Y-%m-%d %H:%M} UTC) was never confirmed; deskterm "
                "reads the order back and sends it again only if it did not happen:",
                *self.plan.steps,
            ]
        notes = [done_before(self.done)] if self.done is not None else []
        return ["this will:", *notes, *self.plan.steps]


def prepare(
    store: Store, planner: OrderPlanner, store_name: str, order_id: str, request: ActionRequest
) -> Prepared:
    """The plan to confirm: an earlier unsettled try of this action on this order as it
    was confirmed then (a new request settles it instead of starting another), else the
    platform's plan now, naming the same action when it was done lately."""
    earlier = unsettled(store, store_name, order_id, request.kind)
    if earlier is not None:
        params = {k: v for k, v in earlier.params.items() if k not in ("steps", "note")}
        steps = tuple(str(step) for step in earlier.params.get("steps") or [])
        note = str(earlier.params.get("note") or "")
        plan = ActionPlan(
            earlier.kind, earlier.store, earlier.order_id, earlier.order_name, params, steps, note
        )
        return Prepared(plan, earlier=earlier)
    plan = planner.plan(order_id, request)
    return Prepared(plan, done=recent_done(store, plan.store, plan.order_id, plan.kind))


def carry_out(
    store: Store,
    actor_for: OrderActor,
    plan: ActionPlan,
    *,
    ticket_id: int | None,
    actor: Actor,
) -> ActionOutcome:
    """Record the confirmed ``plan`` and carry it out once; an earlier unsettled action of
    the same kind on the order is settled instead (read back first, never doubled)."""
    earlier = unsettled(store, plan.store, plan.order_id, plan.kind)
    if earlier is not None and earlier.id is not None:
        note = str(earlier.params.get("note") or plan.note)
        return execute(store, actor_for, earlier.id, actor, lambda r: note_for(note, r))
    action_id = record(
        store,
        store_name=plan.store,
        order_id=plan.order_id,
        order_name=plan.order_name,
        kind=plan.kind,
        params=plan.recorded(),
        ticket_id=ticket_id,
        actor=actor,
    )
    return execute(store, actor_for, action_id, actor, lambda r: note_for(plan.note, r))


def _settle(
    store: Store, actor_for: OrderActor, row: OrderAction, actor: Actor, summary: Summary
) -> ActionOutcome | None:
    """Done (recorded as such), still unknown (the platform cannot be read), or None:
    read back and not done, so sending again is safe."""
    try:
        result = actor_for.confirm(row.kind, row.order_id, row.params, row.idempotency_key)
    except ChannelError as exc:
        return _mark(store, row, UNKNOWN, error=f"could not check the order: {exc.message}")
    if result is None:
        return None
    return _done(store, actor_for, row, result, actor=actor, summary=summary)


def _done(
    store: Store,
    actor_for: OrderActor,
    row: OrderAction,
    result: dict[str, Any],
    *,
    actor: Actor,
    summary: Summary,
) -> ActionOutcome:
    # The note before ``done``: a process killed in between leaves the action unsettled,
    # so the next run reads it back and finishes it (the note it finds is not written
    # twice). Noted after ``done``, a kill there lost the note for good, and the same
    # command run again sent the action a second time (a second refund, a second draft).
    if row.ticket_id is not None:
        text = summary if isinstance(summary, str) else summary(result)
        if not _noted(store, row, text):
            add_note(store, row.ticket_id, text, actor)
    outcome = _mark(store, row, DONE, result=result, actor=actor)
    try:
        fresh = actor_for.read(row.order_id)
    except DesktermError:
        fresh = None  # the cache refreshes on the next pass; the action itself is done
    if fresh is not None:
        cache_orders(store, row.store, [fresh])
    return outcome


def _noted(store: Store, row: OrderAction, text: str) -> bool:
    """Whether the ticket already has this action's note (written by a run that died
    before it recorded the action as done)."""
    body = clean_stored_text(text).strip()
    with store.read() as session:
        found = session.exec(
            select(Message.id).where(
                Message.ticket_id == row.ticket_id,
                Message.direction == Direction.NOTE.value,
                Message.body_text == body,
                col(Message.sent_at) >= row.created_at,
            )
        ).first()
        return found is not None


def _load(store: Store, action_id: int) -> OrderAction:
    with store.read() as session:
        row = session.get(OrderAction, action_id)
        if row is None:
            raise NotFoundError(f"no order action with id {action_id}")
        session.expunge(row)
        return row


def _mark(
    store: Store,
    row: OrderAction,
    state: str,
    *,
    error: str = "",
    result: dict[str, Any] | None = None,
    attempts: int | None = None,
    actor: Actor | None = None,
) -> ActionOutcome:
    with store.write() as session:
        current = session.get(OrderAction, row.id)
        assert current is not None
        current.state = state
        current.error = error
        current.updated_at = utcnow()
        if result is not None:
            current.result = dict(result)
        if attempts is not None:
            current.attempts = attempts
        if state == DONE:
            current.done_at = current.updated_at
        session.add(current)
        if actor is not None and state in (DONE, REFUSED):
            append_event(
                session,
                current.ticket_id,
                f"order.{state}",
                actor=actor.label,
                agent_id=actor.agent_id,
                store=current.store,
                order=current.order_id,
                action=current.kind,
                error=error,
                result=dict(current.result),
            )
        session.flush()
        session.expunge(current)
        return _outcome(current)


def _outcome(row: OrderAction) -> ActionOutcome:
    assert row.id is not None
    messages = {
        DONE: f"done: {note_for(str(row.params.get('note') or ''), row.result)}"
        if row.params.get("note")
        else f"order {row.order_name}: {row.kind} done",
        # The adapters' refusals name the order already; say it once.
        REFUSED: row.error
        if row.order_id in row.error or row.order_name in row.error
        else f"order {row.order_name}: {row.kind} refused: {row.error}",
        UNKNOWN: f"order {row.order_name}: {row.kind} not confirmed ({row.error}); "
        "deskterm reads the order back before it tries again",
    }
    message = messages.get(row.state, f"order {row.order_name}: {row.kind} {row.state}")
    return ActionOutcome(row.id, row.state, message, dict(row.result))
