"""The Lazada chat channel: IM sessions and messages over the Open Platform API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx

from deskterm.channels.chat.http import ATTEMPTS, Classifier, JsonApi, Signed, Signer
from deskterm.channels.chat.lazada import sign as signing
from deskterm.channels.chat.lazada.errors import (
    DOCTOR,
    business_error,
    classifier,
    refresh_classifier,
    refresh_failed,
)
from deskterm.channels.chat.lazada.mapping import (
    as_int,
    conversation,
    from_ms,
    message,
    to_ms,
)
from deskterm.channels.chat.types import (
    AmbiguousSendError,
    ChatConversation,
    ChatMessage,
    Sleep,
    TokenExpiredError,
    TokenKeeper,
    Tokens,
)
from deskterm.domain.errors import ChannelAuthError, ChannelError, DesktermError

AUTH_BASE_URL = "https://auth.lazada.com/rest"
PAGE_SIZE = 20  # the documented maximum for both lists
SESSION_LIST = "/im/session/list"
MESSAGE_LIST = "/im/message/list"
SEND = "/im/message/send"
SESSION_GET = "/im/session/get"
SESSION_READ = "/im/session/read"
REFRESH = "/auth/token/refresh"

Page = tuple[list[dict[str, Any]], dict[str, Any]]  # items, the page's data


class LazadaAdapter:
    """One Lazada seller's chats. Every failure is a one-line ChannelError naming ``label``."""

    channel_type = "lazada"

    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        tokens: TokenKeeper,
        *,
        label: str,
        auth_base_url: str = AUTH_BASE_URL,
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.label = label
        self._app_key = app_key
        self._app_secret = app_secret
        self._keeper = tokens
        self._tokens: Tokens | None = None
        self._clock = clock
        self._token_lock = threading.Lock()  # one refresh at a time (sync and outbox threads)
        self._api, self._auth = (
            JsonApi(
                url,
                label=label,
                timeout=timeout,
                sleep=sleep,
                transport=transport,
                attempts=attempts,
            )
            for url in (base_url, auth_base_url)
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, token refreshes included."""
        return self._api.requests + self._auth.requests

    def close(self) -> None:
        """Release both connection pools."""
        self._api.close()
        self._auth.close()

    # --- ChatAdapter ------------------------------------------------------------------

    def conversations_since(self, since: datetime | None) -> list[ChatConversation]:
        """Sessions with a message after ``since`` (all when None), newest first.

        The list is ordered by latest message, so paging stops at the first session not
        newer than ``since``: an idle poll is one request. Callers should advance their
        cursor to the newest ``last_activity`` returned, never to "now", so a session that
        moves to the top while the pages are read is seen next time.
        """
        floor = None if since is None else to_ms(since)
        found: dict[str, ChatConversation] = {}
        cursor: dict[str, str] = {}
        start = self._now_ms()
        while True:
            sessions, data = self._page(SESSION_LIST, {}, start, cursor)
            for session in sessions:
                if floor is not None and as_int(session.get("last_message_time")) <= floor:
                    return list(found.values())
                item = conversation(session)
                found.setdefault(item.id, item)
            if not sessions or not data.get("has_more"):
                return list(found.values())
            start, cursor = self._next(
                SESSION_LIST, data, sessions, start=start, cursor=cursor, noun="session"
            )

    def messages(self, conversation: ChatConversation, after: datetime | None) -> list[ChatMessage]:
        """The session's messages sent after ``after`` (all when None), oldest first.

        Lazada pages from the newest message backwards, so this stops at the first page
        that reaches ``after``.
        """
        floor = None if after is None else to_ms(after)
        raws = self._collect(conversation.id, floor=floor, want=None)
        found = [
            message(raw, conversation.id, conversation.buyer_name)
            for raw in raws
            if floor is None or as_int(raw.get("send_time")) > floor
        ]
        return _oldest_first(found)

    def recent_messages(self, conversation_id: str, limit: int = 50) -> list[ChatMessage]:
        """The newest ``limit`` messages, oldest first (to find our own after an ambiguous send)."""
        raws = self._collect(conversation_id, floor=None, want=limit)
        return _oldest_first([message(raw, conversation_id) for raw in raws])[-limit:]

    def send_text(self, conversation_id: str, buyer_id: str, text: str) -> str:
        """Send ``text`` as a normal text message (template 1); returns Lazada's message id.

        ``buyer_id`` is not needed: a Lazada session already names its buyer.
        """
        if not text.strip():
            raise ChannelError(f"{self.label}: refusing to send an empty message", transient=False)
        form = {"session_id": conversation_id, "template_id": "1", "txt": text}
        payload = self._call("POST", SEND, form=form, idempotent=False)
        data = payload.get("data")
        refusal = business_error(data)
        if refusal:
            raise ChannelError(
                f"{self.label}: Lazada refused the message ({refusal})", transient=False
            )
        message_id = (data if isinstance(data, dict) else {}).get("message_id")
        message_id = message_id or payload.get("message_id")
        if not message_id:
            raise AmbiguousSendError(
                f"{self.label}: Lazada accepted the message but returned no message id; "
                "checking the conversation before sending again"
            )
        return str(message_id)

    def mark_read(self, conversation_id: str) -> None:
        """Mark the session read up to its latest message (only when the user asked for it)."""
        detail = self._data(
            SESSION_GET, self._call("GET", SESSION_GET, {"session_id": conversation_id})
        )
        last = str(detail.get("last_message_id") or "")
        if not last:
            return
        form = {"session_id": conversation_id, "last_read_message_id": last}
        self._data(SESSION_READ, self._call("POST", SESSION_READ, form=form))

    # --- paging -----------------------------------------------------------------------

    def _collect(
        self, session_id: str, *, floor: int | None, want: int | None
    ) -> list[dict[str, Any]]:
        """Message pages, newest first, until one reaches ``floor`` or ``want`` are held."""
        found: dict[str, dict[str, Any]] = {}
        cursor: dict[str, str] = {}
        start = self._now_ms()
        base = {"session_id": session_id}
        while True:
            page, data = self._page(MESSAGE_LIST, base, start, cursor)
            for raw in page:
                found.setdefault(str(raw.get("message_id")), raw)
            reached = floor is not None and any(
                as_int(raw.get("send_time")) <= floor for raw in page
            )
            enough = want is not None and len(found) >= want
            if reached or enough or not page or not data.get("has_more"):
                return list(found.values())
            start, cursor = self._next(
                MESSAGE_LIST, data, page, start=start, cursor=cursor, noun="message"
            )

    def _page(self, api: str, base: dict[str, str], start: int, cursor: dict[str, str]) -> Page:
        """One page of a list: ``start_time`` and the previous page's last id, 20 items."""
        params = {**base, "start_time": str(start), "page_size": str(PAGE_SIZE), **cursor}
        data = self._data(api, self._call("GET", api, params))
        items = data.get("session_list" if api == SESSION_LIST else "message_list") or []
        if not isinstance(items, list):
            raise ChannelError(f"{self.label}: {api} answered a malformed list", transient=False)
        return [item for item in items if isinstance(item, dict)], data

    def _next(
        self,
        api: str,
        data: dict[str, Any],
        items: list[dict[str, Any]],
        *,
        start: int,
        cursor: dict[str, str],
        noun: str,
    ) -> tuple[int, dict[str, str]]:
        """The next start_time and last_*_id; from the page's oldest item when they are missing."""
        time_key = "last_message_time" if noun == "session" else "send_time"
        id_key = f"last_{noun}_id"
        oldest = min(items, key=lambda item: as_int(item.get(time_key)))
        next_start = as_int(data.get("next_start_time"), as_int(oldest.get(time_key)))
        next_id = str(data.get(id_key) or oldest.get(f"{noun}_id") or "")
        following = {id_key: next_id} if next_id else {}
        if (next_start, following) == (start, cursor):
            raise ChannelError(f"{self.label}: {api} paging did not advance; try again later")
        return next_start, following

    # --- calls, signing and tokens ----------------------------------------------------

    def call(
        self,
        method: str,
        api: str,
        params: dict[str, str] | None = None,
        *,
        idempotent: bool = True,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        """One signed call for another Lazada API (the order adapter), tokens as for chat.

        ``classify`` replaces the envelope classifier (to tell "unknown order" or a refusal).
        """
        return self._call(method, api, params, idempotent=idempotent, classify=classify)

    def _call(
        self,
        method: str,
        api: str,
        params: dict[str, str] | None = None,
        *,
        form: dict[str, str] | None = None,
        idempotent: bool = True,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        """One signed call; an expired token is refreshed (and saved) and the call retried once."""
        token = self._current().access_token
        try:
            return self._once(
                method,
                api,
                params,
                form=form,
                idempotent=idempotent,
                token=token,
                classify=classify,
            )
        except TokenExpiredError:
            token = self._renew(token).access_token
        try:
            return self._once(
                method,
                api,
                params,
                form=form,
                idempotent=idempotent,
                token=token,
                classify=classify,
            )
        except TokenExpiredError as exc:
            raise ChannelAuthError(
                f"{self.label}: access token rejected even after a refresh — {DOCTOR}"
            ) from exc

    def _once(
        self,
        method: str,
        api: str,
        params: dict[str, str] | None,
        *,
        form: dict[str, str] | None,
        idempotent: bool,
        token: str,
        classify: Classifier | None,
    ) -> dict[str, Any]:
        result: dict[str, Any] = self._api.call(
            method,
            api,
            params=params,
            form=form,
            sign=self._signer(token),
            classify=classify or classifier(self.label, api),
            idempotent=idempotent,
        )
        return result

    def _data(self, api: str, payload: dict[str, Any]) -> dict[str, Any]:
        data = payload.get("data")
        if not isinstance(data, dict):
            raise ChannelError(f"{self.label}: {api} answered without data", transient=False)
        refusal = business_error(data)
        if refusal:
            raise ChannelError(f"{self.label}: Lazada refused {api} ({refusal})", transient=False)
        return data

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _signer(self, access_token: str) -> Signer:
        """Signs each attempt afresh: the system parameters plus every query and form parameter."""

        def sign(method: str, path: str, params: dict[str, str], body: bytes) -> Signed:
            system = {
                "app_key": self._app_key,
                "timestamp": str(self._now_ms()),
                "sign_method": signing.SIGN_METHOD,
            }
            if access_token:
                system["access_token"] = access_token
            form = dict(parse_qsl(body.decode(), keep_blank_values=True)) if body else {}
            everything = {**params, **form, **system}
            system["sign"] = signing.sign(self._app_secret, path, everything)
            return Signed(params=system)

        return sign

    def _current(self) -> Tokens:
        with self._token_lock:
            if self._tokens is None:
                self._tokens = self._keeper.load()
            return self._tokens

    def _renew(self, rejected: str) -> Tokens:
        """Tokens to retry with: another thread's fresh ones, or a refresh saved BEFORE use."""
        with self._token_lock:
            stored = self._keeper.load()
            if stored.access_token and stored.access_token != rejected:
                self._tokens = stored
                return stored
            if not stored.refresh_token:
                raise ChannelAuthError(
                    f"{self.label}: access token rejected and no refresh token is configured — "
                    f"authorise the app again, set access_token, then {DOCTOR}"
                )
            fresh = self._refresh(stored)
            try:
                self._keeper.save(fresh)
            except (DesktermError, OSError) as exc:
                raise ChannelAuthError(
                    f"{self.label}: refreshed the access token but could not save it ({exc}) — "
                    f"{DOCTOR}"
                ) from exc
            self._tokens = fresh
            return fresh

    def _refresh(self, stored: Tokens) -> Tokens:
        try:
            payload: dict[str, Any] = self._auth.call(
                "POST",
                REFRESH,
                form={"refresh_token": stored.refresh_token},
                sign=self._signer(""),
                classify=refresh_classifier(self.label, REFRESH),
            )
        except ChannelAuthError:
            raise
        except ChannelError as exc:
            # Busy, rate limited or unreachable: the next poll tries again.
            reason = str(exc).removeprefix(f"{self.label}: ")
            raise ChannelError(refresh_failed(self.label, reason)) from exc
        access = str(payload.get("access_token") or "")
        if not access:
            raise ChannelAuthError(refresh_failed(self.label, "no access_token in the answer"))
        seconds = as_int(payload.get("expires_in"), -1)
        expires_at = None
        if seconds >= 0:
            expires_at = from_ms(self._now_ms()) + timedelta(seconds=seconds)
        refresh = str(payload.get("refresh_token") or stored.refresh_token)
        return Tokens(access_token=access, refresh_token=refresh, expires_at=expires_at)


def _oldest_first(found: list[ChatMessage]) -> list[ChatMessage]:
    # Pages come newest first; reversing keeps Lazada's order among same-millisecond messages.
    return sorted(reversed(found), key=lambda item: item.sent_at)
