"""The 21 customer intents (Gorgias's names, helpdesk.md) and how they group in families."""

from __future__ import annotations

from typing import Final

INTENTS: Final = (
    "discount/request",
    "exchange/request",
    "exchange/status",
    "feedback",
    "order/cancel",
    "order/change",
    "order/damaged",
    "order/wrong",
    "other/no-reply",
    "other/question",
    "other/thanks",
    "product/question",
    "product/recommendation",
    "refund/request",
    "refund/status",
    "return/request",
    "return/status",
    "shipping/change",
    "shipping/delivery-issue",
    "shipping/policy",
    "shipping/status",
)
"""Every intent a ticket or message may carry, and a macro may answer."""


def intent_family(intent: str) -> str:
    """The part before the slash: ``shipping`` for ``shipping/status``, ``feedback`` alone."""
    return intent.partition("/")[0]


def is_intent(name: str) -> bool:
    """Whether ``name`` is one of :data:`INTENTS` (exactly as written there)."""
    return name in INTENTS
