"""The conversation pane: a ticket's messages oldest first, notes set apart, quotes collapsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Static

from deskterm.domain.label_badge import badge_of, header_badge
from deskterm.domain.quoting import FoldedReply, fold_reply
from deskterm.domain.revenue import earned_line
from deskterm.domain.timefmt import local_stamp
from deskterm.tui.render import join, safe_line, safe_text, shown_line
from deskterm.tui.widgets.badge import badge_text
from deskterm.tui.widgets.conversation.block import Block
from deskterm.tui.widgets.conversation.history import EarlierMessages
from deskterm.tui.widgets.conversation.order_line import order_line

DIRECTION_LABEL = {
    "in": "from",
    "out": "to customer, by",
    "note": "internal note by",
    "system": "platform notice from",  # the marketplace's own words, not the shop's
}


SHOWN_AT_FIRST = 20  # newest messages drawn when a ticket opens; `o` draws the rest
WIDGETS_UP_TO = 100  # earlier messages past this many are drawn lazily by one widget
# Bounded by count and by characters: a few huge bodies must not pin hundreds of MB.
_FOLDS_KEPT = 20_000
_FOLDS_CHARS = 20_000_000


class _FoldCache:
    """fold_reply's results by (message id, body), dropped whole when over its bounds."""

    def __init__(self) -> None:
        self.folds: dict[tuple[int, str], FoldedReply] = {}
        self.chars = 0

    def get(self, message: dict[str, Any]) -> FoldedReply:
        key = (int(message["id"]), message["body_text"])
        found = self.folds.get(key)
        if found is None:
            if len(self.folds) >= _FOLDS_KEPT or self.chars >= _FOLDS_CHARS:
                self.folds.clear()
                self.chars = 0
            found = fold_reply(message["body_text"], direction=message["direction"])
            self.folds[key] = found
            self.chars += len(key[1])
        return found


_FOLDS = _FoldCache()


def fold_message(message: dict[str, Any]) -> FoldedReply:
    """Quoted history folded once per message (it is the slow part of drawing one)."""
    return _FOLDS.get(message)


def _author(message: dict[str, Any]) -> str:
    return str(message["author"] or message["author_handle"] or "?")


def _hint(folded: FoldedReply) -> str:
    return f"… {folded.summary()} (z to expand)" if folded.hidden else ""


def message_parts(message: dict[str, Any], *, expanded: bool) -> tuple[str, str, str]:
    """The plain text of ``message_text``'s header line, body and fold hint, built without
    styling: enough to count a message's rows (see history.message_height)."""
    header = f"{local_stamp(message['sent_at'])} "
    header += f"{DIRECTION_LABEL.get(message['direction'], message['direction'])} "
    header += shown_line(_author(message))
    delivery = message.get("delivery")
    if delivery:
        header += f"  [{delivery['state']}]"
        if delivery["state"] == "failed":
            header += f"  {shown_line(delivery['error'] or 'refused')}  (R retries)"
        elif delivery["state"] == "queued" and delivery["error"]:
            header += f"  {shown_line(delivery['error'])}"
    if message["parse_status"] != "ok":
        header += f"  [parse {message['parse_status']}]"
    folded = FoldedReply(message["body_text"]) if expanded else fold_message(message)
    fresh = folded.fresh.rstrip()
    card = order_line(message.get("order"))
    return header, f"{fresh}\n{shown_line(card)}" if card else fresh, _hint(folded)


def message_text(message: dict[str, Any], *, expanded: bool) -> Text:
    """A message as inert Text: header line, body (quotes collapsed), attachments."""
    author = _author(message)
    head = join(
        Text(local_stamp(message["sent_at"]), "dim"),
        Text(DIRECTION_LABEL.get(message["direction"], message["direction"]), "dim"),
        safe_line(author, "bold"),
    )
    delivery = message.get("delivery")
    if delivery:
        head.append(
            f"  [{delivery['state']}]", "yellow" if delivery["state"] != "sent" else "green"
        )
    if delivery and delivery["state"] == "failed":
        head.append("  ")
        head.append_text(safe_line(delivery["error"] or "refused", "red"))
        head.append("  (R retries)", "dim")
    elif delivery and delivery["state"] == "queued" and delivery["error"]:
        # Why it is still waiting: a temporary failure (retried), or a cause the agent must
        # fix ("cannot be sent: ... password ..."); it goes out once that is fixed.
        head.append("  ")
        head.append_text(safe_line(delivery["error"], "red"))
    if message["parse_status"] != "ok":
        head.append(f"  [parse {message['parse_status']}]", "red")
    folded = FoldedReply(message["body_text"]) if expanded else fold_message(message)
    # A platform notice is set apart in its words too: dim, so it never reads as a reply.
    style = "dim italic" if message["direction"] == "system" else ""
    out = join(head, safe_text(folded.fresh.rstrip(), style), separator="\n")
    card = order_line(message.get("order"))
    if card:  # a chat order card: the order it names, as the cache knows it now
        out.append("\n")
        out.append_text(safe_line(card, "italic cyan"))
    if folded.hidden:
        out.append(f"\n{_hint(folded)}", "dim italic")
    for attachment in message["attachments"]:
        out.append("\n📎 ", "dim")
        out.append_text(safe_line(attachment["filename"], "underline"))
        out.append(f" {attachment['content_type']}, {attachment['size']} bytes", "dim")
    return out


def _status_text(ticket: dict[str, Any]) -> str:
    """``open``, ``closed`` or ``snoozed until Tue 08 Dec 09:00`` (local time)."""
    until = ticket["snoozed_until"]
    if not until:
        return str(ticket["status"])
    wake = datetime.fromisoformat(until.replace("Z", "+00:00")).astimezone()
    return f"{ticket['status']} until {wake:%a %d %b %H:%M}"


def csat_line(ticket: dict[str, Any]) -> Text | None:
    """``CSAT ★★★★☆ 4/5 "fast delivery"`` once the customer rated, ``CSAT survey sent``
    while it waits for an answer; None without a survey."""
    csat = ticket.get("csat")
    if not csat or csat.get("survey") in (None, "scheduled", "cancelled"):
        return None
    line = Text("CSAT ", "bold")
    score = csat.get("score")
    if score is None:
        line.append("survey sent, no answer yet", "dim")
        return line
    line.append("★" * score + "☆" * (5 - score), "green" if score >= 4 else "yellow")
    line.append(f" {score}/5")
    if csat.get("comment"):
        line.append("  ")
        line.append_text(safe_line(f"“{csat['comment']}”", "italic"))
    return line


def _labels(ticket: dict[str, Any]) -> list[Text]:
    """The header's label badge (intent, sentiments in words, language), if any."""
    pieces = header_badge(badge_of(ticket))
    return [badge_text(pieces)] if pieces else []


class ConversationView(VerticalScroll, can_focus=True):
    """Shows one ticket; the app calls ``show_ticket`` with data it loaded.

    Arrows and PgUp/PgDn scroll it while it has the focus; `j`/`k` go on to the next or
    previous ticket and `J`/`K`/space/`b` scroll it from any pane (InboxScreen's keys).
    """

    DEFAULT_CSS = """
    ConversationView { padding: 0 1; }
    ConversationView > .header { text-style: bold; padding-bottom: 1; }
    ConversationView > .message { padding: 0 0 1 0; }
    ConversationView > .message.note { background: $warning 15%; border-left: thick $warning; }
    ConversationView > .message.out { border-left: thick $success; }
    ConversationView > .message.in { border-left: thick $primary; }
    ConversationView > .message.system { border-left: dashed $secondary; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "toggle_quotes", "Quotes", id="conversation.toggle_quotes"),
        Binding("o", "show_all", "Earlier messages", id="conversation.show_all"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ticket: dict[str, Any] | None = None
        self.expanded = False
        self.show_all = False  # every message of a long thread, not only the newest
        self.pin_last_inbound = False  # a reply is being written: keep what it answers in view
        self._drawn_id: int | None = None
        self._shown: list[tuple[dict[str, Any], Static]] = []  # messages drawn as widgets
        self._history: EarlierMessages | None = None  # the lazily drawn rest of a long thread
        self._blocks: list[tuple[str, object]] = []  # what each child shows (classes, text)

    def show_ticket(self, ticket: dict[str, Any] | None) -> None:
        """Render ``ticket`` (None: nothing selected).

        A live update of the ticket on screen keeps the reader's place: nothing is redrawn
        when nothing changed, and the view follows new messages only when it was at the end.
        """
        previous = self.ticket
        same = previous is not None and ticket is not None and previous["id"] == ticket["id"]
        if same and previous == ticket:
            return
        at_end = self.scroll_y >= self.max_scroll_y - 1
        # Kept by message, not by offset: new mail may drop the oldest drawn message above.
        keep = (self.scroll_y, self.reading_anchor()) if same and not at_end else None
        if ticket is None or ticket["id"] != self._drawn_id:
            self.show_all = False  # another ticket opens at its newest messages again
        self._drawn_id = None if ticket is None else ticket["id"]
        self.ticket = ticket
        if ticket is None:
            self._shown, self._history, self._blocks = [], None, []
            self.remove_children()
            self.mount(Static(Text("No ticket selected", "dim")))
            return
        customer = ticket["customer"]
        header = join(
            safe_line(f"#{ticket['id']} {ticket['subject'] or '(no subject)'}", "bold"),
            join(
                Text(_status_text(ticket)),
                *_labels(ticket),
                safe_line(ticket["channel"]),
                safe_line(customer["name"] or customer["email"] or "-"),
                safe_line(" ".join(customer["handles"]), "dim"),
                safe_line(" ".join(f"#{t}" for t in ticket["tags"]), "italic"),
                separator="  ",
            ),
            separator="\n",
        )
        rated = csat_line(ticket)
        if rated is not None:
            header = join(header, rated, separator="\n")
        earned = earned_line(ticket.get("revenue") or [])
        if earned is not None:
            header = join(header, safe_line(earned, "green"), separator="\n")
        widgets: list[Widget] = [Block(header, classes="header")]
        messages = ticket["messages"]
        hidden = 0 if self.show_all else max(len(messages) - SHOWN_AT_FIRST, 0)
        if hidden:
            # Long threads open at their end, fast; the history is one key away.
            widgets.append(
                Block(
                    Text(f"… {hidden} earlier messages (o shows them all)", "dim italic"),
                    classes="earlier",
                )
            )
        as_widgets = messages[hidden:]
        history: EarlierMessages | None = None
        if len(as_widgets) > SHOWN_AT_FIRST + WIDGETS_UP_TO:
            # Thousands of widgets take seconds to mount and to unmount, and hundreds of MB:
            # the history above the newest messages is one widget that draws what shows.
            earlier, as_widgets = as_widgets[:-SHOWN_AT_FIRST], as_widgets[-SHOWN_AT_FIRST:]
            history = EarlierMessages(earlier, self._draw, self._parts, self.expanded)
            widgets.append(history)
        statics: list[Static] = [
            Block(
                message_text(message, expanded=self.expanded),
                classes=f"message {message['direction']}",
            )
            for message in as_widgets
        ]
        widgets.extend(statics)
        if same and history is None and self._history is None:
            blocks = self._block_keys(widgets)
            if self._redraw_changed(widgets, blocks):
                children = list(self.query_children(Static))
                self._shown = list(
                    zip(as_widgets, children[len(children) - len(statics) :], strict=False)
                )
                # The same blocks may show other messages now (new mail shifts the newest
                # twenty): the reader's message is found again by its id.
                if keep is not None or not self.pin_last_inbound:
                    self.call_after_refresh(self._settle, keep)
                return
        self._history = history
        self._shown = list(zip(as_widgets, statics, strict=True))
        self._blocks = self._block_keys(widgets) if history is None else []
        # Such a thread always scrolls: a stable gutter spares measuring it at two widths.
        self.styles.scrollbar_gutter = "stable" if history is not None else "auto"
        self.remove_children()
        # Anchored to its end while laid out: the first paint of another ticket shows its
        # newest messages, instead of its top and then, repainted, its end (issue 11 item 1).
        # Only when surely taller than the pane (its lines before wrapping fill it): Textual
        # anchors a shorter one to the bottom of the pane, blank space above it.
        lines = sum(str(block).count("\n") + 1 for _classes, block in self._blocks)
        tall = history is not None or lines > self.scrollable_content_region.height
        self.anchor(keep is None and not self.pin_last_inbound and tall)
        self.mount_all(widgets)
        # After layout: scrolling now would stop short of messages not yet measured.
        self.call_after_refresh(self._settle, keep)

    @staticmethod
    def _block_keys(widgets: list[Widget]) -> list[tuple[str, object]]:
        """What each block shows (its classes, its content), to compare with a redraw."""
        return [(" ".join(sorted(w.classes)), w.content) for w in widgets if isinstance(w, Static)]

    def _redraw_changed(self, widgets: list[Widget], blocks: list[tuple[str, object]]) -> bool:
        """A live update of the ticket on screen: only the blocks whose text changed are
        updated (a ticket marked read, a draft saved or a tag added elsewhere repaints a line
        or nothing, not the pane: issue 11 item 1). False when the blocks no longer line up
        (a message added in the middle, a different count): the caller redraws them all."""
        shown = list(self.query_children(Static))
        old = self._blocks
        if len(shown) != len(old) or len(blocks) < len(old):
            return False
        if any(blocks[i][0] != old[i][0] for i in range(len(old))):
            return False
        for index, (widget, block) in enumerate(zip(shown, blocks, strict=False)):
            if block[1] != old[index][1]:
                widget.update(blocks[index][1])  # type: ignore[arg-type]
        if len(blocks) > len(old):
            self.mount_all(widgets[len(old) :])  # new messages at the end
        self._blocks = blocks
        return True

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual 8.2 stores a changed virtual size through a layout=True reactive: another
        # layout of the screen, and the whole pane painted a second time right after the
        # first (4-5 KB per ticket shown at 120x40). The layout calling this has just used
        # these sizes; only a scrollbar that appears or goes changes the content's width.
        scrollbar = self.show_vertical_scrollbar
        changed = super()._size_updated(size, virtual_size, container_size, layout=False)
        if layout and self.show_vertical_scrollbar != scrollbar:
            self.refresh(layout=True)
        return changed

    def _draw(self, message: dict[str, Any]) -> Text:
        return message_text(message, expanded=self.expanded)

    def _parts(self, message: dict[str, Any]) -> tuple[str, str, str]:
        return message_parts(message, expanded=self.expanded)

    def _settle(self, keep: tuple[float, tuple[int, int] | None] | None) -> None:
        if keep is None and self.pin_last_inbound:
            self.show_last_inbound()
        elif keep is None:
            self.scroll_end(animate=False, immediate=True)
        else:
            offset, anchor = keep
            if not self._restore_anchor(anchor):
                self.scroll_to(y=offset, animate=False, immediate=True)

    def show_last_inbound(self) -> None:
        """Scroll so the customer's last message starts at the top of what shows (or to the
        end when the customer never wrote): what a reply answers, above the composer."""
        found = self.query(".message.in")
        if found:
            self.scroll_to_widget(found.last(), top=True, animate=False, immediate=True)
        else:
            self.scroll_end(animate=False, immediate=True)

    def action_show_all(self) -> None:
        """Draw every message of a long conversation (it opens with the newest only)."""
        if not self.show_all:
            self.show_all = True
            ticket, self.ticket = self.ticket, None
            self.show_ticket(ticket)
            self.call_after_refresh(self.scroll_home, animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        """End: the newest message, and stay there while a lazily drawn history above is
        still being measured (its height may grow after the scroll: anchored, the view
        follows; scrolling up releases it)."""
        self.anchor()
        super().action_scroll_end()

    def action_toggle_quotes(self) -> None:
        """Show or collapse quoted history, keeping the message read at the top in place."""
        if self.ticket is None:
            return
        anchor = self.reading_anchor()
        self.expanded = not self.expanded
        for message, static in self._shown:
            static.update(message_text(message, expanded=self.expanded))
        if self._history is None:  # a later live update compares with what shows now
            self._blocks = self._block_keys(list(self.query_children(Static)))
        else:
            self._history.relayout(self.expanded)
        self.call_after_refresh(self._restore_anchor, anchor)

    # --- the reader's place -----------------------------------------------------------

    def _message_spans(self) -> list[tuple[int, int, int]]:
        """(message id, first row, rows) of every drawn message, in the scrolled content."""
        spans = []
        history = self._history
        if history is not None:
            top = history.virtual_region.y
            for index, message in enumerate(history.messages):
                spans.append((int(message["id"]), top + history.message_top(index), 0))
        for message, static in self._shown:
            region = static.virtual_region
            spans.append((int(message["id"]), region.y, region.height))
        return spans

    def reading_anchor(self) -> tuple[int, int] | None:
        """(id of the message at the top of the view, rows of it scrolled past), or None
        while the ticket's header is at the top."""
        row = round(self.scroll_y)
        found = None
        for message_id, top, _rows in self._message_spans():
            if top > row:
                break
            found = (message_id, row - top)
        return found

    def _restore_anchor(self, anchor: tuple[int, int] | None) -> bool:
        """Scroll the anchor's message back to where it was; False when it is not drawn."""
        if anchor is None:
            return False
        message_id, offset = anchor
        spans = self._message_spans()
        for index, (found_id, top, height) in enumerate(spans):
            if found_id != message_id:
                continue
            rows = height
            if self._history is not None and index < len(self._history.messages):
                rows = self._history.message_rows(index)
            # Still inside the message: the same row stays on top; else the message's start.
            self.scroll_to(y=top + offset if offset < rows else top, animate=False, immediate=True)
            return True
        return False
