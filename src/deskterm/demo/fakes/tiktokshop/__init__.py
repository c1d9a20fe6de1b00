"""A local TikTok Shop Partner API (customer service 202309) that behaves as its docs say."""

from deskterm.demo.fakes.tiktokshop.server import TikTokShopFake

__all__ = ["TikTokShopFake"]
