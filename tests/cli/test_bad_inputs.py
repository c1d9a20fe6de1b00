"""The whole CLI over a table of bad inputs: one line on stderr, the documented exit code.

Issue 9 finding 14 (and "Done when"): huge and negative numbers, invalid UTF-8, NUL, FIFOs,
directories, missing files and endless devices, for every command, as real subprocesses.
Exit codes (DESIGN.md): 2 for a usage or config error, 1 for a runtime failure. A refused
command writes nothing to the store.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cli.subprocess_cli import (
    REPO,
    SAMPLE_MBOX,
    UNSAFE_OUTPUT,
    Arg,
    run_deskterm,
    seeded_config,
    store_digest,
    store_file,
)

HUGE = "99999999999999999999"  # past a 64-bit integer
MAX_ID = str(2**63 - 1)
BAD_UTF8 = b"caf\xe9"  # Latin-1, as an old terminal would send it
# Short enough for the length limit, long enough for SQLite's "Expression tree is too large".
MANY_TERMS = " OR ".join(f"w{n}" for n in range(1000))


@dataclass
class Place:
    """Files the bad inputs point at."""

    root: Path
    config: Path
    fifo: Path = field(init=False)
    folder: Path = field(init=False)
    missing: Path = field(init=False)
    nul_path_config: Path = field(init=False)
    nul_url_config: Path = field(init=False)
    nul_macros: Path = field(init=False)
    macros_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.fifo = self.root / "fifo"
        os.mkfifo(self.fifo)
        self.folder = self.root / "folder"
        self.folder.mkdir()
        self.missing = self.root / "missing" / "nothing.toml"
        self.nul_path_config = self.root / "nul-path.toml"
        self.nul_path_config.write_text('[store]\npath = "store\\u0000.db"\n')
        self.nul_url_config = self.root / "nul-url.toml"
        self.nul_url_config.write_text('[store]\nurl = "sqlite:////tmp/x\\u0000.db"\n')
        self.nul_macros = self.root / "nul.toml"
        self.nul_macros.write_bytes(b'[[macros]]\nname = "a\x00b"\nbody = "x"\n')
        self.macros_file = self.root / "macros.toml"
        self.macros_file.write_text('[[macros]]\nname = "a"\nbody = "x"\n')

    def resolve(self, arg: Arg) -> Arg:
        if isinstance(arg, str) and arg.startswith("{") and arg.endswith("}"):
            value: Path = getattr(self, arg[1:-1])
            return value
        return arg


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    root = tmp_path_factory.mktemp("bad-inputs")
    yield Place(root, seeded_config(root))


@dataclass(frozen=True)
class Case:
    """One bad input: the arguments (after ``--config CONFIG``), exit code, a word of stderr."""

    args: tuple[Arg, ...]
    code: int
    needle: str
    env: tuple[tuple[str, str], ...] = ()
    own_config: bool = False  # args carry their own --config
    report: bool = False  # doctor: the problem is one FAIL line of its report on stdout


def case(*args: Arg, code: int = 2, needle: str = "", **extra: object) -> Case:
    return Case(args, code, needle, **extra)  # type: ignore[arg-type]


CASES: dict[str, Case] = {
    # --- huge, negative and zero numbers ---------------------------------------------------
    "show-huge-id": case("show", HUGE, needle="ticket id out of range"),
    "show-negative-id": case("show", "-5", needle="ticket id out of range"),
    "show-zero-id": case("show", "0", needle="ticket id out of range"),
    "show-max-id-missing": case("show", MAX_ID, code=1, needle="no ticket"),
    "tag-huge-id": case("tag", HUGE, "x", needle="ticket id out of range"),
    "untag-huge-id": case("untag", HUGE, "x", needle="ticket id out of range"),
    "assign-huge-id": case("assign", HUGE, "me", needle="ticket id out of range"),
    "close-huge-id": case("close", HUGE, needle="ticket id out of range"),
    "reopen-huge-id": case("reopen", HUGE, needle="ticket id out of range"),
    "unsnooze-huge-id": case("unsnooze", HUGE, needle="ticket id out of range"),
    "spam-huge-id": case("spam", HUGE, needle="ticket id out of range"),
    "merge-huge-id": case("merge", "1", HUGE, needle="ticket id out of range"),
    "reply-huge-id": case("reply", HUGE, "--body", "hi", needle="ticket id out of range"),
    "snooze-huge-id": case("snooze", HUGE, "2d", needle="ticket id out of range"),
    "snooze-huge-days": case("snooze", "4", "99999999d", needle="10 years"),
    "snooze-huge-minutes": case("snooze", "4", "9" * 30 + "m", needle="10 years"),
    "snooze-year-9999": case(
        "snooze", "5", "9999-12-31 23:59", needle="10 years", env=(("TZ", "Asia/Jakarta"),)
    ),
    "tickets-huge-limit": case("tickets", "--limit", HUGE, needle="--limit"),
    "tickets-negative-limit": case("tickets", "--limit", "-1", needle="--limit"),
    "tickets-huge-offset": case("tickets", "--offset", HUGE, needle="--offset"),
    "search-huge-limit": case("search", "x", "--limit", HUGE, needle="--limit"),
    "customer-show-huge-limit": case("customer", "show", "#1", "--limit", HUGE, needle="--limit"),
    "customer-unlink-huge-id": case(
        "customer", "unlink", HUGE, "email:a@b.test", needle="customer id out of range"
    ),
    "customer-show-huge-id": case("customer", "show", "#" + HUGE, needle="out of range"),
    "query-huge-id": case("tickets", "--query", "id:" + HUGE, needle="out of range"),
    "query-huge-date": case("search", "date:" + HUGE + "d..", needle="date"),
    # --- invalid UTF-8 in arguments ----------------------------------------------------------
    "command-bad-utf8": case(BAD_UTF8, needle="invalid choice"),
    "show-bad-utf8": case("show", BAD_UTF8, needle="TICKET_ID"),
    "tag-bad-utf8": case("tag", "1", BAD_UTF8, needle="not valid UTF-8"),
    "untag-bad-utf8": case("untag", "1", BAD_UTF8, needle="not valid UTF-8"),
    "assign-bad-utf8": case("assign", "1", BAD_UTF8 + b"@x.test", needle="not valid UTF-8"),
    "snooze-bad-utf8": case("snooze", "1", BAD_UTF8, needle="not valid UTF-8"),
    "search-bad-utf8": case("search", BAD_UTF8, needle="not valid UTF-8"),
    "tickets-query-bad-utf8": case("tickets", "--query", BAD_UTF8, needle="not valid UTF-8"),
    "tickets-view-bad-utf8": case("tickets", "--view", BAD_UTF8, needle="not valid UTF-8"),
    "views-save-bad-utf8": case("views", "save", BAD_UTF8, "x", needle="not valid UTF-8"),
    "views-delete-bad-utf8": case("views", "delete", BAD_UTF8, needle="not valid UTF-8"),
    "reply-body-bad-utf8": case("reply", "1", "--body", BAD_UTF8, needle="not valid UTF-8"),
    "reply-macro-bad-utf8": case("reply", "1", "--macro", BAD_UTF8, needle="not valid UTF-8"),
    "customer-link-bad-utf8": case(
        "customer", "link", "email:a@b.test", b"email:" + BAD_UTF8, needle="not valid UTF-8"
    ),
    "customer-show-bad-utf8": case("customer", "show", BAD_UTF8, needle="not valid UTF-8"),
    "secret-set-bad-utf8": case("secret", "set", BAD_UTF8, needle="not valid UTF-8"),
    "sync-channel-bad-utf8": case("sync", "--once", "--channel", BAD_UTF8, needle="UTF-8"),
    "demo-extra-bad-utf8": case("demo", "--no-tui", BAD_UTF8, needle="unrecognized"),
    "import-path-bad-utf8-missing": case(
        "import", "mbox", b"/nonexistent/" + BAD_UTF8, needle="no such file"
    ),
    "config-path-bad-utf8-missing": case(
        "--config", b"/nonexistent/" + BAD_UTF8, "tickets", needle="no such", own_config=True
    ),
    # --- NUL ------------------------------------------------------------------------------------
    "nul-in-store-path-tickets": case(
        "--config", "{nul_path_config}", "tickets", needle="path", own_config=True
    ),
    "nul-in-store-path-config-check": case(
        "--config", "{nul_path_config}", "config", "check", needle="path", own_config=True
    ),
    "nul-in-store-path-doctor": case(
        "--config", "{nul_path_config}", "doctor", needle="path", own_config=True, report=True
    ),
    "nul-in-store-url": case(
        "--config", "{nul_url_config}", "tickets", needle="url", own_config=True
    ),
    "nul-in-macros-file": case("macros", "import", "{nul_macros}", needle="nul.toml"),
    # --- FIFO (nobody writes to it: must not hang) --------------------------------------------
    "config-fifo": case("--config", "{fifo}", "tickets", needle="fifo", own_config=True),
    "config-fifo-tui": case("--config", "{fifo}", needle="fifo", own_config=True),
    "config-fifo-doctor": case(
        "--config", "{fifo}", "doctor", needle="fifo", own_config=True, report=True
    ),
    "import-mbox-fifo": case("import", "mbox", "{fifo}", needle="fifo"),
    "macros-import-fifo": case("macros", "import", "{fifo}", needle="fifo"),
    "macros-export-fifo": case("macros", "export", "{fifo}", needle="--force"),
    # --- directory -----------------------------------------------------------------------------
    "config-directory": case(
        "--config", "{folder}", "tickets", needle="directory", own_config=True
    ),
    "import-mbox-directory": case("import", "mbox", "{folder}", needle="directory"),
    "macros-import-directory": case("macros", "import", "{folder}", needle="directory"),
    "macros-export-directory": case("macros", "export", "{folder}", needle="directory"),
    # --- missing file or folder ----------------------------------------------------------------
    "config-missing": case("--config", "{missing}", "tickets", needle="no such", own_config=True),
    "import-mbox-missing": case("import", "mbox", "{missing}", needle="no such file"),
    "macros-import-missing": case("macros", "import", "{missing}", needle="no such file"),
    "macros-export-missing-folder": case("macros", "export", "{missing}", needle="missing"),
    # --- endless or empty devices ---------------------------------------------------------------
    "import-mbox-dev-zero": case("import", "mbox", "/dev/zero", needle="not an mbox"),
    "import-mbox-dev-null": case("import", "mbox", "/dev/null", needle="empty mailbox"),
    "import-mbox-empty-stdin": case("import", "mbox", "/dev/stdin", needle="empty mailbox"),
    "macros-import-dev-zero": case("macros", "import", "/dev/zero", needle="/dev/zero"),
    "config-dev-zero": case(
        "--config", "/dev/zero", "tickets", needle="/dev/zero", own_config=True
    ),
    # --- queries the store cannot run ----------------------------------------------------------
    "tickets-query-too-many-terms": case("tickets", "--query", MANY_TERMS, needle="terms"),
    "search-too-many-terms": case("search", MANY_TERMS, needle="terms"),
    "views-save-too-many-terms": case("views", "save", "big", MANY_TERMS, needle="terms"),
    "views-save-too-long": case("views", "save", "long", "x" * 20000, needle="long"),
    # --- labels (issue 12) ---------------------------------------------------------------------
    "classify-bad-utf8": case("classify", BAD_UTF8, needle="not valid UTF-8"),
    "classify-nothing": case("classify", needle="exactly one of"),
    "classify-since-alone": case("classify", "hi", "--since", "2d", needle="--backfill"),
    "intent-huge-id": case("intent", HUGE, "feedback", needle="ticket id out of range"),
    "intent-unknown-name": case("intent", "1", "shiping/status", needle="unknown intent"),
    "intent-bad-utf8": case("intent", "1", BAD_UTF8, needle="not valid UTF-8"),
    # --- orders (issue 13) ---------------------------------------------------------------------
    "order-list-huge-id": case("order", "list", HUGE, needle="ticket id out of range"),
    "order-list-missing-ticket": case("order", "list", MAX_ID, code=1, needle="no ticket"),
    "order-show-not-a-ref": case("order", "show", "12345", needle="not an order REF"),
    "order-show-unknown-ref": case("order", "show", "shopee-id:NOPE", code=1, needle="no order"),
    "order-show-bad-utf8": case("order", "show", BAD_UTF8, needle="not valid UTF-8"),
    "order-cancel-no-reason": case("order", "cancel", "main:#1", "--yes", needle="--reason"),
    "order-cancel-blank-reason": case(
        "order", "cancel", "main:#1", "--reason", " ", "--yes", needle="--reason must say why"
    ),
    "order-cancel-not-a-ref": case(
        "order", "cancel", "12345", "--reason", "x", "--yes", needle="not an order REF"
    ),
    "order-cancel-unknown-store": case(
        "order", "cancel", "nowhere:1", "--reason", "x", "--yes", needle="'nowhere' is not a"
    ),
    "order-cancel-bad-utf8": case(
        "order", "cancel", BAD_UTF8, "--reason", "x", "--yes", needle="not valid UTF-8"
    ),
    "order-cancel-bad-utf8-reason": case(
        "order", "cancel", "main:#1", "--reason", BAD_UTF8, "--yes", needle="not valid UTF-8"
    ),
    "order-cancel-huge-ticket": case(
        "order", "cancel", "main:#1", "--reason", "x", "--ticket", HUGE, needle="out of range"
    ),
    "order-cancel-missing-ticket": case(
        "order",
        "cancel",
        "main:#1",
        "--reason",
        "x",
        "--ticket",
        MAX_ID,
        "--yes",
        code=1,
        needle="no ticket",
    ),
    "order-refund-negative-amount": case(
        "order", "refund", "main:#1", "--amount", "-5", needle="not an amount above zero"
    ),
    "order-refund-nan-amount": case(
        "order", "refund", "main:#1", "--amount", "NaN", needle="not an amount above zero"
    ),
    "order-refund-zero-quantity": case(
        "order", "refund", "main:#1", "--item", "TEE-M:0", needle="is not SKU[:QTY]"
    ),
    "order-refund-unknown-store": case(
        "order", "refund", "nowhere:1", "--yes", needle="'nowhere' is not a"
    ),
    "order-address-no-value": case(
        "order", "address", "main:#1", "--set", "city", needle="is not FIELD=VALUE"
    ),
    "order-address-nothing-set": case("order", "address", "main:#1", needle="--set"),
    "order-duplicate-not-a-ref": case("order", "duplicate", "main:", needle="not an order REF"),
    "order-accept-cancel-unknown-store": case(
        "order", "accept-cancel", "nowhere:1", "--yes", needle="'nowhere' is not a"
    ),
    # --- rules (issue 14) ----------------------------------------------------------------------
    "rules-no-action": case("rules", needle="required"),
    "stats-since-garbage": case("stats", "--since", "garbage", needle="cannot understand time"),
    "stats-since-bad-utf8": case("stats", "--since", BAD_UTF8, needle="not valid UTF-8"),
    "stats-by-nonsense": case("stats", "--by", "nonsense", needle="invalid choice"),
    "stats-until-future": case("stats", "--until", "2099-01-01", needle="in the future"),
    "stats-business-hours-unset": case("stats", "--business-hours", needle="[business_hours]"),
    # --- export (issue 15 item 7) ---------------------------------------------------------------
    "export-unknown-what": case("export", "orders", "--out", "x.csv", needle="invalid choice"),
    "export-no-out": case("export", "tickets", needle="--out"),
    "export-no-format": case("export", "tickets", "--out", "t.txt", needle="--format"),
    "export-out-folder": case("export", "tickets", "--out", "{folder}", needle="is a folder"),
    "export-out-fifo": case("export", "tickets", "--out", "{fifo}", needle="not a regular file"),
    "export-since-garbage": case(
        "export", "messages", "--since", "garbage", "--out", "m.csv", needle="--since"
    ),
    "rules-import-fifo": case("rules", "import", "{fifo}", needle="fifo"),
    "rules-export-fifo": case("rules", "export", "{fifo}", needle="--force"),
    "rules-import-directory": case("rules", "import", "{folder}", needle="directory"),
    "rules-export-directory": case("rules", "export", "{folder}", needle="directory"),
    "rules-import-missing": case("rules", "import", "{missing}", needle="no such file"),
    "rules-export-missing-folder": case("rules", "export", "{missing}", needle="missing"),
    "rules-import-dev-zero": case("rules", "import", "/dev/zero", needle="/dev/zero"),
    "rules-import-empty": case("rules", "import", "/dev/null", needle="/dev/null"),
    "nul-in-rules-file": case("rules", "import", "{nul_macros}", needle="NUL"),
    "rules-import-macros-file": case("rules", "import", "{macros_file}", needle="[[rules]]"),
    "rules-show-unknown": case("rules", "show", "nope", code=1, needle="no rule named"),
    "rules-enable-unknown": case("rules", "enable", "nope", code=1, needle="no rule named"),
    "rules-delete-unknown": case("rules", "delete", "nope", code=1, needle="no rule named"),
    "rules-move-no-before": case("rules", "move", "nope", needle="--before"),
    "rules-show-bad-utf8": case("rules", "show", BAD_UTF8, needle="not valid UTF-8"),
    "rules-disable-bad-utf8": case("rules", "disable", BAD_UTF8, needle="not valid UTF-8"),
}


# The order and rules rows run from test_bad_inputs_orders_rules.py: a second file lets
# pytest-xdist (--dist loadfile) give them to another worker (~140 subprocesses in one file
# were the last minutes of a CI run).
SPLIT_OFF = ("order-", "rules-")


@pytest.mark.parametrize("name", [n for n in CASES if not n.startswith(SPLIT_OFF)])
def test_bad_input(place: Place, name: str) -> None:
    """issue 9 finding 14: one line on stderr, the documented exit code, nothing written."""
    check_bad_input(place, name)


def check_bad_input(place: Place, name: str) -> None:
    """Run CASES[name]: one line on stderr, the documented exit code, nothing written."""
    bad = CASES[name]
    args = [place.resolve(arg) for arg in bad.args]
    if not bad.own_config:
        args = ["--config", place.config, *args]
    env = dict(os.environ, **dict(bad.env))
    before = store_digest(place.config)
    result = run_deskterm(*args, env=env)
    assert "Traceback" not in result.err, result.err
    assert result.code == bad.code, result
    if bad.report:  # doctor reports on stdout, one line per check
        assert result.err == "", result.err
        failures = [line for line in result.out.splitlines() if line.startswith("FAIL")]
        assert len(failures) == 1, result.out
        assert bad.needle.lower() in failures[0].lower(), result.out
    else:
        assert len(result.err_lines()) == 1, result.err
        assert bad.needle.lower() in result.err.lower(), result.err
    assert UNSAFE_OUTPUT.search(result.out + result.err) is None
    assert store_digest(place.config) == before, "a refused command wrote to the store"


def test_every_command_is_in_the_table() -> None:
    """issue 9 "Done when": the table covers every command `deskterm --help` lists."""
    from deskterm.cli.parser import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert subparsers.choices is not None
    covered = {c.args[0] for c in CASES.values() if isinstance(c.args[0], str)}
    covered |= {c.args[2] for c in CASES.values() if c.own_config and len(c.args) > 2}
    missing = set(subparsers.choices) - covered
    assert missing == set()


def test_snooze_validates_before_writing(place: Place) -> None:
    """issue 9 finding 10: `snooze 5 '9999-12-31 23:59'` stored the snooze, then crashed."""
    env = dict(os.environ, TZ="Asia/Jakarta")
    result = run_deskterm("--config", place.config, "snooze", "5", "9999-12-31 23:59", env=env)
    assert result.code == 2 and len(result.err_lines()) == 1, result
    with sqlite3.connect(store_file(place.config)) as conn:
        (until,) = conn.execute("SELECT snoozed_until FROM ticket WHERE id = 5").fetchone()
    conn.close()
    assert until is None
    ok = run_deskterm("--config", place.config, "snooze", "5", "2d", env=env)
    assert ok.code == 0 and "snoozed until" in ok.out and "WIB" in ok.out, ok
    assert run_deskterm("--config", place.config, "reopen", "5").code == 0


def test_import_mbox_from_a_pipe_in_one_pass(tmp_path: Path) -> None:
    """issue 9 finding 14: `import mbox /dev/stdin` from a pipe said "empty mailbox"."""
    config = tmp_path / "config.toml"
    config.write_text((REPO / "samples" / "deskterm.toml").read_text())
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, SAMPLE_MBOX.read_bytes()[:60000])  # fits the pipe buffer
    finally:
        os.close(write_end)
    try:
        result = run_deskterm("--config", config, "import", "mbox", "/dev/stdin", stdin=read_end)
    finally:
        os.close(read_end)
    assert result.code == 0, result.err
    assert "13 messages" in result.out and "13 new" in result.out


def test_import_mbox_from_stdin_redirected_file(tmp_path: Path) -> None:
    """issue 9 finding 14: `import mbox /dev/stdin < FILE` imports the file."""
    config = tmp_path / "config.toml"
    config.write_text((REPO / "samples" / "deskterm.toml").read_text())
    with SAMPLE_MBOX.open("rb") as handle:
        result = run_deskterm(
            "--config", config, "import", "mbox", "/dev/stdin", stdin=handle.fileno()
        )
    assert result.code == 0, result.err
    assert "13 new" in result.out


def test_oversized_saved_view_does_not_break_views(place: Place) -> None:
    """issue 9 finding 14: a saved view the store cannot run broke `views` for everyone."""
    with sqlite3.connect(store_file(place.config)) as conn:
        position = conn.execute("SELECT coalesce(max(position), 0) + 1 FROM savedview").fetchone()
        conn.execute(
            "INSERT INTO savedview (name, query, sort, position, created_at)"
            " VALUES (?, ?, 'last_message_at desc', ?, '2026-01-01 00:00:00.000000')",
            ("Monster", MANY_TERMS, position[0]),
        )
    conn.close()
    try:
        listed = run_deskterm("--config", place.config, "views", "--json")
        assert listed.code == 0, listed.err
        assert "Monster" in listed.err and len(listed.err_lines()) == 1
        assert '"Inbox"' in listed.out and "Monster" not in listed.out
        opened = run_deskterm("--config", place.config, "tickets", "--view", "monster")
        assert opened.code == 2 and len(opened.err_lines()) == 1, opened
        assert "monster" in opened.err.lower()
    finally:
        with sqlite3.connect(store_file(place.config)) as conn:
            conn.execute("DELETE FROM savedview WHERE name = 'Monster'")
        conn.close()
