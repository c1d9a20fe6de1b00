"""Words for matching customer text against macros and help articles, in any language.

Lowercased with accents folded ("Não" and "nao", "giao hàng" and "giao hang" match, as
customers often type without them), short stop-words of the languages our sellers' customers
write in dropped, and Indonesian/Malay "-nya"/"-lah"/"-kah" taken off ("resinya" is
"resi"). A longer word also gives its Indonesian root, beside itself: "dibatalkan" and the
chat form "batalin" both give "batal", "pengiriman" gives "kirim" (a light affix stripper,
not a dictionary stemmer: a wrong root of an English word only adds a term that rarely
matches, while the word itself still matches exactly). Scripts written without spaces
(Thai, Lao, Khmer, Burmese, Chinese, Japanese) have no words to split on; their runs become
overlapping character bigrams, which match the same way on both sides without a dictionary.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

# Thai, Lao, Myanmar, Khmer, CJK ideographs, kana: runs of these are cut into bigrams.
_UNSPACED = (
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
)
_PIECES = re.compile(rf"[{_UNSPACED}]+|[^\W_{_UNSPACED}]+")
_UNSPACED_RUN = re.compile(rf"[{_UNSPACED}]")
_SUFFIXES = ("nya", "lah", "kah")  # Indonesian/Malay clitics glued to the word


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text``: word lists written as prose."""
    return frozenset(text.split())


# Only words that say nothing about what a customer wants, in en/id/ms/pt/es/vi/tl; a
# longer list would start dropping words like "mana" (where) that do. Thanks ("terima
# kasih", "obrigado") stay: thanking is what a thank-you macro answers.
STOP_WORDS: Final = word_set(
    """
    a an and are as at be but by can could do does for from had has have hello hi how i if
    in is it its me my no not of on or our please so that the their them there they this
    to too us was we what when which who why will with would you your yes just
    ada aja akan aku anda apa atau bisa dan dari dengan di dong gan hai halo ini itu ka kak
    kah kakak ke kok lagi lah mas mbak min nih nya pak saya sama sih sudah tapi tolong udah
    untuk ya yang yg sy gk ga tdk juga buat om bang sis
    o os as um uma de do da dos das em no na e que para por com meu minha voce ola
    el la los las un una y en del al mi es por favor hola
    anh chi em toi ban cua la va cho co khong duoc nhe a oi da xin chao
    ang ng sa mga po na ko ako ba lang naman
    """
)


def fold(text: str) -> str:
    """``text`` casefolded with accents off (đ is d: NFKD keeps it whole)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str, *, roots: bool = True) -> list[str]:
    """The words of ``text`` worth matching, in order (repeats kept, for term counts);
    each followed by its Indonesian roots unless ``roots`` is False."""
    out: list[str] = []
    for piece in _PIECES.findall(fold(text)):
        if _UNSPACED_RUN.match(piece):
            out.extend(_bigrams(piece))
            continue
        if piece in STOP_WORDS or (len(piece) < 3 and not piece.isdigit()):
            continue
        word = _stem(piece)
        out.append(word)
        if roots:
            out.extend(root for root in dict.fromkeys(_roots(word)) if root != word)
    return out


def _bigrams(run: str) -> list[str]:
    # Tone marks were folded away above (they are combining), on both sides alike, so a
    # customer who leaves them out still matches; a lone character is its own "bigram".
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


_SUFFIX_RE = re.compile(r"(?:kan|an|in|i)$")
# Prefixes and what the nasal ate: "pengiriman" is peng+kirim+an, "menukar" men+tukar.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("meng", "k"),
    ("peng", "k"),
    ("meny", "s"),
    ("peny", "s"),
    ("mem", "p"),
    ("pem", "p"),
    ("men", "t"),
    ("pen", "t"),
    ("ber", ""),
    ("ter", ""),
    ("di", ""),
    ("ke", ""),
    ("se", ""),
)
_VOWELS = frozenset("aeiou")
MIN_ROOT = 4


def _roots(word: str) -> list[str]:
    """The Indonesian roots ``word`` may have (none for short words or numbers)."""
    if len(word) < 6 or not word.isalpha():
        return []
    bare = _SUFFIX_RE.sub("", word)
    bare = bare if len(bare) >= MIN_ROOT else word
    roots = [bare]
    for form in dict.fromkeys((bare, word)):  # "memesan": mem+pesan, before "-an" is off
        for prefix, eaten in _PREFIXES:
            if form.startswith(prefix) and len(form) - len(prefix) >= MIN_ROOT - 1:
                rest = form[len(prefix) :]
                if eaten and rest[0] in _VOWELS:
                    roots.append(eaten + rest)  # the nasal replaced the first letter
                if len(rest) >= MIN_ROOT:
                    roots.append(rest)
                break
    return roots


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
