"""Reading a 1-5 rating from a survey reply (issue 15 item 2): the forms customers write,
and everything unclear left to the agent."""

from __future__ import annotations

import pytest

from deskterm.automation.csat_rating import read_rating
from deskterm.automation.csat_survey import SURVEYS, survey_language, survey_text


@pytest.mark.parametrize(
    ("reply", "score", "comment"),
    [
        ("5", 5, ""),
        ("4/5", 4, ""),
        ("5/5!!", 5, ""),
        ("⭐⭐⭐⭐", 4, ""),
        ("★★★☆☆", 3, ""),
        ("4️⃣", 4, ""),
        ("lima", 5, ""),
        ("empat, pengiriman cepat", 4, "pengiriman cepat"),
        ("muito bom 5", 5, "muito bom"),
        ("Cinco estrelas", 5, ""),
        ("5 stars, thank you!", 5, "thank you!"),
        ("Bintang 5 untuk pelayanannya", 5, "untuk pelayanannya"),
        ("nilai 4 ya kak", 4, "ya kak"),
        ("1 - never again", 1, "never again"),
        ("three", 3, ""),
        ("⭐⭐⭐⭐⭐ mantap", 5, "mantap"),
        ("5\n\nOn Mon, 7 Dec 2026, Shop <s@shop.test> wrote:\n> Reply with 1 to 5", 5, ""),
    ],
)
def test_ratings_as_customers_write_them(reply: str, score: int, comment: str) -> None:
    rating = read_rating(reply)
    assert rating is not None, reply
    assert (rating.score, rating.comment) == (score, comment)


@pytest.mark.parametrize(
    "reply",
    [
        "thanks",
        "",
        "Order #12345 belum sampai",
        "10/10",
        "8/10 would buy again",
        "I gave 5 stars but the box had 2 dents",
        "tanggal 5 kirim ya",  # the 5th, not a rating
        "5 or 4, hard to say",
        "⭐⭐⭐⭐⭐⭐⭐",
        " ".join(["very"] * 50) + " 5",
    ],
)
def test_anything_unclear_is_left_to_the_agent(reply: str) -> None:
    assert read_rating(reply) is None


def test_the_survey_speaks_the_customers_language_or_english() -> None:
    assert survey_language("id") == "id" and survey_language("pt-BR") == "pt"
    assert survey_language(None) == "en" and survey_language("xx") == "en"
    assert survey_text("ms") == SURVEYS["ms"]
    assert survey_text("id", url="https://s.test/r/abc").endswith("https://s.test/r/abc")
    for text in SURVEYS.values():
        assert "1" in text and "5" in text
