"""Marketplace chat channels (TikTok Shop/Tokopedia, Shopee, Lazada) over HTTP."""
