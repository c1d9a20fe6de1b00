"""Search latency p50/p95 of 20 typical queries: deskterm vs notmuch on the same messages."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import benchlib

# (deskterm query, notmuch query). notmuch joins terms with AND like deskterm; its tags are
# per message where deskterm's are per ticket, and status:open (every imported ticket) is
# notmuch's tag:inbox (every new message).
QUERIES: list[tuple[str, str]] = [
    ("refund", "refund"),
    ("pesanan", "pesanan"),
    ("reembolso", "reembolso"),
    ("terima kasih", "terima kasih"),
    ('"tracking number"', '"tracking number"'),
    ('"belum sampai"', '"belum sampai"'),
    ("from:silva", "from:silva"),
    ("from:support@shop.test refund", "from:support@shop.test and refund"),
    ("subject:damaged", "subject:damaged"),
    ('subject:"where is my order"', 'subject:"where is my order"'),
    ("tag:vip", "tag:vip"),
    ("tag:vip refund", "tag:vip and refund"),
    ("date:2024-03-01..2024-03-31", "date:2024-03-01..2024-03-31"),
    ("rusak date:2024-06-01..2024-06-30", "rusak and date:2024-06-01..2024-06-30"),
    (
        "(damaged OR rusak OR danificado OR dañado) AND NOT from:support@shop.test",
        "(damaged or rusak or danificado or dañado) and not from:support@shop.test",
    ),
    ("track*", "track*"),
    ('body:"nomor resi"', 'body:"nomor resi"'),
    ("{order}", "{order}"),  # an order number from the mailbox (manifest sample_order)
    ("has:attachment refund", "tag:attachment and refund"),
    ("status:open pedido -reembolso", "tag:inbox and pedido and not reembolso"),
]
VIP_QUERY = ("from:icloud.com", "from:icloud.com or to:icloud.com")  # who gets tag:vip
LIMIT = 50


def tag_vip(n: int) -> tuple[int, int]:
    """Tag the same customers' conversations ``vip`` in both engines (once, untimed)."""
    from deskterm.domain.query import parse_query
    from deskterm.services.actor import Actor
    from deskterm.services.tickets import add_tags
    from deskterm.store import reader
    from deskterm.store.engine import open_store
    from deskterm.store.readdb import open_read

    db = open_read(benchlib.deskterm_url(n))
    where = reader.compile_query(db, parse_query(VIP_QUERY[0]), me_agent_id=None)
    ids = [row[0] for row in db.all(f"SELECT t.id FROM ticket t WHERE {where.sql}", where.params)]
    already = db.all("SELECT count(*) FROM tag WHERE name = 'vip'")[0][0]
    db.close()
    if not already:
        store = open_store(benchlib.deskterm_url(n))
        actor = Actor(label="bench:setup")
        for ticket_id in ids:
            add_tags(store, ticket_id, ["vip"], actor)
        store.close()
    env = benchlib.notmuch_env(n)
    benchlib.run(["notmuch", "tag", "+vip", "--", VIP_QUERY[1]], env=env)
    threads = benchlib.run(["notmuch", "count", "--output=threads", "tag:vip"], env=env)
    return len(ids), int(threads.stdout.strip())


def deskterm_inprocess(
    n: int, queries: list[str], reps: int, warmup: int
) -> tuple[list[list[float]], list[int]]:
    """Time parse + compile + list_tickets(limit) + add_snippets over one read connection."""
    from deskterm.domain.query import parse_query
    from deskterm.store import reader
    from deskterm.store.readdb import open_read

    db = open_read(benchlib.deskterm_url(n))
    me = reader.agent_id_for(db, "agent@shop.test")

    def search(text: str) -> list[dict[str, Any]]:
        node = parse_query(text)
        where = reader.compile_query(db, node, me_agent_id=me)
        tickets = reader.list_tickets(db, where, limit=LIMIT)
        reader.add_snippets(db, tickets, reader.snippet_terms(node))
        return tickets

    times: list[list[float]] = []
    counts: list[int] = []
    for text in queries:
        for _ in range(warmup):
            search(text)
        runs = []
        for _ in range(reps):
            started = time.perf_counter()
            search(text)
            runs.append(time.perf_counter() - started)
        times.append(runs)
        where = reader.compile_query(db, parse_query(text), me_agent_id=me)
        counts.append(reader.count_tickets(db, where))
    db.close()
    return times, counts


def notmuch_bindings(
    n: int, queries: list[str], reps: int, warmup: int
) -> tuple[list[list[float]], list[int]] | None:
    """Time the same queries through notmuch2 in one process, or None when unavailable."""
    helper = benchlib.BENCH / "notmuch_queries.py"
    job = {"queries": queries, "reps": reps, "warmup": warmup, "limit": LIMIT}
    proc = subprocess.run(
        [str(benchlib.SYSTEM_PYTHON), str(helper)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        env=benchlib.notmuch_env(n),
        check=False,
    )
    if proc.returncode != 0:
        print(f"notmuch2 bindings unavailable: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    result = json.loads(proc.stdout)
    return result["times"], result["threads"]


def subprocess_times(cmds: list[list[str]], reps: int, env: dict[str, str]) -> list[list[float]]:
    """Wall times of each command run ``reps`` times (after one warm-up run)."""
    times: list[list[float]] = []
    for cmd in cmds:
        benchlib.timed(cmd, env=env)
        times.append([benchlib.timed(cmd, env=env) for _ in range(reps)])
    return times


def summary(times: list[list[float]]) -> tuple[float, float]:
    """(p50, p95) in milliseconds over every run of every query."""
    flat = [t * 1000 for runs in times for t in runs]
    return benchlib.percentile(flat, 50), benchlib.percentile(flat, 95)


def main(argv: list[str] | None = None) -> int:
    """Run the search benchmark and print per-query and overall figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=benchlib.default_n())
    parser.add_argument("--reps", type=int, default=5, help="timed runs per query (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument(
        "--no-subprocess", action="store_true", help="skip the CLI-vs-CLI comparison"
    )
    args = parser.parse_args(argv)
    n = args.n
    benchlib.ensure_imported(n)
    vip_tickets, vip_threads = tag_vip(n)
    print(f"# search: N={n} messages, {benchlib.machine()}")
    print(f"# tag:vip set on {vip_tickets} deskterm tickets / {vip_threads} notmuch threads")

    order = str(benchlib.manifest(n)["sample_order"])
    queries = [(d.format(order=order), m.format(order=order)) for d, m in QUERIES]
    desk_queries = [d for d, _ in queries]
    nm_queries = [m for _, m in queries]
    desk, desk_counts = deskterm_inprocess(n, desk_queries, args.reps, args.warmup)
    bindings = notmuch_bindings(n, nm_queries, args.reps, args.warmup)

    env = dict(os.environ)
    cfg = str(benchlib.deskterm_config(n))
    nm_env = benchlib.notmuch_env(n)
    cli_desk = cli_nm = None
    search_cmd = [str(benchlib.DESKTERM), "--config", cfg, "search", "--json"]
    search_cmd += ["--limit", str(LIMIT)]
    if bindings is None or not args.no_subprocess:
        cli_desk = subprocess_times(
            [[*search_cmd, q] for q in desk_queries],
            args.reps,
            env,
        )
        cli_nm = subprocess_times(
            [
                ["notmuch", "search", "--format=json", f"--limit={LIMIT}", "--", q]
                for q in nm_queries
            ],
            args.reps,
            nm_env,
        )

    header = f"{'query':<58} {'desk hits':>9} {'nm hits':>8} {'desk ms':>8} {'nm ms':>8}"
    if cli_desk is not None:
        header += f" {'desk CLI':>9} {'nm CLI':>8}"
    print("\n# per query: ticket/thread counts and median ms of the timed runs")
    print("# desk = deskterm in-process (parse, compile, list 50, snippets)")
    print(
        "# nm   = notmuch2 bindings in-process (threads newest first, 50)"
        if bindings
        else "# nm   = (bindings unavailable)"
    )
    print(header)
    for i, dq in enumerate(desk_queries):
        nm_count = bindings[1][i] if bindings else -1
        nm_ms = benchlib.median(bindings[0][i]) * 1000 if bindings else float("nan")
        line = (
            f"{dq[:58]:<58} {desk_counts[i]:>9} {nm_count:>8}"
            f" {benchlib.median(desk[i]) * 1000:>8.2f} {nm_ms:>8.2f}"
        )
        if cli_desk is not None and cli_nm is not None:
            line += (
                f" {benchlib.median(cli_desk[i]) * 1000:>9.1f}"
                f" {benchlib.median(cli_nm[i]) * 1000:>8.1f}"
            )
        print(line)

    runs = len(QUERIES) * args.reps
    print(f"\n# p50/p95 over {len(QUERIES)} queries x {args.reps} runs = {runs} timings each")
    d50, d95 = summary(desk)
    print(f"deskterm in-process (reader API):        p50 {d50:8.2f} ms   p95 {d95:8.2f} ms")
    if bindings:
        n50, n95 = summary(bindings[0])
        print(f"notmuch in-process (notmuch2 bindings):  p50 {n50:8.2f} ms   p95 {n95:8.2f} ms")
    if cli_desk is not None and cli_nm is not None:
        c50, c95 = summary(cli_desk)
        m50, m95 = summary(cli_nm)
        print(f"deskterm search CLI (subprocess):        p50 {c50:8.2f} ms   p95 {c95:8.2f} ms")
        print(f"notmuch search CLI (subprocess):         p50 {m50:8.2f} ms   p95 {m95:8.2f} ms")
        print(f"ratio deskterm/notmuch search p50, CLI subprocess vs subprocess: {c50 / m50:.2f}")
    print(f"target: deskterm p50 <= 50 ms: {'met' if d50 <= 50 else 'NOT met'}")
    if bindings:
        print("# ratio below: deskterm in-process vs notmuch2 bindings in-process")
        print(f"ratio deskterm/notmuch search p50: {d50 / n50:.2f}")
    elif cli_desk is not None and cli_nm is not None:
        print("# ratio below: deskterm search CLI vs notmuch search CLI (no bindings)")
        print(f"ratio deskterm/notmuch search p50: {c50 / m50:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
