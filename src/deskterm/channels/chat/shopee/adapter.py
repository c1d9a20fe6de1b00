"""Shopee seller chat (Open Platform v2): listing, messages, sending, and token rotation."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from deskterm.channels.chat.http import ATTEMPTS, Classifier, JsonApi, Signed, Signer
from deskterm.channels.chat.shopee import mapping
from deskterm.channels.chat.shopee.envelope import DOCTOR, refresh_classifier, shop_classifier
from deskterm.channels.chat.shopee.sign import public_signature, shop_signature
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

LIST_PATH = "/api/v2/sellerchat/get_conversation_list"
ONE_PATH = "/api/v2/sellerchat/get_one_conversation"
MESSAGES_PATH = "/api/v2/sellerchat/get_message"
SEND_PATH = "/api/v2/sellerchat/send_message"
READ_PATH = "/api/v2/sellerchat/read_conversation"
REFRESH_PATH = "/api/v2/auth/access_token/get"
# 25 is the documented default; production has been seen to answer an EMPTY page when a
# larger conversation page is asked for, so we never ask for more.
PAGE_SIZE = 25
REFRESH_MARGIN = timedelta(seconds=60)  # refresh a token known to expire this soon first


class ShopeeAdapter:
    """A ChatAdapter for one Shopee shop; every failure is a one-line ChannelError."""

    channel_type = "shopee"

    def __init__(
        self,
        base_url: str,
        *,
        partner_id: int,
        partner_key: str,
        shop_id: int,
        tokens: TokenKeeper,
        label: str,
        region: str = "",
        sleep: Sleep = time.sleep,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 20.0,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.label = label
        self._partner_id = partner_id
        self._partner_key = partner_key
        self._shop_id = shop_id
        self._keeper = tokens
        self._region = region  # fallback for product links when a message has no region
        self._clock = clock
        self._tokens: Tokens | None = None
        self._unsaved: Tokens | None = None  # rotated but not yet persisted: never used
        self._lock = threading.RLock()  # one refresh at a time: each one burns a refresh token
        self._latest: dict[str, str] = {}  # conversation id -> latest message id seen
        self._api = JsonApi(
            base_url,
            label=label,
            sleep=sleep,
            transport=transport,
            timeout=timeout,
            attempts=attempts,
        )
        self._classify = shop_classifier(label)

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (the idle-poll figure)."""
        return self._api.requests

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._api.close()

    # -- reading -------------------------------------------------------------------------

    def conversations_since(self, since: datetime | None) -> list[ChatConversation]:
        """Conversations with activity after ``since`` (all when None), newest first."""
        since = None if since is None else mapping.as_utc(since)
        found: list[ChatConversation] = []
        seen: set[str] = set()
        cursor = ""
        while True:
            params = {"direction": "older", "type": "all", "page_size": str(PAGE_SIZE)}
            if cursor:
                params["next_timestamp_nano"] = cursor
            data = self._shop_call("GET", LIST_PATH, params=params)
            items = [item for item in data.get("conversations") or [] if isinstance(item, dict)]
            for item in items:
                conversation = mapping.conversation(item)
                if since is not None and conversation.last_activity <= since:
                    return found  # newest first: everything below is older still
                if conversation.id and conversation.id not in seen:
                    seen.add(conversation.id)
                    found.append(conversation)
                    self._latest[conversation.id] = conversation.latest_message_id
            page = data.get("page_result") or {}
            if not page.get("more") or not items:
                return found
            nxt = mapping.as_id((page.get("next_cursor") or {}).get("next_message_time_nano"))
            if nxt in ("", "0", cursor):
                # Returning a partial list would let the caller advance its cursor past
                # conversations it never saw.
                raise ChannelError(
                    f"{self.label}: Shopee's conversation list stopped paging (cursor {nxt!r}); "
                    "will retry"
                )
            cursor = nxt

    def messages(self, conversation: ChatConversation, after: datetime | None) -> list[ChatMessage]:
        """Messages sent after ``after`` (all when None), oldest first.

        Shopee stamps messages to the second, so the comparison is made at that resolution
        and includes ``after``'s own second: a message sent in the same second as the cursor
        is never lost (ingest is idempotent on message ids, so a repeat is harmless).
        """
        cutoff = None if after is None else math.floor(mapping.as_utc(after).timestamp())
        collected: list[dict[str, Any]] = []
        offset = ""
        while True:
            page, offset = self._message_page(conversation.id, offset)
            older = False
            for raw in page:
                if cutoff is not None and mapping.as_int(raw.get("created_timestamp")) < cutoff:
                    older = True
                else:
                    collected.append(raw)
            if older or not offset or not page:
                break
        return self._readable(collected, conversation.buyer_name)

    def recent_messages(self, conversation_id: str, limit: int = 50) -> list[ChatMessage]:
        """The newest ``limit`` messages, oldest first."""
        collected: list[dict[str, Any]] = []
        offset = ""
        while len(collected) < limit:
            page, offset = self._message_page(conversation_id, offset)
            collected.extend(page)
            if not offset or not page:
                break
        return self._readable(self._newest_first(collected)[:limit], "")

    def _message_page(self, conversation_id: str, offset: str) -> tuple[list[dict[str, Any]], str]:
        params = {"conversation_id": conversation_id, "page_size": str(PAGE_SIZE)}
        if offset:
            params["offset"] = offset
        data = self._shop_call("GET", MESSAGES_PATH, params=params)
        page = [item for item in data.get("messages") or [] if isinstance(item, dict)]
        nxt = mapping.as_id((data.get("page_result") or {}).get("next_offset"))
        if offset and nxt == offset:
            raise ChannelError(
                f"{self.label}: Shopee's message list stopped paging (offset {nxt!r}); will retry"
            )
        return page, "" if nxt == "0" else nxt

    @staticmethod
    def _newest_first(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
        unique = {mapping.as_id(raw.get("message_id")): raw for raw in reversed(raws)}
        # sorted() is stable: within one second the platform's own newest-first order stays.
        return sorted(
            reversed(list(unique.values())),
            key=lambda raw: mapping.as_int(raw.get("created_timestamp")),
            reverse=True,
        )

    def _readable(self, raws: list[dict[str, Any]], buyer_name: str) -> list[ChatMessage]:
        oldest_first = list(reversed(self._newest_first(raws)))
        return [
            mapping.message(
                raw, shop_id=self._shop_id, buyer_name=buyer_name, default_region=self._region
            )
            for raw in oldest_first
        ]

    # -- writing -------------------------------------------------------------------------

    def send_text(self, conversation_id: str, buyer_id: str, text: str) -> str:
        """Send ``text`` to the buyer; returns Shopee's message id.

        Shopee addresses a message to the buyer's user id (``to_id``), not the conversation.
        """
        to_id = mapping.as_int(buyer_id, -1)
        if to_id <= 0:
            raise ChannelError(
                f"{self.label}: {buyer_id!r} is not a Shopee buyer id; cannot reply",
                transient=False,
            )
        if not text.strip():
            raise ChannelError(f"{self.label}: refusing to send an empty message", transient=False)
        body = {"to_id": to_id, "message_type": "text", "content": {"text": text}}
        data = self._shop_call("POST", SEND_PATH, body=body, idempotent=False)
        message_id = mapping.as_id(data.get("message_id"))
        if not message_id:
            raise AmbiguousSendError(
                f"{self.label}: Shopee accepted the send without a message id; "
                "checking the conversation before sending again"
            )
        return message_id

    def mark_read(self, conversation_id: str) -> None:
        """Mark the conversation read up to the newest message deskterm has seen."""
        latest = self._latest.get(conversation_id, "")
        if not latest:
            data = self._shop_call("GET", ONE_PATH, params={"conversation_id": conversation_id})
            latest = mapping.as_id(data.get("latest_message_id"))
        number = mapping.as_int(conversation_id, -1)
        if not latest or number < 0:
            return
        body = {"conversation_id": number, "last_read_message_id": latest}
        self._shop_call("POST", READ_PATH, body=body)

    # -- signing and tokens --------------------------------------------------------------

    def shop_call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        idempotent: bool = True,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        """One signed Shop API call with this shop's tokens (the order adapter shares it);
        ``classify`` replaces the chat envelope decoding when given."""
        return self._shop_call(
            method, path, params=params, body=body, idempotent=idempotent, classify=classify
        )

    def _shop_call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        idempotent: bool = True,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        tokens = self._usable_tokens()
        try:
            return self._signed_call(
                method,
                path,
                tokens,
                params=params,
                body=body,
                idempotent=idempotent,
                classify=classify,
            )
        except TokenExpiredError:
            # The gateway refused the token before doing anything, so even a send is safe
            # to repeat once with the new one.
            tokens = self._renew(tokens.access_token)
        try:
            return self._signed_call(
                method,
                path,
                tokens,
                params=params,
                body=body,
                idempotent=idempotent,
                classify=classify,
            )
        except TokenExpiredError as exc:
            raise ChannelAuthError(
                f"{self.label}: Shopee still refuses the access token after a refresh — {DOCTOR}"
            ) from exc

    def _signed_call(
        self,
        method: str,
        path: str,
        tokens: Tokens,
        *,
        params: dict[str, str] | None,
        body: Any,
        idempotent: bool,
        classify: Classifier | None = None,
    ) -> dict[str, Any]:
        result = self._api.call(
            method,
            path,
            params=params,
            body=body,
            sign=self._shop_signer(tokens.access_token),
            classify=classify or self._classify,
            idempotent=idempotent,
        )
        return result if isinstance(result, dict) else {}

    def _shop_signer(self, access_token: str) -> Signer:
        def sign(method: str, path: str, params: dict[str, str], raw: bytes) -> Signed:
            timestamp = int(self._clock())  # fresh for every attempt: valid for 5 minutes
            return Signed(
                params={
                    "partner_id": str(self._partner_id),
                    "timestamp": str(timestamp),
                    "access_token": access_token,
                    "shop_id": str(self._shop_id),
                    "sign": shop_signature(
                        self._partner_key,
                        self._partner_id,
                        path,
                        timestamp,
                        access_token=access_token,
                        shop_id=self._shop_id,
                    ),
                }
            )

        return sign

    def _public_sign(self, method: str, path: str, params: dict[str, str], raw: bytes) -> Signed:
        timestamp = int(self._clock())
        return Signed(
            params={
                "partner_id": str(self._partner_id),
                "timestamp": str(timestamp),
                "sign": public_signature(self._partner_key, self._partner_id, path, timestamp),
            }
        )

    def _usable_tokens(self) -> Tokens:
        with self._lock:
            if self._unsaved is not None:
                self._persist(self._unsaved)
            if self._tokens is None:
                self._tokens = self._load()
            tokens = self._tokens
            expires_at = tokens.expires_at
            now = datetime.fromtimestamp(self._clock(), UTC)
            if expires_at is not None and now >= expires_at - REFRESH_MARGIN:
                tokens = self._renew(tokens.access_token)
            return tokens

    def _renew(self, refused: str) -> Tokens:
        """Tokens to use instead of ``refused``: another process's rotation, or a refresh."""
        with self._lock:
            stored = self._load()
            if stored.access_token != refused:
                self._tokens = stored  # rotated elsewhere (or by another thread) meanwhile
                return stored
            return self._refresh(stored)

    def _refresh(self, current: Tokens) -> Tokens:
        if not current.refresh_token:
            raise ChannelAuthError(
                f"{self.label}: access token rejected and no refresh token is configured — {DOCTOR}"
            )
        body = {
            "refresh_token": current.refresh_token,
            "partner_id": self._partner_id,
            "shop_id": self._shop_id,
        }
        try:
            # Never blindly repeated: a refresh token works once, so a second try would
            # only hide why the first one failed.
            payload = self._api.call(
                "POST",
                REFRESH_PATH,
                body=body,
                sign=self._public_sign,
                classify=refresh_classifier(self.label),
                idempotent=False,
            )
        except AmbiguousSendError as exc:
            raise ChannelError(
                f"{self.label}: no answer to the access token refresh; will retry "
                f"(if this repeats, {DOCTOR})"
            ) from exc
        except TokenExpiredError as exc:
            raise ChannelAuthError(
                f"{self.label}: access token rejected and refresh failed — {DOCTOR}"
            ) from exc
        access = str(payload.get("access_token") or "")
        refresh = str(payload.get("refresh_token") or "")
        if not access or not refresh:
            raise ChannelAuthError(
                f"{self.label}: access token rejected and refresh returned no tokens — {DOCTOR}"
            )
        lifetime = mapping.as_int(payload.get("expire_in"), 0)
        now = datetime.fromtimestamp(self._clock(), UTC)
        fresh = Tokens(access, refresh, now + timedelta(seconds=lifetime) if lifetime else None)
        self._persist(fresh)
        return fresh

    def _persist(self, fresh: Tokens) -> None:
        """Save rotated tokens; only once saved do they become the ones in use."""
        try:
            self._keeper.save(fresh)
        except Exception as exc:  # any keeper (store, keyring): the tokens must not be lost
            self._unsaved = fresh
            raise ChannelError(
                f"{self.label}: Shopee issued new tokens but saving them failed ({exc}); "
                "kept in memory and saving again on the next call — fix the token store now"
            ) from exc
        self._unsaved = None
        self._tokens = fresh

    def _load(self) -> Tokens:
        try:
            return self._keeper.load()
        except Exception as exc:  # any keeper: report it as this channel's one-line error
            raise ChannelError(f"{self.label}: cannot read the Shopee tokens ({exc})") from exc
