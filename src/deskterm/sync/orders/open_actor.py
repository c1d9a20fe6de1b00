"""The order actor of a Shopify store or a marketplace chat channel, named as a REF names it."""

from __future__ import annotations

from deskterm.commerce.shopify_actions import ShopifyOrderActions
from deskterm.config import Config
from deskterm.domain.errors import UsageError
from deskterm.store.engine import Store
from deskterm.sync.chat.kinds import CHAT_TYPES
from deskterm.sync.orders.actors import MarketplaceActor, ShopifyActor
from deskterm.sync.orders.shopify import shopify_client
from deskterm.sync.orders.sources import make_order_source
from deskterm.sync.runner import channel_id_for

PlatformActor = ShopifyActor | MarketplaceActor


def open_actor(store: Store, config: Config, name: str) -> PlatformActor:
    """The actor for ``name`` (a ``[[stores]]`` or a marketplace channel's name); close it
    when done. UsageError names what the config has; SecretError when a key is unreadable."""
    for shop in config.stores:
        if shop.name == name:
            return ShopifyActor(ShopifyOrderActions(shopify_client(shop)), name)
    channel = config.find_channel(name)
    if isinstance(channel, CHAT_TYPES):
        source = make_order_source(store, channel, channel_id_for(store, channel))
        return MarketplaceActor(source, name)
    known = [s.name for s in config.stores] + [
        c.name for c in config.channels if isinstance(c, CHAT_TYPES)
    ]
    have = (
        f"it has: {', '.join(known)}" if known else "it has no Shopify store or marketplace channel"
    )
    raise UsageError(
        f"{name!r} is not a Shopify store or a marketplace channel in the config ({have})"
    )
