"""Lazada Open Platform IM: request signing, envelope decoding and the chat adapter."""

from deskterm.channels.chat.lazada.adapter import AUTH_BASE_URL, LazadaAdapter

__all__ = ["AUTH_BASE_URL", "LazadaAdapter"]
