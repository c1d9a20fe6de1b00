"""Run sync: one pass over every channel (``sync --once``) or the long-running daemon."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

from deskterm.automation.snooze import wake_snoozed
from deskterm.channels.chat.types import ChatAdapter
from deskterm.channels.email.imap import ImapMailbox
from deskterm.config import ChannelConfig, Config, EmailChannel, ShopifyStore
from deskterm.domain.errors import ChannelError, SecretError, StoreError
from deskterm.domain.revenue import AttributionRules
from deskterm.ingest.context import ChannelContext
from deskterm.secrets import resolve_secret
from deskterm.store.engine import Store
from deskterm.sync.channel_context import channel_context
from deskterm.sync.chat.fetch import sync_chat_channel
from deskterm.sync.chat.kinds import CHAT_TYPES, ChatChannelConfig
from deskterm.sync.chat.outbox import ChatOutboxSender
from deskterm.sync.email.fetch import sync_email_channel
from deskterm.sync.email.outbox import OutboxSender
from deskterm.sync.orders.card_links import link_card_orders
from deskterm.sync.orders.marketplace import refresh_marketplace_orders
from deskterm.sync.outbox_state import mark_blocked
from deskterm.sync.status import write_status
from deskterm.sync.summary import ChannelSummary

log = logging.getLogger(__name__)


# The platform clients are imported on first use: httpx and the marketplace and Shopify
# clients cost ~0.3 s of every `sync --once`, and a shop on email alone never needs them.
def make_chat_adapter(store: Store, channel: ChatChannelConfig, channel_id: int) -> ChatAdapter:
    """The chat channel's adapter (sync/chat/adapters.py)."""
    from deskterm.sync.chat.adapters import make_chat_adapter as make

    return make(store, channel, channel_id)


def refresh_store_orders(
    store: Store,
    shop: ShopifyStore,
    checked: MutableMapping[int, datetime],
    presale: AttributionRules | None = None,
) -> ChannelSummary:
    """One order pass of a Shopify store (sync/orders/shopify.py)."""
    from deskterm.sync.orders.shopify import refresh_store_orders as refresh

    return refresh(store, shop, checked, presale=presale)


Progress = Callable[[str, int, int], None]  # (channel/folder, done, total)
# Run after each pass over the store (the rules engine, handed in by the CLI and the TUI:
# sync may not import services). Returns how many replies it queued, so they go out now.
AfterPass = Callable[[Store], int]
RULES_TICK = 2.0  # seconds between after-pass runs in the daemon
IDLE_SLICE = 25.0  # seconds per IDLE wait: short enough for a prompt shutdown
OUTBOX_TICK = 2.0  # seconds between outbox checks in the daemon
ORDERS_TICK = 60.0  # seconds between order-cache passes (each refreshes only stale caches)
MAX_ERROR_DELAY = 900.0


def _password(channel: EmailChannel) -> str:
    return resolve_secret(channel.password, what=f'channels "{channel.name}".password')


def _context(store: Store, channel: ChannelConfig) -> ChannelContext:
    with store.write() as session:
        return channel_context(session, channel, data_dir=store.data_dir)


def _cannot_deliver(
    store: Store, channel_id: int, reason: str, summary: ChannelSummary | None = None
) -> None:
    """Delivery cannot start: say why on the channel's queued replies (and in ``summary``)."""
    if summary is not None:
        summary.problems.append(reason)
        summary.blocked = reason
    mark_blocked(store, reason, channel_id=channel_id)


def channel_id_for(store: Store, channel: ChannelConfig) -> int:
    """The store's row id for a configured channel (created on first use)."""
    return _context(store, channel).id


def _connect(channel: EmailChannel, password: str) -> ImapMailbox:
    mailbox = ImapMailbox(channel.imap, password)
    mailbox.connect()
    return mailbox


def sync_channel_once(
    store: Store, channel: ChannelConfig, *, progress: Progress | None = None
) -> ChannelSummary:
    """Fetch new mail and deliver due replies for one channel; never raises."""
    try:
        return _sync_channel_once(store, channel, progress=progress)
    except StoreError as exc:  # a full disk or damaged store: its own one line
        summary = ChannelSummary(channel=channel.name)
        summary.problems.append(str(exc))
        return summary
    except Exception as exc:  # a bug must not hide the other channels' results
        log.exception("%s: unexpected error in sync", channel.name)
        summary = ChannelSummary(channel=channel.name)
        summary.problems.append(f"unexpected error: {exc.__class__.__name__}: {exc}")
        return summary


def _sync_channel_once(
    store: Store, channel: ChannelConfig, *, progress: Progress | None = None
) -> ChannelSummary:
    summary = ChannelSummary(channel=channel.name)
    if isinstance(channel, CHAT_TYPES):
        _sync_chat_once(store, channel, summary)
        return summary
    if not isinstance(channel, EmailChannel):
        summary.skipped = f"{channel.type} sync is not yet available"
        return summary
    context = _context(store, channel)
    try:
        password = _password(channel)
    except SecretError as exc:
        _cannot_deliver(store, context.id, str(exc), summary)
        return summary

    def folder_progress(done: int, total: int) -> None:
        if progress:
            progress(channel.name, done, total)

    try:
        with _connect(channel, password) as mailbox:
            sync_email_channel(store, channel, context, mailbox, summary, progress=folder_progress)
    except ChannelError as exc:
        summary.problems.append(str(exc))
    outbox = deliver_outbox(store, channel, password=password, context=context)
    summary.sent += outbox.sent
    summary.send_failed += outbox.send_failed
    summary.problems += outbox.problems
    return summary


def _sync_chat_once(store: Store, channel: ChatChannelConfig, summary: ChannelSummary) -> None:
    """One poll of a chat channel, then its due replies; failures become problems."""
    context = _context(store, channel)
    try:
        adapter = make_chat_adapter(store, channel, context.id)
    except SecretError as exc:
        _cannot_deliver(store, context.id, str(exc), summary)
        return
    sender = ChatOutboxSender(store, context.id, adapter)
    try:
        try:
            sender.settle(summary)  # before the poll: see ChatOutboxSender.settle
            sync_chat_channel(store, context, adapter, summary, mark_read=channel.mark_read)
        except ChannelError as exc:
            summary.problems.append(str(exc))
        try:
            sender.run(summary, recover=False)
        except ChannelError as exc:
            summary.problems.append(str(exc))
    finally:
        adapter.close()


def deliver_any(store: Store, channel: ChannelConfig) -> ChannelSummary:
    """Deliver one channel's due replies now, whatever its kind."""
    if isinstance(channel, EmailChannel):
        return deliver_outbox(store, channel)
    summary = ChannelSummary(channel=channel.name)
    if not isinstance(channel, CHAT_TYPES):
        return summary
    context = _context(store, channel)
    try:
        adapter = make_chat_adapter(store, channel, context.id)
    except SecretError as exc:
        _cannot_deliver(store, context.id, str(exc), summary)
        return summary
    try:
        ChatOutboxSender(store, context.id, adapter).run(summary)
    except ChannelError as exc:
        summary.problems.append(str(exc))
    finally:
        adapter.close()
    return summary


def deliver_outbox(
    store: Store,
    channel: EmailChannel,
    *,
    password: str | None = None,
    context: ChannelContext | None = None,
) -> ChannelSummary:
    """Deliver one channel's due replies now (``deskterm reply`` when no sync is running)."""
    summary = ChannelSummary(channel=channel.name)
    context = context or _context(store, channel)
    if password is None:
        try:
            password = _password(channel)
        except SecretError as exc:
            _cannot_deliver(store, context.id, str(exc), summary)
            return summary
    sender = OutboxSender(store, channel, context.id, password, lambda: _connect(channel, password))
    try:
        sender.run(summary)
    except ChannelError as exc:
        summary.problems.append(str(exc))
    finally:
        sender.close()
    return summary


def deliver_unless_synced(store: Store, channel: ChannelConfig) -> ChannelSummary | None:
    """Deliver due replies now, or None when another process syncs this store (it will)."""
    from deskterm.sync.lock import SyncLock, SyncLockedError

    try:
        with SyncLock(store.data_dir):
            return deliver_any(store, channel)
    except SyncLockedError:
        return None


def run_once(
    config: Config,
    store: Store,
    *,
    only: str | None = None,
    progress: Progress | None = None,
    after_pass: AfterPass | None = None,
) -> list[ChannelSummary]:
    """One full pass over the configured channels (or just ``only``); then ``after_pass``
    (the rules), and the replies it queued are delivered before the pass ends."""
    channels: Sequence[ChannelConfig] = [config.channel(only)] if only else config.channels
    summaries = [sync_channel_once(store, channel, progress=progress) for channel in channels]
    if only is None:
        # Orders after messages: the customers with open tickets are known by now.
        for shop in config.stores:
            done = _guarded(
                shop.name, refresh_store_orders, store, shop, {}, config.revenue.rules()
            )
            if done is not None:
                summaries.append(done)
    for channel in channels:
        if isinstance(channel, CHAT_TYPES):
            summary = _guarded(channel.name, _marketplace_orders, store, channel)
            if summary is not None:
                summaries.append(summary)
            # Then the orders the chat's order cards name that are still not cached.
            summary = _guarded(channel.name, _card_orders, store, channel)
            if summary is not None:
                summaries.append(summary)
    try:
        wake_snoozed(store, actor="sync:snooze")
    except Exception as exc:  # the channels' results must still be printed
        summary = ChannelSummary(channel="snoozes", note="not woken")
        summary.problems.append(_failure_text("snoozes", exc))
        summaries.append(summary)
    if after_pass is not None:
        _after_pass(store, channels, summaries, after_pass)
    return summaries


def _after_pass(
    store: Store,
    channels: Sequence[ChannelConfig],
    summaries: list[ChannelSummary],
    after_pass: AfterPass,
) -> None:
    """Run ``after_pass``; deliver what it queued, counted in the channels' summaries."""
    try:
        queued = after_pass(store)
    except Exception as exc:  # the channels' results must still be printed
        summary = ChannelSummary(channel="rules", note="failed")
        summary.problems.append(_failure_text("rules", exc))
        summaries.append(summary)
        return
    if not queued:
        return
    by_name = {summary.channel: summary for summary in summaries}
    for channel in channels:
        delivered = deliver_any(store, channel)
        shown = by_name.get(channel.name)
        if shown is not None:
            shown.sent += delivered.sent
            shown.send_failed += delivered.send_failed
            shown.problems += delivered.problems


def _marketplace_orders(store: Store, channel: ChatChannelConfig) -> ChannelSummary | None:
    """The channel's order pass when due (orders_refresh_minutes), else None."""
    return refresh_marketplace_orders(store, channel, channel_id_for(store, channel))


def _card_orders(store: Store, channel: ChatChannelConfig) -> ChannelSummary | None:
    """The orders the channel's order cards name, fetched when not cached; else None."""
    return link_card_orders(store, channel, channel_id_for(store, channel))


def _failure_text(what: str, exc: Exception) -> str:
    """A failed step in one line; a store fault (full disk, damage) is no bug and gets
    no traceback, anything unexpected is logged with one."""
    if isinstance(exc, StoreError):
        return str(exc)
    log.exception("%s: unexpected error", what)
    return f"{exc.__class__.__name__}: {exc}"


def _guarded(
    name: str, step: Callable[..., ChannelSummary | None], *args: Any
) -> ChannelSummary | None:
    """Run one non-channel step of a pass; a failure becomes its summary's problem."""
    try:
        return step(*args)
    except Exception as exc:  # one line in the summary, never a traceback
        summary = ChannelSummary(channel=name, note="failed")
        summary.problems.append(_failure_text(name, exc))
        return summary


class Daemon:
    """Per channel: a fetch loop (IDLE where offered, else polling) and an outbox loop."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        only: str | None = None,
        after_pass: AfterPass | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.only = only
        self.after_pass = after_pass
        self.channels = [config.channel(only)] if only else list(config.channels)
        self.stop = threading.Event()
        self.status: dict[str, str] = {}  # channel -> last plain-words state
        self._shown: dict[str, dict[str, Any]] = {}  # what sync-status.json says per channel

    def run(self) -> None:
        """Run until ``stop`` is set (SIGTERM/SIGINT in the CLI)."""
        threads = [threading.Thread(target=self._snoozes, name="snoozes", daemon=True)]
        if self.after_pass is not None:
            threads.append(threading.Thread(target=self._rules_loop, name="rules", daemon=True))
        if self.only is None:
            threads += [
                threading.Thread(
                    target=self._orders_loop, args=(shop,), name=f"orders {shop.name}", daemon=True
                )
                for shop in self.config.stores
            ]
        for channel in self.channels:
            if isinstance(channel, EmailChannel):
                threads.append(
                    threading.Thread(
                        target=self._fetch_loop,
                        args=(channel,),
                        name=f"fetch {channel.name}",
                        daemon=True,
                    )
                )
                threads.append(
                    threading.Thread(
                        target=self._outbox_loop,
                        args=(channel,),
                        name=f"outbox {channel.name}",
                        daemon=True,
                    )
                )
            elif isinstance(channel, CHAT_TYPES):
                threads.append(
                    threading.Thread(
                        target=self._chat_loop,
                        args=(channel,),
                        name=f"chat {channel.name}",
                        daemon=True,
                    )
                )
            else:
                self._report(
                    channel.name,
                    f"{channel.type} sync is not yet available",
                    error=f"{channel.type} sync is not yet available",
                )
        for thread in threads:
            thread.start()
        self.stop.wait()
        # One deadline for all: joined one by one with a timeout each, a few threads in
        # long steps added up to minutes after SIGTERM. Threads still working at the
        # deadline are daemon threads: each step is its own transaction, and the kill
        # tests show an interrupted pass converges on the next start.
        deadline = time.monotonic() + IDLE_SLICE + 5
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        busy = [thread.name for thread in threads if thread.is_alive()]
        if busy:
            log.warning("stopping with %d step(s) unfinished: %s", len(busy), ", ".join(busy))

    def _report_failure(self, channel: str, exc: Exception) -> None:
        """A failed pass: the channel's own error in its words, anything else with its type
        (and a traceback in the log, since it is a bug)."""
        if isinstance(exc, ChannelError | SecretError | StoreError):
            self._report(channel, f"error: {exc}", error=str(exc))
            return
        log.exception("%s: unexpected error in sync", channel)
        detail = f"{exc.__class__.__name__}: {exc}"
        self._report(channel, f"error: {detail}", error=detail)

    def _report(self, channel: str, state: str, *, error: str = "") -> None:
        if self.status.get(channel) != state:
            self.status[channel] = state
            log.info("%s: %s", channel, state)
        # Every pass refreshes the time, so a TUI can show "synced 2m ago".
        now = datetime.now(UTC).isoformat()
        self._shown[channel] = {"ok": not error, "error": error, "at": now}
        try:
            write_status(self.store.data_dir, dict(self._shown))
        except OSError as exc:  # a full disk must not stop the sync itself
            log.warning("cannot write sync status: %s", exc)

    def _fetch_loop(self, channel: EmailChannel) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                password = _password(channel)
                context = _context(self.store, channel)
                with _connect(channel, password) as mailbox:
                    failures = 0
                    while not self.stop.is_set():
                        summary = ChannelSummary(channel=channel.name)
                        sync_email_channel(self.store, channel, context, mailbox, summary)
                        self._report(
                            channel.name, summary.line(), error="; ".join(summary.problems)
                        )
                        if summary.problems:
                            raise ChannelError("; ".join(summary.problems))
                        self._wait_for_mail(channel, mailbox)
            except Exception as exc:  # no exception may end a sync loop
                failures += 1
                self._report_failure(channel.name, exc)
            if failures:
                self.stop.wait(_error_delay(failures))

    def _chat_loop(self, channel: ChatChannelConfig) -> None:
        """Poll every ``poll_seconds``; deliver replies every few seconds in between.

        One adapter lives as long as the loop: it holds what must survive a failed pass
        (e.g. a rotated token whose save failed, retried on its next call).
        """
        failures = 0
        adapter: ChatAdapter | None = None
        sender: ChatOutboxSender | None = None
        next_poll = 0.0
        try:
            while not self.stop.is_set():
                try:
                    context = _context(self.store, channel)
                    if adapter is None or sender is None:
                        try:
                            adapter = make_chat_adapter(self.store, channel, context.id)
                        except SecretError as exc:
                            _cannot_deliver(self.store, context.id, str(exc))
                            raise
                        sender = ChatOutboxSender(self.store, context.id, adapter)
                        sender.recover()
                    if time.monotonic() >= next_poll:
                        summary = ChannelSummary(channel=channel.name)
                        sender.settle(summary, recover=False)
                        sync_chat_channel(
                            self.store, context, adapter, summary, mark_read=channel.mark_read
                        )
                        self._report(
                            channel.name, summary.line(), error="; ".join(summary.problems)
                        )
                        self._chat_orders(channel, context.id)
                        failures = 0
                        next_poll = time.monotonic() + channel.poll_seconds
                    outbox = ChannelSummary(channel=channel.name)
                    sender.run(outbox, recover=False)
                    for problem in outbox.problems:
                        log.warning("%s: %s", channel.name, problem)
                    self.stop.wait(OUTBOX_TICK)
                    continue
                except Exception as exc:  # no exception may end a sync loop
                    failures += 1
                    self._report_failure(channel.name, exc)
                next_poll = 0.0  # after the pause, poll again at once
                self.stop.wait(_error_delay(failures))
        finally:
            if adapter is not None:
                adapter.close()

    def _chat_orders(self, channel: ChatChannelConfig, channel_id: int) -> None:
        """The channel's order pass when due, then the orders its order cards name; a
        failure is logged, never raised (the chat itself synced)."""
        for step in (refresh_marketplace_orders, link_card_orders):
            try:
                done = step(self.store, channel, channel_id)
            except Exception as exc:  # no exception may end a sync loop
                log.warning("%s: %s", channel.name, _failure_text(f"{channel.name}: orders", exc))
                continue
            for problem in done.problems if done is not None else ():
                log.warning("%s: orders: %s", channel.name, problem)

    def _wait_for_mail(self, channel: EmailChannel, mailbox: ImapMailbox) -> None:
        """Block until new mail may be there: IDLE slices, or the poll interval."""
        waited = 0.0
        while not self.stop.is_set() and waited < channel.poll_seconds:
            if mailbox.supports("IDLE"):
                if mailbox.idle_wait(
                    channel.imap.folders[0], min(IDLE_SLICE, channel.poll_seconds)
                ):
                    return
                waited += IDLE_SLICE
            else:
                self.stop.wait(channel.poll_seconds)
                return

    def _outbox_loop(self, channel: EmailChannel) -> None:
        sender: OutboxSender | None = None
        while not self.stop.is_set():
            try:
                if sender is None:
                    sender = self._outbox_sender(channel)
                    sender.recover()
                summary = ChannelSummary(channel=channel.name)
                sender.run(summary, recover=False)
                for problem in summary.problems:
                    log.warning("%s: %s", channel.name, problem)
            except Exception as exc:  # no exception may end a sync loop
                log.warning("%s: outbox: %s", channel.name, exc)
                if sender is not None:
                    sender.close()
                sender = None  # resolve the secret and reconnect on the next tick
            self.stop.wait(OUTBOX_TICK)
        if sender is not None:
            sender.close()

    def _outbox_sender(self, channel: EmailChannel) -> OutboxSender:
        context = _context(self.store, channel)
        try:
            password = _password(channel)
        except SecretError as exc:
            _cannot_deliver(self.store, context.id, str(exc))
            raise
        return OutboxSender(
            self.store, channel, context.id, password, lambda: _connect(channel, password)
        )

    def _orders_loop(self, shop: ShopifyStore) -> None:
        """Keep the order caches of customers with open tickets fresh (one pass a minute)."""
        checked: dict[int, datetime] = {}
        while not self.stop.is_set():
            try:
                summary = refresh_store_orders(
                    self.store, shop, checked, self.config.revenue.rules()
                )
                self._report(shop.name, summary.line(), error="; ".join(summary.problems))
            except Exception as exc:  # no exception may end a sync loop
                detail = _failure_text(f"{shop.name}: refreshing orders", exc)
                self._report(shop.name, f"error: {exc}", error=detail)
            self.stop.wait(ORDERS_TICK)

    def _rules_loop(self) -> None:
        """Run the rules every few seconds on whatever was logged since (ingest here, the
        TUI's and the CLI's changes from any process); the outbox loops send the replies."""
        assert self.after_pass is not None
        while not self.stop.is_set():
            try:
                self.after_pass(self.store)
            except Exception as exc:  # no exception may end a sync loop
                log.warning("rules: %s", _failure_text("rules", exc))
            self.stop.wait(RULES_TICK)

    def _snoozes(self) -> None:
        while not self.stop.wait(30):
            try:
                wake_snoozed(self.store, actor="sync:snooze")
            except Exception as exc:  # no exception may end a sync loop
                log.warning("snoozes: %s", exc)


def _error_delay(failures: int) -> float:
    """Exponential back-off with jitter after consecutive failures, capped."""
    base: float = min(MAX_ERROR_DELAY, 5.0 * 2 ** min(failures - 1, 10))
    return base * random.uniform(0.5, 1.0)  # noqa: S311  (jitter, not security)
