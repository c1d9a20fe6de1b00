"""The Lazada chat adapter against the local Lazada fake, over real HTTP on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from deskterm.channels.chat.lazada import LazadaAdapter
from deskterm.channels.chat.lazada import sign as signing
from deskterm.channels.chat.lazada.mapping import EPOCH, to_ms
from deskterm.channels.chat.types import (
    AmbiguousSendError,
    ChatConversation,
    RateLimitedError,
    Tokens,
)
from deskterm.demo.fakes.lazada import DAY_MS, LazadaFake, expected_signatures, order_card
from deskterm.demo.fakes.lazada import product_card as fake_product_card
from deskterm.domain.errors import ChannelAuthError, ChannelError

LABEL = "lazada-id"
SESSIONS = "/rest/im/session/list"
MESSAGES = "/rest/im/message/list"
SEND = "/rest/im/message/send"
READ = "/rest/im/session/read"
REFRESH = "/auth/rest/auth/token/refresh"


@dataclass
class MemoryKeeper:
    """A TokenKeeper in memory that records every save."""

    tokens: Tokens
    saved: list[Tokens] = field(default_factory=list)
    on_save: Callable[[Tokens], None] | None = None

    def load(self) -> Tokens:
        return self.tokens

    def save(self, tokens: Tokens) -> None:
        if self.on_save is not None:
            self.on_save(tokens)
        self.saved.append(tokens)
        self.tokens = tokens


@pytest.fixture
def fake() -> Iterator[LazadaFake]:
    server = LazadaFake()
    with server.serve():
        yield server


Make = Callable[..., LazadaAdapter]


@pytest.fixture
def make(fake: LazadaFake) -> Iterator[Make]:
    made: list[LazadaAdapter] = []

    def build(
        keeper: MemoryKeeper | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.time,
        app_key: str | None = None,
    ) -> LazadaAdapter:
        adapter = LazadaAdapter(
            fake.rest_url(),
            app_key or fake.app_key,
            fake.app_secret,
            keeper or MemoryKeeper(Tokens(fake.access_token, fake.refresh_token)),
            label=LABEL,
            auth_base_url=fake.auth_url(),
            sleep=sleep or (lambda _seconds: None),
            clock=clock,
        )
        made.append(adapter)
        return adapter

    yield build
    for adapter in made:
        adapter.close()


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text
    assert text.startswith(f"{LABEL}: ")
    return text


def newest_cursor(conversations: list[ChatConversation]) -> datetime:
    return max(c.last_activity for c in conversations)


# --- signing ---------------------------------------------------------------------------


def test_string_to_sign_is_the_docs_worked_example() -> None:
    params = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}
    assert signing.string_to_sign("/test/api", params) == "/test/apibar2foo1foo_bar3foobar4"


def test_signature_is_upper_hex_hmac_sha256_of_that_string() -> None:
    params = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}
    # Cross-checked with the published snapshot of branch8/lazada-open-platform-sdk
    # (secret "1234", the docs' example parameters).
    expected = "988085883BF9D32D251478D23122C7ECC91518CDF63BA22F792000A378F52409"
    assert signing.sign("1234", "/test/api", params) == expected
    raw = hmac.new(b"1234", b"/test/apibar2foo1foo_bar3foobar4", hashlib.sha256).hexdigest()
    assert expected == raw.upper()


def test_sign_leaves_out_sign_and_sorts_by_code_point() -> None:
    params = {"b": "2", "B": "1", "a_b": "3", "sign": "XYZ", "ab": "4"}
    assert signing.string_to_sign("/x", params) == "/xB1a_b3ab4b2"


def _hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


WRONG_SIGNERS: dict[str, Callable[[str, str, dict[str, str]], str]] = {
    "lower-case hex": lambda secret, api, params: _hmac(
        secret, signing.string_to_sign(api, params)
    ),
    "without the API name": lambda secret, api, params: _hmac(
        secret, signing.string_to_sign("", params)
    ).upper(),
    "query-string style": lambda secret, api, params: _hmac(
        secret, api + "&".join(f"{k}={params[k]}" for k in sorted(params))
    ).upper(),
    "secret as the message": lambda secret, api, params: _hmac(
        signing.string_to_sign(api, params), secret
    ).upper(),
}


@pytest.mark.parametrize("mistake", sorted(WRONG_SIGNERS))
def test_a_wrong_signature_is_refused_as_an_auth_error(
    fake: LazadaFake, make: Make, monkeypatch: pytest.MonkeyPatch, mistake: str
) -> None:
    fake.seed(2, 2)
    monkeypatch.setattr(signing, "sign", WRONG_SIGNERS[mistake])
    with pytest.raises(ChannelAuthError) as info:
        make().conversations_since(None)
    text = one_line(info.value)
    assert "IncompleteSignature" in text and "app_secret" in text
    assert fake.calls[SESSIONS] == 1  # not retried: retrying cannot fix it


def test_a_send_whose_form_fields_are_not_signed_is_refused(
    fake: LazadaFake, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = fake.seed(1, 2)[0]
    real = signing.sign
    body_fields = {"session_id", "template_id", "txt"}

    def query_only(secret: str, api: str, params: dict[str, str]) -> str:
        return real(secret, api, {k: v for k, v in params.items() if k not in body_fields})

    monkeypatch.setattr(signing, "sign", query_only)
    with pytest.raises(ChannelAuthError) as info:
        make().send_text(session_id, "", "Halo kak")
    assert "IncompleteSignature" in one_line(info.value)
    assert "Halo kak" not in fake.seller_texts(session_id)


def test_every_request_carries_the_documented_system_parameters(
    fake: LazadaFake, make: Make
) -> None:
    fake.seed(1, 1)
    make().conversations_since(None)
    query = fake.requests[-1].query
    assert query["app_key"] == fake.app_key
    assert query["sign_method"] == "sha256"
    assert query["access_token"] == fake.access_token
    assert abs(int(query["timestamp"]) - fake.now_ms()) < 60_000
    assert query["page_size"] == "20"


def test_wrong_app_key_is_an_auth_error(fake: LazadaFake, make: Make) -> None:
    with pytest.raises(ChannelAuthError) as info:
        make(app_key="999999").conversations_since(None)
    assert "InvalidAppKey" in one_line(info.value)


def test_a_skewed_clock_says_to_check_the_clock(fake: LazadaFake, make: Make) -> None:
    adapter = make(clock=lambda: time.time() - 3 * 3600)
    with pytest.raises(ChannelError) as info:
        adapter.conversations_since(None)
    assert "clock" in one_line(info.value)
    assert not info.value.transient


# --- the fake itself, as a client that signs by the docs would see it -------------------


def raw_call(fake: LazadaFake, path: str, params: dict[str, str]) -> dict[str, Any]:
    api = path.removeprefix("/auth/rest").removeprefix("/rest")
    system = {
        "app_key": fake.app_key,
        "sign_method": "sha256",
        "timestamp": str(fake.now_ms()),
        "access_token": fake.access_token,
        **params,
    }
    system["sign"] = sorted(expected_signatures(fake.app_secret, api, system))[0]
    response = httpx.get(f"{fake.base_url}{path}", params=system)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_fake_refuses_pages_over_20_and_missing_parameters(fake: LazadaFake) -> None:
    now = str(fake.now_ms())
    too_big = raw_call(fake, SESSIONS, {"start_time": now, "page_size": "50"})
    assert too_big["code"] == "InvalidParameter" and too_big["type"] == "ISV"
    assert "request_id" in too_big
    no_session = raw_call(fake, MESSAGES, {"start_time": now, "page_size": "20"})
    assert no_session["code"] == "MissingParameter"
    assert "session_id" in no_session["message"]
    wrong_host = raw_call(fake, "/rest/auth/token/refresh", {"refresh_token": "x"})
    assert wrong_host["code"] == "InvalidApiPath"
    fake.expire_tokens()
    expired = raw_call(fake, SESSIONS, {"start_time": now, "page_size": "20"})
    assert expired["code"] == "IllegalAccessToken"


def test_fake_documented_shapes(fake: LazadaFake) -> None:
    fake.seed(3, 4)
    now = str(fake.now_ms())
    page = raw_call(fake, SESSIONS, {"start_time": now, "page_size": "2"})
    assert page["code"] == "0"
    data = page["data"]
    assert data["has_more"] is True
    assert isinstance(data["next_start_time"], str)  # documented as a String here
    session = data["session_list"][0]
    assert set(session) >= {
        "session_id",
        "summary",
        "title",
        "head_url",
        "last_message_id",
        "last_message_time",
        "buyer_id",
        "unread_count",
        "self_position",
        "to_position",
        "tags",
        "site_id",
    }
    listing = raw_call(
        fake,
        MESSAGES,
        {"session_id": session["session_id"], "start_time": now, "page_size": "20"},
    )
    item = listing["data"]["message_list"][0]
    assert isinstance(item["content"], str) and isinstance(json.loads(item["content"]), dict)
    assert item["from_account_type"] in (1, 2) and isinstance(item["send_time"], int)


# --- listing and paging ---------------------------------------------------------------


def test_full_listing_walks_every_page_newest_first(fake: LazadaFake, make: Make) -> None:
    fake.seed(45, 3)
    adapter = make()
    conversations = adapter.conversations_since(None)
    expected = [s.session_id for s in fake.sessions_newest_first()]
    assert [c.id for c in conversations] == expected
    assert len(set(expected)) == 45
    assert fake.calls[SESSIONS] == 3
    pages = [r.query for r in fake.requests if r.path == SESSIONS]
    assert "last_session_id" not in pages[0]
    assert pages[1]["last_session_id"] == expected[19]
    assert pages[2]["last_session_id"] == expected[39]
    assert pages[1]["start_time"] == str(to_ms(conversations[19].last_activity))
    first = conversations[0]
    assert first.buyer_name and first.buyer_id.isdigit()
    assert first.last_activity.tzinfo is UTC


def test_sessions_sharing_a_millisecond_across_pages_are_each_listed_once(
    fake: LazadaFake, make: Make
) -> None:
    same = fake.now_ms() - 5_000
    for index in range(25):
        session_id = fake.add_session(f"Pembeli {index}", "Halo kak")
        fake.sessions[session_id].messages[0].send_time = same
    conversations = make().conversations_since(None)
    assert len(conversations) == 25 == len({c.id for c in conversations})


def test_messages_page_backwards_and_stop_at_after(fake: LazadaFake, make: Make) -> None:
    session_id = fake.seed(1, 45)[0]
    adapter = make()
    conversation = adapter.conversations_since(None)[0]
    fake.reset_log()
    everything = adapter.messages(conversation, None)
    stored = fake.messages_in(session_id)
    assert [m.id for m in everything] == [m.message_id for m in stored]
    assert fake.calls[MESSAGES] == 3
    fake.reset_log()
    recent = adapter.messages(conversation, everything[39].sent_at)
    assert [m.id for m in recent] == [m.id for m in everything[40:]]
    assert fake.calls[MESSAGES] == 1
    fake.reset_log()
    older = adapter.messages(conversation, everything[10].sent_at)
    assert [m.id for m in older] == [m.id for m in everything[11:]]
    assert fake.calls[MESSAGES] == 2


def test_idle_poll_after_a_full_sync_is_one_request(fake: LazadaFake, make: Make) -> None:
    fake.seed(45, 4)
    adapter = make()
    conversations = adapter.conversations_since(None)
    for conversation in conversations:
        adapter.messages(conversation, None)
    cursor = newest_cursor(conversations)
    fake.reset_log()
    before = adapter.requests
    assert adapter.conversations_since(cursor) == []
    assert adapter.requests - before == 1
    assert [r.path for r in fake.requests] == [SESSIONS]
    assert fake.calls[READ] == 0  # sync never marks chats read


def test_new_buyer_messages_in_k_sessions_are_exactly_what_is_returned(
    fake: LazadaFake, make: Make
) -> None:
    fake.seed(50, 3)
    adapter = make()
    conversations = adapter.conversations_since(None)
    cursor = newest_cursor(conversations)
    last_seen = {c.id: c.last_activity for c in conversations}
    chosen = [conversations[i] for i in (7, 23, 41, 49)]
    texts = {}
    for index, conversation in enumerate(chosen):
        text = f"Kak, pesanan saya nomor {index} sudah dikirim belum?"
        texts[conversation.id] = text
        fake.add_buyer_message(conversation.id, text)
    fake.reset_log()
    changed = adapter.conversations_since(cursor)
    assert {c.id for c in changed} == set(texts)
    newest_first = [s.session_id for s in fake.sessions_newest_first()[: len(chosen)]]
    assert [c.id for c in changed] == newest_first
    assert fake.calls[SESSIONS] == 1
    for conversation in changed:
        fresh = adapter.messages(conversation, last_seen[conversation.id])
        assert [m.text for m in fresh] == [texts[conversation.id]]
        assert fresh[0].from_buyer
    assert len(fake.requests) == 1 + len(chosen)


# --- message mapping ------------------------------------------------------------------

VIDEO = {
    "imgUrl": "https://sg-live.slatic.net/other/im/fff286502dddb18c004ce247ea87f387.png",
    "txt": "normal video.mp4",
    "videoDuration": 3,
    "videoUrl": "",
    "width": 720,
    "videoId": "30071484392",
    "height": 1280,
}
IMAGE = "https://id-live-01.slatic.net/other/im/7e7a4185f2e3f27e071621067f321587.jpg"
STICKER = "https://sg-live.slatic.net/original/0e048d1c6d42835cdc386241b2a855c8.png"
VOUCHER = {
    "title": "Diskon Rp10.000",
    "desc": "Voucher toko",
    "minOrderAmount": "Rp100.000",
    "actionUrl": "https://www.lazada.co.id/shop/tokoku/voucher",
    "currency": "Rp",
    "discountAmount": "10000",
}
FOLLOW = {
    "title": "Follow toko kami",
    "desc": "Dapatkan voucher khusus follower",
    "actionUrl": "https://www.lazada.co.id/shop/tokoku",
}
REFUND = {
    "title": json.dumps({"id": "Permintaan pengembalian dana"}),
    "refundOrderId": "900112233",
    "subOrderTitle": "Tumbler Stainless 500ml Anti Bocor",
    "subOrderCount": "1",
    "subOrderPriceUnit": "Rp",
    "subOrderPrice": "129.000",
    "refundOrderReason": "Barang rusak",
    "viewUrl4Seller": "https://sellercenter.lazada.co.id/apps/reverse/detail?id=900112233",
}
AUTO = {
    "txt": "Terima kasih telah menghubungi kami!",
    "actionSize": "2",
    "action1Txt": "Cek status pesanan",
    "action1Code": "ORDER_STATUS",
    "action2Txt": "Info pengiriman",
    "action2Code": "SHIPPING_INFO",
}
HELD = "NOTE: The message has not been sent. Please be polite"

# template, content, add_message flags, expected kind, expected text, from buyer
CASES: list[tuple[int, dict[str, Any], dict[str, Any], str, str, bool]] = [
    (1, {"txt": "Halo kak, ada stok?"}, {}, "text", "Halo kak, ada stok?", True),
    (1, {"txt": "你好", "translatText": "hello"}, {}, "text", "你好\n(translation: hello)", True),
    (3, {"imgUrl": IMAGE, "width": "445", "height": "168"}, {}, "image", f"[Image] {IMAGE}", True),
    (
        4,
        {"txt": "[happy]", "imgUrl": STICKER, "smallImgUrl": STICKER},
        {},
        "sticker",
        f"[Sticker] happy · {STICKER}",
        True,
    ),
    (6, VIDEO, {}, "video", f"[Video] normal video.mp4 · {VIDEO['imgUrl']}", True),
    (
        10006,
        fake_product_card(0),
        {},
        "product",
        "[Product 2894417521] Kaos Polos Cotton Combed 30s Unisex - Hitam, L · Rp59.000 "
        "(was Rp89.000, -30%) · https://www.lazada.co.id/products/i2894417521.html",
        True,
    ),
    (
        10007,
        order_card(0),
        {},
        "order",
        "[Order 385749128367519] Kaos Polos Cotton Combed 30s Unisex - Hitam, L · "
        "1 barang · Total Rp59.000 · dikirim · "
        "https://my.lazada.co.id/customer/order/view/?tradeOrderId=385749128367519",
        True,
    ),
    (
        10008,
        VOUCHER,
        {"from_buyer": False},
        "voucher",
        "[Voucher] Diskon Rp10.000 · Voucher toko · min. spend Rp100.000 · "
        "https://www.lazada.co.id/shop/tokoku/voucher",
        False,
    ),
    (
        10010,
        FOLLOW,
        {"from_buyer": False},
        "follow",
        "[Follow the shop] Follow toko kami · Dapatkan voucher khusus follower · "
        "https://www.lazada.co.id/shop/tokoku",
        False,
    ),
    (
        10011,
        REFUND,
        {},
        "return",
        "[Return/refund 900112233] Permintaan pengembalian dana · Tumbler Stainless 500ml "
        "Anti Bocor ×1 · Rp129.000 · reason: Barang rusak · "
        "https://sellercenter.lazada.co.id/apps/reverse/detail?id=900112233",
        True,
    ),
    (
        10015,
        AUTO,
        {"from_buyer": False, "auto_reply": True},
        "text",
        "Terima kasih telah menghubungi kami!\nOptions: Cek status pesanan / Info pengiriman",
        False,
    ),
    (
        2,
        {"txt": "Pesanan telah dibatalkan oleh pembeli."},
        {"from_buyer": False, "system": True},
        "system",
        "Pesanan telah dibatalkan oleh pembeli.",
        False,
    ),
    (
        1,
        {"txt": "Please rate your experience with this shop"},
        {"from_buyer": False, "system": True},
        "system",
        "Please rate your experience with this shop",
        False,
    ),
    (
        10099,
        {"txt": "Flash sale 12.12"},
        {},
        "unsupported",
        "[Unsupported message: open it in Seller Center] Flash sale 12.12",
        True,
    ),
    (
        1,
        {"txt": "Transfer ke rekening saya saja"},
        {"from_buyer": False, "process_msg": HELD},
        "text",
        f"Transfer ke rekening saya saja\n[{HELD}]",
        False,
    ),
]


def test_every_message_type_reads_well_and_keeps_its_raw_json(fake: LazadaFake, make: Make) -> None:
    session_id = fake.add_session("Siti Rahmawati", "Halo")
    base = fake.now_ms() - 100_000
    fake.sessions[session_id].messages[0].send_time = base - 10_000  # before the cases
    for index, (template, content, flags, *_rest) in enumerate(CASES):
        fake.add_message(session_id, template, content, send_time=base + index * 1000, **flags)
    adapter = make()
    conversation = next(c for c in adapter.conversations_since(None) if c.id == session_id)
    got = adapter.messages(conversation, EPOCH + timedelta(milliseconds=base - 1))
    assert len(got) == len(CASES)
    for message, (template, content, flags, kind, text, from_buyer) in zip(got, CASES, strict=True):
        assert (message.kind, message.text, message.from_buyer) == (kind, text, from_buyer)
        assert message.raw["template_id"] == template
        assert json.loads(message.raw["content"]) == content
        assert isinstance(message.id, str) and message.id
        assert message.conversation_id == session_id
        assert message.sent_at.tzinfo is UTC
        assert to_ms(message.sent_at) == message.raw["send_time"]
        assert message.auto_reply == bool(flags.get("auto_reply"))
        # issue 9 finding 7: Lazada's type-2 notices are the platform's, not the shop's.
        assert message.from_platform == bool(flags.get("system"))
        if from_buyer:
            assert message.sender_id == str(conversation.buyer_id)
            assert message.sender_name == "Siti Rahmawati"
        else:
            assert message.sender_id == fake.seller_id
    assert got[11].sender_name == "Lazada"


def test_a_recalled_message_is_marked_and_followed_by_the_notice(
    fake: LazadaFake, make: Make
) -> None:
    session_id = fake.add_session("Budi Santoso", "Salah kirim, maaf")
    fake.recall(fake.messages_in(session_id)[0].message_id)
    adapter = make()
    conversation = adapter.conversations_since(None)[0]
    first, notice = adapter.messages(conversation, None)
    assert first.text == "[recalled] Salah kirim, maaf"
    assert notice.kind == "system" and not notice.from_buyer and notice.from_platform


# --- limits and back-off --------------------------------------------------------------


def test_retry_after_seconds_are_waited_exactly(fake: LazadaFake, make: Make) -> None:
    fake.seed(2, 2)
    sleeps: list[float] = []
    fake.inject_rate_limits(3, "2")
    conversations = make(sleep=sleeps.append).conversations_since(None)
    assert len(conversations) == 2
    assert sleeps == [2.0, 2.0, 2.0]
    assert fake.calls[SESSIONS] == 4


def test_retry_after_http_date_is_waited(fake: LazadaFake, make: Make) -> None:
    sleeps: list[float] = []
    # 30 s ahead (the date has whole seconds): a loaded machine may take seconds between
    # the two answers, and each wait is what is left until that moment.
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake.inject_rate_limits(2, format_datetime(when, usegmt=True))
    make(sleep=sleeps.append).conversations_since(None)
    assert len(sleeps) == 2
    assert all(20.0 <= s <= 30.0 for s in sleeps)


def test_malformed_retry_after_falls_back_to_jittered_backoff(fake: LazadaFake, make: Make) -> None:
    sleeps: list[float] = []
    fake.inject_rate_limits(3, "soon, maybe")
    make(sleep=sleeps.append).conversations_since(None)
    assert len(sleeps) == 3
    for attempt, waited in enumerate(sleeps, start=1):
        assert 0.0 <= waited <= 0.5 * 2**attempt


def test_huge_retry_after_is_capped(fake: LazadaFake, make: Make) -> None:
    sleeps: list[float] = []
    fake.inject_rate_limits(1, "86400")
    make(sleep=sleeps.append).conversations_since(None)
    assert sleeps == [60.0]


def test_lazada_call_limit_envelope_backs_off_and_recovers(fake: LazadaFake, make: Make) -> None:
    fake.seed(1, 1)
    sleeps: list[float] = []
    fake.inject_call_limits(2)
    assert len(make(sleep=sleeps.append).conversations_since(None)) == 1
    assert len(sleeps) == 2 and all(0.0 <= s <= 2.0 for s in sleeps)


def test_a_storm_longer_than_the_retries_is_a_one_line_rate_limit(
    fake: LazadaFake, make: Make
) -> None:
    sleeps: list[float] = []
    fake.inject_rate_limits(10, "1")
    with pytest.raises(RateLimitedError) as info:
        make(sleep=sleeps.append).conversations_since(None)
    one_line(info.value)
    assert sleeps == [1.0, 1.0, 1.0]


# --- tokens -----------------------------------------------------------------------------


def test_expired_token_is_refreshed_saved_then_the_call_retried_once(
    fake: LazadaFake, make: Make
) -> None:
    fake.seed(3, 2)
    old = Tokens(fake.access_token, fake.refresh_token)
    keeper = MemoryKeeper(old)
    seen_at_save: list[int] = []
    keeper.on_save = lambda _tokens: seen_at_save.append(len(fake.requests))
    adapter = make(keeper)
    fake.expire_tokens()
    assert len(adapter.conversations_since(None)) == 3
    assert [r.path for r in fake.requests] == [SESSIONS, REFRESH, SESSIONS]
    assert fake.refreshes == 1
    (saved,) = keeper.saved
    assert saved.access_token == fake.access_token != old.access_token
    assert saved.refresh_token == fake.refresh_token != old.refresh_token
    assert saved.expires_at is not None and saved.expires_at > datetime.now(UTC)
    # Saved after the refresh answered and BEFORE the retried call went out with it.
    assert seen_at_save == [2]
    assert fake.requests[0].query["access_token"] == old.access_token
    assert fake.requests[2].query["access_token"] == saved.access_token
    assert "access_token" not in fake.requests[1].query  # refresh is an app-level call
    adapter.conversations_since(None)
    assert fake.refreshes == 1 and len(keeper.saved) == 1


def test_refresh_failure_is_one_plain_line(fake: LazadaFake, make: Make) -> None:
    keeper = MemoryKeeper(Tokens(fake.access_token, fake.refresh_token))
    adapter = make(keeper)
    fake.expire_tokens()
    fake.revoke_refresh_tokens()
    with pytest.raises(ChannelAuthError) as info:
        adapter.conversations_since(None)
    assert one_line(info.value) == (
        "lazada-id: access token rejected and refresh failed (IllegalRefreshToken: The "
        "specified refresh token is invalid or expired) — run `deskterm doctor`"
    )
    assert keeper.saved == []


def test_expired_token_without_refresh_token_says_what_to_do(fake: LazadaFake, make: Make) -> None:
    adapter = make(MemoryKeeper(Tokens(fake.access_token)))
    fake.expire_tokens()
    with pytest.raises(ChannelAuthError) as info:
        adapter.conversations_since(None)
    assert "no refresh token" in one_line(info.value)
    assert fake.calls[REFRESH] == 0


def test_a_token_refused_again_after_refresh_is_not_retried_forever(
    fake: LazadaFake, make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh = fake._auth["/auth/token/refresh"]

    def refresh_then_expire(params: dict[str, str]) -> dict[str, Any]:
        body = refresh(params)
        fake.expire_tokens()
        return body

    monkeypatch.setitem(fake._auth, "/auth/token/refresh", refresh_then_expire)
    adapter = make()
    fake.expire_tokens()
    with pytest.raises(ChannelAuthError) as info:
        adapter.conversations_since(None)
    assert "even after a refresh" in one_line(info.value)
    assert [r.path for r in fake.requests] == [SESSIONS, REFRESH, SESSIONS]


def test_a_send_with_an_expired_token_is_sent_exactly_once(fake: LazadaFake, make: Make) -> None:
    session_id = fake.seed(1, 2)[0]
    adapter = make()
    fake.expire_tokens()
    message_id = adapter.send_text(session_id, "", "Baik kak, segera kami proses")
    assert fake.seller_texts(session_id).count("Baik kak, segera kami proses") == 1
    assert fake.messages_in(session_id)[-1].message_id == message_id


# --- sending ----------------------------------------------------------------------------


def test_send_then_list_shows_the_seller_message(fake: LazadaFake, make: Make) -> None:
    fake.seed(3, 2)
    adapter = make()
    conversations = adapter.conversations_since(None)
    cursor = newest_cursor(conversations)
    target = conversations[2]
    text = "Halo kak 🙏 resi JNE: CGK&123=ok + ditunggu ya"  # form encoding and the sign agree
    message_id = adapter.send_text(target.id, target.buyer_id, text)
    assert isinstance(message_id, str) and message_id
    send = next(r for r in fake.requests if r.path == SEND)
    assert send.method == "POST" and "txt" not in send.query  # the text rides in the form body
    changed = adapter.conversations_since(cursor)
    assert [c.id for c in changed] == [target.id]  # our own message is activity too
    (mine,) = adapter.messages(changed[0], target.last_activity)
    assert (mine.id, mine.text, mine.from_buyer, mine.kind) == (message_id, text, False, "text")
    assert mine.sender_id == fake.seller_id


def test_ambiguous_send_then_recent_messages_finds_ours_exactly_once(
    fake: LazadaFake, make: Make
) -> None:
    session_id = fake.seed(2, 30)[0]
    adapter = make()
    text = "Pesanan kakak sudah kami kirim hari ini, nomor resi menyusul ya"
    fake.drop_after_next_send()
    with pytest.raises(AmbiguousSendError) as info:
        adapter.send_text(session_id, "", text)
    one_line(info.value)
    assert fake.calls[SEND] == 1  # never retried blindly
    recent = adapter.recent_messages(session_id, limit=10)
    assert len(recent) == 10
    assert [m.text for m in recent if not m.from_buyer].count(text) == 1
    assert recent[-1].text == text
    assert fake.seller_texts(session_id).count(text) == 1


def test_seller_message_cap_is_a_plain_refusal(fake: LazadaFake, make: Make) -> None:
    session_id = fake.add_session("Agus Pratama", "Kak, barang ready?")
    fake.sessions[session_id].messages[0].send_time -= 2 * DAY_MS
    adapter = make()
    for index in range(5):
        adapter.send_text(session_id, "", f"Follow up {index}")
    with pytest.raises(ChannelError) as info:
        adapter.send_text(session_id, "", "Follow up 5")
    assert "IM_SEND_LIMIT" in one_line(info.value)
    assert not info.value.transient
    assert len(fake.seller_texts(session_id)) == 5


def test_mark_read_clears_unread_only_when_called(fake: LazadaFake, make: Make) -> None:
    session_id = fake.add_session("Dewi Lestari", "Kak, sudah dikirim?")
    fake.add_buyer_message(session_id, "Halo?")
    adapter = make()
    conversation = adapter.conversations_since(None)[0]
    adapter.messages(conversation, None)
    assert fake.sessions[session_id].unread_count == 2
    assert fake.calls[READ] == 0
    adapter.mark_read(session_id)
    assert fake.sessions[session_id].unread_count == 0
    assert adapter.conversations_since(None)[0].unread_count == 0
