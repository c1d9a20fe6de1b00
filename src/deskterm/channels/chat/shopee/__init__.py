"""Shopee Open Platform v2 seller chat: the adapter, its signer and its envelope decoding."""

from deskterm.channels.chat.shopee.adapter import ShopeeAdapter

__all__ = ["ShopeeAdapter"]
