"""What ingest needs to know about the channel a message came from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChannelContext:
    """A channel row plus the threading options from its config."""

    id: int
    name: str
    type: str
    own_addresses: frozenset[str] = field(default_factory=frozenset)  # lower-cased
    noreply_addresses: frozenset[str] = field(default_factory=frozenset)  # form/no-reply
    gmail_grouping: bool = False
    store: str | None = None

    def is_own(self, handle: str) -> bool:
        """True when ``handle`` is one of the shop's own addresses on this channel."""
        handle = handle.lower()
        return handle in self.own_addresses or handle in self.noreply_addresses

    def is_noreply(self, handle: str) -> bool:
        """True for the shop's form / no-reply senders whose Reply-To is the customer."""
        handle = handle.lower()
        if handle in self.noreply_addresses:
            return True
        local = handle.partition("@")[0]
        return handle.endswith(tuple("@" + a.partition("@")[2] for a in self.own_addresses)) and (
            local.replace("-", "").replace("_", "") in {"noreply", "donotreply", "forms", "form"}
        )
