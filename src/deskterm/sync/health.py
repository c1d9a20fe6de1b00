"""``doctor``'s checks that talk to servers, through the same code the sync uses.

IMAP: LOGIN and EXAMINE of every configured folder and the Sent folder (ImapMailbox, as
sync). SMTP: EHLO, STARTTLS or TLS, AUTH, QUIT, no mail sent (as delivery). Marketplaces
and shops: one signed read. Each check makes ONE attempt with a short timeout: a doctor
reports what is wrong now, where sync would retry with back-off (the next poll tries
again anyway).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from deskterm.channels.email.imap import ImapMailbox
from deskterm.channels.email.smtp import check_login
from deskterm.config import EmailChannel, ShopifyStore
from deskterm.domain.errors import ChannelError, DesktermError
from deskterm.domain.health import CheckResult, fail, ok, warn

if TYPE_CHECKING:
    from deskterm.store.engine import Store
    from deskterm.sync.chat.adapters import ChatChannelConfig

CHECK_TIMEOUT = 10.0
"""Seconds one network operation of a check may take (sync allows 20-30)."""


def check_imap(
    channel: EmailChannel, password: str, *, timeout: float = CHECK_TIMEOUT
) -> list[CheckResult]:
    """Log in and open every folder sync reads (read-only), and the Sent folder."""
    what = f"{channel.name}: imap"
    imap = channel.imap
    mailbox = ImapMailbox(imap, password, timeout=timeout)
    opened: list[str] = []
    extra: list[CheckResult] = []
    try:
        mailbox.connect()
        for folder in imap.folders:
            opened.append(f"{folder} ({mailbox.status(folder).exists} messages)")
        if channel.sent_copy != "none":
            # Replies are filed there and looked up there before any resend.
            sent = mailbox.sent_folder()
            if sent is None:
                extra.append(
                    warn(
                        f"{channel.name}: sent folder",
                        "none found; set imap.sent_folder to keep copies of replies",
                    )
                )
            elif sent not in imap.folders:
                mailbox.status(sent)
                opened.append(sent)
    except ChannelError as exc:
        return [fail(what, str(exc))]
    finally:
        mailbox.close()
    detail = f"logged in to {mailbox.label} as {imap.username}; opened {', '.join(opened)}"
    return [ok(what, detail), *extra]


def check_smtp(
    channel: EmailChannel, password: str, *, timeout: float = CHECK_TIMEOUT
) -> CheckResult:
    """Connect, secure and log in as delivery does; no mail is sent."""
    result = check_login(channel.smtp, password, timeout=timeout)
    return (ok if result.ok else fail)(f"{channel.name}: smtp", result.detail)


def check_chat(
    store: Store, channel: ChatChannelConfig, *, timeout: float = CHECK_TIMEOUT
) -> CheckResult:
    """One signed conversation listing (an expired token is refreshed the normal way)."""
    # Imported here: the HTTP stack costs a second on a small server, and an email-only
    # config never needs it.
    from deskterm.sync.channel_context import channel_context
    from deskterm.sync.chat.adapters import make_chat_adapter

    what = f"{channel.name}: api"
    try:
        with store.write() as session:
            channel_id = channel_context(session, channel).id
        adapter = make_chat_adapter(store, channel, channel_id, timeout=timeout, attempts=1)
        try:
            adapter.conversations_since(datetime.now(UTC))
        finally:
            adapter.close()
    except DesktermError as exc:
        return fail(what, str(exc))
    return ok(what, "signed request accepted")


def check_shop(shop: ShopifyStore, *, timeout: float = CHECK_TIMEOUT) -> CheckResult:
    """Ask the shop for its name: proves URL, API version and token."""
    from deskterm.sync.orders.shopify import shopify_client  # see check_chat

    what = f"{shop.name}: shopify"
    try:
        with shopify_client(shop, timeout=timeout, attempts=1) as client:
            name = client.shop_name()
    except DesktermError as exc:
        return fail(what, str(exc))
    return ok(what, f"shop {name!r} answers")
