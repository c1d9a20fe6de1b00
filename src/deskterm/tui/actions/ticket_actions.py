"""Acting on tickets from the keyboard: close, spam, merge, pipe, tag, assign, snooze, undo."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import SuspendNotSupported
from textual.binding import Binding, BindingType

from deskterm.domain.assignee import resolve_assignee
from deskterm.domain.undo import Action, Undoable
from deskterm.domain.when import FORMS, WhenError, parse_when
from deskterm.store import reader
from deskterm.tui.base import DesktermBase
from deskterm.tui.keys import shown_keys
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.confirm import ConfirmScreen
from deskterm.tui.widgets.tickets.ticket_list import TicketList

if TYPE_CHECKING:
    from deskterm.services import tickets as tickets_svc
    from deskterm.services import undo as undo_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
else:
    tickets_svc = lazy_module("deskterm.services.tickets")
    undo_svc = lazy_module("deskterm.services.undo")

UNDO_TOAST_SECONDS = 8.0  # long enough to notice a slip and press u, as Gmail's undo bar

Change = Callable[["Store", "Actor", int], object]


def _tag_words(text: str) -> tuple[list[str], list[str]]:
    """``vip -late`` as (tags to add, tags to remove), each checked and normalised."""
    words = text.replace(",", " ").split()
    add = [tickets_svc.normalize_tag(w) for w in words if not w.startswith("-")]
    remove = [tickets_svc.normalize_tag(w[1:]) for w in words if w.startswith("-") and len(w) > 1]
    return list(dict.fromkeys(add)), list(dict.fromkeys(remove))


def _tag_problem(text: str) -> str | None:
    add, remove = _tag_words(text)  # a bad word raises UsageError, shown under the field
    return None if add or remove else "give a tag to add, or -tag to remove"


def _until_shown(until: datetime, now: datetime | None = None) -> str:
    """``Mon 09:00`` within the coming week, ``Mon 14 Dec 09:00`` further on (local time)."""
    local = until.astimezone()
    today = (now or datetime.now()).astimezone().date()
    if local.date() - today < timedelta(days=6):
        return f"{local:%a %H:%M}"
    return f"{local:%a %d %b %H:%M}"


def acted_on(ids: list[int], *, marked: bool) -> str:
    """What a prompt acts on: "3 marked tickets", "1 marked ticket", or the one "#42"."""
    if marked:
        return f"{len(ids)} marked ticket{'' if len(ids) == 1 else 's'}"
    return f"#{ids[0]}" if ids else "no ticket"


class TicketActions(DesktermBase):
    """Ticket actions; each applies to the marked tickets, or else the one in view.

    Close/reopen, spam, snooze, tag and assign are triage actions: `u` undoes the last one
    of this session (services/undo.py restores exactly what it changed). Only the last:
    a second `u` says there is nothing to undo, as Gmail does.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tag", "Tag", id="tag"),
        Binding("a", "assign", "Assign", id="assign"),
        Binding("c", "close_reopen", "Close/reopen", id="close_reopen"),
        Binding("s", "snooze", "Snooze", id="snooze"),
        Binding("u", "undo", "Undo last action", show=False, id="undo"),
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

    # The last triage action of this session and how its undo toast names it.
    _last_triage: tuple[Undoable, str] | None = None

    # --- undoable triage --------------------------------------------------------------

    @staticmethod
    def _which(ids: list[int]) -> str:
        return f"#{ids[0]}" if len(ids) == 1 else f"{len(ids)} tickets"

    def _triage(self, ids: list[int], action: Action, done: str, change: Change) -> None:
        """Apply ``change`` to every ticket as one undoable action, then clear the marks.

        The undo is armed here, on the UI thread, before the change is queued: a `u`
        pressed at once is queued behind the change on the one writer thread, so it finds
        the captured state.
        """
        undoable = Undoable(action, tuple(ids))
        self._last_triage = (undoable, done[:1].lower() + done[1:])
        key = shown_keys(self.keymap.get("undo", "u")).split(" / ")[0]

        def work(store: Store, actor: Actor) -> None:
            undo_svc.perform(store, undoable, actor, change)
            self.post_to_ui(
                self.notify, f"{done} — {key} to undo", markup=False, timeout=UNDO_TOAST_SECONDS
            )

        self.run_change("", work)
        tickets = self.inbox.query_one(TicketList)
        tickets.marked.clear()
        tickets.refresh()

    def action_undo(self) -> None:
        """Undo the last close, reopen, spam, snooze, tag or assign of this session."""
        last = self._last_triage
        if last is None:
            self.notify("Nothing to undo", severity="warning")
            return
        self._last_triage = None
        undoable, what = last
        self.run_change(f"Undone: {what}", lambda st, ac: undo_svc.restore(st, undoable, ac))

    # --- the actions ------------------------------------------------------------------

    def action_close_reopen(self) -> None:
        """Close open tickets, reopen a closed one (marked tickets: close them all, once
        the agent confirms how many)."""
        ids = self._targets()
        ticket = self._ticket()
        if not ids:
            return
        which = self._which(ids)
        reopen = (
            len(ids) == 1
            and ticket is not None
            and ticket["id"] == ids[0]
            and ticket["status"] != "open"
        )

        def apply() -> None:
            if reopen:
                self._triage(
                    ids,
                    "reopen",
                    f"Reopened {which}",
                    lambda st, ac, tid: tickets_svc.reopen(st, tid, ac),
                )
            else:
                self._triage(
                    ids,
                    "close",
                    f"Closed {which}",
                    lambda st, ac, tid: tickets_svc.close(st, tid, ac),
                )

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
        which = self._which(ids)

        def apply() -> None:
            self._triage(
                ids,
                "spam" if spam else "not_spam",
                f"Marked {which} as spam" if spam else f"Marked {which} as not spam",
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

        def problem(text: str) -> str | None:
            other = text.strip().lstrip("#")
            if not other.isdigit():
                return f"not a ticket id: {text!r}"
            return "that is this ticket: give the other one's id" if int(other) == tid else None

        def apply(text: str) -> None:
            other = text.strip().lstrip("#")
            self.run_change(
                f"#{tid} and #{other} merged",
                lambda st, ac: tickets_svc.merge(st, tid, int(other), ac),
            )

        self._ask(
            "Merge with ticket #",
            "the other ticket's id; the older ticket survives",
            apply,
            validate=problem,
        )

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
            try:
                with self.suspend():
                    subprocess.run(command, shell=True, input=text.encode(), check=False)  # noqa: S602  (the agent's own command)
                    input("\n[press Enter to return to deskterm]")
            except SuspendNotSupported:  # in a browser (deskterm serve) there is no shell
                self.notify("Pipe needs a terminal: not available here", severity="warning")

        self._ask("Pipe to command", "e.g. less, grep -i refund, wc -w", run)

    def action_tag(self) -> None:
        """Add tags (``-tag`` removes), on the marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def apply(text: str) -> None:
            add, remove = _tag_words(text)

            def change(st: Store, ac: Actor, tid: int) -> None:
                if add:
                    tickets_svc.add_tags(st, tid, add, ac)
                if remove:
                    tickets_svc.remove_tags(st, tid, remove, ac)

            which = self._which(ids)
            if add:
                done = f"Tagged {which} {', '.join(add)}"
                if remove:
                    done += f", untagged {', '.join(remove)}"
            else:
                done = f"Untagged {which} {', '.join(remove)}"
            self._triage(ids, "tag", done, change)

        what = acted_on(ids, marked=self._marked())
        self._ask(f"Tag {what}", "words to add; -word removes", apply, validate=_tag_problem)

    def _assignee(self, text: str) -> tuple[str | None, str]:
        """(email, name to show) for the assign prompt's answer; UsageError when unknown."""
        word = text.strip().lower()
        # The agents are read only for a name: me, none and emails need no store.
        agents = () if word in {"me", "none"} or "@" in word else reader.agents(self._db())
        return resolve_assignee(text, me_email=self.me_email, me_name=self.me_name, agents=agents)

    def action_assign(self) -> None:
        """Assign to an agent (email or name), ``me`` or ``none``; marked tickets or this one."""
        ids = self._targets()
        if not ids:
            return

        def problem(text: str) -> str | None:
            self._assignee(text)  # UsageError: shown under the field
            return None

        def apply(text: str) -> None:
            who, name = self._assignee(text)
            which = self._which(ids)
            self._triage(
                ids,
                "assign",
                f"Assigned {which} to {name}" if who else f"Unassigned {which}",
                lambda st, ac, tid: tickets_svc.assign(st, tid, who, ac),
            )

        what = acted_on(ids, marked=self._marked())
        self._ask(
            f"Assign {what} to",
            "an agent's email or name, me, or none",
            apply,
            "me",
            validate=problem,
        )

    def action_snooze(self) -> None:
        """Snooze until a time (2d, tomorrow 9am, next friday, senin 9:00, 2026-12-01 08:30)."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        tid = int(ticket["id"])

        def problem(text: str) -> str | None:
            try:
                parse_when(text, future=True)
            except WhenError as exc:
                return exc.problem  # the forms are in the hint, right under it
            return None

        def apply(text: str) -> None:
            until = parse_when(text, future=True)
            self._triage(
                [tid],
                "snooze",
                f"Snoozed #{tid} until {_until_shown(until)}",
                lambda st, ac, t: tickets_svc.snooze(st, t, until, ac),
            )

        self._ask("Snooze until", FORMS, apply, "1d", validate=problem)
