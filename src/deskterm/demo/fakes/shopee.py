"""A local Shopee Open Platform v2 (seller chat and token refresh), faithful to its docs.

It checks requests the way Shopee's gateway does (partner id, the 5-minute timestamp window,
its OWN HMAC-SHA256 signature check written from the docs, shop and access token) and
answers with Shopee's envelope ``{request_id, error, message, response}``. Tokens behave as
documented: an access token lives 4 hours and stays valid 5 minutes after a refresh; a
refresh token lives 30 days and works ONCE, so losing the new one locks the shop out.

Conversation list: ``direction=older`` pages from ``next_timestamp_nano`` (default: now)
towards the past, newest first, ``page_result{page_size, next_cursor{next_message_time_nano,
conversation_id}, more}``. ``direction=latest`` lists conversations newer than the cursor.
Messages: newest first, ``page_result{page_size, next_offset}``; ``next_offset`` is opaque
and empty on the last page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import Any

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake
from deskterm.demo.fakes.shopee_orders import ACTION_PATHS, ShopeeOrderBook

PARTNER_ID = 1000001
PARTNER_KEY = "4c6a706e4d59756b6f784e4a51715a7441725963674e6b4f6d48576352657a71"
SHOP_ID = 2000002
SELLER_USER_ID = 390117452  # the shop owner's Shopee user id: from_id of shop messages

LIST_PATH = "/api/v2/sellerchat/get_conversation_list"
ONE_PATH = "/api/v2/sellerchat/get_one_conversation"
MESSAGES_PATH = "/api/v2/sellerchat/get_message"
SEND_PATH = "/api/v2/sellerchat/send_message"
READ_PATH = "/api/v2/sellerchat/read_conversation"
REFRESH_PATH = "/api/v2/auth/access_token/get"

ACCESS_TTL = 4 * 3600
REFRESH_TTL = 30 * 86400
OLD_ACCESS_GRACE = 300  # "the old access_token is still valid for 5 minutes"
TIMESTAMP_WINDOW = 300
DEFAULT_PAGE = 25
MAX_PAGE = 60
NO_EXPIRY = "9223372036854775807"
SENDABLE = frozenset({"text", "sticker", "image", "item", "order"})


def _gateway_sign(partner_key: str, *parts: object) -> str:
    """The gateway's check, from the docs: hex(HMAC-SHA256(partner_key, concatenated parts))."""
    base = "".join(str(part) for part in parts)
    return hmac.new(partner_key.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).hexdigest()


def _token() -> str:
    # Shopee's tokens are 32 hex digits spelling 16 ASCII letters.
    letters = "".join(secrets.choice(string.ascii_letters) for _ in range(16))
    return letters.encode().hex()


@dataclass
class FakeConversation:
    """One buyer's chat with the shop; ``messages`` oldest first, as get_message shows each."""

    id: int
    buyer_id: int
    buyer_name: str
    avatar: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    last_nano: int = 0
    pinned: bool = False
    unread_count: int = 0
    last_read_message_id: str = "0"
    nanos: dict[str, int] = field(default_factory=dict)  # message id -> exact send time


class ShopeeFake(HttpFake):
    """Shopee's sellerchat and auth endpoints for one partner app and one shop."""

    send_paths = (SEND_PATH, *ACTION_PATHS)  # order actions can drop their answer too

    def __init__(
        self,
        *,
        partner_id: int = PARTNER_ID,
        partner_key: str = PARTNER_KEY,
        shop_id: int = SHOP_ID,
        seller_user_id: int = SELLER_USER_ID,
        region: str = "ID",
    ) -> None:
        super().__init__()
        self.partner_id = partner_id
        self.partner_key = partner_key
        self.shop_id = shop_id
        self.seller_user_id = seller_user_id
        self.region = region
        self.clock_skew = 0.0  # seconds added to the gateway's clock (test the 5-minute window)
        self.conversations: dict[int, FakeConversation] = {}
        self.sent: list[dict[str, Any]] = []  # messages the shop sent through the API
        self.reads: list[tuple[int, str]] = []  # read_conversation calls
        self.refreshes = 0
        self._access: dict[str, float] = {}  # token -> expiry (Unix seconds)
        self._refresh: dict[str, float] = {}  # unused refresh tokens -> expiry
        self._busy = 0
        self._busy_retry_after: str | None = None
        self._rng = random.Random(5)  # noqa: S311  (fake ids, not secrets)
        self._next_message_id = 2_170_853_498_573_946_001
        self._last_nano = 0
        self.access_token = self._issue_access()
        self.refresh_token = self._issue_refresh()
        self.order_book = ShopeeOrderBook(self)  # orders, tracking, returns (issue 13)

    # -- helpers for tests and the demo ------------------------------------------------

    def expire_tokens(self) -> None:
        """Every access token expires now (the refresh token still works)."""
        with self.lock:
            past = self._now() - 1
            self._access = dict.fromkeys(self._access, past)

    def expire_refresh_token(self) -> None:
        """The current refresh token expires now (as after 30 days unused)."""
        with self.lock:
            self._refresh[self.refresh_token] = self._now() - 1

    def inject_busy(self, count: int, retry_after: str | None = None) -> None:
        """The next ``count`` requests get Shopee's "system busy" error (HTTP 503)."""
        with self.lock:
            self._busy += count
            self._busy_retry_after = retry_after

    def add_conversation(
        self, buyer_name: str, *, buyer_id: int | None = None, conversation_id: int | None = None
    ) -> str:
        """A new (empty, so not yet listed) conversation; returns its id."""
        with self.lock:
            cid = conversation_id or self._big_id()
            bid = buyer_id or self._rng.randrange(100_000_000, 999_999_999)
            avatar = f"https://cf.shopee.co.id/file/{self._rng.getrandbits(128):032x}"
            self.conversations[cid] = FakeConversation(cid, bid, buyer_name, avatar)
            return str(cid)

    def add_message(
        self,
        conversation_id: str | int,
        message_type: str,
        content: dict[str, Any],
        *,
        from_buyer: bool = True,
        message_option: int = 0,
        at_nano: int | None = None,
        source: str = "",
        notice: bool = False,
    ) -> str:
        """Append a message (new activity moves the conversation to the top); returns its id.

        ``notice``: Shopee's own notification to the shop (sender and shop ids 0).
        """
        with self.lock:
            conversation = self.conversations[int(conversation_id)]
            nano = at_nano if at_nano is not None else self._tick()
            message_id = str(self._next_message_id)
            self._next_message_id += self._rng.randrange(1_000, 90_000)
            buyer, shop = conversation.buyer_id, self.shop_id
            message = {
                "message_id": message_id,
                "message_type": message_type,
                "from_id": 0 if notice else (buyer if from_buyer else self.seller_user_id),
                "from_shop_id": 0 if from_buyer or notice else shop,
                "to_id": self.seller_user_id if from_buyer else buyer,
                "to_shop_id": shop if from_buyer else 0,
                "conversation_id": str(conversation.id),
                "created_timestamp": nano // 1_000_000_000,
                "region": self.region,
                "status": "received" if from_buyer else "normal",
                "source": source or ("app" if from_buyer else "web"),
                "content": content,
                "message_option": message_option,
                "source_content": {},
            }
            conversation.messages.append(message)
            conversation.nanos[message_id] = nano
            conversation.messages.sort(key=lambda m: conversation.nanos[m["message_id"]])
            conversation.last_nano = max(nano, conversation.last_nano)
            if from_buyer and not notice:
                conversation.unread_count += 1
            return message_id

    def add_buyer_message(self, conversation_id: str | int, text: str) -> str:
        """The buyer writes now: the conversation moves to the top of the list."""
        return self.add_message(conversation_id, "text", {"text": text})

    def messages_of(self, conversation_id: str | int) -> list[dict[str, Any]]:
        """The conversation's messages, oldest first (copies)."""
        with self.lock:
            return [dict(m) for m in self.conversations[int(conversation_id)].messages]

    def seller_texts(self, conversation_id: str | int) -> list[str]:
        """Texts the shop sent in this conversation, oldest first."""
        return [
            str(m["content"].get("text", ""))
            for m in self.messages_of(conversation_id)
            if m["from_shop_id"] == self.shop_id
        ]

    def unread(self, conversation_id: str | int) -> int:
        """The conversation's unread count on the platform."""
        with self.lock:
            return self.conversations[int(conversation_id)].unread_count

    def seed(self, conversations: int = 12, messages: int = 6, *, seed: int = 5) -> list[str]:
        """``conversations`` chats of ``messages`` messages each, from the recent past.

        Realistic Bahasa Indonesia and English exchanges, with product and order cards,
        images, a sticker and the shop's automatic first reply. Returns the ids, newest
        conversation first.
        """
        rng = random.Random(seed)  # noqa: S311  (repeatable demo data)
        ids: list[str] = []
        now = time.time_ns()
        step = 3 * 60 * 10**9  # three minutes between messages
        with self.lock:
            for index in range(conversations):
                buyer = BUYERS[index % len(BUYERS)]
                name = buyer if index < len(BUYERS) else f"{buyer}{index}"
                cid = self.add_conversation(name, conversation_id=self._big_id(rng))
                script = _script(rng, index, messages, self.shop_id, now)
                last = now - (index + 1) * 2_400 * 10**9 - rng.randrange(10**9)
                for position, line in enumerate(script):
                    self.add_message(
                        cid,
                        line.message_type,
                        line.content,
                        from_buyer=line.from_buyer,
                        message_option=line.message_option,
                        notice=line.notice,
                        at_nano=last - (len(script) - 1 - position) * step,
                    )
                trailing = 0
                for line in reversed(script):
                    if not line.from_buyer:
                        break
                    trailing += 1
                self.conversations[int(cid)].unread_count = trailing
                ids.append(cid)
            chats = [self.conversations[int(cid)] for cid in ids]
            self.order_book.seed([(c.buyer_id, c.buyer_name) for c in chats], seed=seed)
        return ids

    # -- the gateway ---------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Route, authenticate like the gateway, then answer."""
        routes = {
            LIST_PATH: ("GET", True, self._list),
            ONE_PATH: ("GET", True, self._one),
            MESSAGES_PATH: ("GET", True, self._messages),
            SEND_PATH: ("POST", True, self._send),
            READ_PATH: ("POST", True, self._read),
            REFRESH_PATH: ("POST", False, self._refresh_tokens),
            **self.order_book.routes(),
        }
        route = routes.get(request.path)
        if route is None or route[0] != request.method:
            return self._error(404, "error_not_found", "Api not found.")
        if self._busy > 0:
            self._busy -= 1
            retry = self._busy_retry_after
            headers = {} if retry is None else {"retry-after": retry}
            response = self._error(503, "system_busy", "System is busy, please try again later.")
            response.headers.update(headers)
            return response
        _, shop_api, answer = route
        refused = self._authenticate(request, shop_api=shop_api)
        return refused or answer(request)

    def _authenticate(self, request: FakeRequest, *, shop_api: bool) -> FakeResponse | None:
        query = request.query
        partner = query.get("partner_id", "")
        if not partner:
            return self._error(400, "error_param", "There is no partner_id in query.")
        if partner != str(self.partner_id):
            return self._error(400, "error_param", "Invalid partner_id.")
        timestamp = query.get("timestamp", "")
        if not timestamp:
            return self._error(400, "error_param", "no timestamp")
        if not timestamp.isdigit() or abs(self._now() - int(timestamp)) > TIMESTAMP_WINDOW:
            return self._error(400, "error_param", "Invalid timestamp")
        sign = query.get("sign", "")
        if not sign:
            return self._error(400, "error_param", "There is no sign in query.")
        token, shop = query.get("access_token", ""), query.get("shop_id", "")
        if shop_api and not token:
            return self._error(400, "error_param", "There is no access_token in query.")
        if shop_api and not shop:
            return self._error(400, "error_param", "There is no shop_id in query.")
        parts: tuple[object, ...] = (partner, request.path, timestamp)
        expected = _gateway_sign(self.partner_key, *parts, *((token, shop) if shop_api else ()))
        if not hmac.compare_digest(sign, expected):
            return self._error(403, "error_sign", "Wrong sign.")
        if not shop_api:
            return None
        if shop != str(self.shop_id):
            return self._error(403, "shop_no_linked", "Partner and shop has no linked.")
        if self._access.get(token, 0) <= self._now():
            return self._error(403, "invalid_acceess_token", "Invalid access_token.")
        return None

    def _list(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        direction, kind = query.get("direction", ""), query.get("type", "")
        if direction not in ("latest", "older"):
            return self._wrong("direction should be latest or older")
        if kind not in ("all", "pinned", "unread"):
            return self._wrong("type should be all, pinned or unread")
        size = self._page_size(query)
        cursor = query.get("next_timestamp_nano", "")
        if size is None or (cursor and not cursor.isdigit()):
            return self._wrong("page_size or next_timestamp_nano is invalid")
        listed = [c for c in self.conversations.values() if c.messages]
        if kind == "pinned":
            listed = [c for c in listed if c.pinned]
        elif kind == "unread":
            listed = [c for c in listed if c.unread_count > 0]
        listed.sort(key=lambda c: c.last_nano, reverse=True)
        if direction == "older":
            start = int(cursor) if cursor else time.time_ns() + 10**9
            listed = [c for c in listed if c.last_nano < start]
        elif cursor:
            listed = [c for c in listed if c.last_nano > int(cursor)]
        page, more = listed[:size], len(listed) > size
        last = page[-1] if page and more else None
        next_cursor = {
            "next_message_time_nano": str(last.last_nano) if last else "0",
            "conversation_id": str(last.id) if last else "",
        }
        return self._ok(
            {
                "conversations": [self._listing(c) for c in page],
                "page_result": {"page_size": size, "next_cursor": next_cursor, "more": more},
            }
        )

    def _one(self, request: FakeRequest) -> FakeResponse:
        conversation = self._conversation(request.query.get("conversation_id", ""))
        if conversation is None or not conversation.messages:
            return self._error(400, "error_param", "The information you queried is not found.")
        return self._ok(self._listing(conversation))

    def _messages(self, request: FakeRequest) -> FakeResponse:
        query = request.query
        if not query.get("conversation_id"):
            return self._wrong("conversation_id is required")
        conversation = self._conversation(query["conversation_id"])
        if conversation is None:
            return self._error(400, "error_param", "The information you queried is not found.")
        size = self._page_size(query)
        if size is None:
            return self._wrong("page_size should be between 1 and 60")
        newest_first = list(reversed(conversation.messages))
        offset = query.get("offset", "")
        if offset not in ("", "0"):
            positions = [m["message_id"] for m in newest_first]
            if offset not in positions:
                return self._wrong("offset is invalid")
            newest_first = newest_first[positions.index(offset) + 1 :]
        page = newest_first[:size]
        more = len(newest_first) > size
        next_offset = page[-1]["message_id"] if page and more else ""
        return self._ok(
            {"messages": page, "page_result": {"page_size": size, "next_offset": next_offset}}
        )

    def _send(self, request: FakeRequest) -> FakeResponse:
        body = self._body(request)
        if body is None:
            return self._error(400, "error_data", "parse data failed")
        to_id, message_type, content = (
            body.get("to_id"),
            body.get("message_type"),
            body.get("content"),
        )
        if not isinstance(to_id, int) or isinstance(to_id, bool):
            return self._wrong("to_id is required and must be an integer")
        if message_type not in SENDABLE or not isinstance(content, dict):
            return self._wrong("message_type or content is invalid")
        if message_type == "text" and not str(content.get("text") or "").strip():
            return self._wrong("content.text is required")
        conversation = next((c for c in self.conversations.values() if c.buyer_id == to_id), None)
        if conversation is None:
            return self._error(400, "error_param", "The information you queried is not found.")
        message_id = self.add_message(conversation.id, message_type, content, from_buyer=False)
        sent = conversation.messages[-1]
        self.sent.append(sent)
        return self._ok(
            {
                "to_id": to_id,
                "message_id": message_id,
                "message_type": message_type,
                "content": content,
                # A JSON NUMBER here, above 2**53: clients must parse it without floats.
                "conversation_id": conversation.id,
                "created_timestamp": sent["created_timestamp"],
                "message_option": 0,
            }
        )

    def _read(self, request: FakeRequest) -> FakeResponse:
        body = self._body(request)
        if body is None:
            return self._error(400, "error_data", "parse data failed")
        cid, last_read = body.get("conversation_id"), body.get("last_read_message_id")
        if not isinstance(cid, int) or not isinstance(last_read, str) or not last_read:
            return self._wrong("conversation_id and last_read_message_id are required")
        conversation = self.conversations.get(cid)
        if conversation is None:
            return self._error(400, "error_param", "The information you queried is not found.")
        ids = [m["message_id"] for m in conversation.messages]
        if last_read not in ids:
            return self._wrong("last_read_message_id is invalid")
        later = conversation.messages[ids.index(last_read) + 1 :]
        conversation.unread_count = sum(1 for m in later if m["from_shop_id"] == 0)
        conversation.last_read_message_id = last_read
        self.reads.append((cid, last_read))
        return self._ok({})

    def _refresh_tokens(self, request: FakeRequest) -> FakeResponse:
        body = self._body(request)
        if body is None:
            return self._error(400, "error_data", "parse data failed")
        refresh, partner, shop = (
            body.get("refresh_token"),
            body.get("partner_id"),
            body.get("shop_id"),
        )
        if not isinstance(refresh, str) or not refresh:
            return self._wrong("refresh_token is required")
        if partner != self.partner_id:
            return self._error(400, "error_param", "Invalid partner_id.")
        if shop != self.shop_id:
            return self._error(
                403,
                "error_shop_refresh_token",
                "Your refresh token is error ,please check refresh token or shopid.",
            )
        expiry = self._refresh.get(refresh)
        if expiry is None:  # never issued, or already used once
            return self._error(403, "error_auth", "Invalid refresh_token.")
        if expiry <= self._now():
            return self._error(403, "refresh_token_expired", "Your refresh_token expired.")
        del self._refresh[refresh]
        grace = self._now() + OLD_ACCESS_GRACE
        self._access = {token: min(until, grace) for token, until in self._access.items()}
        self.access_token = self._issue_access()
        self.refresh_token = self._issue_refresh()
        self.refreshes += 1
        return FakeResponse(
            200,
            {
                "partner_id": self.partner_id,
                "refresh_token": self.refresh_token,
                "access_token": self.access_token,
                "expire_in": ACCESS_TTL,
                "request_id": self._request_id(),
                "error": "",
                "message": "",
                "shop_id": self.shop_id,
            },
        )

    # -- plumbing ------------------------------------------------------------------------

    def _listing(self, conversation: FakeConversation) -> dict[str, Any]:
        last = conversation.messages[-1]
        return {
            "conversation_id": str(conversation.id),
            "to_id": conversation.buyer_id,
            "to_name": conversation.buyer_name,
            "to_avatar": conversation.avatar,
            "shop_id": self.shop_id,
            "unread_count": conversation.unread_count,
            "pinned": conversation.pinned,
            "last_read_message_id": conversation.last_read_message_id,
            "latest_message_id": last["message_id"],
            "latest_message_type": last["message_type"],
            "latest_message_content": last["content"],
            "latest_message_from_id": last["from_id"],
            "last_message_timestamp": conversation.last_nano,
            "last_message_option": last["message_option"],
            "max_general_option_hide_time": NO_EXPIRY,
        }

    def _conversation(self, value: str) -> FakeConversation | None:
        return self.conversations.get(int(value)) if value.isdigit() else None

    @staticmethod
    def _page_size(query: dict[str, str]) -> int | None:
        raw = query.get("page_size", "")
        if not raw:
            return DEFAULT_PAGE
        size = int(raw) if raw.isdigit() else 0
        return size if 1 <= size <= MAX_PAGE else None

    @staticmethod
    def _body(request: FakeRequest) -> dict[str, Any] | None:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _now(self) -> float:
        return time.time() + self.clock_skew

    def _tick(self) -> int:
        # Distinct, increasing activity times, so list cursors never tie.
        self._last_nano = max(time.time_ns(), self._last_nano + 1)
        return self._last_nano

    def _big_id(self, rng: random.Random | None = None) -> int:
        # Real conversation ids have 18 digits; odd ones above 2**53 have no exact float.
        while True:
            candidate = (rng or self._rng).randrange(10**17, 10**18) | 1
            if candidate not in self.conversations:
                return candidate

    def _issue_access(self) -> str:
        token = _token()
        self._access[token] = self._now() + ACCESS_TTL
        return token

    def _issue_refresh(self) -> str:
        token = _token()
        self._refresh[token] = self._now() + REFRESH_TTL
        return token

    def _request_id(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def _ok(self, response: dict[str, Any]) -> FakeResponse:
        envelope = {"request_id": self._request_id(), "error": "", "message": ""}
        return FakeResponse(200, {**envelope, "response": response})

    def _error(self, status: int, error: str, message: str) -> FakeResponse:
        return FakeResponse(
            status, {"request_id": self._request_id(), "error": error, "message": message}
        )

    def _wrong(self, detail: str) -> FakeResponse:
        return self._error(400, "error_param", f"Wrong parameters, detail: {detail}.")


# -- seed data: what a small Indonesian shop's chat looks like -------------------------------

BUYERS = (
    "rina.kusuma",
    "budi_santoso88",
    "sarah.tan",
    "dewiayu_",
    "ahmad.fauzi",
    "jessica_lim",
    "putri.lestari23",
    "michael.wijaya",
    "nur_aini",
    "kevin.hartono",
)
AUTO_REPLY_ID = (
    "Terima kasih sudah menghubungi Toko Sinar Jaya! Kami akan membalas secepatnya "
    "(Senin–Sabtu 08.00–17.00 WIB)."
)
AUTO_REPLY_EN = "Thanks for contacting Toko Sinar Jaya! We usually reply within an hour."
PRODUCTS = (
    ("Kemeja Linen Pria Lengan Panjang - Navy", "159000"),
    ("Tumbler Stainless 500ml Anti Bocor", "89000"),
    ("Hijab Voal Premium Motif Bunga", "65000"),
    ("Sepatu Sneakers Wanita Putih", "249000"),
)
FOLLOW_UPS = {
    "id": (("Kak, ada update?", True), ("Sedang kami cek ya kak, mohon ditunggu 🙏", False)),
    "en": (("Any update on this?", True), ("Checking now, one moment please.", False)),
}


@dataclass(frozen=True)
class _Line:
    from_buyer: bool
    message_type: str
    content: dict[str, Any]
    message_option: int = 0
    notice: bool = False  # Shopee's own notification


def _text(text: str, *, buyer: bool = True, auto: bool = False) -> _Line:
    return _Line(buyer, "text", {"text": text}, 1 if auto else 0)


def _script(rng: random.Random, index: int, count: int, shop_id: int, now: int) -> list[_Line]:
    """``count`` lines of one of the stock conversations, padded with follow-ups."""
    day = time.strftime("%y%m%d", time.gmtime(now // 10**9 - rng.randrange(1, 6) * 86400))
    order_sn = day + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(8))
    order = _Line(True, "order", {"order_sn": order_sn, "shop_id": shop_id})
    title, price = PRODUCTS[index % len(PRODUCTS)]
    item = _Line(
        True,
        "item",
        {
            "item_id": rng.randrange(10**10, 3 * 10**10),
            "shop_id": shop_id,
            "name": title,
            "price": price,
            "currency": "IDR",
        },
    )
    photo = f"https://cf.shopee.co.id/file/id-11134201-7r98o-{rng.getrandbits(64):016x}"
    image = _Line(True, "image", {"url": photo, "thumb_url": photo + "_tn", "thumb_width": 300})
    sticker = _Line(True, "sticker", {"sticker_id": "7", "sticker_package_id": "1004"})
    scripts: tuple[tuple[str, list[_Line]], ...] = (
        (
            "id",
            [
                _text("Halo kak, pesanan saya kok belum dikirim ya? Sudah 3 hari 🙏"),
                order,
                _text(AUTO_REPLY_ID, buyer=False, auto=True),
                _text(
                    "Halo kak, mohon maaf atas keterlambatannya. Pesanan kakak dikirim hari "
                    "ini via J&T ya 🙏",
                    buyer=False,
                ),
                _text("Oke kak, ditunggu resinya ya"),
                _text("Siap kak, resi JP4829103376, bisa dicek di aplikasi Shopee.", buyer=False),
                _text("Makasih kak 👍"),
                sticker,
            ],
        ),
        (
            "id",
            [
                item,
                _text("Kak, yang warna navy ukuran L masih ada?"),
                _text(AUTO_REPLY_ID, buyer=False, auto=True),
                _text("Ada kak, stok navy L masih 4 pcs. Silakan checkout ya 😊", buyer=False),
                _text("Bahannya adem nggak kak? Buat dipakai kerja"),
                _text("Adem kak, linen campur katun, tidak menerawang.", buyer=False),
                _text("Oke saya order sekarang"),
                order,
            ],
        ),
        (
            "en",
            [
                _text("Hi, my package arrived today but the glass bottle is cracked."),
                image,
                _text(
                    "So sorry about that! Please request a return in the app and we will "
                    "refund you in full.",
                    buyer=False,
                ),
                _text("Done, I've submitted the return request."),
                _Line(
                    False,
                    "notification",
                    {"text": "A return request has been submitted for this order."},
                    notice=True,
                ),
                _text(
                    "Thank you, approved. The refund reaches your ShopeePay in 1-3 days.",
                    buyer=False,
                ),
            ],
        ),
        (
            "en",
            [
                _text("Hello, do you ship to Singapore?"),
                _text(AUTO_REPLY_EN, buyer=False, auto=True),
                _text("Hi! Sorry, we currently ship within Indonesia only.", buyer=False),
                _text("Ok, can I send it to my sister in Bandung instead?"),
                _text("Yes of course, just change the address at checkout.", buyer=False),
                item,
                _text("Is this one leak-proof?"),
            ],
        ),
        (
            "id",
            [
                _text("Kak mau batalin pesanan bisa? Salah pilih warna"),
                order,
                _text(
                    "Bisa kak, silakan ajukan pembatalan di menu Pesanan Saya, nanti kami setujui.",
                    buyer=False,
                ),
                _text("Sudah ya kak"),
                _text(
                    "Sudah kami setujui kak, dana kembali otomatis. Terima kasih 🙏", buyer=False
                ),
            ],
        ),
        (
            "id",
            [
                _text("Barangnya sudah sampai tapi warnanya beda dengan foto 😕"),
                image,
                order,
                _text(
                    "Halo kak, mohon maaf. Boleh kami tukar dengan warna yang sesuai? Ongkir "
                    "kami tanggung.",
                    buyer=False,
                ),
                _text("Boleh kak, gimana caranya?"),
            ],
        ),
    )
    language, lines = scripts[index % len(scripts)]
    lines = lines[:count]
    follow_ups = FOLLOW_UPS[language]
    while len(lines) < count:
        text, buyer = follow_ups[len(lines) % 2]
        lines.append(_text(text, buyer=buyer))
    return lines
