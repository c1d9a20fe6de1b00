"""Managing macros and saved views in the TUI: F2 macros, F3 views, V saves a search."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest
from textual.screen import Screen
from textual.widgets import Input, OptionList, Select, Static, TextArea

from deskterm.cli import main
from deskterm.tui.app import DesktermApp
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_manager import MacroManager
from deskterm.tui.screens.macro_picker import MacroPicker
from deskterm.tui.screens.prompt import PromptScreen
from deskterm.tui.screens.view_editor import ViewEditor
from deskterm.tui.screens.views_manager import ViewsManager
from deskterm.tui.widgets.conversation.conversation_view import ConversationView
from deskterm.tui.widgets.sidebar.views_list import ViewsList
from deskterm.tui.widgets.tickets.ticket_list import TicketList
from tests.tui.conftest import REPO
from tests.tui.test_actions import make_app
from tests.tui.test_inbox import until

EMPTY_ORDER = "{{ticket.customer.integrations.shopify.orders[0].name}}"


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


def top(app: DesktermApp) -> Screen[Any]:
    """The screen on top (a call, so that type checkers do not pin it down)."""
    return app.screen


def on_screen(app: DesktermApp, kind: type[ScreenT]) -> ScreenT:
    """The screen on top, which must be a ``kind``."""
    screen = app.screen
    assert isinstance(screen, kind), f"{type(screen).__name__} is shown, not {kind.__name__}"
    return screen


def shown(widget: Static) -> str:
    """What a Static shows, as plain text."""
    return str(widget.render())


def sidebar_labels(app: DesktermApp) -> list[str]:
    sidebar = app.inbox.query_one(ViewsList)
    return [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]


async def clear_and_type(pilot: object, text: str) -> None:
    """Replace the focused Input's text by typing, as an agent would."""
    await pilot.press("end", "ctrl+u", *text)  # type: ignore[attr-defined]


async def ready(app: DesktermApp, pilot: object, macros: int = 0) -> None:
    conversation = app.inbox.query_one(ConversationView)
    tickets = app.inbox.query_one(TicketList)
    await until(
        lambda: (
            conversation.ticket is not None
            and tickets.current is not None
            and len(app.macros) == macros
        ),
        pilot,
    )


def import_samples(config: Path) -> None:
    args = ["--config", str(config), "macros", "import", str(REPO / "samples" / "macros.toml")]
    assert main(args) == 0


@pytest.mark.slow
async def test_create_a_macro_find_it_in_the_picker_edit_and_delete_it(
    sample_config: Path,
) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        await pilot.press("f2")
        manager = on_screen(app, MacroManager)
        assert "No macros yet" in shown(manager.query_one("#manager-status", Static))
        await pilot.press("n")
        editor = on_screen(app, MacroEditor)
        await pilot.press(*"Late order", "tab", *";late", "tab")
        body = "Hi {{ticket.customer.firstname}}, [b]sorry[/b] " + EMPTY_ORDER
        await pilot.press(*body)
        await pilot.press("tab", *"late, apology", "tab", "tab")
        editor.query_one("#macro-status", Select).value = "closed"
        await pilot.press("tab", *"2d", "tab", *"me")
        # The preview renders in a worker: wait for the text typed last.
        await until(
            lambda: EMPTY_ORDER in shown(editor.query_one("#editor-preview", Static)), pilot
        )
        preview = shown(editor.query_one("#editor-preview", Static))
        # Seller-written markup shows literally; the blank variable is named and shown in place.
        assert "[b]sorry[/b]" in preview
        assert "empty for this ticket" in preview and preview.rstrip().endswith(EMPTY_ORDER)
        await pilot.press("ctrl+s")
        await until(lambda: top(app) is manager and len(app.macros) == 1, pilot)
        macro = app.macros[0]
        assert (macro.name, macro.shortcut, macro.body) == ("Late order", "late", body)
        assert macro.actions == {
            "add_tags": ["late", "apology"],
            "status": "closed",
            "snooze": "2d",
            "assign": "me",
        }
        row = str(manager.query_one(OptionList).get_option_at_index(0).prompt)
        assert row.startswith("Late order ;late Hi {{ticket.customer.firstname}}, [b]sorry[/b]")
        assert "[b]sorry[/b]" in shown(manager.query_one("#manager-text", Static))

        await pilot.press("escape")
        await pilot.press("m")
        picker = on_screen(app, MacroPicker)
        await pilot.press(*";late")
        assert [m.name for m in picker.shown] == ["Late order"]
        await pilot.press("escape")

        await pilot.press("f2", "e")  # edit: the body has the keys; the shortcut is one back
        editor = on_screen(app, MacroEditor)
        await pilot.press("shift+tab")
        assert app.focused is editor.query_one("#macro-shortcut", Input)
        await clear_and_type(pilot, "sorry")
        await pilot.press("ctrl+s")
        await until(lambda: isinstance(app.screen, MacroManager), pilot)
        await until(lambda: app.macros[0].shortcut == "sorry", pilot)
        assert app.macros[0].body == body  # the rest is kept

        await pilot.press("d")
        on_screen(app, ConfirmScreen)
        await pilot.press("n")  # no: nothing happens
        assert isinstance(app.screen, MacroManager) and len(app.macros) == 1
        await pilot.press("d", "y")
        await until(lambda: app.macros == [], pilot)
        manager = on_screen(app, MacroManager)
        await until(
            lambda: "No macros yet" in shown(manager.query_one("#manager-status", Static)), pilot
        )


async def test_invalid_macro_input_shows_one_line_and_keeps_the_text(
    sample_config: Path,
) -> None:
    import_samples(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot, macros=4)
        await pilot.press("f2", "n")
        editor = on_screen(app, MacroEditor)
        error = editor.query_one("#editor-error", Static)
        await pilot.press("tab", "tab", *"Keep [@click=app.quit]me[/]")
        await pilot.press("ctrl+s")
        assert shown(error) == "name: a macro needs a name"

        editor.query_one("#macro-name", Input).focus()
        await pilot.press(*"Fresh", "tab", *";refund", "ctrl+s")
        assert shown(error) == "shortcut: ;refund is already the shortcut of 'Refund approved (EN)'"
        await clear_and_type(pilot, "fresh")
        editor.query_one("#macro-snooze", Input).focus()
        await pilot.press(*"soonish", "ctrl+s")
        assert shown(error).startswith("actions.snooze: cannot understand time 'soonish'")
        await clear_and_type(pilot, "")
        editor.query_one("#macro-assign", Input).focus()
        await pilot.press(*"bob", "ctrl+s")
        assert shown(error) == "actions.assign: an agent's email, me or none; got 'bob'"
        editor.query_one("#macro-name", Input).focus()
        await clear_and_type(pilot, "thanks (en)")
        editor.query_one("#macro-assign", Input).value = "none"
        await pilot.press("ctrl+s")
        assert shown(error) == "name: another macro is already called 'Thanks (EN)'"
        assert "\n" not in shown(error)

        # Nothing typed was lost along the way, and the markup-looking text stayed text.
        assert top(app) is editor
        assert editor.query_one("#macro-body", TextArea).text == "Keep [@click=app.quit]me[/]"
        assert editor.query_one("#macro-shortcut", Input).value == "fresh"
        await until(
            lambda: "[@click=app.quit]" in shown(editor.query_one("#editor-preview", Static)), pilot
        )

        editor.query_one("#macro-name", Input).focus()
        await clear_and_type(pilot, "Fresh")
        await pilot.press("ctrl+s")
        await until(lambda: len(app.macros) == 5, pilot)
        manager = app.screen
        assert isinstance(manager, MacroManager) and app.is_running
        assert "[@click=app.quit]" in shown(manager.query_one("#manager-text", Static))

        await pilot.press("slash", *"fresh")  # the filter narrows the list
        assert [m.name for m in manager.shown] == ["Fresh"]
        await pilot.press("escape", "escape")  # out of the filter, then out of the manager
        assert top(app) is app.inbox


async def test_escape_with_unsaved_changes_asks_twice(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot)
        await pilot.press("f2", "n", *"Draft")
        editor = on_screen(app, MacroEditor)
        await pilot.press("escape")
        assert top(app) is editor
        assert "escape again" in shown(editor.query_one("#editor-error", Static))
        await pilot.press("escape")
        on_screen(app, MacroManager)


async def test_save_a_search_as_a_view(sample_config: Path) -> None:
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        tickets = app.inbox.query_one(TicketList)
        # 7 system views and the 2 every store gets (Angry customers, Cancellations)
        await until(lambda: tickets.total == 10 and len(sidebar_labels(app)) == 9, pilot)
        await pilot.press("V")  # not a search: nothing to save
        await pilot.pause(0.1)
        assert top(app) is app.inbox
        await pilot.press("slash", *"grinder", "enter")
        await until(lambda: app.view == "Search: grinder" and tickets.total == 1, pilot)
        await pilot.press("V")
        on_screen(app, PromptScreen)
        await pilot.press(*"Grinders", "enter")
        await until(lambda: len(sidebar_labels(app)) == 10, pilot)
        label = sidebar_labels(app)[9]
        assert label.startswith("Grinders") and label.rstrip().endswith(" 1")
        assert app.view == "Grinders"
        assert "Grinders: 1 tickets" in shown(app.inbox.query_one("#status", Static))


async def test_views_manager_edits_and_deletes_saved_views(
    sample_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(sample_config), "views", "save", "Refunds", "refund"]) == 0
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: len(sidebar_labels(app)) == 10, pilot)
        await pilot.press("f3")
        manager = on_screen(app, ViewsManager)
        await until(lambda: len(manager.views) == 10, pilot)
        assert manager.views[0] == ("Inbox", "status:open", True)
        assert manager.views[7][0] == "Angry customers" and manager.views[8][0] == "Cancellations"
        assert manager.views[9] == ("Refunds", "refund", False)

        await pilot.press("e")  # Inbox: a system view is read-only
        assert top(app) is manager
        assert "system view" in shown(manager.query_one("#views-status", Static))
        await pilot.press("d")
        assert top(app) is manager

        await pilot.press("end")  # the last view: Refunds
        await pilot.press("e")
        editor = on_screen(app, ViewEditor)
        assert app.focused is editor.query_one("#view-query", Input)
        await clear_and_type(pilot, "refund AND (")
        await pilot.press("enter")
        error = shown(editor.query_one("#view-error", Static))
        assert "query error at column 12: unclosed '('" in error
        assert error.splitlines()[-1] == " " * 13 + "^"  # under the fault
        assert top(app) is editor
        assert editor.query_one("#view-query", Input).value == "refund AND ("

        await pilot.press(*"grinder)", "shift+tab")
        await clear_and_type(pilot, "Money back")
        await pilot.press("ctrl+s")
        await until(
            lambda: (
                top(app) is manager
                and ("Money back", "refund AND (grinder)", False) in manager.views
            ),
            pilot,
        )
        await until(lambda: sidebar_labels(app)[9].startswith("Money back"), pilot)

        await pilot.press("d")
        on_screen(app, ConfirmScreen)
        await pilot.press("y")
        await until(lambda: len(manager.views) == 9 and len(sidebar_labels(app)) == 9, pilot)
        await pilot.press("escape")
        assert top(app) is app.inbox
    capsys.readouterr()
    assert main(["--config", str(sample_config), "views", "--json"]) == 0
    assert "Money back" not in capsys.readouterr().out


async def test_a_save_refused_by_the_store_keeps_the_editor_and_its_text(
    sample_config: Path,
) -> None:
    from deskterm.services.macros import delete_macro
    from deskterm.store.engine import open_store
    from tests.tui.conftest import store_url

    import_samples(sample_config)
    app = make_app(sample_config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(app, pilot, macros=4)
        await pilot.press("f2", "e")  # the first macro, by name: Refund approved (EN)
        editor = on_screen(app, MacroEditor)
        store = open_store(store_url(sample_config))
        try:
            delete_macro(store, "Refund approved (EN)")  # another terminal deletes it meanwhile
        finally:
            store.close()
        await pilot.press(*"PS. ", "ctrl+s")
        error = editor.query_one("#editor-error", Static)
        await until(lambda: "no macro named 'Refund approved (EN)'" in shown(error), pilot)
        assert top(app) is editor
        assert editor.query_one("#macro-body", TextArea).text.startswith("PS. Hi ")


def test_preview_highlights_blanks_in_place_and_survives_broken_templates() -> None:
    from deskterm.automation.macros import ticket_variables
    from deskterm.tui.screens.macro_editor import preview_text

    variables = ticket_variables(
        {"id": 7, "customer": {"name": "Siti Rahma"}}, agent_name="Dewi", agent_email="d@x.test"
    )
    text = preview_text("Hi {{ticket.customer.firstname}}, order " + EMPTY_ORDER + " ok", variables)
    assert text.plain.endswith("Hi Siti, order " + EMPTY_ORDER + " ok")
    marked = [text.plain[span.start : span.end] for span in text.spans if "red" in str(span.style)]
    assert EMPTY_ORDER in marked
    for broken in ("{{ 1/0 }}", "{{ ticket.id + 'x' }}", "{{ unclosed"):
        assert preview_text(broken, variables).plain.startswith("template error")
    assert preview_text("[b]x[/b] \x1b[2J", variables).plain == "[b]x[/b] ␛[2J"
