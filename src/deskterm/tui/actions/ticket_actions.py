"""Acting on tickets from the keyboard: close, spam, merge, pipe, tag, assign, snooze."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from deskterm.domain.errors import DesktermError
from deskterm.domain.when import FORMS, parse_when
from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.widgets.tickets.ticket_list import TicketList

if TYPE_CHECKING:
    from deskterm.services import tickets as tickets_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    tickets_svc = lazy_module("deskterm.services.tickets")


def acted_on(ids: list[int], *, marked: bool) -> str:
    """What a prompt acts on: "3 marked tickets", "1 marked ticket", or the one "#42"."""
    if marked:
        return f"{len(ids)} marked ticket{'' if len(ids) == 1 else 's'}"
    return f"#{ids[0]}" if ids else "no ticket"


class TicketActions(DesktermBase):
    """Ticket actions; each applies to the marked tickets, or else the one in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tag", "Tag", id="tag"),
        Binding("a", "assign", "Assign", id="assign"),
        Binding("c", "close_reopen", "Close/reopen", id="close_reopen"),
        Binding("s", "snooze", "Snooze", id="snooze"),
        Binding("exclamation_mark", "spam", "Spam", show=False, id="spam"),
        Binding("M", "merge", "Merge", show=False, id="merge"),
        Binding("vertical_line", "pipe", "Pipe", show=False, id="pipe"),
    ]

    def _marked(self) -> bool:
        """Whether the next action acts on marked tickets (see ``_targets``)."""
        return bool(self.inbox.query_one(TicketList).marked)

    def _confirm_marked(self, question: str, then: Callable[[], None]) -> None:
        """Ask before acting on marked tickets at once (one ticket: no question)."""

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.push_screen(ConfirmScreen(Text(question)), answered)

    def action_close_reopen(self) -> None:
        """Close open tickets, reopen a closed one (marked tickets: close them all, once
        the agent confirms how many)."""
        ids = self._targets()
        ticket = self._ticket()
        if not ids:
            return
        reopen = (
            len(ids) == 1
            and ticket is not None
            and ticket["id"] == ids[0]
            and ticket["status"] != "open"
        )

        def apply() -> None:
            if reopen:
                self._each(ids, "reopened", lambda st, ac, tid: tickets_svc.reopen(st, tid, ac))
            else:
                self._each(ids, "closed", lambda st, ac, tid: tickets_svc.close(st, tid, ac))

        if self._marked():
            verb = "Reopen" if reopen else "Close"
            self._confirm_marked(f"{verb} {acted_on(ids, marked=True)}?", apply)
        else:
            apply()

    def action_spam(self) -> None:
        """Mark as spam (a single spam ticket: unmark it)."""
        ids = self._targets()
        ticket = self._ticket()
        if not ids:
            return
        marked = self._marked()
        spam = not (
            len(ids) == 1 and ticket is not None and ticket["id"] == ids[0] and ticket["spam"]
        )

        def apply() -> None:
            self._each(
                ids,
                "marked as spam" if spam else "no longer spam",
                lambda st, ac, tid: tickets_svc.set_spam(st, tid, spam, ac),
            )

        if marked:
            what = acted_on(ids, marked=True)
            question = f"Mark {what} as spam?" if spam else f"Take {what} out of spam?"
            self._confirm_marked(question, apply)
        else:
            apply()

    def action_merge(self) -> None:
        """Merge this ticket with another (by id); the older one survives."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def apply(text: str) -> None:
            other = text.strip().lstrip("#")
            if not other.isdigit():
                self.notify(f"not a ticket id: {text!r}", severity="error", markup=False)
                return
            self.run_change(
                f"#{tid} and #{other} merged",
                lambda st, ac: tickets_svc.merge(st, tid, int(other), ac),
            )

        self._ask("Merge with ticket #", "the other ticket's id; the older ticket survives", apply)

    def action_pipe(self) -> None:
        """Pipe the conversation to a shell command (output shown, then back to the inbox)."""
        ticket = self._with_ticket()
        if ticket is None:
            return

        def run(command: str) -> None:
            text = "\n\n".join(
                f"{m['sent_at']} {m['direction']} {m['author'] or m['author_handle']}\n"
                + m["body_text"]
                for m in ticket["messages"]
            )
            with self.suspend():
                subprocess.run(command, shell=True, input=text.encode(), check=False)  # noqa: S602  (the agent's own command)
                input("\n[press Enter to return to deskterm]")

        self._ask("Pipe to command", "e.g. less, grep -i refund, wc -w", run)

    def action_tag(self) -> None:
        """Add tags (``-tag`` removes), on the marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def apply(text: str) -> None:
            words = text.replace(",", " ").split()
            add = [w for w in words if not w.startswith("-")]
            remove = [w[1:] for w in words if w.startswith("-") and len(w) > 1]

            def change(st: Store, ac: Actor, tid: int) -> None:
                if add:
                    tickets_svc.add_tags(st, tid, add, ac)
                if remove:
                    tickets_svc.remove_tags(st, tid, remove, ac)

            self._each(ids, "tags updated", change)

        what = acted_on(ids, marked=self._marked())
        self._ask(f"Tag {what}", "words to add; -word removes", apply)

    def action_assign(self) -> None:
        """Assign to an agent (email), ``me`` or ``none``; marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def apply(text: str) -> None:
            who = {"me": self.me_email, "none": None}.get(text.lower(), text)
            self._each(
                ids,
                f"assigned to {who or 'nobody'}",
                lambda st, ac, tid: tickets_svc.assign(st, tid, who, ac),
            )

        what = acted_on(ids, marked=self._marked())
        self._ask(f"Assign {what} to", "an agent's email, me, or none", apply, "me")

    def action_snooze(self) -> None:
        """Snooze until a time (2d, 3h, tomorrow, mon 9:00, 2026-12-01 08:30)."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def apply(text: str) -> None:
            try:
                until = parse_when(text)
            except DesktermError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            local = until.astimezone()
            self.run_change(
                f"#{tid} snoozed until {local:%a %d %b %H:%M}",
                lambda st, ac: tickets_svc.snooze(st, tid, until, ac),
            )

        self._ask("Snooze until", FORMS, apply, "1d")
