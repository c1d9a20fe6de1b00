"""``deskterm demo``: local servers, a seeded mailbox, the real sync workers, then the inbox."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import shlex
import shutil
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path

from deskterm.config import load_config
from deskterm.demo.folder import demo_folder
from deskterm.demo.mailbox import SHOP, demo_messages, late_message
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.demo.servers import DemoImap, DemoSmtp
from deskterm.domain.logsetup import setup_logging
from deskterm.paths import LOG_FILE_NAME, create_private_file, write_private_text
from deskterm.services.actor import Actor
from deskterm.services.macros import import_macros
from deskterm.services.rule_engine import after_pass
from deskterm.services.rules import import_starter
from deskterm.store.engine import open_store
from deskterm.sync.lock import SyncLock
from deskterm.sync.runner import Daemon, run_once
from deskterm.tui.signals import SignalEnding

MACROS = Path(__file__).with_name("macros.toml")  # the same as samples/macros.toml
HELP_CENTER = Path(__file__).with_name("help_center")  # Markdown articles, en/ and id/
HELP_URL = "https://kopi-nusantara.test/help/"
LATE_MAIL_AFTER = 20.0  # seconds into the demo when one more customer writes
# The starter rules the demo turns on, so that its first sync shows rules at work: every
# marketplace chat gets a quick acknowledgement (a rule's reply, sent, with its note) and
# the weekly newsletter goes to spam. The others are imported off, as for a user. (Not
# "Close on thanks": it would close Siti's ticket, the demo's first example of a thread.)
DEMO_RULES = ("Newsletters to spam", "Marketplace chat quick acknowledgement")


def write_config(
    data_dir: Path, secrets_dir: Path, imap: DemoImap, smtp: DemoSmtp, markets: str = ""
) -> Path:
    """The demo's config.toml, usable by every other deskterm command while it runs.

    It names its secrets, never holds them: they are files in ``secrets_dir``, outside
    the data folder, which the demo removes when it ends (the servers they open go too).
    """
    secret = secrets_dir / "imap-password"
    write_private_text(secret, imap.password + "\n")
    config = data_dir / "config.toml"
    write_private_text(
        config,
        f"""# Written by `deskterm demo`: local servers on loopback, store in this folder.
[store]
path = "deskterm.db"

[user]
name = "Dewi"
email = "dewi@kopi-nusantara.test"

[help_center]
path = {_toml_string(str(HELP_CENTER))}
base_url = "{HELP_URL}"

[[channels]]
name = "support"
type = "email"
address = "{SHOP}"
password = {{ command = "cat {secret}" }}
noreply_addresses = ["no-reply@kopi-nusantara.test"]
gmail_grouping = true
poll_seconds = 10

[channels.imap]
host = "127.0.0.1"
port = {imap.port}
security = "none"
username = "{SHOP}"
sent_folder = "Sent"

[channels.smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
username = "{SHOP}"
{markets}""",
    )
    return config


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (an install path may hold quotes or backslashes)."""
    return json.dumps(text)  # JSON's escapes are a subset of TOML's basic strings


def run_demo(data_dir: Path | None, *, tui: bool, command: str = "deskterm") -> int:
    """Run the demo; returns the exit code.

    ``command`` is how the user runs deskterm (``cli.demo_command.invocation``): the demo
    tells them how to reach its data with it, in the inbox and again when it ends.
    """
    with demo_folder(data_dir) as folder:
        try_line = f"{command} --config {shlex.quote(str(folder / 'config.toml'))} tickets"
        code = _in_folder(folder, tui=tui, try_line=try_line)
        if tui:  # before the inbox it would be hidden, then shown twice: say it now
            kept = "" if data_dir is not None else " (emptied by the next deskterm demo)"
            with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
                sys.stderr.write(f"demo data kept in {folder}{kept}\n  try: {try_line}\n")
    return code


def _in_folder(data_dir: Path, *, tui: bool, try_line: str) -> int:
    # A full-screen inbox must have no log line on its terminal; the summary run shows
    # warnings. Either way the log is the data folder's, rotated, secrets masked.
    setup_logging(
        data_dir / LOG_FILE_NAME, stderr_level=None if tui else logging.WARNING, exclusive=tui
    )
    create_private_file(data_dir / "imap.log")  # pymap appends to it
    imap = DemoImap(SHOP, secrets.token_urlsafe(12), data_dir / "imap.log")
    smtp = DemoSmtp()
    # SIGHUP, SIGTERM, SIGQUIT end the demo as quitting does: the inbox closes (``app`` is
    # set while it runs), sync and the servers stop (tui/signals.py).
    with SignalEnding() as ending, ExitStack() as stack:
        # The fakes' keys and tokens and the IMAP password: private files outside the data
        # folder (which is there to be looked at, copied, shared), gone with the demo.
        secrets_dir = Path(tempfile.mkdtemp(prefix="deskterm-demo-secrets-"))
        stack.callback(shutil.rmtree, secrets_dir, ignore_errors=True)
        imap.start()
        stack.callback(imap.stop)
        smtp.start()
        stack.callback(smtp.stop)
        # TikTok Shop (Tokopedia), Shopee, Lazada and a Shopify store: faithful local fakes.
        markets = stack.enter_context(serve_marketplaces(secrets_dir))
        config_path = write_config(data_dir, secrets_dir, imap, smtp, markets.config)
        code = _run(data_dir, config_path, imap, markets, tui=tui, ending=ending, hint=try_line)
    return 128 + ending.signum if ending.signum else code


def _run(
    data_dir: Path,
    config_path: Path,
    imap: DemoImap,
    markets: Marketplaces,
    *,
    tui: bool,
    ending: SignalEnding,
    hint: str,
) -> int:
    imap.seed("Sent", [])
    imap.seed("INBOX", demo_messages())
    config = load_config(config_path)
    store = open_store(config.store_url(), data_dir=data_dir)
    import_macros(store, MACROS)
    # Before the first sync: a rule runs only on events logged after it was turned on.
    import_starter(store, Actor(label="demo"), enable=DEMO_RULES)
    with SyncLock(store.data_dir):
        if not tui:
            sys.stderr.write(f"demo data in {data_dir}\n  try: {hint}\n")
            summaries = run_once(config, store, after_pass=after_pass(config))
            for summary in summaries:
                sys.stdout.write(summary.line() + "\n")
            return 0 if all(summary.ok for summary in summaries) else 1
        notice = (
            f"Its data is in {data_dir}. While it runs, every deskterm command works on it;"
            f" in another terminal try:\n{hint}"
        )
        return _with_tui(config, store, imap, markets, ending, notice=notice)


def _with_tui(
    config: object,
    store: object,
    imap: DemoImap,
    markets: Marketplaces,
    ending: SignalEnding,
    *,
    notice: str,
) -> int:
    from deskterm.config import Config
    from deskterm.store.engine import Store
    from deskterm.tui.app import DesktermApp

    assert isinstance(config, Config) and isinstance(store, Store)
    daemon = Daemon(config, store, after_pass=after_pass(config))
    sync = threading.Thread(target=daemon.run, name="demo-sync", daemon=True)
    sync.start()

    def customers_write() -> None:
        imap.seed("INBOX", [late_message()])
        if markets.seeded["shopee-id"]:
            markets.shopee.add_buyer_message(
                markets.seeded["shopee-id"][0], "Kak, paketnya sudah sampai di mana ya?"
            )

    late = threading.Timer(LATE_MAIL_AFTER, customers_write)
    late.daemon = True
    late.start()
    app = DesktermApp(
        store_url=config.store_url(),
        me_email=config.user.email,
        me_name=config.user.name,
        config=config,
        notice=notice,
    )
    app.log_path = config.store_path().parent / LOG_FILE_NAME  # the data folder's log
    ending.app = app
    try:
        app.run()
    finally:
        ending.app = None
        late.cancel()
        daemon.stop.set()
        sync.join(timeout=30)
    if app.crash_line:  # an unexpected error: one line, the traceback is in the log
        with contextlib.suppress(OSError):
            sys.stderr.write(app.crash_line + "\n")
    return 0 if ending.signum else (app.return_code or 0)
