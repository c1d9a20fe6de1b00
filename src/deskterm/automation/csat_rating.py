"""Reading a satisfaction rating (1-5) out of a customer's reply to a survey.

The survey asks for a number from 1 to 5 by reply, on email and chat alike. Customers
answer "5", "4/5", "⭐⭐⭐⭐", "lima", "muito bom 5", "5 - fast delivery!" or "5 stars,
thank you". A rating is read only when the reply's own words (quoted history and a mail
client's signature left out) hold exactly one rating and little else: "I gave 5 stars but
the box had 2 dents" or "my order 12345 has not come" is left to the agent, because a
wrong score is worse than none. What follows the rating is kept as the comment.

Hand-written (no library reads ratings): number words in the languages of our markets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deskterm.automation.tokens import fold
from deskterm.domain.quoting import fold_reply

MAX_WORDS = 40  # a longer reply is a message, not an answer to the survey

# Number words 1-5 in the languages the survey is sent in. Words shared with other
# meanings in a short reply ("ba" is Vietnamese three and a Tagalog particle; "um" a
# Portuguese one and an English filler) are left out: the digit is always understood.
_WORDS: dict[str, int] = {
    # English ("one" is left out: "this one is great")
    "two": 2, "three": 3, "four": 4, "five": 5,
    # Indonesian / Malay (and Tagalog's "lima", "isa", "apat")
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "isa": 1, "dalawa": 2, "tatlo": 3, "apat": 4,
    # Portuguese / Spanish
    "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "uno": 1, "dos": 2, "cuatro": 4,
    # Vietnamese (without tones, as folded below). Thai and Chinese write no spaces
    # between words ("ห้าดาว", "五星好评"): there the digit or the stars are read.
    "mot": 1, "bon": 4, "nam": 5,
}  # fmt: skip
# Words that only name the scale ("5 stars", "bintang 4"): not part of the comment.
_SCALE_WORDS = frozenset(
    {"star", "stars", "bintang", "estrela", "estrelas", "estrella", "estrellas", "sao", "dao",
     "point", "points", "poin", "nilai", "rating", "score", "skor"}
)  # fmt: skip
_STARS = "⭐★☆✩✪✫✬✭✮✯✰🌟"
_FULL_STARS = "⭐★✪✫✬✭✮✯✰🌟"  # ☆ and ✩ are empty stars: "★★★☆☆" is 3
_DECOR = "\ufe0f\u20e3"  # emoji presentation and keycap marks: "4️⃣" is 4
_RATING = re.compile(r"([1-5])(?:/5)?")
_PUNCT = ".,!?;:()[]{}\"'-–—~*"


@dataclass(frozen=True, slots=True)
class Rating:
    """A survey answer: the score (1-5) and the customer's other words, if any."""

    score: int
    comment: str


def read_rating(body: str) -> Rating | None:
    """The rating in a customer's reply, or None when there is none or it is unclear.

    A number (digit or word) counts as the rating where it stands first or last in the
    reply, or beside a word naming the scale ("bintang 5", "5 stars"); anywhere else it
    is some other number ("tanggal 5 kirim ya": the 5th). Stars count anywhere.
    """
    text = fold_reply(body).fresh.strip()
    if not text or len(text.split()) > MAX_WORDS:
        return None
    candidates: set[int] = set()
    stars = sum(text.count(star) for star in _FULL_STARS)
    if stars > 5:
        return None
    if stars:
        candidates.add(stars)
    tokens = [_core(token) for token in text.split()]
    tokens = [token for token in tokens if token]
    found = 0
    for place, token in enumerate(tokens):
        score = _score(token)
        if score is None:
            if any(ch.isdigit() for ch in token):
                return None  # another number (an order, a date, "8/10"): no plain answer
            continue
        beside = tokens[max(place - 1, 0) : place + 2]
        at_edge = place in (0, len(tokens) - 1)
        if not at_edge and not any(word in _SCALE_WORDS for word in beside):
            if token.isdigit() or "/" in token:
                return None  # a digit mid-sentence is some other number
            continue  # a number word mid-sentence ("two of them") is no rating
        candidates.add(score)
        found += 1
    if len(candidates) != 1 or found > 2:
        return None
    return Rating(candidates.pop(), _comment(text))


def _core(token: str) -> str:
    """A token folded, without punctuation, stars and emoji marks around it."""
    return fold(token).strip(_PUNCT + _STARS + _DECOR).replace(_DECOR[0], "").replace(_DECOR[1], "")


def _score(token: str) -> int | None:
    matched = _RATING.fullmatch(token)
    if matched:
        return int(matched.group(1))
    return _WORDS.get(token)


def _comment(text: str) -> str:
    """The reply without the rating itself: what the customer said besides the score."""
    kept = []
    tokens = text.split()
    for place, token in enumerate(tokens):
        core = _core(token)
        edge = place in (0, len(tokens) - 1)
        if core in _SCALE_WORDS or (_score(core) is not None and (edge or core[:1].isdigit())):
            continue
        stripped = "".join(ch for ch in token if ch not in _STARS + _DECOR)
        if stripped:
            kept.append(stripped)
    comment = " ".join(kept).strip(" -–—:;,.")
    return comment if any(ch.isalnum() for ch in comment) else ""
