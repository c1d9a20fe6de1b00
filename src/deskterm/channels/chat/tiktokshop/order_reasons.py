"""A seller's free-text cancel reason -> TikTok Shop's reason name (cancel-reasons.json)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Reason:
    """One seller cancel reason: the words that pick it and its name per order status."""

    label: str  # what the user is told they may say
    words: tuple[str, ...]
    unpaid: str  # the name for UNPAID orders ("" when the reason does not apply)
    paid: str  # the name for ON_HOLD and AWAITING_SHIPMENT orders ("" likewise)


# "Seller Initiates Cancel Reason" in marketplace-docs/tiktokshop/cancel-reasons.json (the
# names are the same in every market but the UK, which adds "_uk"; "Buyer requested
# cancellation" exists in US, PH, MX, BR, EU and JP only: elsewhere the platform refuses it
# and the buyer's own request is accepted instead).
REASONS: tuple[Reason, ...] = (
    Reason(
        "out of stock",
        ("out of stock", "sold out", "no stock", "stock", "stok habis", "habis"),
        "seller_cancel_unpaid_reason_out_of_stock",
        "seller_cancel_reason_out_of_stock",
    ),
    Reason(
        "pricing error",
        ("pricing error", "wrong price", "price", "harga"),
        "seller_cancel_unpaid_reason_wrong_price",
        "seller_cancel_reason_wrong_price",
    ),
    Reason(
        "buyer did not pay",
        ("did not pay", "didn't pay", "not paid", "hasn't paid", "unpaid", "no payment"),
        "seller_cancel_unpaid_reason_buyer_hasnt_paid_within_time_allowed",
        "",
    ),
    Reason(
        "undeliverable address",
        ("undeliverable", "address", "cannot deliver", "can't deliver", "alamat"),
        "",
        "seller_cancel_paid_reason_address_not_deliver",
    ),
    Reason(
        "buyer asked",
        ("buyer asked", "buyer request", "customer request", "asked", "requested", "minta"),
        "seller_cancel_unpaid_reason_buyer_requested_cancellation",
        "seller_cancel_paid_reason_buyer_requested_cancellation",
    ),
)
ACCEPTED = ", ".join(f'"{reason.label}"' for reason in REASONS)
NAMES = frozenset(name for reason in REASONS for name in (reason.unpaid, reason.paid) if name)

# "Seller Reject Cancel Request Reason": rejecting a buyer's request needs one; the order
# keeps going, so "Product delivery is on schedule" is what a rejection means here.
REJECT_REASON = "order_manage_list_action_respond_popup_reject_reason_delivered"


def pick(text: str) -> Reason | None:
    """The reason the words name (a reason name itself is accepted too), or None."""
    said = " ".join(text.lower().split())
    for reason in REASONS:
        if said in (reason.unpaid, reason.paid) and said:
            return reason
    for reason in REASONS:
        if any(word in said for word in reason.words):
            return reason
    return None


def name_for(reason: Reason, platform_status: str) -> str:
    """The reason name for an order in ``platform_status`` ("" when none applies)."""
    return reason.unpaid if platform_status == "UNPAID" else reason.paid
