"""Review reproduction: LazyLoader (Python 3.11) raced by two threads before warm_up ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.tui.conftest import REPO

CHILD = textwrap.dedent(
    """
    import importlib, sys, threading, time
    import deskterm.tui.app as app_module            # what `deskterm tui` imports: services lazy
    from deskterm.tui.actions import ticket_actions, compose_actions
    assert "sqlalchemy" not in sys.modules

    errors = []

    def warm_up():                                     # DesktermApp.warm_up's loop
        for name in app_module.WARM_UP:
            importlib.import_module(name)

    def writer_job():                                  # the writer thread running `c`
        time.sleep(0.05)                               # a key pressed just after the first paint
        try:
            ticket_actions.tickets_svc.close
            compose_actions.drafts.save_draft
        except AttributeError as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=warm_up), threading.Thread(target=writer_job)]
    for t in threads: t.start()
    for t in threads: t.join()
    print("ERRORS", errors)
    """
)


def test_a_service_touched_while_warm_up_imports_it_is_complete() -> None:
    """LazyLoader on 3.11 swaps the module's class BEFORE executing its body, so a second
    thread touching it meanwhile sees a half-built module: AttributeError (CPython
    gh-114763, fixed with a lock in 3.12.3+/3.13)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "ERRORS []" in done.stdout, done.stdout + done.stderr[-2000:]


APP_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from deskterm.config import load_config
    from deskterm.tui.app import DesktermApp
    from deskterm.tui.widgets.tickets.ticket_list import TicketList
    from tests.tui.conftest import store_url
    assert "sqlalchemy" not in sys.modules             # a cold start, as `deskterm tui`

    config = Path(sys.argv[1])
    errors = []

    async def main():
        app = DesktermApp(store_url=store_url(config), me_email="dewi@kopi-nusantara.test",
                          me_name="Dewi", config=load_config(config))
        app.show_error = lambda exc: errors.append(repr(exc))
        async with app.run_test(size=(160, 48)) as pilot:
            tickets = app.inbox.query_one(TicketList)
            while tickets.current is None:
                await asyncio.sleep(0.005)
            await pilot.press("c")                      # close the first ticket at first sight
            for _ in range(200):
                await asyncio.sleep(0.05)
                if app._store is not None and app._writer._work_queue.empty():
                    break
            await asyncio.sleep(0.5)
        import deskterm.services.replies as replies   # left half-built for the whole session?
        print("ERRORS", errors, "replies.queue_reply present:", hasattr(replies, "queue_reply"))

    asyncio.run(main())
    """
)


def test_a_key_pressed_at_first_paint_does_not_fail(sample_config) -> None:  # type: ignore[no-untyped-def]
    """The same race in the app: `c` at first paint runs on the writer thread while
    warm_up is still importing. Seen: warm_up dies with "ImportError: cannot import name
    'load_ticket' from 'deskterm.services.tickets'" (so sync never starts), and
    deskterm.services.replies stays half-built: every reply of the session then fails
    with "AttributeError: module 'deskterm.services.replies' has no attribute
    'queue_reply'"."""
    done = subprocess.run(
        [sys.executable, "-c", APP_CHILD, str(sample_config)],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert "ERRORS []" in done.stdout, done.stdout + done.stderr[-2000:]
