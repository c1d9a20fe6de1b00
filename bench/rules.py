"""Rules cost: ingest 20,000 messages with 0 and with 100 enabled rules; `rules test` at 100k.

Issue 14's targets: the rules may slow ingest by at most 15% (the anchor, ingest with no
rule, runs in the same run), and ``rules test --since`` over a store of about 100,000
tickets answers within 60 s.

"Ingest" is what a sync pass does: store the messages (here from the bench mailbox, by
``deskterm import mbox``), then run the rules on the events they logged (the sync's
``after_pass``). The 100 rules mix every kind of condition (ticket terms, full text,
message facts, business hours, orders, customer facts) and a few of them match, tag,
note and reply, as a shop's rules would.

Input: the generated 100k mailbox (``N=100000 .venv/bin/python bench/mailgen.py``); the
first 20,000 messages feed the ingest run, and the 100k store is the full mailbox plus
the first 40,000 messages again as new conversations (about 100,000 tickets).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import benchlib

from deskterm.cli import main as deskterm
from deskterm.config import load_config
from deskterm.domain.errors import DesktermError
from deskterm.services import rules
from deskterm.services.actor import Actor
from deskterm.services.macros import save_macro
from deskterm.services.rule_engine import engine_settings, run_rules
from deskterm.services.rule_replay import replay
from deskterm.store.engine import open_store

SOURCE_N = 100_000
INGEST_N = 20_000
AGAIN_N = 40_000  # messages of the 100k mailbox imported twice (as new threads)
RULES = 100
TARGET_SLOWDOWN = 0.15
TARGET_REPLAY_S = 60.0
WORK = benchlib.WORK / "rules"
ACTOR = Actor("agent:bench@shop.test")
HOURS = """
[business_hours]
timezone = "Asia/Jakarta"
holidays = ["2026-12-25"]
[business_hours.week]
mon = "08:00-17:00"
tue = "08:00-17:00"
wed = "08:00-17:00"
thu = "08:00-17:00"
fri = "08:00-17:00"
sat = "09:00-13:00"
"""

# Condition templates: {i} makes each rule its own. Most never match the bench's mail (as
# most of a shop's rules do not match most messages); the last few match often.
_CONDITIONS = [
    "intent:shipping/status AND order.status:shipped AND NOT tag:auto-answered-{i}",
    'message.from:customer AND message.body:"refund number {i}"',
    "hours:outside AND message.from:customer AND tag:vip-{i}",
    "customer.orders>=5 AND customer.tag:wholesale-{i}",
    'subject:"invoice {i}" OR from:billing-{i}@vendor.test',
    "language:xx AND NOT status:closed AND message.channel_type:email",
    "priority:urgent AND tag:escalated-{i}",
    '"zebra{i} quokka"',
    "order.total>1000 AND order.age<2d AND tag:big-{i}",
    "message.from:agent AND tag:followup-{i}",
]
_MATCHING = [
    # A few that match a share of the mail (1-3% of it), and act.
    (
        "match tag",
        "message.created",
        'message.from:customer AND hours:outside AND subject:"broken item"',
        '{ tag = ["after-hours"] }',
    ),
    (
        "match note",
        "ticket.created",
        'subject:"wrong size"',
        '{ note = "Size question: check the size chart." }',
    ),
    (
        "match reply",
        "message.created",
        'message.from:customer AND "refund not received"',
        '{ reply = "ack" }',
    ),
]


def rules_file() -> str:
    """100 rules: mixed non-matching conditions, then the few that match."""
    tables = []
    for i in range(RULES - len(_MATCHING)):
        cond = _CONDITIONS[i % len(_CONDITIONS)].format(i=i)
        when = "message.created" if i % 3 else "ticket.created"
        tables.append(
            f'[[rules]]\nname = "rule {i:03d}"\nenabled = true\nwhen = ["{when}"]\n'
            f"if = '{cond}'\nthen = [{{ tag = [\"r{i}\"] }}]\n"
        )
    for name, when, cond, action in _MATCHING:
        tables.append(
            f'[[rules]]\nname = "{name}"\nenabled = true\nwhen = ["{when}"]\n'
            f"if = '{cond}'\nthen = [{action}]\n"
        )
    return "\n".join(tables)


def messages(path: Path) -> Iterator[bytes]:
    """The mbox's messages, each with its ``From `` line (mboxrd: body lines are escaped)."""
    current: list[bytes] = []
    with path.open("rb") as handle:
        for line in handle:
            if line.startswith(b"From ") and current:
                yield b"".join(current)
                current = []
            current.append(line)
    if current:
        yield b"".join(current)


_IDS = re.compile(rb"^(Message-ID|In-Reply-To|References):(.*)$", re.IGNORECASE | re.MULTILINE)
_SUBJECT = re.compile(rb"^Subject: ", re.IGNORECASE | re.MULTILINE)


def as_new_thread(message: bytes) -> bytes:
    """The same message as another conversation: new ids, another subject."""
    head, sep, body = message.partition(b"\n\n")
    head = _IDS.sub(lambda m: m.group(1) + b":" + m.group(2).replace(b"<", b"<again."), head)
    head = _SUBJECT.sub(b"Subject: again: ", head, count=1)
    return head + sep + body


def write_mbox(path: Path, source: Path, first: int, *, again: int = 0) -> Path:
    """``path``: the first ``first`` messages of ``source`` (then ``again`` re-threaded)."""
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    with tmp.open("wb") as out:
        for count, message in enumerate(messages(source)):
            if count >= first:
                break
            out.write(message)
        for count, message in enumerate(messages(source)):
            if count >= again:
                break
            out.write(as_new_thread(message))
    tmp.replace(path)
    return path


def fresh(name: str, *, hours: bool = True, labels: bool = True) -> Path:
    """A new empty store and its config under the work dir; the config path."""
    directory = WORK / name
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    config = benchlib.write_deskterm_config(directory / "deskterm.toml", directory / "deskterm.db")
    if hours:
        config.write_text(config.read_text() + HOURS)
    if not labels:
        config.write_text(config.read_text() + "\n[classify]\nenabled = false\n")
    return config


def prepare_rules(config: Path) -> None:
    """The reply macro and the 100 rules, enabled, in the store of ``config``."""
    store = open_store(load_config(config).store_url())
    try:
        with contextlib.suppress(DesktermError):  # a store kept from an earlier run has it
            save_macro(store, {"name": "ack", "body": "Thanks {{ ticket.customer.firstname }}!"})
        # Replaces the definitions a kept store had (the rules of this version of the bench).
        rules.import_rules(store, rules_file(), "bench-rules.toml", ACTOR)
    finally:
        store.close()


def ingest(config: Path, mbox: Path) -> tuple[float, float, int, int]:
    """Import ``mbox``, then run the rules as a sync pass does.

    Returns (import s, rules s, rule runs, events read)."""
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # its JSON summary
        code = deskterm(["--config", str(config), "import", "mbox", "--json", str(mbox)])
    imported = time.perf_counter() - started
    if code != 0:
        sys.exit(f"import failed ({code})")
    loaded = load_config(config)
    store = open_store(loaded.store_url())
    try:
        started = time.perf_counter()
        summary = run_rules(store, engine_settings(loaded))
        ruled = time.perf_counter() - started
    finally:
        store.close()
    if summary.problems:
        print(f"# problems: {summary.problems[:3]}")
    return imported, ruled, summary.runs, summary.events


def count(config: Path, table: str) -> int:
    """Rows of ``table`` in the store of ``config``."""
    db = Path(load_config(config).store_url().removeprefix("sqlite:///"))
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def bench_ingest(source: Path, n: int, repeat: int) -> float:
    """Ingest ``n`` messages with 0 and with 100 rules; prints the table, returns slowdown."""
    mbox = write_mbox(WORK / f"first{n}.mbox", source, n)
    print(f"\n# ingest {n} messages (import mbox + the rules' after_pass), best of {repeat}")
    print(f"{'rules':<8} {'import s':>9} {'rules s':>9} {'total s':>9} {'runs':>7} {'events':>8}")
    best: dict[int, float] = {}
    for attempt in range(repeat):
        for enabled in (0, RULES):  # alternate, so that drift hits both alike
            config = fresh(f"ingest{enabled}")
            if enabled:
                prepare_rules(config)
            imported, ruled, runs, events = ingest(config, mbox)
            total = imported + ruled
            best[enabled] = min(best.get(enabled, total), total)
            print(
                f"{enabled:<8} {imported:>9.2f} {ruled:>9.2f} {total:>9.2f} {runs:>7} {events:>8}"
                f"  (run {attempt + 1})"
            )
    slowdown = best[RULES] / best[0] - 1
    print(f"best: 0 rules {best[0]:.2f} s, {RULES} rules {best[RULES]:.2f} s")
    verdict = "PASS" if slowdown <= TARGET_SLOWDOWN else "FAIL"
    print(f"ingest slowdown with {RULES} rules: {slowdown:+.1%} (target <= 15%) {verdict}")
    return slowdown


def bench_replay(source: Path) -> float:
    """`rules test --since 30d` with the 100 rules over a store of about 100k tickets."""
    mbox = write_mbox(WORK / "tickets100k.mbox", source, SOURCE_N, again=AGAIN_N)
    config = WORK / "big" / "deskterm.toml"
    if not (WORK / "big" / "deskterm.db").exists():
        # Unlabelled: building 140k messages with labels takes most of an hour, and the
        # replay's cost is the same (an intent term is one more column of the query).
        config = fresh("big", labels=False)
        prepare_rules(config)
        print("\n# building the 100k-ticket store (once; kept for later runs)")
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = deskterm(["--config", str(config), "import", "mbox", "--json", str(mbox)])
        if code != 0:
            sys.exit("import failed")
        print(f"built in {time.perf_counter() - started:.0f} s")
    else:
        prepare_rules(config)
    tickets, events = count(config, "ticket"), count(config, "event")
    loaded = load_config(config)
    store = open_store(loaded.store_url())
    try:
        started = time.perf_counter()
        results = replay(store, timedelta(days=30), settings=engine_settings(loaded))
        elapsed = time.perf_counter() - started
    finally:
        store.close()
    matched = sorted(((r.matched, r.name) for r in results if r.matched), reverse=True)
    print(f"\n# rules test --since 30d: {len(results)} rules, {tickets} tickets, {events} events")
    print(f"matching rules: {matched[:5]}")
    verdict = "PASS" if elapsed <= TARGET_REPLAY_S else "FAIL"
    print(f"rules test over {tickets} tickets: {elapsed:.1f} s (target <= 60 s) {verdict}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Run both measures; the last line is the ingest ratio against its anchor."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=INGEST_N, help="messages ingested")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each ingest")
    parser.add_argument("--skip-replay", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args(argv)
    benchlib.require_mail(SOURCE_N)
    source = benchlib.mbox_path(SOURCE_N)
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"# rules bench, {benchlib.machine()}")
    if not args.skip_replay:
        bench_replay(source)
    if not args.skip_ingest:
        slowdown = bench_ingest(source, args.n, args.repeat)
        print(f"ratio ingest with {RULES} rules / with none (anchor): {1 + slowdown:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
