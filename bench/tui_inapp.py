"""In-app TUI timings for tui_vs_neomutt.py: keys in as a terminal sends them, out as frames.

Runs the real ``DesktermApp`` headless (``App.run_test``, 160x48) on a bench store and prints
one JSON object on stdout. Nothing in ``src/`` is changed: the probe wraps two methods of the
running instances (``App._display``, which receives every frame the compositor rendered, and
``TicketList.render_line``) to learn when a frame went out and what it held.

    python bench/tui_inapp.py --config CFG --ticket ID [--presses 20] [--opens 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual._compositor import CompositorUpdate
from textual.screen import Screen
from textual.strip import Strip
from textual.worker import WorkerState

from deskterm.config import load_config
from deskterm.tui.app import DesktermApp
from deskterm.tui.widgets.conversation.conversation_view import (
    SHOWN_AT_FIRST,
    ConversationView,
)
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import PAGE_SIZE, TicketList

SIZE = (160, 48)
SWITCHES = ("All", "Closed", "Inbox")  # from the Inbox the app opens on, round and round
BUSY = (WorkerState.PENDING, WorkerState.RUNNING)
KEY_CHARS = {"enter": "\r"}
Condition = Callable[[], bool]


class FrameTimeout(Exception):
    """The app never rendered the awaited frame."""


class Probe:
    """Knows when the app put a frame out and which ticket rows that frame painted."""

    def __init__(self, app: DesktermApp) -> None:
        self.app = app
        self.tickets = app.inbox.query_one(TicketList)
        self.conversation = app.inbox.query_one(ConversationView)
        self.sidebar = app.inbox.query_one(ViewsList)
        self.frames = 0
        self.step = "the first page"  # what is awaited, for the error message
        # Rows the list rendered since the last frame: index -> (view, ticket id, is cursor).
        self.rows: dict[int, tuple[str, int | None, bool]] = {}
        self._waiters: list[tuple[Condition, asyncio.Future[float]]] = []

    def install(self) -> None:
        """Wrap the instance methods; class attributes (and src/) stay as they are."""
        app, tickets = self.app, self.tickets
        display = app._display

        def probed_display(screen: Screen[Any], renderable: Any) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:
                return  # nothing would reach the terminal
            if isinstance(renderable, CompositorUpdate):
                # The headless driver skips turning the update into escape sequences; a
                # terminal would not, so that work is done (and thrown away) here.
                renderable.render_segments(app.console)
            now = time.perf_counter()
            self.frames += 1
            for waiter in list(self._waiters):
                condition, future = waiter
                if future.done() or condition():
                    self._waiters.remove(waiter)
                    if not future.done():
                        future.set_result(now)
            self.rows.clear()

        render_line = tickets.render_line

        def probed_render_line(y: int) -> Strip:
            strip = render_line(y)
            index = tickets.scroll_offset.y + y
            page = tickets._pages.get(index // PAGE_SIZE)  # not row(): it may ask for a page
            offset = index % PAGE_SIZE
            ticket_id = page[offset]["id"] if page is not None and offset < len(page) else None
            self.rows[index] = (app.view, ticket_id, index == tickets.cursor)
            return strip

        # Instance attributes shadow the methods; Textual looks both up on the instance.
        setattr(app, "_display", probed_display)  # noqa: B010  (mypy: no assigning to a method)
        setattr(tickets, "render_line", probed_render_line)  # noqa: B010

    # --- what a frame shows ---------------------------------------------------------------

    def row_painted(self, index: int, view: str | None = None, *, cursor: bool = False) -> bool:
        """This frame painted list row ``index`` with a ticket (of ``view``; under the cursor)."""
        row = self.rows.get(index)
        if row is None or row[1] is None:
            return False
        return (view is None or row[0] == view) and (row[2] or not cursor)

    def view_painted(self, view: str) -> bool:
        """This frame painted the first row of ``view`` (the app has switched to it)."""
        return self.app.view == view and self.row_painted(0, view)

    def conversation_painted(self, ticket_id: int) -> bool:
        """This frame laid out the drawn messages of ``ticket_id`` (and painted them)."""
        ticket = self.conversation.ticket
        if ticket is None or ticket["id"] != ticket_id:
            return False
        children = self.conversation.children
        if len(children) != self.expected_widgets(ticket):
            return False
        # Read the compositor's maps as they are: a property that rebuilds them would add
        # work the app itself does not do.
        compositor = self.app.screen._compositor
        if not compositor._full_map_invalidated and children[-1] in compositor._full_map:
            return True
        return compositor._visible_map is not None and children[-1] in compositor._visible_map

    def newest_visible(self, ticket_id: int) -> bool:
        """This frame shows the newest message of ``ticket_id`` (where the pane scrolls to)."""
        ticket = self.conversation.ticket
        if ticket is None or ticket["id"] != ticket_id or not self.conversation.children:
            return False
        if len(self.conversation.children) != self.expected_widgets(ticket):
            return False
        return self.conversation.children[-1] in self.app.screen._compositor.visible_widgets

    def expected_widgets(self, ticket: dict[str, Any]) -> int:
        """Header + one Static per drawn message (+ the "earlier messages" line of a long
        thread, which opens at its newest SHOWN_AT_FIRST messages)."""
        count = len(ticket["messages"])
        if self.conversation.show_all or count <= SHOWN_AT_FIRST:
            return 1 + count
        return 2 + SHOWN_AT_FIRST

    def describe(self) -> str:
        """What the app shows now, for an error message."""
        ticket = self.conversation.ticket
        shown = (
            "nothing" if ticket is None else f"#{ticket['id']}, {len(ticket['messages'])} messages"
        )
        children = self.conversation.children
        visible = self.app.screen._compositor.visible_widgets
        return (
            f"view {self.app.view!r}, cursor {self.tickets.cursor}, row there"
            f" {self.tickets.row(self.tickets.cursor)!r:.60}; conversation {shown},"
            f" {len(children)} widgets, last visible {bool(children) and children[-1] in visible};"
            f" frames {self.frames}"
        )

    def ticket_at(self, index: int) -> int:
        """The id of the loaded row ``index``."""
        row = self.tickets.row(index)
        assert row is not None, f"row {index} not loaded"
        return int(row["id"])

    # --- waiting --------------------------------------------------------------------------

    async def frame_where(
        self, *conditions: Condition, timeout: float = 60.0, now: bool = False
    ) -> list[float]:
        """perf_counter of the first frame after now at which each condition held.

        With ``now`` (untimed waits), conditions that already hold count at once: the last
        frame showed them, and another frame might not come.
        """
        if now and all(condition() for condition in conditions):
            return [time.perf_counter()] * len(conditions)
        loop = asyncio.get_running_loop()
        futures = []
        for condition in conditions:
            future: asyncio.Future[float] = loop.create_future()
            self._waiters.append((condition, future))
            futures.append(future)
        try:
            return list(await asyncio.wait_for(asyncio.gather(*futures), timeout))
        except TimeoutError:
            message = f"no frame showed {self.step} in {timeout:.0f} s (did the TUI change?)"
            raise FrameTimeout(f"{message}\n{self.describe()}") from None

    async def timed(self, action: Callable[[], object], *conditions: Condition) -> list[float]:
        """Seconds from ``action`` until the frame at which each condition held."""
        waiting = asyncio.ensure_future(self.frame_where(*conditions))
        await asyncio.sleep(0)  # the waiters are registered before the action
        began = time.perf_counter()
        action()
        return [done - began for done in await waiting]

    async def press(
        self, key: str, *conditions: Condition, maybe: Condition | None = None, grace: float = 2.0
    ) -> tuple[list[float], float | None]:
        """Send ``key`` as the terminal driver does; seconds until each condition's frame.

        ``maybe`` is a condition the app may never meet: its time, or None when it did not
        hold within ``grace`` seconds after the others.
        """
        event = events.Key(key, KEY_CHARS.get(key, key if len(key) == 1 else None))
        event.set_sender(self.app)
        driver = self.app._driver
        assert driver is not None
        optional: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if maybe is not None:
            self._waiters.append((maybe, optional))
        waiting = asyncio.ensure_future(self.frame_where(*conditions))
        await asyncio.sleep(0)  # the waiters are registered before the key goes in
        began = time.perf_counter()
        driver.send_message(event)
        times = [done - began for done in await waiting]
        if maybe is None:
            return times, None
        with suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(optional), grace)
        if not optional.done():
            optional.cancel()  # the probe drops cancelled waiters at the next frame
            return times, None
        return times, optional.result() - began

    async def move_to(self, row: int) -> None:
        """Put the cursor on ``row`` with j/k as the agent would (untimed), then settle.

        Keys, not ``cursor =``: a live reload in flight (e.g. a read mark written after a
        second on screen) only leaves the cursor alone after the agent moved it.
        """
        while self.tickets.cursor != row:
            key = "j" if self.tickets.cursor < row else "k"
            want = self.tickets.cursor + (1 if key == "j" else -1)
            ticket_id = self.ticket_at(want)
            # One row at a time, each conversation shown before the next key: a quicker
            # key can leave the pane on the previous ticket (see bench/README.md).
            self.step = f"row {want} and its conversation (#{ticket_id}) after {key}"
            await self.press(
                key,
                partial(self.row_painted, want, cursor=True),
                partial(self.conversation_painted, ticket_id),
            )
        await self.settle()

    async def settle(self, quiet: float = 0.25) -> None:
        """Let workers finish and the screen go quiet: one measurement must not overlap the next."""
        deadline = time.perf_counter() + 60
        while any(worker.state in BUSY for worker in self.app.workers):
            if time.perf_counter() > deadline:
                break  # a stuck worker shows up as a timeout in the next measurement
            await asyncio.sleep(0.02)
        await asyncio.sleep(quiet)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the app through the three measurements and return the timings (seconds)."""
    config = load_config(Path(args.config))
    app = DesktermApp(
        store_url=config.store_url(),
        me_email=(config.user.email or "").lower(),
        me_name=config.user.name or "",
        config=config,
    )
    profile_dir = Path(args.profile) if args.profile else None
    result: dict[str, Any] = {}
    async with app.run_test(size=SIZE):
        probe = Probe(app)
        probe.install()
        tickets = probe.tickets
        await probe.frame_where(lambda: probe.row_painted(0, "Inbox"))
        await probe.settle(1.0)  # counts, macros and the first conversation
        first_page = tickets._pages.get(0, [])
        big = [n for n, row in enumerate(first_page) if row["id"] == args.ticket]
        if not big:
            raise SystemExit(f"tui_inapp: ticket {args.ticket} is not on the Inbox's first page")
        big_row = big[0]
        result |= {"list_height": tickets.size.height, "big_row": big_row}

        def profiled(name: str) -> AbstractContextManager[Any]:
            if profile_dir is None:
                return nullcontext()
            return _Profiled(profile_dir / f"inapp-{name}.prof")

        # j: from the row after the long conversation, so its 200 messages do not take part.
        await probe.move_to(big_row + 1)
        j_list: list[float] = []
        j_conversation: list[float] = []
        with profiled("j"):
            for _ in range(args.presses):
                want = tickets.cursor + 1
                ticket_id = probe.ticket_at(want)
                probe.step = f"row {want} under the cursor and ticket #{ticket_id} after j"
                (listed, shown), _ = await probe.press(
                    "j",
                    partial(probe.row_painted, want, cursor=True),
                    partial(probe.conversation_painted, ticket_id),
                )
                j_list.append(listed)
                j_conversation.append(shown)
                await probe.settle()
        result |= {"j_list": j_list, "j_conversation": j_conversation}

        # Open the long conversation: k from the row below it, until all of it is laid out.
        opens: list[float] = []
        opens_newest: list[float | None] = []  # None: the newest message never came into view
        with profiled("open"):
            for _ in range(args.opens):
                await probe.move_to(big_row + 1)
                probe.step = f"all of ticket #{args.ticket} after k"
                (opened,), newest = await probe.press(
                    "k",
                    partial(probe.conversation_painted, args.ticket),
                    maybe=partial(probe.newest_visible, args.ticket),
                )
                opens.append(opened)
                opens_newest.append(newest)
                await probe.settle()
        result |= {"open": opens, "open_newest": opens_newest}
        opened_ticket = probe.conversation.ticket
        result["messages"] = len(opened_ticket["messages"]) if opened_ticket else 0

        # Switch views through the sidebar: Enter until the list paints the view's first row.
        switches: dict[str, list[float]] = {view: [] for view in SWITCHES}
        totals: dict[str, int] = {}
        with profiled("switch"):
            for _ in range(args.rounds):
                for view in SWITCHES:
                    probe.sidebar.focus()
                    probe.sidebar.highlighted = probe.sidebar._names.index(view)
                    await probe.settle(0.1)
                    # Fresh sidebar counts (after any store change) put the highlight back
                    # on the current view: set it again, a no-op when it is still there.
                    probe.sidebar.highlighted = probe.sidebar._names.index(view)
                    probe.step = f"the first row of {view} after Enter in the sidebar"
                    (switched,), _ = await probe.press("enter", partial(probe.view_painted, view))
                    switches[view].append(switched)
                    totals[view] = tickets.total
                    await probe.settle()
        # The same switches without the sidebar (no focus change): app.load_view directly.
        direct: dict[str, list[float]] = {view: [] for view in SWITCHES}
        for _ in range(args.rounds):
            for view in SWITCHES:
                probe.step = f"the first row of {view} after load_view"
                (switched,) = await probe.timed(
                    partial(app.load_view, view), partial(probe.view_painted, view)
                )
                direct[view].append(switched)
                await probe.settle()
        result |= {"switch": switches, "switch_direct": direct, "totals": totals}
        result["frames"] = probe.frames
        app.exit()
    return result


class _Profiled:
    """cProfile of the UI thread (workers' SQL runs in other threads and is not in it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.profile = cProfile.Profile()

    def __enter__(self) -> None:
        self.profile.enable()

    def __exit__(self, *exc: object) -> None:
        self.profile.disable()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.profile.dump_stats(self.path)


def main() -> None:
    """Parse arguments, measure, print JSON (and medians on stderr for a quick look)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--ticket", type=int, required=True, help="the long conversation's id")
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--opens", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="Inbox -> All -> Closed rounds")
    parser.add_argument("--profile", help="directory for cProfile files, one per phase")
    args = parser.parse_args()
    try:
        result = asyncio.run(measure(args))
    except FrameTimeout as exc:
        raise SystemExit(f"tui_inapp: {exc}") from None
    print(json.dumps(result))
    for key in ("j_list", "j_conversation", "open"):
        median = statistics.median(result[key]) * 1000
        print(f"# {key}: median {median:.1f} ms", file=sys.stderr)


if __name__ == "__main__":
    main()
