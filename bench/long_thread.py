"""A 5,000-message ticket in the TUI: time of `o` (show all), `z` (quotes) and quit, and RSS.

Runs the real ``DesktermApp`` headless (``App.run_test``, 160x48) on a store holding one
thread of N messages (imported once from a generated mbox into ``bench/.work/long<N>/``).
The anchor, in the same run: the same N messages rendered by plain Rich (``message_text``
wrapped at the pane's width) to a null console -- what drawing every message once costs.

    python bench/long_thread.py [--n 5000]

Last line: ``ratio o / plain Rich render of N messages: X.XX`` (<1: `o` costs less than
rendering every message once, which a lazy view should).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from textual.worker import WorkerState

from deskterm.cli import main as cli
from deskterm.config import load_config
from deskterm.store import reader
from deskterm.store.readdb import open_read
from deskterm.tui.app import DesktermApp
from deskterm.tui.widgets.conversation.conversation_view import ConversationView, message_text

WORK = Path(__file__).resolve().parent / ".work"
SIZE = (160, 48)


def rss_mb() -> float:
    """Resident set size of this process, in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def thread_mbox(path: Path, count: int) -> None:
    """One thread of ``count`` customer mails, each quoting the shop's previous answer."""
    mails = []
    for n in range(count):
        parent = f"In-Reply-To: <thread-{n - 1}@mail.test>\n" if n else ""
        stamp = f"{10 + n // 3600:02d}:{(n // 60) % 60:02d}:{n % 60:02d}"
        mails.append(
            f"From budi@mail.test Mon Nov 16 10:00:00 2026\n"
            "From: Budi <budi@mail.test>\nTo: support@kopi-nusantara.test\n"
            f"Subject: Re: Pesanan panjang\nMessage-ID: <thread-{n}@mail.test>\n{parent}"
            f"Date: Mon, 16 Nov 2026 {stamp} +0000\n\n"
            f"Pesan nomor {n}. Halo kak, pesanan saya belum sampai, mohon dicek ya.\n"
            "Terima kasih banyak.\n\n"
            "On Mon, 16 Nov 2026 10:00 Support <support@kopi-nusantara.test> wrote:\n"
            f"> Balasan sebelumnya {n}\n> Baris kedua\n"
        )
    path.write_text("\n".join(mails), encoding="utf-8")


def store_config(count: int) -> Path:
    """A config whose store holds the thread (imported on the first run)."""
    home = WORK / f"long{count}"
    config = home / "deskterm.toml"
    if not config.exists():
        home.mkdir(parents=True, exist_ok=True)
        db = home / "deskterm.db"
        config.write_text(
            f'[store]\npath = "{db}"\n\n[user]\nname = "Dewi"\nemail = "dewi@kopi.test"\n\n'
            '[[channels]]\nname = "support"\ntype = "email"\n'
            'address = "support@kopi-nusantara.test"\n'
            'password = { env = "DESKTERM_BENCH_UNUSED_PASSWORD" }\n'
            'imap = { host = "imap.kopi.test", username = "support@kopi-nusantara.test" }\n'
            'smtp = { host = "smtp.kopi.test", username = "support@kopi-nusantara.test" }\n',
            encoding="utf-8",
        )
        mbox = home / "thread.mbox"
        thread_mbox(mbox, count)
        print(f"importing {count} messages (once) ...", file=sys.stderr)
        assert cli(["--config", str(config), "import", "mbox", str(mbox)]) == 0
    return config


async def settle(pilot: object, view: ConversationView) -> None:
    """Until the frame after the last change went out."""
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def measure(config: Path, count: int) -> dict[str, float]:
    settings = load_config(config)
    app = DesktermApp(store_url=settings.store_url(), me_email="dewi@kopi.test", config=settings)
    figures: dict[str, float] = {}
    async with app.run_test(size=SIZE) as pilot:
        view = app.inbox.query_one(ConversationView)
        while view.ticket is None or len(view.ticket["messages"]) < count:
            await pilot.pause(0.05)
        await settle(pilot, view)
        # The agent reads the newest messages a moment: the load worker folds the history.
        busy = (WorkerState.PENDING, WorkerState.RUNNING)
        while any(w.group == "ticket" and w.state in busy for w in app.workers):
            await pilot.pause(0.01)
        gc.collect()
        figures["rss_open"] = rss_mb()
        view.focus()
        start = time.perf_counter()
        await pilot.press("o")
        await settle(pilot, view)
        figures["o"] = time.perf_counter() - start
        assert view.show_all and view.max_scroll_y > count, "o did not show the thread"
        view.scroll_to(y=view.max_scroll_y // 2, animate=False, immediate=True)
        await settle(pilot, view)
        times = []
        for _ in range(4):
            start = time.perf_counter()
            await pilot.press("z")
            await settle(pilot, view)
            times.append(time.perf_counter() - start)
        figures["z"] = max(times)
        gc.collect()
        figures["rss_drawn"] = rss_mb()
        start = time.perf_counter()
        app.exit()
    figures["quit"] = time.perf_counter() - start
    return figures


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def in_terminal(config: Path, count: int) -> dict[str, float]:
    """In tmux (160x48): RSS after `o` and `z`, and seconds from `q` to the process's end."""
    session = f"bench-long-thread-{os.getpid()}"
    command = (
        f"exec env -u COLUMNS -u LINES PYTHONPATH={os.environ.get('PYTHONPATH', '')} "
        f"{sys.executable} -m deskterm --config {config}"
    )
    tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "48", command)
    try:
        tmux("set-option", "-t", session, "remain-on-exit", "on")
        pid = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())

        def wait_for(text: str) -> None:
            deadline = time.monotonic() + 120
            while text not in tmux("capture-pane", "-p", "-t", session):
                if time.monotonic() > deadline:
                    raise SystemExit(f"never saw {text!r} in tmux")
                time.sleep(0.05)

        wait_for(f"Pesan nomor {count - 1}.")
        time.sleep(2.0)  # the history folded in the background
        tmux("send-keys", "-t", session, "Enter")  # from the list into the conversation
        time.sleep(0.5)
        tmux("send-keys", "-t", session, "o")
        wait_for("Pesan nomor 0.")
        tmux("send-keys", "-t", session, "z")
        wait_for("> Balasan sebelumnya 0")
        time.sleep(0.5)
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])
        start = time.perf_counter()
        tmux("send-keys", "-t", session, "q")
        while tmux("display", "-p", "-t", session, "#{pane_dead}").strip() != "1":
            time.sleep(0.01)
        return {"tmux_rss": rss / 1000, "tmux_quit": time.perf_counter() - start}
    finally:
        tmux("kill-session", "-t", session)


def anchor(config: Path, count: int) -> float:
    """Seconds plain Rich takes to render the same messages once, wrapped at the pane."""
    db = open_read(load_config(config).store_url())
    ticket = reader.get_ticket(db, 1)
    console = Console(file=io.StringIO(), width=110, color_system="truecolor")
    start = time.perf_counter()
    for message in ticket["messages"][:count]:
        console.print(message_text(message, expanded=False))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages in the thread")
    args = parser.parse_args()
    config = store_config(args.n)
    figures = asyncio.run(measure(config, args.n))
    if shutil.which("tmux"):
        figures.update(in_terminal(config, args.n))
    plain = anchor(config, args.n)
    print(f"messages in the thread:          {args.n}")
    print(f"o (show all):                    {figures['o']:.3f} s")
    print(f"z (quotes), slowest of 4:        {figures['z']:.3f} s")
    print(f"quit with everything drawn:      {figures['quit']:.3f} s")
    print(
        f"RSS at open / after o and z:     {figures['rss_open']:.0f} / "
        f"{figures['rss_drawn']:.0f} MB"
    )
    if "tmux_quit" in figures:
        print(f"in tmux: RSS after o and z:      {figures['tmux_rss']:.0f} MB")
        print(f"in tmux: q to process exit:      {figures['tmux_quit']:.3f} s")
    print(f"anchor: plain Rich render of {args.n} messages: {plain:.3f} s")
    print(f"ratio o / plain Rich render of {args.n} messages: {figures['o'] / plain:.2f}")


if __name__ == "__main__":
    main()
