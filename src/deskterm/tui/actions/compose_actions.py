"""Writing to customers: the composer for replies and notes, macros, sending through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType

from deskterm import paths
from deskterm.automation.macros import MacroActions, ticket_variables
from deskterm.automation.signatures import render_signature
from deskterm.config import ChannelConfig
from deskterm.domain.text import one_line
from deskterm.services.editor import quote_last_inbound
from deskterm.store import reader
from deskterm.tui.base import DesktermBase
from deskterm.tui.lazy import lazy_module
from deskterm.tui.screens.composer import Composed, ComposerScreen
from deskterm.tui.screens.macro_picker import (
    MacroChoice,
    MacroPicker,
    PickedMacro,
    failure,
    pick,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from deskterm.automation.macro_suggest import Suggestion
    from deskterm.domain.files_to_send import FileToSend
    from deskterm.services import drafts, replies, suggestions
    from deskterm.services import macros as macros_svc
    from deskterm.services import tickets as tickets_svc
    from deskterm.services.actor import Actor
    from deskterm.store.engine import Store
    from deskterm.tui.screens.article_picker import ArticlePicker
else:
    macros_svc = lazy_module("deskterm.services.macros")
    tickets_svc = lazy_module("deskterm.services.tickets")
    drafts = lazy_module("deskterm.services.drafts")
    replies = lazy_module("deskterm.services.replies")
    suggestions = lazy_module("deskterm.services.suggestions")


def draft_kind(note: bool) -> str:
    """The draft kind the composer writes."""
    return "note" if note else "reply"


class ComposeActions(DesktermBase):
    """Reply, note and macro keys; delivery runs in a worker."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "reply", "Reply", id="reply"),
        Binding("m", "macro", "Macro", id="macro"),
        Binding("n", "note", "Note", id="note"),
        Binding("e", "edit_reply", "Reply in $EDITOR", id="edit_reply"),
        Binding("R", "retry", "Retry failed delivery", id="retry"),
    ]

    def action_note(self) -> None:
        """Write an internal note."""
        self._compose(note=True)

    def action_reply(self) -> None:
        """Write a reply to the customer."""
        self._compose(note=False)

    def action_edit_reply(self) -> None:
        """Write a reply in $VISUAL/$EDITOR; it comes back to the composer for review."""
        self._compose(note=False, open_editor=True)

    def _compose(
        self,
        *,
        note: bool,
        picked: PickedMacro | None = None,
        open_editor: bool = False,
        ticket: dict[str, Any] | None = None,
    ) -> None:
        ticket = ticket if ticket is not None else self._with_ticket()
        if ticket is None:
            return
        # The composer opens at once so no keystroke is lost; a saved draft joins it a
        # moment later. The read is queued on the writer, after any save still waiting
        # (the list's draft marks may be a moment old, so it is always asked).
        screen = self._push_composer(ticket, note, picked, open_editor)
        tid, kind = int(ticket["id"]), draft_kind(note)

        def load(store: Store, actor: Actor) -> None:
            draft = drafts.load_draft(store, tid, kind, actor)
            if draft:
                self.post_to_ui(screen.restore_draft, draft)

        self.run_change("", load)

    def _push_composer(
        self,
        ticket: dict[str, Any],
        note: bool,
        picked: PickedMacro | None,
        open_editor: bool,
    ) -> ComposerScreen:
        tid = int(ticket["id"])
        customer = ticket["customer"]["email"] or ticket["customer"]["name"] or "?"

        def send(composed: Composed | None) -> None:
            if composed is None:
                return
            text = composed.text
            if note:

                def add(st: Store, ac: Actor) -> None:
                    tickets_svc.add_note(st, tid, text, ac)
                    drafts.discard_draft(st, tid, "note", ac)

                self.run_change(f"#{tid} note added", add)
            else:
                self.send_reply(tid, text, composed.actions, files=composed.files)

        screen = ComposerScreen(
            note=note,
            to=customer,
            subject=str(ticket["subject"]),
            macros=self.macros,
            variables=self._variables(ticket),
            suggestions=self._suggestions(ticket),
            picked=picked,
            channel_type=str(ticket.get("channel_type") or "email"),
            context=quote_last_inbound(ticket) if "messages" in ticket else "",
            ticket_id=tid,
            open_editor=open_editor,
            room=self.inbox,
            signature="" if note else self._signature(ticket),
            attach_limit_mib=self._attach_limit(ticket),
            received=[
                (str(f["filename"]), str(f["content_type"]), str(f["sha256"]))
                for m in ticket.get("messages", [])
                if m["direction"] == "in"
                for f in m["attachments"]
            ],
            blob_root=paths.attachments_dir(self.data_dir) if self.data_dir is not None else None,
        )
        self.push_screen(screen, send)
        return screen

    def on_composer_screen_draft_changed(self, message: ComposerScreen.DraftChanged) -> None:
        """Keep the text as this agent's draft for the ticket (an empty text deletes it)."""
        tid, kind, text = message.ticket_id, draft_kind(message.note), message.text
        self.run_change("", lambda st, ac: drafts.save_draft(st, tid, kind, text, ac))

    def _attach_limit(self, ticket: dict[str, Any]) -> int | None:
        """How many MiB of files a reply to ``ticket`` may carry (None: its channel takes
        none from deskterm yet)."""
        channel = self.config.email_channel(str(ticket["channel"])) if self.config else None
        return channel.max_attachment_mb if channel is not None else None

    def _signature(self, ticket: dict[str, Any]) -> str:
        """The signature a reply to ``ticket`` gets (shown in the composer; the service adds
        it when the reply is queued)."""
        if self.config is None:
            return ""
        template = self.config.signatures().template(str(ticket["channel"]))
        return render_signature(template, self._variables(ticket)) if template else ""

    def _variables(self, ticket: dict[str, Any]) -> dict[str, Any]:
        return ticket_variables(ticket, agent_name=self.me_name, agent_email=self.me_email)

    def _suggestions(self, ticket: dict[str, Any]) -> list[Suggestion]:
        """The macros that fit ``ticket`` (a few milliseconds: words of a few macros)."""
        return suggestions.suggest_for(ticket, self.macros)

    def on_composer_screen_articles_wanted(self, message: ComposerScreen.ArticlesWanted) -> None:
        """ctrl+k in the composer: find the articles for its ticket, then open the picker."""
        composer = message.composer
        if composer.ticket_id is not None:
            self.find_articles(composer, composer.ticket_id)

    @work(thread=True, exclusive=True, group="help-center", exit_on_error=False)
    def find_articles(self, composer: ComposerScreen, ticket_id: int) -> None:
        """Index the help center (cached until a file changes) and rank its articles by the
        customer's latest message; off the UI thread, as it reads the folder."""
        from deskterm.domain.errors import DesktermError
        from deskterm.tui.screens.article_picker import ArticlePicker  # on first use

        try:
            centre = suggestions.open_help_center(self.config)
            ticket = reader.get_ticket(self._db(), ticket_id)
        except DesktermError as exc:
            self.call_from_thread(self.notify, str(exc), severity="warning", markup=False)
            return
        if not centre.articles:
            folder = self.config.help_center_path() if self.config is not None else None
            self.call_from_thread(
                self.notify, f"No articles (*.md) in {folder}", severity="warning", markup=False
            )
            return
        hits = suggestions.suggest_articles(centre, ticket)
        picker = ArticlePicker(centre, hits, ticket.get("language"))
        self.call_from_thread(self._open_articles, composer, picker)

    def _open_articles(self, composer: ComposerScreen, picker: ArticlePicker) -> None:
        if self.screen is composer:  # the agent may have sent or closed it meanwhile
            self.push_screen(picker, composer.insert_article)

    def action_macro(self) -> None:
        """Pick a macro for this ticket; it opens the reply composer with the text in place."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        if not self.macros:
            self.notify("No macros yet: deskterm macros import FILE", severity="warning")
            return

        def picked(choice: PickedMacro | None) -> None:
            if choice is not None:  # rendered for THIS ticket: reply to it, whatever moved
                self._compose(note=False, picked=choice, ticket=ticket)

        picker = MacroPicker(self.macros, self._variables(ticket), self._suggestions(ticket))
        self.push_screen(picker, picked)

    def reply_with_macro(self, name: str) -> None:
        """Open the reply composer with macro ``name`` rendered for this ticket."""
        ticket = self._with_ticket()
        choice = next((m for m in self.macros if m.name == name), None)
        if ticket is None or choice is None:
            return
        self._reply_with(choice, ticket)

    @work(thread=True, group="macro-render", exit_on_error=False)
    def _reply_with(self, choice: MacroChoice, ticket: dict[str, Any]) -> None:
        """Render off the UI thread (up to the render limit), then open the composer."""
        picked = pick(choice, self._variables(ticket))
        if picked.rendered.error:
            self.call_from_thread(self.notify, failure(picked), severity="error", markup=False)
            return
        self.call_from_thread(self._compose, note=False, picked=picked, ticket=ticket)

    def send_reply(
        self,
        ticket_id: int,
        text: str,
        actions: list[MacroActions] | None = None,
        *,
        files: Sequence[FileToSend] = (),
    ) -> None:
        """Queue the reply (with ``files``), apply its macros' actions, deliver now unless a
        sync process will."""

        def queue(store: Store, actor: Actor) -> None:
            signatures = self.config.signatures() if self.config is not None else None
            queued = replies.queue_reply(
                store, ticket_id, text, actor, signatures=signatures, files=files
            )
            drafts.discard_draft(store, ticket_id, "reply", actor)
            for action in actions or []:
                macros_svc.apply_actions(store, ticket_id, action, actor, me_email=self.me_email)
            self.post_to_ui(
                self.notify, f"reply to {one_line(queued.recipient)} queued", markup=False
            )
            self.post_to_ui(self.deliver_now, ticket_id)

        self.run_change("", queue)

    @work(thread=True, group="deliver", exit_on_error=False)
    def deliver_now(self, ticket_id: int) -> None:
        """Deliver off the writer thread: SMTP must not hold up the agent's next change."""
        self._deliver(ticket_id)

    def action_retry(self) -> None:
        """Queue this ticket's failed replies again (after fixing the cause) and deliver them."""
        ticket = self._with_ticket()
        if ticket is None:
            return
        failed = [
            m["delivery"]["outbox_id"]
            for m in ticket.get("messages", [])
            if m.get("delivery") and m["delivery"]["state"] == "failed"
        ]
        if not failed:
            self.notify("No failed delivery on this ticket", severity="warning")
            return
        self.retry_deliveries(int(ticket["id"]), failed)

    @work(thread=True, group="write", exit_on_error=False)
    def retry_deliveries(self, ticket_id: int, outbox_ids: list[int]) -> None:
        """Back to the queue, then delivered like a fresh reply (same Message-ID)."""
        store, actor = self._write_store()
        for outbox_id in outbox_ids:
            replies.retry_failed(store, outbox_id, actor)
        self.call_from_thread(
            self.notify,
            f"{len(outbox_ids)} failed repl{'y' if len(outbox_ids) == 1 else 'ies'} queued again",
        )
        self._deliver(ticket_id)

    def _deliver(self, ticket_id: int) -> None:
        """Deliver now (in this worker) unless a sync process is running and will."""
        from deskterm.sync.outbox_state import mark_blocked
        from deskterm.sync.runner import deliver_unless_synced

        store, _actor = self._write_store()
        channel = self._channel_of(ticket_id)
        if channel is None:
            name = reader.get_ticket(self._db(), ticket_id)["channel"]
            reason = f"channel {name!r} is not in the config; replies need a [[channels]] entry"
            mark_blocked(store, reason, ticket_id=ticket_id)  # shown beside the reply
            self.call_from_thread(self._cannot_send, reason)
            return
        summary = deliver_unless_synced(store, channel)
        if summary is None:
            return  # the running sync delivers it within seconds
        if summary.blocked:
            self.call_from_thread(self._cannot_send, summary.blocked)
        for problem in summary.problems:
            if problem != summary.blocked:
                self.call_from_thread(self.notify, problem, severity="error", markup=False)
        if summary.sent:
            self.call_from_thread(self.notify, "reply sent", markup=False)

    def _cannot_send(self, reason: str) -> None:
        self.notify(f"reply queued but cannot be sent: {reason}", severity="error", markup=False)

    def _channel_of(self, ticket_id: int) -> ChannelConfig | None:
        if self.config is None:
            return None
        name = reader.get_ticket(self._db(), ticket_id)["channel"]
        return self.config.find_channel(name)
