"""Chat adapters built from the config: secrets resolved, tokens kept in the store."""

from __future__ import annotations

from deskterm.channels.chat.http import ATTEMPTS
from deskterm.channels.chat.lazada import LazadaAdapter
from deskterm.channels.chat.shopee import ShopeeAdapter
from deskterm.channels.chat.tiktokshop import TikTokShopAdapter
from deskterm.channels.chat.types import ChatAdapter, Tokens
from deskterm.config import ShopeeChannel, TikTokShopChannel
from deskterm.secrets import SecretRef, resolve_secret
from deskterm.store.engine import Store
from deskterm.sync.chat.kinds import CHAT_TYPES, ChatChannelConfig
from deskterm.sync.chat.tokens import StoreTokenKeeper

__all__ = ["CHAT_TYPES", "ChatChannelConfig", "make_chat_adapter"]


def _secret(channel: ChatChannelConfig, ref: SecretRef | None, key: str) -> str:
    if ref is None:
        return ""
    return resolve_secret(ref, what=f'channels "{channel.name}".{key}')


def _keeper(store: Store, channel: ChatChannelConfig, channel_id: int) -> StoreTokenKeeper:
    initial = Tokens(
        access_token=_secret(channel, channel.access_token, "access_token"),
        refresh_token=_secret(channel, channel.refresh_token, "refresh_token"),
    )
    return StoreTokenKeeper(
        store,
        channel_id,
        initial,
        access_ref=channel.access_token,
        refresh_ref=channel.refresh_token,
        label=channel.name,
    )


def make_chat_adapter(
    store: Store,
    channel: ChatChannelConfig,
    channel_id: int,
    *,
    timeout: float = 20.0,
    attempts: int = ATTEMPTS,
) -> ChatAdapter:
    """The adapter for ``channel``; SecretError (one line) when a secret cannot be read.

    ``doctor`` asks for one attempt and a short timeout: it reports, the next poll retries.
    """
    tokens = _keeper(store, channel, channel_id)
    if isinstance(channel, TikTokShopChannel):
        return TikTokShopAdapter(
            base_url=channel.base_url,
            app_key=channel.app_key,
            app_secret=_secret(channel, channel.app_secret, "app_secret"),
            shop_cipher=channel.shop_cipher,
            tokens=tokens,
            label=channel.name,
            auth_url=channel.auth_url,
            timeout=timeout,
            attempts=attempts,
        )
    if isinstance(channel, ShopeeChannel):
        return ShopeeAdapter(
            channel.base_url,
            partner_id=channel.partner_id,
            partner_key=_secret(channel, channel.partner_key, "partner_key"),
            shop_id=channel.shop_id,
            tokens=tokens,
            label=channel.name,
            timeout=timeout,
            attempts=attempts,
        )
    return LazadaAdapter(
        channel.base_url,
        channel.app_key,
        _secret(channel, channel.app_secret, "app_secret"),
        tokens,
        label=channel.name,
        auth_base_url=channel.auth_url,
        timeout=timeout,
        attempts=attempts,
    )
