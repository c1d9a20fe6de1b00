"""Managing macros and saved views inside the TUI, and saving a search as a view."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from deskterm.automation.macros import ticket_variables
from deskterm.domain.errors import DesktermError
from deskterm.domain.text import one_line
from deskterm.store.views import all_views
from deskterm.tui.actions.rule_actions import RuleActions
from deskterm.tui.lazy import lazy_module
from deskterm.tui.render import safe_line
from deskterm.tui.screens.macro_editor import MacroEditor
from deskterm.tui.screens.macro_manager import MacroManager
from deskterm.tui.screens.macro_picker import MacroChoice
from deskterm.tui.screens.view_editor import ViewEditor
from deskterm.tui.screens.views_manager import ViewsManager
from deskterm.tui.widgets.tickets.ticket_list import TicketList

if TYPE_CHECKING:
    from deskterm.services import macros as macros_svc
    from deskterm.services import views as views_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    macros_svc = lazy_module("deskterm.services.macros")
    views_svc = lazy_module("deskterm.services.views")

# LiveData.action_search names the list it shows "Search: <the query as typed>".
SEARCH_PREFIX = "Search: "


class ManageActions(RuleActions):
    """Screens to create, edit and delete macros, saved views and (RuleActions) rules;
    writes run in workers.

    The screens do no I/O: they post messages (``MacroEditor.Save``, ``MacroManager.Delete``,
    ``ViewEditor.Save``, ``ViewsManager.Delete``) that bubble up to here, where the change
    goes through ``run_change`` and the answer goes back to the screen that asked.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "manage_macros", "Manage macros", id="manage_macros"),
        Binding("f3", "manage_views", "Manage views", id="manage_views"),
        Binding("f4", "manage_rules", "Manage rules", id="manage_rules"),
        Binding("V", "save_view", "Save search as view", show=False, id="save_view"),
    ]

    # --- macros -------------------------------------------------------------------------

    def action_manage_macros(self) -> None:
        """List, create, edit and delete macros."""
        ticket = self._ticket()
        variables = ticket_variables(
            ticket or {}, agent_name=self.me_name, agent_email=self.me_email
        )
        about: Text | None = None
        if ticket is not None:
            about = Text(f"#{ticket['id']} ")
            about.append_text(safe_line(str(ticket["subject"]), limit=50))
        self.push_screen(MacroManager(self.macros, variables, about))

    @staticmethod
    def _macro_choices(store: Store) -> list[MacroChoice]:
        return [
            MacroChoice(m.name, m.shortcut or "", m.body, dict(m.actions), tuple(m.intents.split()))
            for m in macros_svc.list_macros(store)
        ]

    def _macros_changed(self, choices: list[MacroChoice], select: str | None = None) -> None:
        self.macros = choices
        manager = self._open_screen(MacroManager)
        if manager is not None:
            manager.show_macros(choices, select)

    def on_macro_editor_save(self, message: MacroEditor.Save) -> None:
        """Write the macro; the editor closes once it is saved, or shows why it was not."""
        editor, entry, original = message.editor, message.entry, message.original
        name = str(entry["name"]).strip()

        def change(store: Store, _actor: Actor) -> None:
            try:
                macros_svc.save_macro(store, entry, original=original, new=original is None)
            except DesktermError as exc:
                # Someone else took the name meanwhile: the editor keeps the text.
                self.post_to_ui(editor.show_error, str(exc))
                raise
            self.post_to_ui(self._macros_changed, self._macro_choices(store), name)
            self.post_to_ui(editor.saved)

        self.run_change(f"macro {one_line(name)!r} saved", change)

    def on_macro_manager_delete(self, message: MacroManager.Delete) -> None:
        """Delete the macro the agent confirmed."""
        name = message.name

        def change(store: Store, _actor: Actor) -> None:
            macros_svc.delete_macro(store, name)
            self.post_to_ui(self._macros_changed, self._macro_choices(store))

        self.run_change(f"macro {one_line(name)!r} deleted", change)

    # --- views --------------------------------------------------------------------------

    def action_manage_views(self) -> None:
        """List saved views (system views read-only); create, edit and delete them."""
        self.push_screen(ViewsManager())
        self.list_views()

    @work(thread=True, exclusive=True, group="manage-views", exit_on_error=False)
    def list_views(self, select: str | None = None) -> None:
        """Every view with its query, for the views manager."""
        views = all_views(self._db(), sla=bool(self._sla_targets()))
        self.post_to_ui(self._views_listed, views, select)

    def _views_listed(self, views: list[tuple[str, str, bool]], select: str | None) -> None:
        manager = self._open_screen(ViewsManager)
        if manager is not None:
            manager.show_views(views, select)

    def on_view_editor_save(self, message: ViewEditor.Save) -> None:
        """Write the view; the editor closes once it is saved, or shows why it was not."""
        editor, original, name, query = (
            message.editor,
            message.original,
            message.name,
            message.query,
        )

        def change(store: Store, actor: Actor) -> None:
            try:
                if original is None:
                    views_svc.save_view(store, name, query, actor, new=True)
                else:
                    views_svc.update_view(store, original, name, query, actor)
            except DesktermError as exc:
                self.post_to_ui(editor.show_error, exc)
                raise
            self.post_to_ui(self._view_saved, original, name)
            self.post_to_ui(editor.saved)

        self.run_change(f"view {one_line(name)!r} saved", change)

    def _view_saved(self, original: str | None, name: str) -> None:
        if original is not None and self.view.casefold() == original.casefold():
            self.load_view(name)  # the view on screen was renamed or its query changed
        self.load_counts()
        self.list_views(name)

    def on_views_manager_delete(self, message: ViewsManager.Delete) -> None:
        """Delete the saved view the agent confirmed."""
        name = message.name

        def change(store: Store, actor: Actor) -> None:
            views_svc.delete_view(store, name, actor)
            self.post_to_ui(self._view_deleted, name)

        self.run_change(f"view {one_line(name)!r} deleted", change)

    def _view_deleted(self, name: str) -> None:
        if self.view.casefold() == name.casefold():
            self.load_view("Inbox")  # its tickets can no longer be listed under its name
        self.load_counts()
        self.list_views()

    # --- save a search as a view ------------------------------------------------------------

    def action_save_view(self) -> None:
        """Save the search on screen as a view: it joins the sidebar with a live count."""
        if not self.view.startswith(SEARCH_PREFIX):
            self.notify("Search first (/), then V saves the search as a view", severity="warning")
            return
        label = self.view
        query = label.removeprefix(SEARCH_PREFIX)

        def problem(text: str) -> str | None:
            name = views_svc.check_view(text, query)  # UsageError: shown under the field
            taken = next((v for v in self.view_names if v.casefold() == name.casefold()), None)
            return f"a view called {taken!r} exists already: pick another name" if taken else None

        def save(name: str) -> None:
            def change(store: Store, actor: Actor) -> None:
                stored = views_svc.check_view(name, query)
                views_svc.save_view(store, stored, query, actor, new=True)
                self.post_to_ui(self._search_saved, label, stored)

            self.run_change(f"view {one_line(name)!r} saved", change)

        self._ask(
            "Save search as view", f"a name for: {one_line(query, 60)}", save, validate=problem
        )

    def _search_saved(self, label: str, name: str) -> None:
        if self.view == label:  # the list still shows that search: it is now the view
            self.view = name
            self._status(f"{name}: {self.inbox.query_one(TicketList).total} tickets")
        self.load_counts()
