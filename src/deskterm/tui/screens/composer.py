"""The composer: a reply to the customer or an internal note, sent with ctrl+s."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TextArea
from textual.worker import Worker

from deskterm.automation.macros import MacroActions
from deskterm.domain.errors import DesktermError, UsageError
from deskterm.domain.files_to_send import MIB, FileToSend, read_files
from deskterm.services.editor import edit_text
from deskterm.services.macro_effects import describe_actions
from deskterm.store.blobs import get_blob
from deskterm.tui.render import safe_line
from deskterm.tui.screens.macro_picker import (
    RENDER_GROUP,
    MacroChoice,
    MacroPicker,
    PickedMacro,
    failure,
    finished_worker,
    render_in_worker,
)
from deskterm.tui.screens.modal import Modal
from deskterm.tui.screens.prompt import PromptScreen

if TYPE_CHECKING:
    from deskterm.automation.macro_suggest import Suggestion
    from deskterm.tui.screens.article_picker import PickedArticle
    from deskterm.tui.screens.inbox import InboxScreen

# ";wismo " typed at the start of a line or after a space expands the macro with that shortcut.
SHORTCUT_TYPED = re.compile(r"(?:^|(?<=\s));([\w-]+)\s$")
DRAFT_SAVE_SECONDS = 1.0  # a changed text is saved as the draft this often


@dataclass
class Composed:
    """What the agent sends: the text, and the actions of the macros they inserted."""

    text: str
    actions: list[MacroActions] = field(default_factory=list)
    files: list[FileToSend] = field(default_factory=list)


class ComposerScreen(Modal[Composed | None]):
    """Dismisses with the text to send, or None when the agent cancels.

    It sits in the lower part of the inbox's conversation pane (``room``), so the
    customer's message stays readable above it while the agent types.

    Macros come in with ctrl+t (or pre-inserted by ``m``), the ones that fit the ticket
    first; help articles with ctrl+k (the app finds them: ``ArticlesWanted``). When a macro
    left a variable empty, the first ctrl+s names it and refuses; a second ctrl+s confirms
    (helpdesk.md). What
    the macros will do besides their text shows under it ("will add tag refund and close
    the ticket") until sent, or until the text is cleared (their actions go with it).
    """

    CSS_PATH = "composer.tcss"
    # Not priority bindings: keys reach the text area first and in order, so text typed (or
    # pasted) just before ctrl+s is in the message, not lost to a send that jumped the queue.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,ctrl+enter", "send", "Send", id="composer.send"),
        Binding("ctrl+t", "macro", "Insert macro", id="composer.macro"),
        # Priority: the text area's own ctrl+k (delete to the end of the line) would take
        # it first. It only opens a picker, so a key typed before it is in the text anyway.
        Binding("ctrl+k", "articles", "Insert help article", priority=True, id="composer.articles"),
        Binding("ctrl+e", "editor", "Edit in $EDITOR", id="composer.editor"),
        # Priority: the text area's ctrl+a (start of the line; `home` still does it).
        Binding("ctrl+a", "attach", "Attach a file", priority=True, id="composer.attach"),
        Binding("escape", "cancel", "Cancel", id="composer.cancel"),
    ]

    def __init__(
        self,
        *,
        note: bool,
        to: str,
        subject: str,
        draft: str = "",
        macros: list[MacroChoice] | None = None,
        variables: dict[str, Any] | None = None,
        suggestions: Sequence[Suggestion] = (),
        picked: PickedMacro | None = None,
        channel_type: str = "email",
        context: str = "",
        ticket_id: int | None = None,
        open_editor: bool = False,
        room: InboxScreen | None = None,
        signature: str = "",
        attach_limit_mib: int | None = None,
        received: Sequence[tuple[str, str, str]] = (),
        blob_root: Path | None = None,
    ) -> None:
        super().__init__()
        # The ticket's received files, (name, type, sha256), that ctrl+a forwards by name,
        # read from the attachment store at ``blob_root``.
        self.received = list(received) if blob_root is not None else []
        self.blob_root = blob_root
        # What ctrl+a may add (the channel's max_attachment_mb); None: no files here (a
        # note, a chat).
        self.attach_limit_mib = None if note else attach_limit_mib
        self.files: list[FileToSend] = []
        self.signature = "" if note else signature  # added under the text when sent
        self.room = room  # the inbox whose conversation pane the composer shares; None: float
        self._placed: Region | None = None
        self.note = note
        self.to = to
        self.subject = subject
        self.channel_type = channel_type
        self.context = context  # the customer's last message, quoted below the editor's marker
        self.ticket_id = ticket_id
        self.open_editor = open_editor
        self.draft = (draft + picked.rendered.text) if picked else draft
        self._saved_draft = draft
        self.macros = macros or []
        self.variables = variables or {}
        self.suggestions = list(suggestions)  # the macros that fit this ticket, best first
        self.actions: list[MacroActions] = [picked.actions] if picked else []
        # The actions of macros that inserted text: clearing the text drops them too.
        self._text_actions: list[MacroActions] = (
            [picked.actions] if picked and picked.rendered.text.strip() else []
        )
        self.empty: list[str] = list(picked.rendered.empty) if picked else []
        self.confirmed = False
        self.closing = False  # sent or closed: no autosave may follow (it would resurrect it)
        self._pending_draft = ""
        # Shortcuts being expanded, by macro name: (row, start, end, the typed text).
        self._expanding: dict[str, tuple[int, int, int, str]] = {}

    class DraftChanged(Message):
        """The text changed: the app stores it as the ticket's draft."""

        def __init__(self, ticket_id: int, note: bool, text: str) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.note = note
            self.text = text

    class ArticlesWanted(Message):
        """ctrl+k: the app finds the help articles for this ticket and opens the picker."""

        def __init__(self, composer: ComposerScreen) -> None:
            super().__init__()
            self.composer = composer

    def compose(self) -> ComposeResult:
        """Who it goes to, the text area, the keys."""
        if self.note:
            title = Text("Internal note (never sent)", "bold")
        elif self.channel_type == "email":
            title = Text("Email reply to ", "bold")
            title.append_text(safe_line(self.to))
            title.append("  ")
            title.append_text(safe_line(self.subject, "dim"))
        else:
            # Chats have no subject; the reply goes into the buyer's conversation as text.
            title = Text(f"Chat reply ({self.channel_type}) to ", "bold")
            title.append_text(safe_line(self.to))
        with Vertical(id="composer-box"):
            yield Static(title, id="composer-title")
            yield TextArea(self.draft, id="composer-body", soft_wrap=True)
            yield Static(self._effects(), id="composer-actions")
            yield Static(self._hint(), id="composer-hint")

    def _effects(self) -> Text:
        """What sending does besides the text, e.g. "will add tag refund and close the ticket",
        and the signature it adds."""
        sentence = describe_actions(self.actions)
        line = Text()
        if sentence:
            macros = sum(1 for action in self.actions if action.to_dict())
            line = Text(f"On send, the macro{'' if macros == 1 else 's'} ", "bold")
            line.append(sentence, "bold")
            line.append(".")
        if self.files:
            if line.plain:
                line.append("  ")
            line.append("Attached: ", "bold")
            shown = ", ".join(f"{f.filename} ({_size(len(f.data))})" for f in self.files)
            line.append_text(safe_line(shown, limit=120))
        if self.signature.strip():
            if line.plain:
                line.append("  ")
            line.append("Signed: ", "dim")
            line.append_text(safe_line(" · ".join(self.signature.splitlines()), "dim", limit=60))
        return line

    def _show_effects(self) -> None:
        line = self.query_one("#composer-actions", Static)
        effects = self._effects()
        line.update(effects)
        line.display = bool(effects.plain)

    def _hint(self) -> Text:
        hint = Text(
            "ctrl+s send · ctrl+t macro · ctrl+k help article · ctrl+a attach · "
            ";shortcut+space expands · ctrl+e $EDITOR · escape close (draft kept)"
        )
        if self.empty:
            hint.append("   empty: ", "bold red")
            hint.append_text(safe_line(", ".join("{{" + e + "}}" for e in self.empty), "red"))
        return hint

    def on_mount(self) -> None:
        """Type at once (or go straight to the editor when opened with ``e``)."""
        self._show_effects()  # a macro picked with ``m`` is in from the start
        if self.room is not None:
            self.add_class("-docked")
            self.room.open_composer_room()
            # Placed again whenever the inbox lays out (a resize, the list stepping aside).
            self.room.screen_layout_refresh_signal.subscribe(self, self._placed_after)
            self._place()
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)
        if self.ticket_id is not None:
            self.set_interval(DRAFT_SAVE_SECONDS, self._save_draft)
        if self._pending_draft:
            self.restore_draft(self._pending_draft)
        if self.open_editor:
            self.call_after_refresh(self.action_editor)

    def on_unmount(self) -> None:
        """The conversation takes its whole pane again."""
        if self.room is not None:
            self.room.screen_layout_refresh_signal.unsubscribe(self)
            self.room.close_composer_room()

    def _placed_after(self, _screen: Screen[Any]) -> None:
        self._place()

    def _place(self) -> None:
        """Cover exactly the rows the inbox keeps free under the conversation."""
        if self.room is None or not self.room.is_attached:
            return
        room = self.room.composer_room()
        if room != self._placed:  # unchanged: no restyle, no relayout
            self._placed = room
            box = self.query_one("#composer-box")
            box.styles.offset = (room.x, room.y)
            box.styles.width = room.width
            box.styles.height = room.height

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel over the conversation above scrolls it (the composer has the keys)."""
        self._scroll_conversation(event, 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel over the conversation above scrolls it back."""
        self._scroll_conversation(event, -1)

    def _scroll_conversation(self, event: events.MouseEvent, direction: int) -> None:
        if self.room is None:
            return
        conversation = self.room.conversation()
        if conversation.region.contains(event.screen_x, event.screen_y):
            conversation.scroll_relative(y=3 * direction, animate=False)
            event.stop()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Expand a typed ``;shortcut`` (the draft is saved by the interval set on mount);
        a cleared text takes its macros' actions and empty variables with it."""
        if self._text_actions and not event.text_area.text.strip():
            self.actions = [a for a in self.actions if all(a is not t for t in self._text_actions)]
            self._text_actions.clear()
            self.empty.clear()
            self.confirmed = False
            self.query_one("#composer-hint", Static).update(self._hint())
            self._show_effects()
        self._expand_shortcut(event.text_area)

    def restore_draft(self, draft: str) -> None:
        """The saved draft arrived: it goes first, before anything typed meanwhile."""
        if self.closing:
            return
        try:
            area = self.query_one(TextArea)
        except NoMatches:  # arrived before the composer drew itself: on_mount applies it
            self._pending_draft = draft
            return
        typed = area.text
        if typed == self.draft:  # nothing typed yet (a macro's text may be there)
            joined = draft + ("\n" + typed if typed and not draft.endswith("\n") else typed)
        else:
            joined = draft.rstrip("\n") + "\n" + typed
        self._saved_draft = draft
        area.load_text(joined)
        area.move_cursor(area.document.end)

    def _expand_shortcut(self, area: TextArea) -> None:
        row, column = area.cursor_location
        before = area.document.get_line(row)[:column]
        typed = SHORTCUT_TYPED.search(before)
        if typed is None:
            return
        wanted = typed.group(1).casefold()
        choice = next((m for m in self.macros if m.shortcut.casefold() == wanted), None)
        if choice is None:
            return  # ";" followed by a word that is no shortcut is just text
        # Rendered in a worker (a shared macro may take up to the render limit); the
        # shortcut is replaced when it is done (see on_worker_state_changed).
        self._expanding[choice.name] = (row, typed.start(), column, typed.group(0))
        render_in_worker(self, choice, self.variables)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A typed shortcut's macro is rendered: it replaces the shortcut (or says why not)."""
        worker = finished_worker(event, RENDER_GROUP)
        if worker is None:
            return
        row, start, end, typed = self._expanding.pop(worker.name, (0, 0, 0, ""))
        picked = worker.result
        if not isinstance(picked, PickedMacro):
            error = f"{worker.error.__class__.__name__}: {worker.error}"
            self.notify(f"macro {worker.name!r}: {error}", severity="error", markup=False)
            return
        if picked.rendered.error:  # the shortcut stays as typed
            self.notify(failure(picked), severity="error", markup=False)
            return
        area = self.query_one(TextArea)
        line = area.document.get_line(row) if row < area.document.line_count else ""
        if typed and line[start:end] == typed:
            area.replace(picked.rendered.text, (row, start), (row, end))
        else:  # the text around the shortcut changed meanwhile: insert at the cursor
            area.insert(picked.rendered.text)
        self._took(picked)

    def _took(self, picked: PickedMacro) -> None:
        """A macro went into the text: remember its actions and its empty variables."""
        self.actions.append(picked.actions)
        if picked.rendered.text.strip():
            self._text_actions.append(picked.actions)
        self.empty.extend(picked.rendered.empty)
        self.confirmed = False
        self.query_one("#composer-hint", Static).update(self._hint())
        self._show_effects()

    def _save_draft(self) -> None:
        if self.closing:
            return
        text = self.query_one(TextArea).text
        if self.ticket_id is not None and text != self._saved_draft:
            self._saved_draft = text
            self.post_message(self.DraftChanged(self.ticket_id, self.note, text))

    def action_editor(self) -> None:
        """Edit the text in $VISUAL/$EDITOR, the customer's last message quoted below."""
        area = self.query_one(TextArea)
        try:
            if self.app.is_headless:
                edited = edit_text(area.text.rstrip("\n"), context=self.context)
            else:
                with self.app.suspend():
                    edited = edit_text(area.text.rstrip("\n"), context=self.context)
        except DesktermError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if edited.strip():
            area.load_text(edited)
            area.move_cursor(area.document.end)
        self._save_draft()

    def action_send(self) -> None:
        """Send what was typed (empty text is not sent; empty variables need a confirmation)."""
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("Nothing to send", severity="warning")
            return
        if self.empty and not self.confirmed:
            self.confirmed = True
            names = ", ".join("{{" + e + "}}" for e in self.empty)
            self.notify(
                f"{names} rendered empty. Fix the text, or press ctrl+s again to send anyway.",
                title="Check before sending",
                severity="warning",
                markup=False,
            )
            return
        self.closing = True
        self.dismiss(Composed(text, self.actions, list(self.files)))

    def action_macro(self) -> None:
        """Insert a macro at the cursor."""
        if not self.macros:
            self.notify("No macros yet: deskterm macros import FILE", severity="warning")
            return

        def insert(picked: PickedMacro | None) -> None:
            if picked is None:
                return
            area = self.query_one(TextArea)
            area.insert(picked.rendered.text)
            self._took(picked)
            area.focus()

        self.app.push_screen(MacroPicker(self.macros, self.variables, self.suggestions), insert)

    def action_attach(self) -> None:
        """Attach files by path (email replies), held to the channel's limit as sent."""
        limit = self.attach_limit_mib
        if limit is None:
            why = (
                "An internal note carries no files"
                if self.note
                else "Files cannot be sent on chats yet"
            )
            self.notify(why, severity="warning")
            return

        def check(text: str) -> str | None:
            try:
                self._read(text, limit)
            except DesktermError as exc:
                return str(exc)
            return None

        def attach(text: str | None) -> None:
            if text:
                self.files = self._read(text, limit)
                self._show_effects()
            self.query_one(TextArea).focus()

        hint = f"paths, separated by ';' (~ is your home); up to {limit} MiB as sent"
        if self.received:
            names = ", ".join(dict.fromkeys(name for name, _kind, _sha in self.received))
            hint += f"; or forward this ticket's: {names}"
        self.app.push_screen(PromptScreen("Attach files", hint, validate=check), attach)

    def _read(self, text: str, limit: int) -> list[FileToSend]:
        """The files attached so far and the ones named in ``text``, read and checked."""
        received = {name: (kind, sha) for name, kind, sha in self.received}
        paths, forwarded = [], []
        for part in (part.strip() for part in text.split(";")):
            path = Path(part).expanduser()
            if part in received and not path.exists() and self.blob_root is not None:
                kind, digest = received[part]
                try:
                    forwarded.append(FileToSend(part, kind, get_blob(self.blob_root, digest)))
                except OSError as exc:
                    raise UsageError(
                        f"{part}: cannot be read back from the store ({exc})"
                    ) from None
            elif part:
                paths.append(path)
        return read_files(
            paths,
            limit_mib=limit,
            where="this channel's max_attachment_mb",
            attached=[*self.files, *forwarded],
        )

    def action_articles(self) -> None:
        """Insert a help article's link or excerpt (the app opens the picker)."""
        if self.ticket_id is None:
            self.notify("Help articles need a ticket", severity="warning")
            return
        self.post_message(self.ArticlesWanted(self))

    def insert_article(self, picked: PickedArticle | None) -> None:
        """The chosen article's link (or excerpt and link) at the cursor."""
        if picked is None or self.closing or not self.is_attached:
            return
        area = self.query_one(TextArea)
        area.insert(picked.text())
        area.focus()
        if not picked.hit.article.url:
            self.notify(
                "This article has no link: set [help_center] base_url, or url in its front matter",
                severity="warning",
            )

    def action_cancel(self) -> None:
        """Leave without sending; the text stays as this ticket's draft."""
        self._save_draft()
        self.closing = True
        self.dismiss(None)


def _size(size: int) -> str:
    """A file size as the composer shows it: "840 B", "12 KiB", "1.4 MiB"."""
    if size < 1024:
        return f"{size} B"
    if size < MIB:
        return f"{size // 1024} KiB"
    return f"{size / MIB:.1f} MiB"
