"""Label use cases: an agent's intent correction, backfilling labels, retraining for a shop."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.labeller import Labeller
from deskterm.domain.enums import Direction
from deskterm.domain.errors import UsageError
from deskterm.domain.labels import INTENTS, MessageLabels, normalise_intent
from deskterm.ingest.pipeline import label_columns
from deskterm.services.actor import Actor
from deskterm.services.tickets import load_ticket, log_event
from deskterm.store.engine import Store
from deskterm.store.tables import Channel, IntentCorrection, Message, Ticket, table_of, utcnow

AUTO = "auto"  # `deskterm intent TICKET auto`: the model's label again


def parse_intent(name: str) -> str | None:
    """The intent ``name`` names (None for "auto"); UsageError listing the choices otherwise."""
    if name.strip().lower() == AUTO:
        return None
    intent = normalise_intent(name)
    if intent is None:
        raise UsageError(f"unknown intent {name!r}: use one of {', '.join(INTENTS)} (or auto)")
    return intent


def set_intent(store: Store, ticket_id: int, name: str, actor: Actor) -> bool:
    """Set the ticket's intent as an agent (kept over later messages' labels) and record
    the correction as a training example; ``auto`` hands the intent back to the model.

    Returns False when nothing changed.
    """
    intent = parse_intent(name)
    with store.write() as session:
        ticket = load_ticket(session, ticket_id)
        latest = _latest_customer_message(session, ticket_id)
        if intent is None:
            if ticket.intent_source != "agent":
                return False
            ticket.intent_source = "model" if latest is not None else ""
            ticket.intent = latest.intent if latest is not None else None
            ticket.intent_confidence = latest.intent_confidence if latest is not None else None
            log_event(session, ticket_id, actor, "ticket.intent", intent=None, source="model")
            return True
        if ticket.intent == intent and ticket.intent_source == "agent":
            return False
        previous = ticket.intent
        ticket.intent, ticket.intent_source, ticket.intent_confidence = intent, "agent", 1.0
        ticket.updated_at = utcnow()
        if latest is not None:
            session.add(
                IntentCorrection(
                    ticket_id=ticket_id,
                    message_id=latest.id,
                    text=_subject_and_body(latest),
                    language=latest.language,
                    intent=intent,
                    previous_intent=previous,
                    agent_id=actor.agent_id,
                )
            )
        log_event(session, ticket_id, actor, "ticket.intent", intent=intent, previous=previous)
        return True


def _subject_and_body(message: Message) -> str:
    # The subject is part of what the model read; kept in the example's first line.
    return f"{message.subject}\n{message.body_text}" if message.subject else message.body_text


def _latest_customer_message(session: Session, ticket_id: int) -> Message | None:
    query = (
        sqlmodel_select(Message)
        .where(
            col(Message.ticket_id) == ticket_id,
            col(Message.direction) == Direction.IN.value,
            col(Message.auto_submitted).is_(False),
        )
        .order_by(col(Message.sent_at).desc(), col(Message.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


@dataclass
class BackfillTotals:
    """What a backfill did."""

    labelled: int = 0
    tickets: int = 0
    remaining: int = 0


MESSAGE = table_of(Message)
TICKET = table_of(Ticket)
_m = MESSAGE.c
UPDATE_LABELS = (
    update(MESSAGE)
    .where(_m.id == bindparam("message_pk"))
    .values(
        language=bindparam("v_language"),
        intent=bindparam("v_intent"),
        intent_confidence=bindparam("v_intent_confidence"),
        sentiments=bindparam("v_sentiments"),
        label_scores=bindparam("v_label_scores"),
        labelled_by=bindparam("v_labelled_by"),
    )
)


def _pending(since: datetime | None, version: str) -> list[ColumnElement[bool]]:
    # "v+llm:model": the same built-in model, helped by the LLM backend; labelled already.
    done = (_m.labelled_by == version) | _m.labelled_by.startswith(version + "+", autoescape=True)
    clauses: list[ColumnElement[bool]] = [(_m.labelled_by.is_(None)) | ~done]
    if since is not None:
        clauses.append(_m.sent_at >= since)
    return clauses


def count_unlabelled(store: Store, version: str, since: datetime | None = None) -> int:
    """Messages not yet labelled by model ``version``."""
    from sqlalchemy import func

    with store.read() as session:
        query = select(func.count()).select_from(MESSAGE).where(*_pending(since, version))
        return int(session.connection().execute(query).scalar_one())


def backfill(
    store: Store,
    labeller: Labeller,
    *,
    since: datetime | None = None,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
    limit: int | None = None,
) -> BackfillTotals:
    """Label every message the current model has not labelled, oldest first, one
    transaction per batch (a killed backfill resumes where it stopped)."""
    totals = BackfillTotals()
    after = 0
    tickets: set[int] = set()
    channel_types = _channel_kinds(store)
    while limit is None or totals.labelled < limit:
        size = batch if limit is None else min(batch, limit - totals.labelled)
        with store.read() as session:
            rows = (
                session.connection()
                .execute(
                    select(
                        _m.id,
                        _m.ticket_id,
                        _m.channel_id,
                        _m.direction,
                        _m.auto_submitted,
                        _m.subject,
                        _m.body_text,
                        _m.body_html_text,
                    )
                    .where(_m.id > after, *_pending(since, labeller.version))
                    .order_by(_m.id)
                    .limit(size)
                )
                .all()
            )
        if not rows:
            break
        after = int(rows[-1][0])
        items = [
            ClassifyInput(
                text=body or html,
                subject=subject if channel_types.get(channel_id) == "email" else "",
                channel=channel_types.get(channel_id, "chat"),
                customer=direction == Direction.IN.value and not auto,
            )
            for _id, _t, channel_id, direction, auto, subject, body, html in rows
        ]
        labels = labeller.label(items)
        tickets |= _store_labels(store, rows, labels)
        totals.labelled += len(rows)
        totals.tickets = len(tickets)
        if progress is not None:
            progress(totals.labelled)
    totals.remaining = count_unlabelled(store, labeller.version, since)
    return totals


def _channel_kinds(store: Store) -> dict[int, str]:
    with store.read() as session:
        rows = session.connection().execute(select(Channel.id, Channel.type)).all()  # type: ignore[call-overload]
    return {int(i): ("email" if kind == "email" else "chat") for i, kind in rows}


def _store_labels(
    store: Store, rows: Sequence[Sequence[Any]], labels: Sequence[MessageLabels | None]
) -> set[int]:
    """Write one batch's labels and refresh the labels of the tickets they belong to."""
    from deskterm.ingest.pipeline import relabel_tickets

    params = []
    touched: set[int] = set()
    for row, result in zip(rows, labels, strict=True):
        if result is None:
            continue
        message_id, ticket_id = int(row[0]), int(row[1])
        columns = label_columns(result)
        params.append({"message_pk": message_id, **{f"v_{k}": v for k, v in columns.items()}})
        touched.add(int(ticket_id))
    if not params:
        return set()
    with store.write() as session:
        conn = session.connection()
        conn.execute(UPDATE_LABELS, params)
        relabel_tickets(conn, sorted(touched))
    return touched


def correction_examples(store: Store) -> list[tuple[str, str, str | None]]:
    """(text, intent, language) of every intent correction, oldest first."""
    with store.read() as session:
        rows = (
            session.connection()
            .execute(
                select(
                    IntentCorrection.text, IntentCorrection.intent, IntentCorrection.language
                ).order_by(IntentCorrection.id)  # type: ignore[call-overload]
            )
            .all()
        )
    return [(str(text), str(intent), language) for text, intent, language in rows]


def shop_model_path(store: Store) -> Path:
    """Where a shop's retrained model lives (beside its store)."""
    from deskterm.automation.classify.classifier import SHOP_MODEL_NAME

    return store.data_dir / SHOP_MODEL_NAME
