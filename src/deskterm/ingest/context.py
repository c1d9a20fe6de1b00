"""What ingest needs to know about the channel a message came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deskterm.automation.classify.labeller import Labeller

# Local parts of a shop's own form / no-reply senders (compared without "-", "_" and "."):
# a website's contact form mails the shop from one of these with the visitor in Reply-To
# (WordPress's Contact Form 7 sends as wordpress@ by default).
FORM_LOCAL_PARTS = frozenset(
    {
        "noreply",
        "donotreply",
        "dontreply",
        "form",
        "forms",
        "webform",
        "contactform",
        "formsubmission",
        "mailer",
        "wordpress",
    }
)
# Hosted forms that mail from the platform's address with the customer in Reply-To:
# Shopify's contact form, Squarespace's form blocks, Jotform.
PLATFORM_FORM_SENDERS = frozenset(
    {
        "mailer@shopify.com",
        "form-submission@squarespace.info",
        "noreply@jotform.com",
    }
)


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
    # Labels new messages (language, intent, sentiments) before they are stored; None: off.
    labeller: Labeller | None = field(default=None, compare=False, repr=False)

    def is_own(self, handle: str) -> bool:
        """True when ``handle`` is one of the shop's own addresses on this channel."""
        handle = handle.lower()
        return handle in self.own_addresses or handle in self.noreply_addresses

    def on_own_domain(self, handle: str) -> bool:
        """True for any address on the domain (or a subdomain) of the shop's own addresses."""
        domain = handle.lower().rpartition("@")[2]
        if not domain:
            return False
        owned = {a.rpartition("@")[2] for a in self.own_addresses} - {""}
        return any(domain == d or domain.endswith("." + d) for d in owned)

    def is_noreply(self, handle: str) -> bool:
        """True for a form / no-reply sender whose Reply-To is the customer.

        The configured ``noreply_addresses``, form-like local parts (forms@, no-reply@,
        wordpress@, …) on the shop's own domain, and the known hosted-form mailers.
        """
        handle = handle.lower()
        if handle in self.noreply_addresses or handle in PLATFORM_FORM_SENDERS:
            return True
        local = handle.rpartition("@")[0]
        bare = local.replace("-", "").replace("_", "").replace(".", "")
        return bare in FORM_LOCAL_PARTS and self.on_own_domain(handle)

    def is_shop_side(self, handle: str) -> bool:
        """Own addresses and form senders: never a customer of their own."""
        return self.is_own(handle) or self.is_noreply(handle)
