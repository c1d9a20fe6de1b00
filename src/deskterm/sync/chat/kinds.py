"""Which configured channels are marketplace chats (config types only: no HTTP client)."""

from __future__ import annotations

from deskterm.config import LazadaChannel, ShopeeChannel, TikTokShopChannel

ChatChannelConfig = TikTokShopChannel | ShopeeChannel | LazadaChannel
CHAT_TYPES = (TikTokShopChannel, ShopeeChannel, LazadaChannel)
