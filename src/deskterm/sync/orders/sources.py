"""The order adapter of a marketplace chat channel, built from the channel's own settings."""

from __future__ import annotations

from deskterm.channels.chat.lazada.adapter import LazadaAdapter
from deskterm.channels.chat.lazada.orders import LazadaOrders
from deskterm.channels.chat.shopee.adapter import ShopeeAdapter
from deskterm.channels.chat.shopee.orders import ShopeeOrders
from deskterm.channels.chat.tiktokshop.adapter import TikTokShopAdapter
from deskterm.channels.chat.tiktokshop.orders import TikTokShopOrders
from deskterm.domain.orders import MarketplaceOrders
from deskterm.store.engine import Store
from deskterm.sync.chat.adapters import ChatChannelConfig, make_chat_adapter


def make_order_source(
    store: Store, channel: ChatChannelConfig, channel_id: int, *, timeout: float = 20.0
) -> MarketplaceOrders:
    """A MarketplaceOrders for ``channel`` on an adapter of its own (closing one closes
    its adapter); SecretError (one line) when a secret cannot be read."""
    adapter = make_chat_adapter(store, channel, channel_id, timeout=timeout)
    if isinstance(adapter, TikTokShopAdapter):
        return TikTokShopOrders(adapter)
    if isinstance(adapter, ShopeeAdapter):
        return ShopeeOrders(adapter)
    if isinstance(adapter, LazadaAdapter):
        return LazadaOrders(adapter, channel.base_url)
    adapter.close()
    raise TypeError(f"{channel.name}: no order adapter for this channel type")
