"""The labels the classifier gives customer messages: Gorgias's intents and sentiments."""

from __future__ import annotations

from dataclasses import dataclass, field

# helpdesk.md "Intents and sentiments" (Gorgias taxonomy), in its order.
INTENTS: tuple[str, ...] = (
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
SENTIMENTS: tuple[str, ...] = (
    "positive",
    "promoter",
    "negative",
    "threatening",
    "urgent",
    "offensive",
)
INTENT_FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(name.split("/")[0] for name in INTENTS))

# Short forms for the ticket list's badge column (readable without colour).
SENTIMENT_MARKS: dict[str, str] = {
    "negative": "-",
    "threatening": "!",
    "offensive": "x",
    "urgent": "u",
    "positive": "+",
    "promoter": "*",
}


def normalise_intent(name: str) -> str | None:
    """The intent ``name`` spells (case- and space-insensitive), or None when it is not one."""
    wanted = name.strip().lower().replace(" ", "")
    return wanted if wanted in INTENTS else None


def intent_matches(pattern: str, intent: str | None) -> bool:
    """``intent:shipping/status``, ``intent:shipping`` and ``intent:shipping/*`` semantics."""
    if intent is None:
        return False
    wanted = pattern.strip().lower().removesuffix("/*").removesuffix("*")
    return intent == wanted or intent.startswith(wanted.rstrip("/") + "/")


@dataclass(frozen=True, slots=True)
class MessageLabels:
    """What the classifier says about one message, each label with its confidence (0..1).

    ``intent`` is None when the message is not a customer's or the model was below its own
    threshold; ``intent_confident`` is True when it is above the stricter threshold that
    rules act on.
    """

    language: str | None
    language_confidence: float
    intent: str | None = None
    intent_confidence: float = 0.0
    intent_confident: bool = False
    sentiments: tuple[str, ...] = ()
    sentiment_scores: dict[str, float] = field(default_factory=dict)
    model: str = ""

    def as_json(self) -> dict[str, object]:
        """The ``classify --json`` line for this message."""
        return {
            "language": self.language,
            "intent": self.intent,
            "intent_confidence": round(self.intent_confidence, 4),
            "intent_confident": self.intent_confident,
            "sentiments": list(self.sentiments),
            "language_confidence": round(self.language_confidence, 4),
            "sentiment_scores": {k: round(v, 4) for k, v in self.sentiment_scores.items()},
        }
