"""TikTokShopFake: the customer service 202309 endpoints and token refresh, on loopback."""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake
from deskterm.demo.fakes.tiktokshop import gateway
from deskterm.demo.fakes.tiktokshop.gateway import fail, ok
from deskterm.demo.fakes.tiktokshop.orders import OrderDesk
from deskterm.demo.fakes.tiktokshop.seed import plan
from deskterm.demo.fakes.tiktokshop.state import AVATAR, Conversation, Message, Person, Snowflakes

API = "/customer_service/202309"
CONVERSATIONS = f"{API}/conversations"
MESSAGES_RE = re.compile(rf"^{CONVERSATIONS}/([^/]+)/messages(/read)?$")
REFRESH_PATH = "/api/v2/token/refresh"
ACCESS_LIFETIME = 7 * 86400
REFRESH_LIFETIME = 365 * 86400
SEND_TYPES = frozenset(
    {"TEXT", "IMAGE", "PRODUCT_CARD", "ORDER_CARD", "RETURN_REFUND_CARD", "COUPON_CARD"}
)
UNSUPPORTED_TIPS = {
    "en": "Please check this message in Seller Center.\n",
    "id-ID": "Silakan periksa pesan ini di Seller Center.\n",
}
INVALID_PARAM = (400, 36009004, "Invalid parameter. {}")
NOT_FOUND = (200, 45101003, "Record not found. Please check the parameters.")
SEND_INVALID = (200, 45101001, "Invalid parameter. Please check the parameters.")
CANNOT_SEND = (
    200,
    45109001,
    "Unable to send messages due to conversation rules. For details, please refer to "
    "Customer Service API overview.",
)


def _token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(72)}"


@dataclass
class TokenState:
    """What the platform remembers about issued tokens."""

    access: dict[str, int] = field(default_factory=dict)  # token -> expires at (Unix seconds)
    refresh: dict[str, int] = field(default_factory=dict)  # live refresh tokens only


class TikTokShopFake(HttpFake):
    """One app and one shop. Verifies app_key, signature, timestamp, token and shop_cipher
    as the gateway does, answers with the documented envelopes and pages, and keeps state."""

    rate_limit_body: ClassVar[Any] = gateway.envelope(*gateway.TOO_MANY[1:])

    def __init__(
        self,
        *,
        app_key: str = "6a9kq2m3zt7p1",
        app_secret: str = "e59af819cc3b4d7f9a1c2e8b5d6f0a17c4e2b9d3",  # noqa: S107  (a fake's)
        shop_cipher: str = "ROW_xkMbgAAAeVAQra0eZWebFQq5aIK",
        shop_name: str = "Toko Batik Sari",
        rotate_refresh_tokens: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.app_key = app_key
        self.app_secret = app_secret
        self.shop_cipher = shop_cipher
        self.rotate_refresh_tokens = rotate_refresh_tokens  # not in marketplace-docs: a choice
        self.now = now
        self.ids = Snowflakes()
        self.shop = Person(
            self.ids.next(self._now()), shop_name, "SHOP", avatar=AVATAR.format("shop")
        )
        self.conversations: dict[str, Conversation] = {}
        self.tokens = TokenState()
        self.access_token = self._issue_access()
        self.refresh_token = self._issue_refresh()
        self.answers: list[tuple[str, int]] = []  # (path, envelope code) per answered request
        self.read_calls: list[str] = []  # conversation ids marked read through the API
        self.injected: list[tuple[int, int, str]] = []  # platform errors to answer next
        self.order_desk = OrderDesk(self.ids, self._now)  # the Order API part (issue 13)

    # --- helpers for tests and the demo ------------------------------------------------

    def seed(self, conversations: int, messages: int, *, seed: int = 7) -> list[str]:
        """Add ``conversations`` × ``messages`` realistic messages; ids newest activity first."""
        rng = random.Random(seed)  # noqa: S311  (repeatable demo data, not secrets)
        start = self._now() - 300 - conversations * 900
        ids: list[str] = []
        with self.lock:
            for n in reversed(range(conversations)):  # the oldest first: index grows with time
                made = plan(n, messages, rng)
                when = start + (conversations - n) * 900 - messages * 60
                conversation = self.add_conversation(
                    made.nickname, buyer_platform=made.buyer_platform, at=when
                )
                for role, kind, content, visible in made.steps:
                    when += rng.randrange(20, 60)
                    self.add_message(
                        conversation, content, role=role, type=kind, at=when, visible=visible
                    )
                ids.append(conversation)
                buyer = self.conversations[conversation].buyer
                self.order_desk.seed_buyer(
                    buyer,
                    random.Random(f"{seed}:{n}"),  # noqa: S311  (repeatable demo data)
                    first_id=made.order_id,
                )
            ids.sort(key=lambda c: -self.conversations[c].activity_key())
        return ids

    def add_conversation(
        self, nickname: str, *, buyer_platform: str = "TOKOPEDIA", at: int | None = None
    ) -> str:
        """A new conversation with a new buyer; returns its id."""
        when = self._now() if at is None else at
        with self.lock:
            buyer = Person(
                im_user_id=self.ids.next(when),
                nickname=nickname,
                role="BUYER",
                user_id=self.ids.next(when),
                avatar=AVATAR.format(f"{secrets.token_hex(16)}"),
                buyer_platform=buyer_platform,
            )
            conversation = Conversation(self.ids.next(when), buyer, self.shop, when)
            self.conversations[conversation.id] = conversation
        return conversation.id

    def add_message(
        self,
        conversation_id: str,
        content: dict[str, Any] | str,
        *,
        role: str = "BUYER",
        type: str = "TEXT",
        at: int | None = None,
        visible: bool = True,
    ) -> str:
        """Store a message of any type (content as a dict or a ready JSON string)."""
        when = self._now() if at is None else at
        with self.lock:
            conversation = self.conversations[conversation_id]
            sender = conversation.buyer if role == "BUYER" else self.shop
            body = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            latest = conversation.latest()
            if latest is not None:
                when = max(when, latest.create_time)  # time never runs backwards in a chat
            message = Message(
                id=self.ids.next(when),
                index=self.ids.next(when),
                type=type,
                content=body,
                create_time=when,
                sender=sender,
                role=role,
                is_visible=visible,
            )
            if role == "SYSTEM" and type == "ALLOCATED_SERVICE":
                conversation.agent_joined = True
            conversation.messages.append(message)
        return message.id

    def add_buyer_message(self, conversation_id: str, text: str) -> str:
        """The buyer writes now; the conversation moves to the top of the list."""
        return self.add_message(conversation_id, {"content": text})

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (105002 on next use)."""
        with self.lock:
            for token in self.tokens.access:
                self.tokens.access[token] = 0

    def issue_access_token(self) -> str:
        """A new valid access token, as another client's refresh would have obtained."""
        with self.lock:
            return self._issue_access()

    def revoke_refresh_tokens(self) -> None:
        """The seller de-authorised the app: no refresh token works any more."""
        with self.lock:
            self.tokens.refresh.clear()

    def inject_error(self, code: int, message: str, *, count: int = 1, status: int = 200) -> None:
        """The next ``count`` API requests (not refreshes) get this platform error."""
        with self.lock:
            self.injected.extend([(status, code, message)] * count)

    def seller_texts(self, conversation_id: str) -> list[str]:
        """Texts the shop side sent in a conversation, oldest first."""
        with self.lock:
            return [
                m.text()
                for m in self.conversations[conversation_id].messages
                if m.role in ("SHOP", "CUSTOMER_SERVICE") and m.type == "TEXT"
            ]

    def visible_count(self) -> int:
        """Messages an adapter should deliver (the docs hide is_visible=false ones)."""
        with self.lock:
            return sum(m.is_visible for c in self.conversations.values() for m in c.messages)

    def is_send(self, request: FakeRequest) -> bool:
        """Only POST .../messages sends; GET on the same path lists."""
        match = MESSAGES_RE.match(request.path)
        return request.method == "POST" and match is not None and match.group(2) is None

    # --- HTTP ----------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Gateway checks, then the endpoint."""
        if request.path == REFRESH_PATH:
            response = self._refresh(request)
        else:
            response = self._gateway(request) or self._injected() or self._route(request)
        code = response.body.get("code", -1) if isinstance(response.body, dict) else -1
        self.answers.append((request.path, int(code)))
        return response

    def _now(self) -> int:
        return int(self.now())

    def _issue_access(self) -> str:
        token = _token("TTP")
        self.tokens.access[token] = self._now() + ACCESS_LIFETIME
        return token

    def _issue_refresh(self) -> str:
        token = _token("TTP")
        self.tokens.refresh[token] = self._now() + REFRESH_LIFETIME
        return token

    def _gateway(self, request: FakeRequest) -> FakeResponse | None:
        query = request.query
        if query.get("app_key") != self.app_key:
            return fail(*gateway.BAD_APP_KEY)
        if not query.get("sign"):
            return fail(*gateway.NO_SIGN)
        stamp = query.get("timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - self._now()) > gateway.TIMESTAMP_WINDOW:
            return fail(*gateway.BAD_TIMESTAMP)
        content_type = request.headers.get("content-type", "")
        expected = gateway.expected_sign(
            self.app_secret, request.path, query, request.body, content_type
        )
        if not secrets.compare_digest(expected, query["sign"]):
            return fail(*gateway.BAD_SIGN)
        if gateway.media_type(content_type) != "application/json":
            return fail(*gateway.BAD_CONTENT_TYPE)
        token = request.headers.get("x-tts-access-token", "")
        if not token:
            return fail(*gateway.NO_TOKEN)
        if token not in self.tokens.access:
            return fail(*gateway.TOKEN_INVALID)
        if self.tokens.access[token] <= self._now():
            return fail(*gateway.TOKEN_EXPIRED)
        if "shop_cipher" not in query:
            return fail(*gateway.NO_SHOP_CIPHER)
        if query["shop_cipher"] != self.shop_cipher:
            return fail(*gateway.BAD_SHOP_CIPHER)
        return None

    def _injected(self) -> FakeResponse | None:
        if not self.injected:
            return None
        status, code, message = self.injected.pop(0)
        return fail(status, code, message)

    def _dispatch(self, request: FakeRequest) -> FakeResponse | None:
        response = super()._dispatch(request)  # an applied action may lose its reply (issue 13)
        with self.lock:
            return None if response is None else self.order_desk.after(request, response)

    def _route(self, request: FakeRequest) -> FakeResponse:
        if self.order_desk.handles(request.path):
            return self.order_desk.route(request) or fail(*gateway.NO_PATH)
        if request.path == CONVERSATIONS:
            if request.method == "GET":
                return self._list_conversations(request.query)
            return self._create_conversation(request)
        match = MESSAGES_RE.match(request.path)
        if match is None:
            return fail(*gateway.NO_PATH)
        conversation = self.conversations.get(match.group(1))
        if match.group(2):
            if request.method != "POST":
                return fail(*gateway.BAD_METHOD)
            return self._read(conversation)
        if request.method == "GET":
            return self._list_messages(conversation, request.query)
        return self._send(conversation, request)

    # --- endpoints -----------------------------------------------------------------------

    def _page_size(self, query: dict[str, str], most: int) -> int | FakeResponse:
        raw = query.get("page_size", "")
        if not raw.isdigit() or not 1 <= int(raw) <= most:
            status, code, text = INVALID_PARAM
            return fail(status, code, text.format(f"page_size must be 1 to {most}."))
        return int(raw)

    def _after(self, query: dict[str, str]) -> int | FakeResponse | None:
        token = query.get("page_token", "")
        if not token:
            return None
        if not token.isdigit():
            status, code, text = INVALID_PARAM
            return fail(status, code, text.format("page_token is invalid."))
        return int(token)

    def _list_conversations(self, query: dict[str, str]) -> FakeResponse:
        size = self._page_size(query, 20)
        after = self._after(query)
        if isinstance(size, FakeResponse):
            return size
        if isinstance(after, FakeResponse):
            return after
        # Latest activity first; the token is the last key served, so a conversation that
        # moves to the top meanwhile is not served twice.
        ordered = sorted(self.conversations.values(), key=lambda c: -c.activity_key())
        if after is not None:
            ordered = [c for c in ordered if c.activity_key() < after]
        page = ordered[:size]
        more = len(ordered) > size
        return ok(
            {
                "next_page_token": str(page[-1].activity_key()) if more else "",
                "conversations": [c.as_json() for c in page],
            }
        )

    def _create_conversation(self, request: FakeRequest) -> FakeResponse:
        body = request.json() if request.body else None
        buyer = body.get("buyer_user_id") if isinstance(body, dict) else None
        if not isinstance(buyer, str) or not buyer:
            status, code, text = INVALID_PARAM
            return fail(status, code, text.format("buyer_user_id is required."))
        for conversation in self.conversations.values():
            if conversation.buyer.user_id == buyer:  # the docs: reopens, same id
                return ok({"conversation_id": conversation.id})
        return fail(
            200, 45109003, "Unable to create a conversation as you did not meet the criteria."
        )

    def _list_messages(
        self, conversation: Conversation | None, query: dict[str, str]
    ) -> FakeResponse:
        if conversation is None:
            return fail(*NOT_FOUND)
        size = self._page_size(query, 10)
        after = self._after(query)
        if isinstance(size, FakeResponse):
            return size
        if isinstance(after, FakeResponse):
            return after
        order = query.get("sort_order", "DESC")
        field_ = query.get("sort_field", "create_time")
        if order not in ("ASC", "DESC") or field_ not in ("create_time", "index"):
            status, code, text = INVALID_PARAM
            return fail(status, code, text.format("sort_order or sort_field is invalid."))
        descending = order == "DESC"

        def key(m: Message) -> tuple[int, int]:
            return (m.create_time if field_ == "create_time" else 0, int(m.index))

        ordered = sorted(conversation.messages, key=key, reverse=descending)
        if after is not None:
            mark = next((m for m in conversation.messages if int(m.index) == after), None)
            if mark is None:
                status, code, text = INVALID_PARAM
                return fail(status, code, text.format("page_token is invalid."))
            ordered = [m for m in ordered if (key(m) < key(mark)) == descending and m != mark]
        page = ordered[:size]
        more = len(ordered) > size
        return ok(
            {
                "next_page_token": page[-1].index if more else "",
                "unsupported_msg_tips": UNSUPPORTED_TIPS.get(
                    query.get("locale", "en"), UNSUPPORTED_TIPS["en"]
                ),
                "messages": [m.as_json() for m in page],
            }
        )

    def _send(self, conversation: Conversation | None, request: FakeRequest) -> FakeResponse:
        if conversation is None:
            return fail(*NOT_FOUND)
        try:
            body = request.json()
            content = json.loads(body["content"]) if isinstance(body, dict) else None
        except (ValueError, KeyError, TypeError):
            content = None
        kind = body.get("type") if isinstance(body, dict) else None
        if not isinstance(content, dict) or kind not in SEND_TYPES:
            return fail(*SEND_INVALID)
        if kind == "TEXT":
            text = content.get("content")
            if not isinstance(text, str) or not text.strip() or len(text) > 2000:
                return fail(*SEND_INVALID)
        if not conversation.can_send_message:
            return fail(*CANNOT_SEND)
        message_id = self.add_message(conversation.id, content, role="SHOP", type=kind)
        return ok({"message_id": message_id})

    def _read(self, conversation: Conversation | None) -> FakeResponse:
        if conversation is None:
            return fail(*NOT_FOUND)
        latest = conversation.latest()
        conversation.read_index = int(latest.index) if latest else 0
        self.read_calls.append(conversation.id)
        return ok({})

    def _refresh(self, request: FakeRequest) -> FakeResponse:
        # The auth host: app_secret in the query, no signature; the answer's code says it all.
        query = request.query
        if query.get("app_key") != self.app_key or query.get("app_secret") != self.app_secret:
            return fail(200, 36004004, "Invalid credentials. app_key or app_secret is invalid.")
        if query.get("grant_type") != "refresh_token":
            return fail(200, 36004004, "Invalid grant_type.")
        presented = query.get("refresh_token", "")
        expires = self.tokens.refresh.get(presented)
        if expires is None:
            return fail(200, 36004005, "can not find related auth record")
        if expires <= self._now():
            return fail(200, 36004001, "rt has expired")
        self.access_token = self._issue_access()
        if self.rotate_refresh_tokens:
            del self.tokens.refresh[presented]  # the old one dies with the rotation
            self.refresh_token = self._issue_refresh()
        return FakeResponse(
            200,
            gateway.envelope(
                0,
                "success",
                {
                    "access_token": self.access_token,
                    "access_token_expire_in": self.tokens.access[self.access_token],
                    "refresh_token": self.refresh_token,
                    "refresh_token_expire_in": self.tokens.refresh[self.refresh_token],
                    "open_id": "hWaeegAAAABqXniBPelkeRAmTmxju9EITT7YTUXSfP8mjfsVIU4Exg",
                    "seller_name": self.shop.nickname,
                    "seller_base_region": "ID",
                    "user_type": 0,
                    "granted_scopes": ["seller.customer_service"],
                },
            ),
        )
