"""TikTok Shop Partner API chats (customer service 202309), which also serve Tokopedia shops."""

from deskterm.channels.chat.tiktokshop.adapter import TikTokShopAdapter

__all__ = ["TikTokShopAdapter"]
