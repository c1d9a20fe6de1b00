"""Marketplace chat polling on the local fakes: ingest, idle pass and a few new messages.

Issue 5 ("Performance"): three chat channels (TikTok Shop/Tokopedia, Shopee, Lazada), each
with 300 conversations x 20 messages on deskterm's own fakes (``deskterm.demo.fakes``,
served on loopback and seeded deterministically by ``serve_marketplaces``):

1. **Initial ingest**: the first ``deskterm sync --once`` into an empty store — wall time
   (in all and per channel) and requests per channel, checked afterwards: one ticket per
   conversation, every message stored (TikTok Shop hides ``is_visible=false`` messages, so
   its expected total is ``fake.visible_count()``).
2. **Idle pass**: a second ``sync --once`` with nothing new — requests per channel (target:
   exactly 1) and no new rows.
3. **New messages**: 10 buyer messages in 10 conversations spread over each channel's list
   (newest, oldest and evenly between), then ``sync --once`` — requests per channel (target:
   <= 1 + 10), and exactly those 10 platform message ids stored per channel, each with its
   text, in the ticket of its conversation.

The CLI runs in this process (``deskterm.cli.main``, as tests/sync/test_chat_sync.py does), so
the fakes' server threads stay up between passes; they share the interpreter (and its GIL)
with the sync, and their own work (signature checks, JSON) is inside the timed figures.
Per-channel times come from a timing wrapper around ``deskterm.sync.runner.
sync_channel_once`` installed by this script (the channels are synced one after another;
nothing in ``src/`` is changed). Seeding the fakes is not timed.

**Anchor of the last line.** Requests have absolute targets; throughput has none, so the
ratio compares the chat ingest with the email ingest path on **the same messages in the
same run**: after the passes, every message of the initial ingest is written as a
plain-text email (buyer or shop as sender, the platform message id as Message-ID, each
conversation threaded by In-Reply-To/References, arrival order) into an mbox and imported
into a fresh store with ``deskterm import mbox`` (in-process too, untimed mbox writing).
Same message count, same texts, same conversation shapes, same store code; what differs is
what each path does per message (HTTP pages, signing and JSON vs MIME parsing and
References threading). The last line is ``ratio marketplace/mbox ingest throughput: X.XX``
(>1: the chat ingest stores messages faster than ``import mbox`` does). The issue-2 mbox
figures in bench/README.md (mailgen mail, 4.6 KB/message) are not comparable: chat
messages are a line or two.

Usage: ``.venv/bin/python bench/marketplace_poll.py [--conversations 300] [--messages 20]
[--new 10] [--no-anchor] [--keep]``. Works in ``/tmp/deskterm-bench-market-*`` (removed at
exit unless ``--keep``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime
from io import StringIO
from pathlib import Path
from typing import Any

import benchlib

from deskterm.cli import main as deskterm_main
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces

CHANNELS = {  # channel name in serve_marketplaces' config -> label
    "tokopedia": "TikTok Shop",
    "shopee-id": "Shopee",
    "lazada-id": "Lazada",
}
IDLE_TARGET = 1  # requests per channel for an idle pass
SHOP_ADDRESS = benchlib.SHOP_ADDRESS


# -- running deskterm in-process -----------------------------------------------------------


def deskterm(*args: str) -> tuple[int, str, str]:
    """``deskterm ARGS`` in this process; (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = deskterm_main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@contextmanager
def channel_clock() -> Iterator[dict[str, float]]:
    """Seconds per channel (and per Shopify store) of the ``sync --once`` passes in this block.

    Wraps ``runner.sync_channel_once`` and ``runner.refresh_store_orders``, which
    ``run_once`` calls by name, one channel after another.
    """
    from deskterm.sync import runner

    spent: dict[str, float] = {}
    originals: dict[str, Callable[..., Any]] = {
        "sync_channel_once": runner.sync_channel_once,
        "refresh_store_orders": runner.refresh_store_orders,
    }

    def timing(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(store: Any, channel: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(store, channel, *args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                spent[channel.name] = spent.get(channel.name, 0.0) + elapsed

        return timed

    for name, original in originals.items():
        setattr(runner, name, timing(original))
    try:
        yield spent
    finally:
        for name, original in originals.items():
            setattr(runner, name, original)


@dataclass
class Pass:
    """One ``deskterm sync --once``: wall time, output, per-channel seconds and requests."""

    seconds: float
    output: str
    code: int
    channel_seconds: dict[str, float]
    requests: dict[str, int]
    calls: dict[str, Counter[str]]
    other_requests: int  # Shopify fake: not a chat channel, counted to show it stays quiet
    lines: list[str] = field(default_factory=list)


def fakes_of(markets: Marketplaces) -> dict[str, Any]:
    """Channel name -> its fake."""
    return {
        "tokopedia": markets.tiktokshop,
        "shopee-id": markets.shopee,
        "lazada-id": markets.lazada,
    }


def reset_logs(markets: Marketplaces) -> None:
    """Forget the requests seen so far, on every fake."""
    for fake in (*fakes_of(markets).values(), markets.shopify):
        fake.reset_log()


def sync_pass(config: Path, markets: Marketplaces) -> Pass:
    """Reset the request logs, run ``deskterm --config CONFIG sync --once``, collect."""
    reset_logs(markets)
    with channel_clock() as spent:
        started = time.perf_counter()
        code, out, err = deskterm("--config", str(config), "sync", "--once")
        seconds = time.perf_counter() - started
    fakes = fakes_of(markets)
    return Pass(
        seconds=seconds,
        output=out + err,
        code=code,
        channel_seconds=dict(spent),
        requests={name: len(fake.requests) for name, fake in fakes.items()},
        calls={name: Counter(fake.calls) for name, fake in fakes.items()},
        other_requests=len(markets.shopify.requests),
        lines=[line for line in (out + err).splitlines() if line.strip()],
    )


# -- the store -----------------------------------------------------------------------------


def connect(config: Path) -> sqlite3.Connection:
    """The store of ``config`` (read-only use)."""
    return sqlite3.connect(config.parent / "store" / "deskterm.db")


def per_channel(config: Path, sql: str) -> dict[str, int]:
    """A ``SELECT c.name, count`` grouped by channel, as a dict (missing channels: 0)."""
    with connect(config) as conn:
        found = dict(conn.execute(sql).fetchall())
    return {name: int(found.get(name, 0)) for name in CHANNELS}


def messages_per_channel(config: Path) -> dict[str, int]:
    """Messages stored per channel."""
    return per_channel(
        config,
        "SELECT c.name, count(*) FROM message m JOIN channel c ON c.id = m.channel_id"
        " GROUP BY c.name",
    )


def tickets_per_channel(config: Path) -> dict[str, int]:
    """Tickets per channel."""
    return per_channel(
        config,
        "SELECT c.name, count(*) FROM ticket t JOIN channel c ON c.id = t.channel_id"
        " GROUP BY c.name",
    )


def last_message_id(config: Path) -> int:
    """The highest message row id (0 in an empty store)."""
    with connect(config) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM message").fetchone()[0])


def expected_messages(name: str, fake: Any) -> int:
    """What a complete ingest of ``fake`` stores: every message the API delivers."""
    with fake.lock:
        if name == "tokopedia":
            return int(fake.visible_count())  # is_visible=false messages are never delivered
        if name == "shopee-id":
            return sum(len(c.messages) for c in fake.conversations.values())
        return sum(len(s.messages) for s in fake.sessions.values())


def store_bytes(config: Path) -> int:
    """Allocated bytes of the store directory (db, WAL, attachments)."""
    return benchlib.tree_size(config.parent / "store")


# -- new buyer messages --------------------------------------------------------------------


def spread(ids: list[str], count: int) -> list[str]:
    """``count`` ids evenly over ``ids`` (the newest, the oldest and between)."""
    if count >= len(ids):
        return list(ids)
    if count == 1:
        return [ids[0]]
    step = (len(ids) - 1) / (count - 1)
    return [ids[round(i * step)] for i in range(count)]


NEW_TEXTS = (
    "Kak, pesanan saya kok belum dikirim ya? Sudah 3 hari.",
    "Hi, can I change the size to L before it ships?",
    "Resi pengirimannya berapa kak?",
    "The parcel arrived but one item is missing.",
    "Apakah warna hitam masih ready stok?",
    "Could you send the invoice for my order, please?",
    "Kak, bisa ganti alamat pengiriman?",
    "Thanks, the package arrived today!",
    "Barangnya rusak kak, bagaimana cara retur?",
    "Is there a discount if I buy three?",
)


@dataclass
class Injected:
    """One new buyer message: where it went and what the platform called it."""

    conversation: str
    message_id: str
    text: str


def inject(markets: Marketplaces, count: int) -> dict[str, list[Injected]]:
    """``count`` new buyer messages per channel, one per conversation, spread over the list."""
    made: dict[str, list[Injected]] = {}
    for name, fake in fakes_of(markets).items():
        made[name] = []
        for i, conversation in enumerate(spread(markets.seeded[name], count)):
            text = f"{NEW_TEXTS[i % len(NEW_TEXTS)]} (bench {name} #{i + 1})"
            message_id = str(fake.add_buyer_message(conversation, text))
            made[name].append(Injected(conversation, message_id, text))
    return made


def check_new_messages(
    config: Path, before_id: int, made: dict[str, list[Injected]]
) -> dict[str, list[str]]:
    """Per channel, what is wrong with the rows stored after ``before_id`` (empty: all good).

    Exactly the injected platform ids, each once, with its text, in the ticket that already
    held its conversation.
    """
    problems: dict[str, list[str]] = {}
    with connect(config) as conn:
        for name, injected in made.items():
            wrong: list[str] = []
            rows = conn.execute(
                'SELECT m.external_id, m.body_text, m.ticket_id, m.direction, m."references"'
                " FROM message m JOIN channel c ON c.id = m.channel_id"
                " WHERE c.name = ? AND m.id > ?",
                (name, before_id),
            ).fetchall()
            stored = Counter(str(row[0]) for row in rows)
            wanted = {item.message_id for item in injected}
            extra = sorted(set(stored) - wanted)
            missing = sorted(wanted - set(stored))
            doubled = sorted(mid for mid, n in stored.items() if n > 1)
            if extra:
                wrong.append(f"{len(extra)} unexpected new rows ({', '.join(extra[:3])})")
            if missing:
                wrong.append(f"{len(missing)} injected messages not stored")
            if doubled:
                wrong.append(f"{len(doubled)} stored twice")
            by_id = {str(row[0]): row for row in rows}
            for item in injected:
                row = by_id.get(item.message_id)
                if row is None:
                    continue
                if row[1] != item.text:
                    wrong.append(f"{item.message_id}: text {row[1]!r} != {item.text!r}")
                if row[3] != "in":
                    wrong.append(f"{item.message_id}: direction {row[3]!r}")
                ref = f"conv:{item.conversation}"
                earlier = conn.execute(
                    "SELECT m.ticket_id FROM message m JOIN channel c ON c.id = m.channel_id"
                    " WHERE c.name = ? AND m.id <= ? AND (' ' || m.\"references\" || ' ')"
                    " LIKE ? LIMIT 1",
                    (name, before_id, f"% {ref} %"),
                ).fetchone()
                if earlier is None or earlier[0] != row[2]:
                    wrong.append(f"{item.message_id}: not in the ticket of {ref}")
            problems[name] = wrong
    return problems


# -- the anchor: the same messages through `deskterm import mbox` ---------------------------


def _address(handle: str) -> str:
    local = re.sub(r"[^A-Za-z0-9._-]", "-", handle).strip("-.") or "buyer"
    return f"buyer-{local}@chat.test"


def _header(value: str) -> str:
    value = " ".join(value.split())
    return value if value.isascii() else Header(value, "utf-8").encode()


def write_anchor_mbox(config: Path, up_to_id: int, path: Path) -> int:
    """Every chat message with id <= ``up_to_id`` as a threaded plain-text email; count."""
    with connect(config) as conn:
        rows = conn.execute(
            "SELECT m.id, c.name, m.ticket_id, m.direction, m.author, m.author_handle,"
            " m.subject, m.body_text, m.external_id, m.sent_at FROM message m"
            " JOIN channel c ON c.id = m.channel_id WHERE m.id <= ?"
            " ORDER BY m.sent_at, m.id",
            (up_to_id,),
        ).fetchall()
        buyers = dict(
            conn.execute(
                "SELECT m.ticket_id, m.author_handle || char(31) || m.author FROM message m"
                " WHERE m.direction = 'in' AND m.id <= ? GROUP BY m.ticket_id",
                (up_to_id,),
            ).fetchall()
        )
    thread: dict[int, list[str]] = {}  # ticket -> Message-IDs so far
    with path.open("wb") as out:
        for _id, channel, ticket, direction, author, handle, subject, body, ext, sent in rows:
            when = datetime.fromisoformat(str(sent)).replace(tzinfo=UTC)
            buyer_handle, _, buyer_name = str(buyers.get(ticket, "buyer\x1fBuyer")).partition(
                "\x1f"
            )
            buyer = f"{_header(buyer_name or 'Buyer')} <{_address(buyer_handle)}>"
            shop = f"Shop Support <{SHOP_ADDRESS}>"
            sender, to = (buyer, shop) if direction == "in" else (shop, buyer)
            if direction == "in":
                sender = f"{_header(author or buyer_name or 'Buyer')} <{_address(handle)}>"
            message_id = f"<{channel}.{ext}@chat.test>"
            earlier = thread.setdefault(ticket, [])
            headers = [
                f"From: {sender}",
                f"To: {to}",
                f"Subject: {_header(subject or 'Chat')}",
                f"Date: {format_datetime(when)}",
                f"Message-ID: {message_id}",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
            ]
            if earlier:
                headers.append(f"In-Reply-To: {earlier[-1]}")
                headers.append("References: " + " ".join([earlier[0], *earlier[-9:]][-10:]))
            earlier.append(message_id)
            text = "\n".join(
                ">" + line if line.startswith("From ") else line
                for line in str(body or "").splitlines()
            )
            envelope = f"From {_address(str(handle))} {time.asctime(when.timetuple())}\n"
            out.write(envelope.encode())
            out.write(("\n".join(headers) + "\n\n" + text + "\n\n").encode("utf-8"))
    return len(rows)


def write_anchor_config(directory: Path) -> Path:
    """One email channel whose address is the shop's (shop replies filed as outbound)."""
    directory.mkdir(parents=True, exist_ok=True)
    return benchlib.write_deskterm_config(
        directory / "deskterm.toml", directory / "store" / "deskterm.db"
    )


@dataclass
class Anchor:
    """``deskterm import mbox`` of the same messages into an empty store."""

    messages: int
    seconds: float
    imported: int
    tickets: int
    mbox_bytes: int
    store_bytes: int


def run_anchor(config: Path, up_to_id: int, work: Path) -> Anchor:
    """Write the mbox (untimed), import it (timed), count what was stored."""
    directory = work / "anchor"
    anchor_config = write_anchor_config(directory)
    mbox = directory / "chats.mbox"
    count = write_anchor_mbox(config, up_to_id, mbox)
    started = time.perf_counter()
    code, out, err = deskterm("--config", str(anchor_config), "import", "mbox", "--json", str(mbox))
    seconds = time.perf_counter() - started
    if code != 0:
        sys.exit(f"deskterm import mbox failed ({code}): {out}{err}")
    with connect(anchor_config) as conn:
        imported = int(conn.execute("SELECT count(*) FROM message").fetchone()[0])
        tickets = int(conn.execute("SELECT count(*) FROM ticket").fetchone()[0])
    return Anchor(
        count, seconds, imported, tickets, mbox.stat().st_size, store_bytes(anchor_config)
    )


# -- output --------------------------------------------------------------------------------


def kinds(calls: Counter[str]) -> str:
    """Requests by endpoint, ids folded: ``/conversations/{id}/messages x300``."""
    folded: Counter[str] = Counter()
    for path, n in calls.items():
        folded[re.sub(r"/\d{6,}(?=/|$)", "/{id}", path)] += n
    return ", ".join(f"{path} x{n}" for path, n in folded.most_common())


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def print_pass(
    title: str, result: Pass, messages: dict[str, int] | None = None, *, rate: bool = False
) -> None:
    """The pass's summary lines, then per channel: requests, seconds (messages, msg/s)."""
    print(f"\n== {title}: {result.seconds:.2f} s wall, exit {result.code}")
    for line in result.lines:
        print(f"   {line}")
    header = f"   {'channel':<24} {'requests':>8} {'seconds':>8}"
    if messages is not None:
        header += f" {'messages':>8}" + (f" {'msg/s':>8}" if rate else "")
    print(header)
    for name, label in CHANNELS.items():
        seconds = result.channel_seconds.get(name, 0.0)
        row = f"   {label + ' (' + name + ')':<24} {result.requests[name]:>8} {seconds:>8.2f}"
        if messages is not None:
            row += f" {messages[name]:>8}"
            if rate:
                row += f" {messages[name] / seconds if seconds else 0.0:>8.0f}"
        print(row)
        print(f"      {kinds(result.calls[name])}")
    orders = sum(v for k, v in result.channel_seconds.items() if k not in CHANNELS)
    rest = result.seconds - sum(result.channel_seconds.values())
    print(
        f"   Shopify orders refresh: {orders:.2f} s, {result.other_requests} requests to the"
        f" Shopify fake; the rest (config, store open, snoozes): {rest:.2f} s"
    )


def warm_imports() -> None:
    """Import both commands' modules before any clock runs: a fair start for both paths."""
    import deskterm.channels.mbox
    import deskterm.cli.import_commands
    import deskterm.cli.sync_commands
    import deskterm.sync.email.mbox_import
    import deskterm.sync.runner  # noqa: F401


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300, help="per channel")
    parser.add_argument("--messages", type=int, default=20, help="per conversation")
    parser.add_argument("--new", type=int, default=10, help="new buyer messages per channel")
    parser.add_argument("--no-anchor", action="store_true", help="skip the mbox anchor")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)

    warm_imports()
    work = Path(tempfile.mkdtemp(prefix="deskterm-bench-market-"))
    failures: list[str] = []
    try:
        print(f"machine: {benchlib.machine()}")
        print(
            f"date: {datetime.now(UTC):%a %b %d %H:%M UTC %Y} · work dir: {work}"
            f"{' (kept)' if args.keep else ''}"
        )
        started = time.perf_counter()
        with serve_marketplaces(
            work / "secrets", conversations=args.conversations, messages=args.messages
        ) as markets:
            seeded = time.perf_counter() - started
            fakes = fakes_of(markets)
            expected = {name: expected_messages(name, fake) for name, fake in fakes.items()}
            print(
                f"seeded (untimed, {seeded:.2f} s): {args.conversations} conversations x"
                f" {args.messages} messages per channel; messages the APIs deliver: "
                + ", ".join(f"{name} {n}" for name, n in expected.items())
            )
            config = work / "config.toml"
            config.write_text(
                "# Generated by bench/marketplace_poll.py\n"
                f'[store]\npath = "store/deskterm.db"\n[user]\nname = "Bench Agent"\n'
                f'email = "agent@shop.test"\n{markets.config}',
                encoding="utf-8",
            )

            # 1. initial ingest
            first = sync_pass(config, markets)
            stored = messages_per_channel(config)
            tickets = tickets_per_channel(config)
            print_pass("initial ingest (first `deskterm sync --once`)", first, stored, rate=True)
            total = sum(stored.values())
            rate = total / first.seconds
            print(
                f"   all channels: {total} messages, {sum(tickets.values())} tickets,"
                f" {sum(first.requests.values())} requests in {first.seconds:.2f} s ="
                f" {rate:.0f} msg/s; store {benchlib.human(store_bytes(config))}"
            )
            if first.code != 0:
                failures.append(f"initial sync exit code {first.code}")
            for name in CHANNELS:
                if stored[name] != expected[name]:
                    failures.append(f"{name}: {stored[name]} messages stored, {expected[name]}")
                if tickets[name] != args.conversations:
                    failures.append(f"{name}: {tickets[name]} tickets, {args.conversations}")
            print(
                "   check: every message once, one ticket per conversation — "
                + verdict(not failures)
            )
            initial_last_id = last_message_id(config)

            # 2. idle pass
            idle = sync_pass(config, markets)
            print_pass("idle pass (second `sync --once`, nothing new)", idle)
            idle_ok = idle.code == 0 and all(n == IDLE_TARGET for n in idle.requests.values())
            unchanged = messages_per_channel(config) == stored
            print(
                f"   target exactly {IDLE_TARGET} request per channel — {verdict(idle_ok)};"
                f" no new rows — {verdict(unchanged)}"
            )
            if not idle_ok:
                failures.append(f"idle requests {idle.requests}")
            if not unchanged:
                failures.append("the idle pass changed the stored messages")

            # 3. new buyer messages
            made = inject(markets, args.new)
            before_id = last_message_id(config)
            new = sync_pass(config, markets)
            added = {name: n - stored[name] for name, n in messages_per_channel(config).items()}
            print_pass(
                f"{args.new} new buyer messages in {args.new} conversations per channel", new, added
            )
            limit = 1 + args.new
            new_ok = new.code == 0 and all(n <= limit for n in new.requests.values())
            problems = check_new_messages(config, before_id, made)
            exact = all(not wrong for wrong in problems.values()) and all(
                n == args.new for n in added.values()
            )
            print(
                f"   target <= 1 + {args.new} = {limit} requests per channel — {verdict(new_ok)};"
                f" exactly the {args.new} new messages stored per channel — {verdict(exact)}"
            )
            for name, wrong in problems.items():
                for line in wrong[:5]:
                    print(f"   {name}: {line}")
            if not new_ok:
                failures.append(f"new-message requests {new.requests}")
            if not exact:
                failures.append(f"new messages stored {added}")

        # 4. the anchor (fakes stopped: nothing else runs in this process)
        ratio_line: str
        if args.no_anchor:
            ratio_line = (
                f"ratio idle requests/target: {max(idle.requests.values()) / IDLE_TARGET:.2f}"
            )
        else:
            anchor = run_anchor(config, initial_last_id, work)
            anchor_rate = anchor.imported / anchor.seconds
            print(
                f"\n== anchor: the same {anchor.messages} messages as plain-text mail,"
                f" `deskterm import mbox` into an empty store (mbox"
                f" {benchlib.human(anchor.mbox_bytes)})"
            )
            print(
                f"   {anchor.imported} messages, {anchor.tickets} tickets in"
                f" {anchor.seconds:.2f} s = {anchor_rate:.0f} msg/s;"
                f" store {benchlib.human(anchor.store_bytes)}"
            )
            if anchor.imported != anchor.messages or anchor.tickets != sum(tickets.values()):
                print("   note: the mail threading did not give one ticket per conversation")
            ratio_line = f"ratio marketplace/mbox ingest throughput: {rate / anchor_rate:.2f}"

        print("\n== summary")
        print(
            f"initial ingest {first.seconds:.2f} s, {total} messages ({rate:.0f} msg/s),"
            f" requests {first.requests}"
        )
        print(f"idle pass requests {idle.requests} (target {IDLE_TARGET}) — {verdict(idle_ok)}")
        print(
            f"new messages pass requests {new.requests} (target <= {limit}) — {verdict(new_ok)};"
            f" stored {added} — {verdict(exact)}"
        )
        for failure in failures:
            print(f"FAILED: {failure}")
        print(ratio_line)
        return 1 if failures else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
