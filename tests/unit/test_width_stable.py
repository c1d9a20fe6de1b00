"""width_stable: customer text whose width terminals disagree on (issue 11 item 7)."""

from __future__ import annotations

import pytest

from deskterm.domain.text import width_stable

# (text, as shown). Widths measured in tmux 3.3a at 200 columns are in tests/tui/test_widths.py.
CASES = [
    ("plain ascii", "plain ascii"),
    ("👍🏽", "👍"),  # skin-tone modifier: a second wide emoji in tmux
    ("👋🏻 halo", "👋 halo"),
    ("❤️", "❤"),  # VS16: two cells for Rich, one for tmux
    ("☺️ ✔️ ©️", "☺ ✔ ©"),
    ("🏳️‍🌈", "🏳🌈"),  # ZWJ sequence: tmux folds it into one cell, others draw two
    ("👨‍👩‍👧", "👨👩👧"),
    ("🙋‍♀️", "🙋♀"),
    ("#️⃣", "#"),  # keycap
    ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", "🏴"),  # tag sequence
    ("🇮🇩", "🇮🇩"),  # a flag pair is two cells everywhere: kept
    ("किताब मिली", "किताब मिली"),  # letters untouched: spacing vowel signs keep their cell
    ("क्\u200dष", "क्ष"),  # a half form asked by ZWJ: the conjunct
    ("日本語", "日本語"),
    ("Việt Nam", "Việt Nam"),
]


@pytest.mark.parametrize(("text", "shown"), CASES)
def test_width_stable(text: str, shown: str) -> None:
    """Issue 11 item 7: emoji keep their base, joined sequences their parts, letters stay."""
    assert width_stable(text) == shown


def test_width_stable_is_idempotent_and_keeps_plain_text_identical() -> None:
    """Issue 11 item 7: applying it twice changes nothing; ASCII is returned as is."""
    for _text, shown in CASES:
        assert width_stable(shown) == shown
    plain = "Order #123 -- thanks!"
    assert width_stable(plain) is plain
