"""The fake shop's conversations and messages, serialised with the documented field names."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

AVATAR = (
    "https://p16-oec-ttp.tiktokcdn-us.com/tos-useast5-i-omjb5zjo8w-tx/"
    "{}~tplv-omjb5zjo8w-origin-image.image?"
)


class Snowflakes:
    """Ids and indexes like the platform's: 19 digits, time in the high bits, so newer is larger.

    They exceed 2**53 on purpose: a client that parses them as floats loses digits.
    """

    def __init__(self) -> None:
        self._seq = itertools.count(1)

    def next(self, at: int) -> str:
        """A fresh id for something created at Unix time ``at``."""
        return str((at << 32) | (next(self._seq) & 0xFFFFFFFF))


@dataclass
class Person:
    """A conversation participant (buyer, shop, agent)."""

    im_user_id: str
    nickname: str
    role: str
    user_id: str = ""
    avatar: str = ""
    buyer_platform: str = ""  # TIKTOK_SHOP or TOKOPEDIA; only for Indonesian buyers

    def as_participant(self) -> dict[str, Any]:
        """An entry of ``conversations[].participants``."""
        body: dict[str, Any] = {
            "im_user_id": self.im_user_id,
            "avatar": self.avatar,
            "user_id": self.user_id,
            "role": self.role,
            "nickname": self.nickname,
        }
        if self.role == "BUYER" and self.buyer_platform:
            body["buyer_platform"] = self.buyer_platform
        return body


@dataclass
class Message:
    """One stored message; ``content`` is kept as the JSON string the API returns."""

    id: str
    index: str
    type: str
    content: str
    create_time: int
    sender: Person
    role: str  # SYSTEM and ROBOT messages carry the shop as sender but their own role
    is_visible: bool = True

    def as_json(self) -> dict[str, Any]:
        """An entry of ``data.messages`` / ``latest_message``."""
        return {
            "id": self.id,
            "type": self.type,
            "content": self.content,
            "create_time": self.create_time,
            "is_visible": self.is_visible,
            "sender": {
                "im_user_id": self.sender.im_user_id,
                "role": self.role,
                "nickname": self.sender.nickname,
                "avatar": self.sender.avatar,
            },
            "index": self.index,
        }

    def text(self) -> str:
        """The words of a TEXT-like message ("" for cards and media)."""
        try:
            decoded = json.loads(self.content)
        except ValueError:
            return ""
        value = decoded.get("content") if isinstance(decoded, dict) else None
        return value if isinstance(value, str) else ""


@dataclass
class Conversation:
    """A buyer's conversation with the shop."""

    id: str
    buyer: Person
    shop: Person
    create_time: int
    messages: list[Message] = field(default_factory=list)
    read_index: int = 0  # buyer messages with a larger index are unread
    can_send_message: bool = True
    agent_joined: bool = False

    def latest(self) -> Message | None:
        """The newest message by index (the platform's order)."""
        return max(self.messages, key=lambda m: int(m.index), default=None)

    def activity_key(self) -> int:
        """Sort key for "latest activity first" (its latest index, else its creation)."""
        latest = self.latest()
        return int(latest.index) if latest else self.create_time << 32

    def unread_count(self) -> int:
        """Buyer messages the shop has not read."""
        return sum(1 for m in self.messages if m.role == "BUYER" and int(m.index) > self.read_index)

    def as_json(self) -> dict[str, Any]:
        """An entry of ``data.conversations``."""
        latest = self.latest()
        body: dict[str, Any] = {
            "id": self.id,
            "participant_count": 3 if self.agent_joined else 2,
            "can_send_message": self.can_send_message,
            "unread_count": self.unread_count(),
            "create_time": self.create_time,
            "participants": [self.buyer.as_participant(), self.shop.as_participant()],
        }
        if latest is not None:
            body["latest_message"] = latest.as_json()
        return body
