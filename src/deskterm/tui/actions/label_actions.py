"""Setting a ticket's intent from the keyboard (`I`), on the marked tickets or the one in view."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from deskterm.domain.errors import DesktermError
from deskterm.tui.actions.ticket_actions import acted_on
from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.intent_picker import AUTO, IntentPicker
from deskterm.tui.widgets.tickets.ticket_list import TicketList

if TYPE_CHECKING:
    from deskterm.services import labels as labels_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    labels_svc = lazy_module("deskterm.services.labels")


def intent_done(name: str, ids: list[int], changed: int, failed: int = 0) -> str:
    """The notification after `I`: what was set, on which ticket or how many."""
    what = "intent back to the model" if name == AUTO else f"intent {name}"
    if len(ids) == 1:
        return f"#{ids[0]}: {what}" + ("" if changed else " (unchanged)")
    count = f"{len(ids)}" if changed == len(ids) else f"{changed} of {len(ids)}"
    done = f"{what[0].upper()}{what[1:]} on {count} tickets"
    return done + (f" ({failed} could not be changed)" if failed else "")


class LabelActions(DesktermBase):
    """`I`: an agent's intent, kept over later messages' labels and recorded as a training
    example (services.labels.set_intent); ``auto`` hands the ticket back to the model."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("I", "set_intent", "Set intent", show=False, id="set_intent"),
    ]

    def action_set_intent(self) -> None:
        """Pick an intent for the marked tickets, or else the one in view."""
        ids = self._targets()
        if not ids:
            return
        tickets = self.inbox.query_one(TicketList)
        marked = bool(tickets.marked)
        ticket = None if marked else self._ticket()
        current = ticket.get("intent") if ticket is not None else None
        agent = ticket is not None and ticket.get("intent_source") == "agent"

        def picked(name: str | None) -> None:
            if name is not None:
                self._set_intent(ids, name)

        title = f"Intent of {acted_on(ids, marked=marked)}"
        self.push_screen(IntentPicker(title, current, agent=agent), picked)

    def _set_intent(self, ids: list[int], name: str) -> None:
        """Set ``name`` on every ticket in the writer thread; one notification with the count."""

        def change(store: Store, actor: Actor) -> None:
            if len(ids) == 1:  # its error (a ticket merged away meanwhile) is the message
                changed = int(labels_svc.set_intent(store, ids[0], name, actor))
                self.post_to_ui(self.notify, intent_done(name, ids, changed), markup=False)
                return
            changed = failed = 0
            for tid in ids:  # one ticket gone meanwhile must not stop the others
                try:
                    changed += labels_svc.set_intent(store, tid, name, actor)
                except DesktermError:
                    failed += 1
            done = intent_done(name, ids, changed, failed)
            self.post_to_ui(self.notify, done, markup=False)

        self.run_change("", change)
        tickets = self.inbox.query_one(TicketList)
        if tickets.marked:
            tickets.marked.clear()
            tickets.refresh()
