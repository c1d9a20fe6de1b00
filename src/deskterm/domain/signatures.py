"""Reply signatures: which templates apply (the agent's ``[user] signature`` above the
channel's ``signature``) and where the rendered text goes under a reply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EMAIL_SEPARATOR = "\n\n-- \n"  # RFC 3676: mail clients fold or dim what follows
CHAT_SEPARATOR = "\n\n"  # a chat bubble has no signature convention: a blank line


@dataclass(frozen=True)
class Signatures:
    """The signature templates of the config: the agent's and each channel's."""

    agent: str = ""
    channels: Mapping[str, str] = field(default_factory=dict)

    def template(self, channel: str, *, agent: bool = True) -> str:
        """The agent's signature (unless ``agent`` is False: a rule's reply) above the
        channel's; "" when neither is set."""
        parts = [self.agent if agent else "", self.channels.get(channel, "")]
        return "\n".join(part.strip("\n") for part in parts if part.strip())


def signed(body: str, signature: str, channel_type: str) -> str:
    """``body`` with ``signature`` under it (after ``-- `` in email); unchanged when there is
    no signature or the text already ends with it (a macro or the agent put it there)."""
    if not signature.strip() or body.rstrip().endswith(signature.strip()):
        return body
    separator = EMAIL_SEPARATOR if channel_type == "email" else CHAT_SEPARATOR
    return body.rstrip("\n") + separator + signature
