"""The TikTok Shop (and Tokopedia) chat adapter over the Partner API, customer service 202309."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from deskterm.channels.chat.http import ATTEMPTS, Classifier, JsonApi, Signed
from deskterm.channels.chat.tiktokshop.errors import DOCTOR, classifier
from deskterm.channels.chat.tiktokshop.parse import order_key, to_conversation, to_message
from deskterm.channels.chat.tiktokshop.refresh import (
    DEFAULT_AUTH_URL,
    REFRESH_PATH,
    RefreshRefused,
    refresh_classifier,
    refresh_params,
    tokens_from,
    unsigned,
)
from deskterm.channels.chat.tiktokshop.sign import sign
from deskterm.channels.chat.types import (
    AmbiguousSendError,
    ChatConversation,
    ChatMessage,
    Sleep,
    TokenExpiredError,
    TokenKeeper,
    Tokens,
)
from deskterm.domain.errors import ChannelAuthError, ChannelError
from deskterm.domain.text import one_line

API = "/customer_service/202309"
CONVERSATIONS = f"{API}/conversations"
CONVERSATION_PAGE = 20  # the documented maximum
MESSAGE_PAGE = 10  # the documented maximum
MAX_TEXT = 2000  # characters, per Send Message


def _conversation_path(conversation_id: str, suffix: str = "") -> str:
    return f"{CONVERSATIONS}/{quote(conversation_id, safe='')}/messages{suffix}"


def _aware(when: datetime | None) -> datetime | None:
    if when is None or when.tzinfo is not None:
        return when
    return when.replace(tzinfo=UTC)


def _detail(label: str, error: ChannelError) -> str:
    return error.message.removeprefix(f"{label}: ")


class TikTokShopAdapter:
    """ChatAdapter for one shop: lists conversations by latest activity, pages messages newest
    first and stops early, sends text, refreshes an expired token once per call."""

    channel_type = "tiktokshop"

    def __init__(
        self,
        *,
        base_url: str,
        app_key: str,
        app_secret: str,
        shop_cipher: str,
        tokens: TokenKeeper,
        label: str,
        auth_url: str = DEFAULT_AUTH_URL,
        locale: str = "en",
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 20.0,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.label = label
        self._app_key = app_key
        self._app_secret = app_secret
        self._shop_cipher = shop_cipher
        self._keeper = tokens
        self._tokens: Tokens | None = None
        self._locale = locale
        self._clock = clock
        # The signature covers the URL's whole path, including any prefix in base_url.
        self._prefix = urlsplit(base_url).path.rstrip("/")
        self._api, self._auth = (
            JsonApi(
                url,
                label=label,
                timeout=timeout,
                sleep=sleep,
                transport=transport,
                attempts=attempts,
            )
            for url in (base_url, auth_url)
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (API and auth hosts)."""
        return self._api.requests + self._auth.requests

    # --- ChatAdapter -------------------------------------------------------------------

    def conversations_since(self, since: datetime | None) -> list[ChatConversation]:
        """Conversations with activity after ``since``, newest first; stops at the first older."""
        since = _aware(since)
        found: dict[str, ChatConversation] = {}
        for page in self._pages(CONVERSATIONS, {"page_size": str(CONVERSATION_PAGE)}):
            for raw in page.get("conversations") or []:
                conversation = to_conversation(raw)
                if since is not None and conversation.last_activity <= since:
                    return list(found.values())
                found.setdefault(conversation.id, conversation)
        return list(found.values())

    def messages(self, conversation: ChatConversation, after: datetime | None) -> list[ChatMessage]:
        """Messages sent after ``after``, oldest first (pages newest first, stops early)."""
        return self._messages(conversation.id, after=_aware(after), limit=None)

    def recent_messages(self, conversation_id: str, limit: int = 50) -> list[ChatMessage]:
        """The newest ``limit`` visible messages, oldest first."""
        return self._messages(conversation_id, after=None, limit=limit)

    def send_text(self, conversation_id: str, buyer_id: str, text: str) -> str:
        """Send ``text`` (the conversation id is enough on TikTok Shop); returns its message id."""
        if not text.strip():
            raise ChannelError(f"{self.label}: an empty reply cannot be sent", transient=False)
        if len(text) > MAX_TEXT:
            raise ChannelError(
                f"{self.label}: the reply is {len(text)} characters; TikTok Shop takes at most "
                f"{MAX_TEXT} — shorten it",
                transient=False,
            )
        body = {"type": "TEXT", "content": json.dumps({"content": text}, ensure_ascii=False)}
        data = self._call("POST", _conversation_path(conversation_id), body=body, sending=True)
        message_id = str(data.get("message_id") or "")
        if not message_id:
            raise AmbiguousSendError(
                f"{self.label}: TikTok Shop accepted the reply without a message id; "
                "checking the conversation before sending again"
            )
        return message_id

    def mark_read(self, conversation_id: str) -> None:
        """Mark the buyer's messages read on TikTok Shop (only when the user asked for it)."""
        self._call("POST", _conversation_path(conversation_id, "/read"), body={})

    def close(self) -> None:
        """Release both connection pools."""
        self._api.close()
        self._auth.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        sending: bool = False,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        """One signed Partner API call with the token refresh (the order adapter's way in);
        ``sending`` marks an action (never retried blindly), ``classify`` its own error codes."""
        return self._call(
            method, path, params=params, body=body, sending=sending, classify=classify
        )

    # --- paging ------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        token = ""
        seen: set[str] = set()
        while True:
            query = {**params, "locale": self._locale}
            if token:
                query["page_token"] = token
            page = self._call("GET", path, params=query)
            yield page
            token = str(page.get("next_page_token") or "")
            if not token:
                return
            if token in seen:  # a server bug must not become an endless poll
                raise ChannelError(f"{self.label}: TikTok Shop repeated a page token")
            seen.add(token)

    def _messages(
        self, conversation_id: str, *, after: datetime | None, limit: int | None
    ) -> list[ChatMessage]:
        params = {
            "page_size": str(MESSAGE_PAGE),
            "sort_order": "DESC",
            "sort_field": "create_time",
        }
        newest_first: list[ChatMessage] = []
        seen: set[str] = set()
        for page in self._pages(_conversation_path(conversation_id), params):
            for raw in page.get("messages") or []:
                message = to_message(raw, conversation_id)
                if after is not None and message.sent_at <= after:
                    return sorted(newest_first, key=order_key)
                # The docs: invisible messages (e.g. rating requests) are not for the seller.
                if raw.get("is_visible") is False or message.id in seen:
                    continue
                seen.add(message.id)
                newest_first.append(message)
                if limit is not None and len(newest_first) >= limit:
                    return sorted(newest_first, key=order_key)
        return sorted(newest_first, key=order_key)

    # --- signing, calling, refreshing -------------------------------------------------

    def _current(self) -> Tokens:
        if self._tokens is None:
            self._tokens = self._keeper.load()
        return self._tokens

    def _sign(self, method: str, path: str, params: dict[str, str], raw: bytes) -> Signed:
        query = {
            **params,
            "app_key": self._app_key,
            "timestamp": str(int(self._clock())),
            "shop_cipher": self._shop_cipher,
        }
        query["sign"] = sign(self._app_secret, self._prefix + path, query, raw)
        headers = {
            "x-tts-access-token": self._current().access_token,
            "content-type": "application/json",
        }
        return Signed(params=query, headers=headers)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        sending: bool = False,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        def once() -> dict[str, Any]:
            data: dict[str, Any] = self._api.call(
                method,
                path,
                params=params,
                body=body,
                sign=self._sign,
                classify=classify or classifier(self.label, sending=sending),
                idempotent=not sending,  # a refused token means nothing was sent: retry is safe
            )
            return data

        rejected = self._current()
        try:
            return once()
        except TokenExpiredError:
            self._renew(rejected)
        try:
            return once()
        except TokenExpiredError:
            raise ChannelAuthError(
                f"{self.label}: access token rejected even after a refresh — {DOCTOR}"
            ) from None

    def _renew(self, rejected: Tokens) -> None:
        latest = self._keeper.load()
        if latest.access_token and latest.access_token != rejected.access_token:
            self._tokens = latest  # another process refreshed already: its tokens are newer
            return
        if not latest.refresh_token:
            raise ChannelAuthError(
                f"{self.label}: access token rejected and no refresh token is set — {DOCTOR}"
            )
        try:
            data = self._auth.call(
                "GET",
                REFRESH_PATH,
                params=refresh_params(self._app_key, self._app_secret, latest.refresh_token),
                sign=unsigned,
                classify=refresh_classifier(self.label),
            )
            fresh = tokens_from(data, latest, self._clock())
        except RefreshRefused as exc:
            raise ChannelAuthError(
                f"{self.label}: access token rejected and refresh failed ({exc.message}) — {DOCTOR}"
            ) from None
        except ChannelError as exc:
            raise ChannelError(
                f"{self.label}: access token expired and the refresh did not get through "
                f"({_detail(self.label, exc)}); trying again next poll"
            ) from exc
        try:
            self._keeper.save(fresh)  # durable BEFORE use: a lost rotation locks the shop out
        except Exception as exc:
            raise ChannelAuthError(
                f"{self.label}: new tokens could not be saved ({one_line(str(exc), 120)}) — "
                f"{DOCTOR}"
            ) from exc
        self._tokens = fresh
