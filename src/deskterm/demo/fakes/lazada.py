"""A local Lazada Open Platform (IM API and token refresh) that checks requests as the docs say.

Built from marketplace-docs/lazada: it verifies the signature with its own implementation of
the documented algorithm, the system parameters and the seller's token; answers with the
documented envelopes and field names; pages sessions and messages by ``start_time`` and
``last_*_id`` (at most 20 a page); and keeps the seller's sessions, messages and read state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake

API_PREFIX = "/rest"  # https://api.lazada.co.id/rest
AUTH_PREFIX = "/auth/rest"  # stands in for https://auth.lazada.com/rest on the same server
PAGE_LIMIT = 20  # "page_size ... limit 20"
TIMESTAMP_WINDOW_MS = 7_200_000  # "should not exceed 7200 seconds" (Calling parameters)
SITE = "ID"
BUYER, SELLER = 1, 2  # from_account_type / to_account_type
USER_SEND, SYSTEM_SEND = 1, 2  # message "type"
SELLER_LIMIT_WITHOUT_REPLY = 5  # "Session validity" rule 2
DAY_MS = 86_400_000
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase  # ASCII order

Params = dict[str, str]


# --- the platform's signature, written from the docs (NOT the adapter's signer) ---------


def expected_signatures(app_secret: str, api_name: str, params: Params) -> set[str]:
    """Every signature the docs' samples would produce for these parameters.

    The Java and C# samples skip empty values, the Python sample keeps them; both are
    accepted. Hex is upper case in every sample.
    """
    keys = sorted(key for key in params if key != "sign")
    variants = {
        api_name + "".join(key + params[key] for key in keys),
        api_name + "".join(key + params[key] for key in keys if params[key]),
    }
    secret = app_secret.encode("utf-8")
    return {
        hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest().upper()
        for text in variants
    }


# --- state ---------------------------------------------------------------------------------


@dataclass
class FakeMessage:
    """One message as the platform stores it."""

    message_id: str
    session_id: str
    template_id: int
    content: dict[str, Any]
    from_account_type: int
    from_account_id: str
    to_account_type: int
    to_account_id: str
    send_time: int
    type: int = USER_SEND
    status: int = 0
    auto_reply: bool = False
    process_msg: str = ""

    def as_json(self) -> dict[str, Any]:
        """A ``message_list`` item: ``content`` is a JSON string, as documented."""
        return {
            "message_id": self.message_id,
            "content": json.dumps(self.content, ensure_ascii=False, separators=(",", ":")),
            "from_account_id": self.from_account_id,
            "from_account_type": self.from_account_type,
            "send_time": self.send_time,
            "template_id": self.template_id,
            "to_account_type": self.to_account_type,
            "to_account_id": self.to_account_id,
            "type": self.type,
            "process_msg": self.process_msg,
            "status": self.status,
            "auto_reply": self.auto_reply,
            "site_id": SITE,
        }

    @property
    def summary(self) -> str:
        """What the session list shows for this message."""
        if self.template_id in (1, 2, 10015):
            return str(self.content.get("txt", ""))
        return {3: "[Image]", 4: "[Sticker]", 6: "[Video]", 10006: "[Product]"}.get(
            self.template_id, "[Order]" if self.template_id in (10007, 10011) else "[Card]"
        )


@dataclass
class FakeSession:
    """One buyer's conversation with the seller."""

    session_id: str
    buyer_id: int
    title: str  # the buyer's nick name
    head_url: str
    messages: list[FakeMessage] = field(default_factory=list)  # oldest first
    self_position: int = 0  # the seller's read time
    to_position: int = 0  # the buyer's read time
    tags: list[str] = field(default_factory=list)

    @property
    def last(self) -> FakeMessage:
        """The latest message (a session always has one)."""
        return self.messages[-1]

    @property
    def unread_count(self) -> int:
        """Buyer messages newer than the seller's read time."""
        return sum(
            1
            for m in self.messages
            if m.from_account_type == BUYER and m.send_time > self.self_position
        )

    def as_json(self, *, detail: bool = False) -> dict[str, Any]:
        """A ``session_list`` item, or GetSessionDetail's data (``content`` for ``summary``)."""
        return {
            "session_id": self.session_id,
            ("content" if detail else "summary"): self.last.summary,
            "title": self.title,
            "head_url": self.head_url,
            "last_message_id": self.last.message_id,
            "last_message_time": self.last.send_time,
            "buyer_id": self.buyer_id,
            "unread_count": self.unread_count,
            "self_position": self.self_position,
            "to_position": self.to_position,
            "tags": list(self.tags),
            "site_id": SITE,
        }


class Refusal(Exception):
    """A request the platform answers with its error envelope."""

    def __init__(self, code: str, message: str, kind: str = "ISV") -> None:
        super().__init__(message)
        self.code, self.message, self.kind = code, message, kind


def missing(name: str) -> Refusal:
    """Lazada's wording for an absent mandatory parameter."""
    return Refusal(
        "MissingParameter",
        f"The input parameter “{name}” that is mandatory for processing this request "
        "is not supplied",
    )


def _int_param(params: Params, name: str, *, required: bool = True) -> int | None:
    value = params.get(name, "")
    if value == "":
        if required:
            raise missing(name)
        return None
    try:
        return int(value)
    except ValueError:
        raise Refusal("InvalidParameter", f"Invalid parameter: {name}") from None


def _page_size(params: Params) -> int:
    size = _int_param(params, "page_size")
    assert size is not None
    if not 1 <= size <= PAGE_LIMIT:
        raise Refusal("InvalidParameter", f"page_size should be between 1 and {PAGE_LIMIT}")
    return size


Handler = Callable[[Params], dict[str, Any]]


class LazadaFake(HttpFake):
    """Lazada's IM gateway under ``/rest`` and its auth service under ``/auth/rest``."""

    send_paths: tuple[str, ...] = (f"{API_PREFIX}/im/message/send",)
    rate_limit_body: ClassVar[Any] = {
        "type": "ISP",
        "code": "ApiCallLimit",
        "message": "The request has exceeded the limit",
        "request_id": "0b86d3f015798573485764532",
    }

    def __init__(
        self,
        *,
        app_key: str = "112284",
        app_secret: str = "yGfEWyPC6hHdFXCZbMPgHHr9cs7C2JAO",  # noqa: S107  (a fake's)
        seller_id: str = "1000165972",
        seed: int = 7,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.app_key = app_key
        self.app_secret = app_secret
        self.seller_id = seller_id
        self.clock = clock
        self.random = random.Random(seed)  # noqa: S311  (repeatable demo data, not secrets)
        self.sessions: dict[str, FakeSession] = {}
        self.valid_access: dict[str, int] = {}  # token -> expiry (ms)
        self.valid_refresh: set[str] = set()
        self.refreshes = 0
        self.call_limits = 0  # next requests answered HTTP 200 + ApiCallLimit
        self._counter = 3_600_000  # message id prefix: ids sort in creation order
        self.access_token = ""
        self.refresh_token = ""
        self._issue_tokens()
        self._api: dict[str, Handler] = {
            "/im/session/list": self._session_list,
            "/im/session/get": self._session_get,
            "/im/session/read": self._session_read,
            "/im/message/list": self._message_list,
            "/im/message/send": self._message_send,
        }
        self._auth: dict[str, Handler] = {"/auth/token/refresh": self._token_refresh}
        # Orders live in their own module; an order action counts as a send for the
        # drop-the-response fault (drop_after_next_send).
        from deskterm.demo.fakes.lazada_orders import LazadaOrderBook

        self.orders = LazadaOrderBook(self, seed=seed + 6)
        self._api.update(self.orders.routes())
        self.send_paths = (*self.send_paths, *self.orders.action_paths)

    # --- helpers for tests and the demo ----------------------------------------------

    def rest_url(self) -> str:
        """The API gateway URL (``base_url`` of the channel) once serving."""
        return f"{self.base_url}{API_PREFIX}"

    def auth_url(self) -> str:
        """The auth service URL (the adapter's ``auth_base_url``) once serving."""
        return f"{self.base_url}{AUTH_PREFIX}"

    def now_ms(self) -> int:
        """The platform's clock in milliseconds."""
        return int(self.clock() * 1000)

    def expire_tokens(self) -> None:
        """Every access token issued so far is now expired (refresh tokens still work)."""
        with self.lock:
            self.valid_access = dict.fromkeys(self.valid_access, 0)

    def revoke_refresh_tokens(self) -> None:
        """Refresh tokens stop working (the seller must authorise the app again)."""
        with self.lock:
            self.valid_refresh.clear()

    def inject_call_limits(self, count: int) -> None:
        """The next ``count`` requests get Lazada's ApiCallLimit envelope with HTTP 200."""
        with self.lock:
            self.call_limits += count

    def add_session(self, buyer_name: str, text: str, *, buyer_id: int | None = None) -> str:
        """A buyer opens a new conversation with ``text``; returns its session id."""
        with self.lock:
            session = self._new_session(buyer_name, buyer_id)
            self.add_message(session.session_id, 1, {"txt": text})
            return session.session_id

    def add_buyer_message(self, session_id: str, text: str) -> str:
        """A buyer writes ``text`` now; the session moves to the top. Returns the message id."""
        return self.add_message(session_id, 1, {"txt": text})

    def add_message(
        self,
        session_id: str,
        template_id: int,
        content: dict[str, Any],
        *,
        from_buyer: bool = True,
        system: bool = False,
        auto_reply: bool = False,
        process_msg: str = "",
        send_time: int | None = None,
    ) -> str:
        """Any documented message (template and content as in "MessageConent"); returns its id."""
        with self.lock:
            session = self.sessions[session_id]
            buyer, seller = str(session.buyer_id), self.seller_id
            item = FakeMessage(
                message_id=self._message_id(),
                session_id=session_id,
                template_id=template_id,
                content=dict(content),
                from_account_type=BUYER if from_buyer else SELLER,
                from_account_id=buyer if from_buyer else seller,
                to_account_type=SELLER if from_buyer else BUYER,
                to_account_id=seller if from_buyer else buyer,
                send_time=self.now_ms() if send_time is None else send_time,
                type=SYSTEM_SEND if system else USER_SEND,
                auto_reply=auto_reply,
                process_msg=process_msg,
            )
            session.messages.append(item)
            session.messages.sort(key=lambda m: (m.send_time, m.message_id))
            if from_buyer and not system:
                session.to_position = max(session.to_position, item.send_time)
            return item.message_id

    def recall(self, message_id: str) -> None:
        """The sender recalls a message: its status becomes 1 and a system notice follows."""
        with self.lock:
            for session in self.sessions.values():
                for item in session.messages:
                    if item.message_id == message_id:
                        item.status = 1
                        who = "Pembeli" if item.from_account_type == BUYER else "Penjual"
                        notice = {"txt": f"{who} menarik kembali pesan", "recallContent": ""}
                        self.add_message(session.session_id, 2, notice, system=True)
                        return
            raise KeyError(message_id)

    def messages_in(self, session_id: str) -> list[FakeMessage]:
        """The session's messages, oldest first."""
        with self.lock:
            return list(self.sessions[session_id].messages)

    def seller_texts(self, session_id: str) -> list[str]:
        """The texts the seller sent in this session, oldest first."""
        return [
            str(m.content.get("txt", ""))
            for m in self.messages_in(session_id)
            if m.from_account_type == SELLER and m.type == USER_SEND and m.template_id == 1
        ]

    def sessions_newest_first(self) -> list[FakeSession]:
        """Sessions in the session list's order."""
        with self.lock:
            return sorted(self.sessions.values(), key=_session_key, reverse=True)

    def seed(self, sessions: int = 12, messages: int = 8, *, span_days: float = 6.0) -> list[str]:
        """``sessions`` conversations of ``messages`` messages each, all in the past.

        Realistic Bahasa Indonesia and English order questions, with product and order
        cards, an image, stickers, auto replies and a system notice. Returns the session ids,
        newest activity first.
        """
        with self.lock:
            now = self.now_ms()
            step = int(span_days * DAY_MS / max(sessions, 1))
            created: list[str] = []
            for index in range(sessions):
                session = self._new_session(buyer_name(index), None)
                lines = conversation_lines(index, max(messages, 1), self.random)
                times = [now - 60_000 - index * step - self.random.randrange(0, 30_000)]
                while len(times) < len(lines):
                    times.append(times[-1] - self.random.randrange(40_000, 900_000))
                for (from_buyer, template_id, content, flags), when in zip(
                    lines, reversed(times), strict=True
                ):
                    self.add_message(
                        session.session_id,
                        template_id,
                        content,
                        from_buyer=from_buyer,
                        send_time=when,
                        **flags,
                    )
                if self.random.random() < 0.4:  # the seller has read some of them
                    session.self_position = session.last.send_time
                created.append(session.session_id)
            self.orders.seed([(self.sessions[s].buyer_id, self.sessions[s].title) for s in created])
            return created

    # --- HTTP -------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> FakeResponse:
        """Route to the API or the auth service after the gateway's checks."""
        request_id = self._request_id()
        try:
            routes, api = self._route(request.path)
            params = self._params(request)
            self._check_system(api, params, needs_token=routes is self._api)
            if self.call_limits:
                self.call_limits -= 1
                raise Refusal("ApiCallLimit", "The request has exceeded the limit", "ISP")
            body = routes[api](params)
        except Refusal as refusal:
            return FakeResponse(
                200,
                {
                    "type": refusal.kind,
                    "code": refusal.code,
                    "message": refusal.message,
                    "request_id": request_id,
                },
            )
        return FakeResponse(200, {**body, "code": "0", "request_id": request_id})

    def _route(self, path: str) -> tuple[dict[str, Handler], str]:
        for prefix, routes in ((AUTH_PREFIX, self._auth), (API_PREFIX, self._api)):
            if path.startswith(prefix + "/") and path[len(prefix) :] in routes:
                return routes, path[len(prefix) :]
        raise Refusal("InvalidApiPath", "The specified API path is invalid")

    @staticmethod
    def _params(request: FakeRequest) -> Params:
        """Query and form parameters together: the gateway reads (and signs) both."""
        params = dict(request.query)
        if request.body and "x-www-form-urlencoded" in request.headers.get("content-type", ""):
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        return params

    def _check_system(self, api: str, params: Params, *, needs_token: bool) -> None:
        for name in ("app_key", "sign_method", "timestamp", "sign"):
            if not params.get(name):
                raise missing(name)
        if params["app_key"] != self.app_key:
            raise Refusal("InvalidAppKey", "The specified app key is invalid")
        if params["sign_method"] != "sha256":
            raise Refusal(
                "IncompleteSignature", f"The sign_method {params['sign_method']} is not supported"
            )
        stamp = _timestamp_ms(params["timestamp"])
        if stamp is None or abs(stamp - self.now_ms()) > TIMESTAMP_WINDOW_MS:
            raise Refusal(
                "InvalidTimestamp",
                "The timestamp is invalid or differs from the server time by more than 7200 s",
            )
        if params["sign"] not in expected_signatures(self.app_secret, api, params):
            raise Refusal(
                "IncompleteSignature",
                "The request signature does not conform to platform standards",
            )
        if not needs_token:
            return
        token = params.get("access_token", "")
        if not token:
            raise missing("access_token")
        if self.valid_access.get(token, -1) <= self.now_ms():
            raise Refusal("IllegalAccessToken", "The specified access token is invalid or expired")

    # --- the APIs ---------------------------------------------------------------------

    def _session_list(self, params: Params) -> dict[str, Any]:
        start = _int_param(params, "start_time")
        size = _page_size(params)
        after = params.get("last_session_id", "")
        ordered = self.sessions_newest_first()
        rest = [s for s in ordered if _before(_session_key(s), start, after)]
        page, more = rest[:size], len(rest) > size
        data: dict[str, Any] = {
            "has_more": more,
            "session_list": [s.as_json() for s in page],
        }
        if page:
            # Documented as a String here (a Long in GetMessages).
            data["next_start_time"] = str(page[-1].last.send_time)
            data["last_session_id"] = page[-1].session_id
        return {"data": data}

    def _message_list(self, params: Params) -> dict[str, Any]:
        session = self._session(params)
        start = _int_param(params, "start_time")
        size = _page_size(params)
        after = params.get("last_message_id", "")
        newest_first = sorted(session.messages, key=_message_key, reverse=True)
        rest = [m for m in newest_first if _before(_message_key(m), start, after)]
        page, more = rest[:size], len(rest) > size
        data: dict[str, Any] = {"has_more": more, "message_list": [m.as_json() for m in page]}
        if page:
            data["next_start_time"] = page[-1].send_time
            data["last_message_id"] = page[-1].message_id
        return {"data": data}

    def _message_send(self, params: Params) -> dict[str, Any]:
        session = self._session(params)
        template = _int_param(params, "template_id")
        if template != 1:
            raise Refusal("InvalidParameter", "Only template_id 1 (text) is supported here")
        text = params.get("txt", "")
        if not text:
            raise missing("txt")
        if self._seller_capped(session):
            return {
                "data": {
                    "error_code": "IM_SEND_LIMIT",
                    "error_msg": "The buyer has not replied: at most 5 messages a day",
                }
            }
        message_id = self.add_message(session.session_id, 1, {"txt": text}, from_buyer=False)
        return {"data": {"message_id": message_id, "error_code": "0", "error_msg": ""}}

    def _session_get(self, params: Params) -> dict[str, Any]:
        return {"data": self._session(params).as_json(detail=True)}

    def _session_read(self, params: Params) -> dict[str, Any]:
        session = self._session(params)
        last_read = params.get("last_read_message_id", "")
        if not last_read:
            raise missing("last_read_message_id")
        for item in session.messages:
            if item.message_id == last_read:
                session.self_position = max(session.self_position, item.send_time)
                return {"data": {"success": True, "err_code": "0", "err_message": "SUCCESS"}}
        raise Refusal("InvalidParameter", "Invalid parameter: last_read_message_id")

    def _token_refresh(self, params: Params) -> dict[str, Any]:
        token = params.get("refresh_token", "")
        if not token:
            raise missing("refresh_token")
        if token not in self.valid_refresh:
            raise Refusal(
                "IllegalRefreshToken", "The specified refresh token is invalid or expired"
            )
        self.refreshes += 1
        self._issue_tokens()
        return {
            "access_token": self.access_token,
            "country": SITE.lower(),
            "refresh_token": self.refresh_token,
            "account_platform": "seller_center",
            "refresh_expires_in": 15_552_000,
            "country_user_info": [
                {
                    "country": SITE.lower(),
                    "user_id": "200158891",
                    "seller_id": self.seller_id,
                    "short_code": "IDZ1T4F7",
                }
            ],
            "expires_in": 604_800,
            "account": "tokoku.official@gmail.com",
        }

    # --- internals --------------------------------------------------------------------

    def _session(self, params: Params) -> FakeSession:
        session_id = params.get("session_id", "")
        if not session_id:
            raise missing("session_id")
        session = self.sessions.get(session_id)
        if session is None:
            raise Refusal("InvalidParameter", "Invalid parameter: session_id")
        return session

    def _seller_capped(self, session: FakeSession) -> bool:
        """Documented rule: no buyer reply for a day → at most 5 seller messages."""
        buyer_times = [m.send_time for m in session.messages if m.from_account_type == BUYER]
        last_buyer = max(buyer_times, default=0)
        if self.now_ms() - last_buyer < DAY_MS:
            return False
        since = [
            m
            for m in session.messages
            if m.from_account_type == SELLER and m.type == USER_SEND and m.send_time > last_buyer
        ]
        return len(since) >= SELLER_LIMIT_WITHOUT_REPLY

    def _new_session(self, buyer_name: str, buyer_id: int | None) -> FakeSession:
        buyer = buyer_id or self.random.randrange(500_100_000_000, 500_299_999_999)
        session = FakeSession(
            session_id=f"{self.seller_id}_2_{buyer}_1_103",
            buyer_id=buyer,
            title=buyer_name,
            head_url=f"https://id-live-01.slatic.net/p/{self.random.getrandbits(128):032x}.jpg",
        )
        self.sessions[session.session_id] = session
        return session

    def _issue_tokens(self) -> None:
        """New tokens replace the old ones (the old refresh token stops working)."""
        self.access_token = "50000" + self._alnum(55)
        self.refresh_token = "50001" + self._alnum(55)
        self.valid_access = {self.access_token: self.now_ms() + 604_800_000}
        self.valid_refresh = {self.refresh_token}

    def _message_id(self) -> str:
        self._counter += 1
        prefix = ""
        value = self._counter
        for _ in range(6):
            value, digit = divmod(value, 62)
            prefix = BASE62[digit] + prefix
        return prefix + self._alnum(12)

    def _alnum(self, length: int) -> str:
        return "".join(self.random.choice(BASE62) for _ in range(length))

    def _request_id(self) -> str:
        return f"{self.random.getrandbits(100):025x}"[:25]


def _session_key(session: FakeSession) -> tuple[int, str]:
    return session.last.send_time, session.session_id


def _message_key(item: FakeMessage) -> tuple[int, str]:
    return item.send_time, item.message_id


def _before(key: tuple[int, str], start: int | None, last_id: str) -> bool:
    """Whether an item comes after the cursor in a newest-first listing.

    The first page (no last id) includes ``start_time`` itself; later pages continue below
    the previous page's last item, whose time is ``start_time``.
    """
    assert start is not None
    if not last_id:
        return key[0] <= start
    return key < (start, last_id)


def _timestamp_ms(value: str) -> int | None:
    """Milliseconds, or the documented "2017-11-11T12:00:00Z" form."""
    if value.isdigit():
        return int(value)
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


# --- seed conversations --------------------------------------------------------------------

FIRST_NAMES = [
    "Siti",
    "Budi",
    "Dewi",
    "Agus",
    "Rina",
    "Andi",
    "Putri",
    "Joko",
    "Maya",
    "Fajar",
    "Sarah",
    "Michael",
    "Jessica",
    "Kevin",
    "Nur",
    "Rizky",
    "Indah",
]
LAST_NAMES = [
    "Rahmawati",
    "Santoso",
    "Lestari",
    "Pratama",
    "Wulandari",
    "Saputra",
    "Halim",
    "Susilo",
    "Anggraini",
    "Nugroho",
    "Tan",
    "Wijaya",
    "Gunawan",
    "Aisyah",
    "Ramadhan",
    "Hidayat",
    "Kusuma",
    "Siregar",
    "Simanjuntak",
]


def buyer_name(index: int) -> str:
    """A distinct buyer name for each of the first 323 seeded sessions."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index + index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    name = f"{first} {last}"
    rounds = index // (len(FIRST_NAMES) * len(LAST_NAMES))
    return f"{name} {rounds + 1}" if rounds else name


PRODUCTS = [
    ("2894417521", "Kaos Polos Cotton Combed 30s Unisex - Hitam, L", "Rp59.000", "Rp89.000"),
    ("1762013406", "Tumbler Stainless 500ml Anti Bocor", "Rp129.000", "Rp175.000"),
    ("3310298845", "Wireless Earbuds TWS Bluetooth 5.3", "Rp249.000", "Rp399.000"),
    ("2471183390", "Hijab Segi Empat Voal Premium", "Rp45.000", "Rp65.000"),
]

STICKERS = [
    (
        "[thank you]",
        "https://sg-live.slatic.net/other/im/ac34173dd76c7b099064aa0859d9aeb8.gif",
        "https://sg-live.slatic.net/other/im/55db78f572521414ef5b98c1dfddf63f.png",
    ),
    (
        "[happy]",
        "https://sg-live.slatic.net/original/0e048d1c6d42835cdc386241b2a855c8.png",
        "https://sg-live.slatic.net/original/30ff084a270eae973a02ec74e216ba51.png",
    ),
]

BUYER_FILLER = [
    "Kak?",
    "Halo kak, masih ada orang?",
    "Oke kak, ditunggu ya",
    "Terima kasih kak 🙏",
    "Baik, saya tunggu kabarnya",
    "Thank you!",
    "Any update on this?",
    "Kak, bisa dibantu cek lagi?",
]

SELLER_FILLER = [
    "Baik kak, kami bantu cek dulu ya 🙏",
    "Sama-sama kak, terima kasih sudah belanja di toko kami 😊",
    "Mohon ditunggu sebentar ya kak",
    "Sure, let me check that for you.",
    "Sudah kami teruskan ke tim gudang kak.",
]

Line = tuple[bool, int, dict[str, Any], dict[str, Any]]  # from_buyer, template, content, flags


def product_card(index: int) -> dict[str, Any]:
    """A template 10006 item card for one of the seeded products."""
    item_id, title, price, old = PRODUCTS[index % len(PRODUCTS)]
    return {
        "itemId": item_id,
        "price": price,
        "oldPrice": old,
        "actionUrl": f"https://www.lazada.co.id/products/i{item_id}.html",
        "discount": "-30%",
        "iconUrl": f"https://id-live-01.slatic.net/p/{item_id}a7c2e9.jpg",
        "title": title,
        "skuId": str(int(item_id) + 9_100_000_000),
    }


def order_card(index: int, status: str = "Dikirim") -> dict[str, Any]:
    """A template 10007 order card."""
    _, title, price, _ = PRODUCTS[index % len(PRODUCTS)]
    order_id = str(385_749_128_367_519 + index * 7_919)
    return {
        "title": title,
        "content": f"1 barang · Total {price}",
        "status": status,
        "iconUrl": "https://id-live-01.slatic.net/p/order-icon.png",
        "orderId": order_id,
        "actionUrl": f"https://my.lazada.co.id/customer/order/view/?tradeOrderId={order_id}",
    }


def _text(txt: str, *, buyer: bool = True) -> Line:
    return buyer, 1, {"txt": txt}, {}


def _scenarios(index: int) -> list[list[Line]]:
    sticker = STICKERS[index % len(STICKERS)]
    auto = {
        "txt": "Terima kasih telah menghubungi Toko Kami! Kami akan membalas secepatnya "
        "(09.00–17.00 WIB).",
        "actionSize": "2",
        "action1Txt": "Cek status pesanan",
        "action1Code": "ORDER_STATUS",
        "action2Txt": "Info pengiriman",
        "action2Code": "SHIPPING_INFO",
    }
    image = {
        "imgUrl": "https://id-live-01.slatic.net/other/im/7e7a4185f2e3f27e071621067f321587.jpg",
        "osskey": "7e7a4185f2e3f27e071621067f321587",
        "width": "1080",
        "height": "1440",
    }
    return [
        [
            _text("Halo kak, pesanan saya kok belum sampai ya? Sudah 5 hari dari tanggal pesan."),
            (True, 10007, order_card(index), {}),
            (False, 10015, auto, {"auto_reply": True}),
            _text(
                "Halo kak, mohon maaf atas keterlambatannya 🙏 Paket kakak sudah di hub "
                "Jakarta Timur, estimasi sampai besok ya.",
                buyer=False,
            ),
            _text("Oke kak, terima kasih infonya"),
            (True, 4, {"txt": sticker[0], "imgUrl": sticker[1], "smallImgUrl": sticker[2]}, {}),
        ],
        [
            (True, 10006, product_card(index), {}),
            _text("Kak, yang warna hitam ukuran L masih ready?"),
            _text("Ready kak, silakan langsung di-checkout ya 😊", buyer=False),
            _text("Bisa dikirim hari ini?"),
            _text("Bisa kak, pesanan sebelum jam 15.00 dikirim di hari yang sama.", buyer=False),
        ],
        [
            _text("Hi, the item arrived damaged. The box was crushed and the glass is cracked."),
            (True, 3, image, {}),
            (True, 10007, order_card(index, "Delivered"), {}),
            _text(
                "So sorry about that! Please submit a return request in the Lazada app and "
                "we will approve it right away.",
                buyer=False,
            ),
            _text("Ok, submitted. Thanks"),
        ],
        [
            (True, 10006, product_card(index + 2), {}),
            _text("Is this original? Does it come with official warranty?"),
            _text("Yes, 100% original with a 1-year official warranty.", buyer=False),
            # Lazada's own rating request: type 2 (systemSend), filed on the seller's side.
            (False, 1, {"txt": "Please rate your experience with this shop"}, {"system": True}),
        ],
        [
            _text("Kak, saya salah input alamat. Bisa diganti ke Jl. Melati No. 12, Bandung?"),
            _text(
                "Mohon maaf kak, alamat tidak bisa diubah setelah pesanan dibuat. Kakak bisa "
                "batalkan lalu pesan ulang ya.",
                buyer=False,
            ),
            (False, 2, {"txt": "Pesanan telah dibatalkan oleh pembeli."}, {"system": True}),
            _text("Sudah saya pesan ulang kak, tolong dikirim cepat ya"),
        ],
    ]


def conversation_lines(index: int, count: int, rng: random.Random) -> list[Line]:
    """``count`` lines for the ``index``-th seeded session: a scenario, then small talk."""
    scenarios = _scenarios(index)
    lines = list(scenarios[index % len(scenarios)])[:count]
    while len(lines) < count:
        buyer = len(lines) % 2 == 0
        pool = BUYER_FILLER if buyer else SELLER_FILLER
        lines.append(_text(rng.choice(pool), buyer=buyer))
    return lines
