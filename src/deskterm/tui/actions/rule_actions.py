"""Managing rules inside the TUI (F4): list, toggle, reorder, edit, delete, preview."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from textual import work
from textual.css.query import NoMatches

from deskterm.domain.errors import DesktermError
from deskterm.domain.text import one_line
from deskterm.tui.lazy import lazy_module
from deskterm.tui.live_data import LiveData
from deskterm.tui.screens.rule_editor import PREVIEW_DAYS, PREVIEW_LIMIT, RuleEditor
from deskterm.tui.screens.rules_manager import RulesManager

if TYPE_CHECKING:
    from deskterm.automation.rules.model import Rule
    from deskterm.services import rules as rules_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    rules_svc = lazy_module("deskterm.services.rules")


class RuleActions(LiveData):
    """The rules manager's changes, each through ``services.rules`` on the writer thread
    (audit events as the CLI writes them); the list is read again after each one.

    The screens do no I/O: they post ``RulesManager.Toggle``/``Move``/``Delete`` and
    ``RuleEditor.Save``/``Preview``, which bubble up to here.
    """

    def action_manage_rules(self) -> None:
        """List the rules in run order: toggle, reorder, edit, create, delete them."""
        if self._rules_manager() is not None:
            return  # F4 again from the manager or its editor: one manager is enough
        self.push_screen(RulesManager())
        self.list_rules()

    def _store_changed(self) -> None:
        """Another process wrote: an open manager shows the rules as they are now (the
        sync's, the CLI's, another terminal's changes), unless its own change is on its way."""
        super()._store_changed()
        manager = self._rules_manager()
        if manager is not None and manager.loaded and not manager.busy:
            self.list_rules(quiet=True)

    def _rules_manager(self) -> RulesManager | None:
        return self._open_screen(RulesManager)

    @work(thread=True, exclusive=True, group="manage-rules", exit_on_error=False)
    def list_rules(self, select: str | None = None, problem: str = "", quiet: bool = False) -> None:
        """Every rule in run order, for the rules manager; ``problem``: why the change
        that asked for this list was refused, said once the list shows the store;
        ``quiet``: a refresh, which leaves the status line as it is."""
        store, _actor = self._write_store()
        try:
            rules = [stored.rule for stored in rules_svc.list_rules(store)]
        except DesktermError as exc:
            self.post_to_ui(self._rules_problem, str(exc))
            return
        self.post_to_ui(self._rules_listed, rules, select, problem, quiet)

    def _rules_listed(
        self, rules: list[Rule], select: str | None, problem: str, quiet: bool
    ) -> None:
        manager = self._rules_manager()
        # NoMatches: the answer came while the app was closing and its screens emptied.
        with contextlib.suppress(NoMatches):
            if manager is not None and manager.is_attached:
                if quiet and manager.busy:
                    return  # a change of its own is on its way: its answer will show it
                manager.show_rules(rules, select, quiet=quiet)
                if problem:
                    manager.say(one_line(problem, 300))

    def _rules_problem(self, line: str) -> None:
        manager = self._rules_manager()
        with contextlib.suppress(NoMatches):
            if manager is not None:
                manager.say(one_line(line, 300))

    def _rule_change(self, done: Callable[[Store, Actor], str], select: str | None = None) -> None:
        """Run ``done`` (a service call saying what it did) on the writer; the list follows.

        A refused change is one line on the manager's status line; the list is read again
        either way, so it shows the store as it is (another terminal may have changed it).
        """

        def change(store: Store, actor: Actor) -> None:
            problem = said = ""
            try:
                said = done(store, actor)
            except DesktermError as exc:
                problem = str(exc)
            finally:  # a bug too: the list is read again (and the manager takes keys again)
                self.post_to_ui(self.list_rules, select, problem)
            if said:
                self.post_to_ui(self.notify, said, markup=False)

        self.run_change("", change)

    def on_rules_manager_toggle(self, message: RulesManager.Toggle) -> None:
        """Turn a rule on or off."""
        name, enabled = message.name, message.enabled

        def done(store: Store, actor: Actor) -> str:
            rules_svc.set_enabled(store, name, enabled, actor)
            state = "on: it runs on events from now on" if enabled else "off"
            return f"rule {one_line(name)!r} {state}"

        self._rule_change(done, name)

    def on_rules_manager_move(self, message: RulesManager.Move) -> None:
        """Move a rule before another (up, or the one below it up: down)."""
        name, before = message.name, message.before

        def done(store: Store, actor: Actor) -> str:
            rules_svc.move_rule(store, name, before, actor)
            return ""  # the list shows it

        self._rule_change(done, message.select)

    def on_rules_manager_delete(self, message: RulesManager.Delete) -> None:
        """Delete the rule the agent confirmed."""
        name = message.name

        def done(store: Store, actor: Actor) -> str:
            return f"rule {one_line(rules_svc.delete_rule(store, name, actor))!r} deleted"

        self._rule_change(done)

    def on_rule_editor_save(self, message: RuleEditor.Save) -> None:
        """Check and write the rule; the editor closes once saved, or shows import's line."""
        editor, original, text = message.editor, message.original, message.text

        def change(store: Store, actor: Actor) -> None:
            try:
                saved = rules_svc.save_rule(store, original, text, actor)
            except DesktermError as exc:
                self.post_to_ui(editor.show_error, one_line(str(exc), 300))
                return
            except Exception as exc:  # a bug: the editor takes ctrl+s again; the app reports it
                self.post_to_ui(editor.show_error, _failed(exc))
                raise
            self.post_to_ui(editor.saved)
            self.post_to_ui(self.list_rules, saved.name)
            said = f"rule {one_line(saved.name)!r} saved"
            if saved.macros_installed:  # as `rules import` does, and says
                listed = ", ".join(repr(one_line(m)) for m in saved.macros_installed)
                said += f"; starter macro {listed} installed"
            self.post_to_ui(self.notify, said, markup=False)

        self.run_change("", change)

    def on_rule_editor_preview(self, message: RuleEditor.Preview) -> None:
        """Replay the recent events with the edited text, read-only, in a worker."""
        self.preview_rule(message.editor, message.text)

    @work(thread=True, exclusive=True, group="rule-preview", exit_on_error=False)
    def preview_rule(self, editor: RuleEditor, text: str) -> None:
        """Which recent tickets the rule of ``text`` would match (``rules test``'s replay)."""
        from deskterm.services.rule_engine import engine_settings

        store, _actor = self._write_store()
        settings = engine_settings(self.config) if self.config is not None else None
        try:
            preview = rules_svc.preview_rule(
                store, text, timedelta(days=PREVIEW_DAYS), settings=settings, limit=PREVIEW_LIMIT
            )
        except DesktermError as exc:
            self.post_to_ui(editor.show_preview, one_line(str(exc), 300))
            return
        except Exception as exc:  # a bug: one line in the pane, not a stuck "replaying…"
            self.post_to_ui(editor.show_preview, _failed(exc))
            raise
        self.post_to_ui(editor.show_preview, preview)


def _failed(exc: Exception) -> str:
    return one_line(f"{exc.__class__.__name__}: {exc}", 300)
