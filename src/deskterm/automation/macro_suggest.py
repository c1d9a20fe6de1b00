"""Which macros fit a ticket: by its intent, the words of the customer's latest message and
its language, each suggestion with the reason shown beside it ("intent shipping/status").

Pure: the caller gives the ticket's intent, language and the customer's text (quoted
history already removed) and the macros; nothing here reads the store.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from deskterm.automation.tokens import fold, tokens, word_set

MAX_SUGGESTED = 5  # the picker shows these first; more would push the rest off screen
MAX_REASON_WORDS = 3
# An exact intent outweighs any word overlap; a family match ("shipping/*") about two
# strong shared words. Language only tips the order between macros that fit already.
INTENT_EXACT = 10.0
INTENT_FAMILY = 4.0
SAME_LANGUAGE = 1.0
OTHER_LANGUAGE = 0.75  # a factor: a fitting macro in another language still shows

# Template code is not words the customer could share: {{ticket.customer.firstname}}.
_TEMPLATE = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.DOTALL)

# A few function words per language tell a macro's language cheaply (the macro's text is
# written by the shop, in full sentences); a ticket's language comes from the classifier.
_LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": word_set("the and you your we our is are to for with thank thanks have has"),
    "id": word_set("dan yang kami anda kakak kak terima kasih sudah untuk dengan akan ini pesanan"),
    "pt": word_set("obrigado voce seu sua nosso para com pedido nao esta uma"),
    "es": word_set("gracias usted su nuestro para con pedido esta una los las por"),
    "vi": word_set("cam on ban cua chung toi don hang duoc khong"),
}


@dataclass(frozen=True)
class MacroFacts:
    """What ranking reads of one macro."""

    name: str
    body: str = ""
    tags: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, name: str, body: str, actions: dict[str, Any], intents: Iterable[str]
    ) -> MacroFacts:
        """From a stored macro's fields (its tags are those its actions add)."""
        return cls(name, body, tuple(actions.get("add_tags") or ()), tuple(intents))


@dataclass(frozen=True)
class Suggestion:
    """A macro that fits, how well, and why in a few words."""

    name: str
    score: float
    reason: str
    words: tuple[str, ...] = field(default=())


def guess_language(text: str) -> str | None:
    """The language of a macro's text by its function words, or None when unclear."""
    words = Counter(fold(text).split())
    counts = {lang: sum(words[w] for w in vocab) for lang, vocab in _LANGUAGE_WORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    ranked = sorted(counts.values(), reverse=True)
    return best if ranked[0] >= 2 and ranked[0] > ranked[1] else None


def _macro_words(macro: MacroFacts) -> set[str]:
    body = _TEMPLATE.sub(" ", macro.body)
    return set(tokens(" ".join((macro.name, body, " ".join(macro.tags)))))


def intent_family(intent: str) -> str:
    """The part before the slash: ``shipping`` for ``shipping/status``, ``feedback`` alone."""
    return intent.partition("/")[0]


def _intent_match(ticket_intent: str | None, macro: MacroFacts) -> tuple[float, str]:
    if not ticket_intent or not macro.intents:
        return 0.0, ""
    if ticket_intent in macro.intents:
        return INTENT_EXACT, f"intent {ticket_intent}"
    family = intent_family(ticket_intent)
    if any(intent_family(i) == family for i in macro.intents):
        return INTENT_FAMILY, f"intent {family}/*"
    return 0.0, ""


def rank_macros(
    macros: Sequence[MacroFacts],
    *,
    intent: str | None = None,
    text: str = "",
    language: str | None = None,
    limit: int = MAX_SUGGESTED,
) -> list[Suggestion]:
    """The macros that fit, best first (at most ``limit``); a macro that shares neither the
    intent nor a word with the customer's ``text`` is not suggested."""
    asked = set(tokens(text))
    typed = set(tokens(text, roots=False))
    vocab = [_macro_words(m) for m in macros]
    # A word every macro has ("order" in a shop whose macros all talk about orders) says
    # little about which one fits: weight shared words by how rare they are among macros.
    seen = Counter(word for words in vocab for word in words & asked)
    total = len(macros)
    suggestions: list[Suggestion] = []
    for macro, words in zip(macros, vocab, strict=True):
        score, reason = _intent_match(intent, macro)
        reasons = [reason] if reason else []
        shared = sorted(words & asked, key=lambda w: (seen[w], w))
        weight = sum(math.log(1 + total / seen[w]) for w in shared)
        if shared:
            score += weight
            # The customer's own words read better than roots ("batal" for "batalin")
            # when both are there; a root alone still explains the match.
            shown = [w for w in shared if w in typed] or shared
            reasons.append("words: " + ", ".join(shown[:MAX_REASON_WORDS]))
        if score <= 0:
            continue
        if language:
            spoken = guess_language(macro.name + "\n" + _TEMPLATE.sub(" ", macro.body))
            if spoken == language:  # a tie-break, not a reason: the column stays short
                score += SAME_LANGUAGE
            elif spoken is not None:
                score *= OTHER_LANGUAGE
        suggestions.append(Suggestion(macro.name, score, " · ".join(reasons), tuple(shared)))
    suggestions.sort(key=lambda s: (-s.score, s.name.casefold()))
    return suggestions[:limit]
