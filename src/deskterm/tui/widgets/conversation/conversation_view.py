"""The conversation pane: a ticket's messages oldest first, notes set apart, quotes collapsed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.widgets import Static

from deskterm.domain.quoting import FoldedReply, fold_reply
from deskterm.domain.timefmt import local_stamp
from deskterm.tui.render import join, safe_line, safe_text
from deskterm.tui.widgets.conversation.block import Block

DIRECTION_LABEL = {
    "in": "from",
    "out": "to customer, by",
    "note": "internal note by",
    "system": "platform notice from",  # the marketplace's own words, not the shop's
}


SHOWN_AT_FIRST = 20  # newest messages drawn when a ticket opens; `o` draws the rest
_FOLDS: dict[tuple[int, str], FoldedReply] = {}  # (message id, body) -> fold_reply(body)
_FOLDS_KEPT = 2000


def _fold(message: dict[str, Any]) -> FoldedReply:
    """Quoted history folded once per message (it is the slow part of drawing one)."""
    key = (int(message["id"]), message["body_text"])
    found = _FOLDS.get(key)
    if found is None:
        if len(_FOLDS) >= _FOLDS_KEPT:
            _FOLDS.clear()
        found = _FOLDS[key] = fold_reply(message["body_text"], direction=message["direction"])
    return found


def message_text(message: dict[str, Any], *, expanded: bool) -> Text:
    """A message as inert Text: header line, body (quotes collapsed), attachments."""
    author = message["author"] or message["author_handle"] or "?"
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
    folded = FoldedReply(message["body_text"]) if expanded else _fold(message)
    # A platform notice is set apart in its words too: dim, so it never reads as a reply.
    style = "dim italic" if message["direction"] == "system" else ""
    out = join(head, safe_text(folded.fresh.rstrip(), style), separator="\n")
    if folded.hidden:
        out.append(f"\n… {folded.summary()} (z to expand)", "dim italic")
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
        keep = self.scroll_y if same and not at_end else None
        if ticket is None or ticket["id"] != self._drawn_id:
            self.show_all = False  # another ticket opens at its newest messages again
        self._drawn_id = None if ticket is None else ticket["id"]
        self.ticket = ticket
        if ticket is None:
            self._blocks = []
            self.remove_children()
            self.mount(Static(Text("No ticket selected", "dim")))
            return
        customer = ticket["customer"]
        header = join(
            safe_line(f"#{ticket['id']} {ticket['subject'] or '(no subject)'}", "bold"),
            join(
                Text(_status_text(ticket)),
                safe_line(ticket["channel"]),
                safe_line(customer["name"] or customer["email"] or "-"),
                safe_line(" ".join(customer["handles"]), "dim"),
                safe_line(" ".join(f"#{t}" for t in ticket["tags"]), "italic"),
                separator="  ",
            ),
            separator="\n",
        )
        widgets: list[Static] = [Block(header, classes="header")]
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
        for message in messages[hidden:]:
            widgets.append(
                Block(
                    message_text(message, expanded=self.expanded),
                    classes=f"message {message['direction']}",
                )
            )
        blocks: list[tuple[str, object]] = [
            (" ".join(sorted(w.classes)), w.content) for w in widgets
        ]
        if same and self._redraw_changed(widgets, blocks):
            if keep is None and not self.pin_last_inbound:
                self.call_after_refresh(self._settle, keep)
            return
        self._blocks = blocks
        self.remove_children()
        # Anchored to its end while laid out: the first paint of another ticket shows its
        # newest messages, instead of its top and then, repainted, its end (issue 11 item 1).
        # Only when surely taller than the pane (its lines before wrapping fill it): Textual
        # anchors a shorter one to the bottom of the pane, blank space above it.
        lines = sum(str(block).count("\n") + 1 for _classes, block in blocks)
        tall = lines > self.scrollable_content_region.height
        self.anchor(keep is None and not self.pin_last_inbound and tall)
        self.mount_all(widgets)
        # After layout: scrolling now would stop short of messages not yet measured.
        self.call_after_refresh(self._settle, keep)

    def _redraw_changed(self, widgets: list[Static], blocks: list[tuple[str, object]]) -> bool:
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
                widget.update(widgets[index].content)
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

    def _settle(self, keep: float | None) -> None:
        if keep is None and self.pin_last_inbound:
            self.show_last_inbound()
        elif keep is None:
            self.scroll_end(animate=False, immediate=True)
        else:
            self.scroll_to(y=keep, animate=False, immediate=True)

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

    def action_toggle_quotes(self) -> None:
        """Show or collapse quoted history."""
        self.expanded = not self.expanded
        ticket, self.ticket = self.ticket, None  # redraw even though the data is the same
        self.show_ticket(ticket)
