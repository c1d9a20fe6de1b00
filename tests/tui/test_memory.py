"""Memory stays bounded: 1,000 ticket opens and 1,000 focus changes (issue 11 item 4)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.test_inbox import until
from tests.tui.test_keys_palette_composer import make_app

OPENS = int(os.environ.get("MEMORY_OPENS", "1000"))
# A focus change costs Textual ~0.15 s (every node restyled, the footer's keys remounted):
# 200 keep CI under 90 s and would show the old leak (0.33 MB each: 66 MB) over the bound;
# MEMORY_FOCUS=1000 runs the full count (about 3 minutes).
FOCUS_CHANGES = int(os.environ.get("MEMORY_FOCUS", "200"))
BOUND_MB = 50


def rss_mb() -> float:
    """This process's resident set size (psutil is not a dependency: /proc says it)."""
    gc.collect()
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


@pytest.mark.slow
async def test_opens_and_focus_changes_leave_memory_bounded(sample_config: Path) -> None:
    """Issue 11 item 4: 1,000 ticket opens (cycling through the sample tickets) and focus
    changes (200 here, 1,000 with MEMORY_FOCUS=1000) grow RSS by less than 50 MB after a
    warm-up, and no footer key widget of an earlier focus survives (Textual 8.2's Footer
    kept every one alive)."""
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        view = app.inbox.query_one(ConversationView)
        await until(lambda: tickets.current is not None and view.ticket is not None, pilot)
        # A live reload (the buyer's orders refreshed on open) may have the rows in flight:
        # wait until a page is loaded again.
        await until(lambda: bool(tickets._pages), pilot)
        ids = [int(row["id"]) for page in tickets._pages.values() for row in page]
        assert len(ids) >= 5

        async def open_ticket(index: int) -> None:
            wanted = ids[index % len(ids)]
            app.open_ticket(wanted)
            while view.ticket is None or view.ticket["id"] != wanted:
                await pilot.pause(0.001)  # the load worker's answer: no longer than needed

        async def change_focus() -> None:
            app.inbox.focus_next()  # what tab does, without the key's round trip
            await pilot.pause()

        for index in range(50):  # warm-up: caches, fonts of every pane, first renders
            await open_ticket(index)
            await change_focus()
        await pilot.pause(0.2)
        before = rss_mb()
        for index in range(max(OPENS, FOCUS_CHANGES)):
            if index < OPENS:
                await open_ticket(index)
            if index < FOCUS_CHANGES:
                await change_focus()
        await pilot.pause(0.2)
        after = rss_mb()
        print(f"RSS {before:.1f} MB -> {after:.1f} MB after {OPENS} opens, {FOCUS_CHANGES} focus")
        footer_keys = [o for o in gc.get_objects() if isinstance(o, FooterKey)]
        assert all(key.is_attached for key in footer_keys), "stale footer keys kept alive"
        assert after - before < BOUND_MB, f"RSS grew {after - before:.1f} MB ({before:.0f} MB)"
