"""Macro suggestions (issue 12 item 7): ranked by intent, the customer's words and language,
each with its reason; the latest customer message without the history it quotes."""

from __future__ import annotations

from typing import Any

from deskterm.automation.macro_suggest import MacroFacts, guess_language, rank_macros
from deskterm.automation.tokens import fold, tokens
from deskterm.services.suggestions import latest_customer_text, suggest_macros

WISMO = MacroFacts(
    "Where is my order (ID)",
    "Halo Kak {{ticket.customer.firstname}}, pesanan Kakak sedang dalam pengiriman; kami"
    " kirimkan nomor resinya segera.",
    ("shipping",),
    ("shipping/status",),
)
DELAY = MacroFacts(
    "Courier delay",
    "We are sorry: the courier is late this week.",
    (),
    ("shipping/delivery-issue",),
)
REFUND = MacroFacts(
    "Refund approved (EN)",
    "Hi {{ticket.customer.firstname}}, your refund is approved and will reach your account.",
    ("refund",),
    ("refund/request", "refund/status"),
)
THANKS = MacroFacts("Thanks", "Thank you for your kind words!", (), ("other/thanks",))
MACROS = [THANKS, REFUND, DELAY, WISMO]


def test_the_exact_intent_comes_first_with_its_reason() -> None:
    ranked = rank_macros(MACROS, intent="shipping/status")
    assert [s.name for s in ranked] == ["Where is my order (ID)", "Courier delay"]
    assert ranked[0].reason == "intent shipping/status"
    assert ranked[1].reason == "intent shipping/*"  # the same family, ranked lower


def test_words_of_the_customer_suggest_a_macro_and_say_which() -> None:
    ranked = rank_macros(MACROS, text="Kak, resi nya mana? Udah 5 hari belum ada kiriman")
    assert ranked[0].name == "Where is my order (ID)"
    assert ranked[0].reason.startswith("words: ")
    assert "resi" in ranked[0].reason
    # Stop-words and the template's own code are never reasons.
    assert "kak" not in ranked[0].words and "ticket" not in ranked[0].words


def test_accents_and_case_do_not_matter() -> None:
    macro = MacroFacts("Reembolso aprovado", "Olá! O reembolso do seu pedido foi aprovado.")
    assert rank_macros([macro], text="REEMBOLSO do pedido nao chegou")[0].name == macro.name
    assert fold("Não ĐƠN hàng") == "nao don hang"


def test_intent_and_words_add_up() -> None:
    ranked = rank_macros(MACROS, intent="refund/status", text="where is my refund?")
    assert ranked[0].name == "Refund approved (EN)"
    assert ranked[0].reason == "intent refund/status · words: refund"


def test_nothing_in_common_suggests_nothing() -> None:
    assert rank_macros(MACROS, intent=None, text="") == []
    assert rank_macros(MACROS, intent="order/cancel", text="zzz qqq") == []
    assert rank_macros([], intent="shipping/status", text="resi") == []


def test_the_tickets_language_tips_the_order() -> None:
    english = MacroFacts(
        "Shipping (EN)",
        "Thanks, your order is on the way and we will send the tracking",
        intents=("shipping/status",),
    )
    ranked = rank_macros([english, WISMO], intent="shipping/status", language="id")
    assert [s.name for s in ranked] == ["Where is my order (ID)", "Shipping (EN)"]
    assert ranked[0].reason == "intent shipping/status"
    ranked = rank_macros([english, WISMO], intent="shipping/status", language="en")
    assert ranked[0].name == "Shipping (EN)"
    assert guess_language(WISMO.body) == "id" and guess_language("ok") is None


def test_at_most_five_are_suggested() -> None:
    many = [MacroFacts(f"m{n}", intents=("shipping/status",)) for n in range(9)]
    assert len(rank_macros(many, intent="shipping/status")) == 5


def test_tokens_in_many_scripts() -> None:
    assert tokens("Kak resinya mana?") == ["resi", "mana"]
    assert "batal" in tokens("mau batalin pesanan") and "batal" in tokens("dibatalkan")
    assert "kirim" in tokens("pengiriman")
    thai = tokens("พัสดุอยู่ที่ไหน")  # no spaces: character bigrams
    assert thai and all(len(t) <= 2 for t in thai)


def message(direction: str, body: str, **extra: Any) -> dict[str, Any]:
    return {"direction": direction, "body_text": body, "auto_submitted": False, **extra}


def test_the_latest_customer_message_without_its_quoted_history() -> None:
    ticket = {
        "messages": [
            message("in", "First question about a refund"),
            message("out", "Our answer"),
            message(
                "in",
                "Resi nya mana kak?\n\nPada tanggal 12 Nov 2026, Toko menulis:\n> refund refund",
            ),
            message("note", "internal: refund?"),
        ]
    }
    text = latest_customer_text(ticket)
    assert "Resi nya mana" in text and "refund" not in text
    assert latest_customer_text({"messages": [message("out", "hi")]}) == ""
    assert latest_customer_text({}) == ""


def test_the_service_reads_intent_text_and_language_from_the_ticket() -> None:
    ticket = {
        "intent": "shipping/status",
        "language": "id",
        "messages": [message("in", "kak resi nya mana")],
    }
    ranked = suggest_macros(ticket, MACROS)
    assert ranked[0].name == "Where is my order (ID)"
    assert ranked[0].reason.startswith("intent shipping/status · words: resi")
