"""The ticket list: a lazily paged, keyboard-driven list that never holds more than a few pages."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from deskterm.domain.label_badge import badge_of, list_badge
from deskterm.domain.list_columns import (
    CHANNEL_LONG,
    CHANNEL_SHORT,
    MIN_SUBJECT,
    SLA_LONG,
    ListColumns,
    channel_code,
    customer_label,
    list_columns,
)
from deskterm.domain.sla import SlaTargets, sla_for_ticket, sla_label, sla_short_label
from deskterm.domain.timefmt import compact_age, utc_now
from deskterm.tui.render import join, safe_line
from deskterm.tui.widgets.badge import badge_text

PAGE_SIZE = 100
MAX_PAGES = 20  # pages kept in memory; older ones are dropped and reloaded on demand


class TicketList(ScrollView, can_focus=True):
    """Tickets of the current view, newest activity first, loaded a page at a time.

    The widget does no I/O: it asks for pages with ``PageWanted`` and the app answers
    with ``set_page``. Rows not loaded yet show as a placeholder. Its columns are laid
    out for its width by priority (domain.list_columns): subject and customer always.
    """

    DEFAULT_CSS = """
    TicketList { background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1; }
    TicketList > .ticket-list--cursor { background: $accent 40%; text-style: bold; }
    TicketList > .ticket-list--marked { color: $warning; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"ticket-list--cursor", "ticket-list--marked"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next ticket", show=False, id="list.cursor_down"),
        Binding("k,up", "cursor_up", "Previous ticket", show=False, id="list.cursor_up"),
        Binding("g,home", "first", "First", show=False, id="list.first"),
        Binding("G,end", "last", "Last", show=False, id="list.last"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "open", "Open", id="list.open"),
        Binding("x", "mark", "Mark", id="list.mark"),
    ]

    # No repaint of the whole list when the cursor moves: watch_cursor refreshes the two rows
    # that change (issue 11 item 1: a `j` writes two lines, not the pane).
    cursor: reactive[int] = reactive(0, repaint=False)

    class PageWanted(Message):
        """The list needs rows ``page * PAGE_SIZE`` onwards."""

        def __init__(self, page: int) -> None:
            super().__init__()
            self.page = page

    class Highlighted(Message):
        """The cursor moved to a ticket.

        ``by_data`` when rows arriving moved it (a live reload, a page coming in), not
        the agent: a ticket opened another way (the palette) then stays shown.
        """

        def __init__(self, ticket_id: int, *, by_data: bool = False) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.by_data = by_data

    class Opened(Message):
        """The user opened a ticket (enter)."""

        def __init__(self, ticket_id: int) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.total = 0
        self._pages: dict[int, list[dict[str, Any]]] = {}
        self._stale: dict[int, list[dict[str, Any]]] = {}  # the previous load's pages
        self._asked: set[int] = set()
        self._follow: int | None = None
        # The pages next to the cursor's asked for while the followed ticket is not found
        # (new mail pushed it over a page boundary); None: not looked for there yet.
        self._follow_near: set[int] | None = None
        self.marked: set[int] = set()
        self.sla_targets: dict[str, SlaTargets] = {}  # by channel name, from the config
        self.show_store = False  # a store column only helps with several shops
        self._announced: int | None = None  # the ticket last reported as highlighted
        self._by_data = False  # set while arriving rows (not the agent) move the cursor
        self._agent_moved = False  # the agent moved and its row is not announced yet
        # Until the agent moves (or presses any key: the app clears it), the cursor stays on
        # the newest ticket at the top while rows arrive above it (a first sync filling in).
        self.pin_top = True
        self._id_width = 2
        self._channel_width = CHANNEL_SHORT
        self._any_assignee = False
        self._any_labels = False  # no ticket labelled (no classifier): no column for them
        self._channels: set[str] = set()  # one channel only: its column says nothing
        self._layout: ListColumns | None = None
        self._layout_key: tuple[object, ...] = ()
        self._laid_out_virtual = Size(-1, -1)  # the virtual size at the last layout

    # --- data in ------------------------------------------------------------------------

    def reset(self, total: int, *, follow: int | None = None, keep_rows: bool = False) -> None:
        """A new view or a changed count: forget pages, keep the cursor in range.

        With ``follow`` (a ticket id), the cursor moves with that ticket when its row
        arrives at another position, so new mail above it does not change the selection.
        While ``pin_top`` holds, the cursor stays on the top row instead.
        """
        self._follow = None if self.pin_top else follow
        self._follow_near = None
        self.total = total
        # With ``keep_rows`` (a live update of the same view) old rows stay visible and
        # usable until their fresh page arrives: no flicker, and an `x` pressed mid-reload
        # still lands on the ticket the agent sees.
        self._stale = self._pages if keep_rows else {}
        self._pages = {}
        self._asked.clear()
        self.virtual_size = Size(self.size.width, total)
        self._by_data = True
        try:
            self.cursor = min(self.cursor, max(total - 1, 0))
        finally:
            self._by_data = False
        if not keep_rows:
            self.refresh()
        # A live reload keeps showing the rows it has: set_page repaints those that changed.

    def set_page(self, page: int, rows: list[dict[str, Any]]) -> None:
        """Rows arrived for ``page``."""
        self._by_data = True
        try:
            self._set_page(page, rows)
        finally:
            self._by_data = False

    def _set_page(self, page: int, rows: list[dict[str, Any]]) -> None:
        self._asked.discard(page)
        before = self._visible_texts()
        self._pages[page] = rows
        self._stale.pop(page, None)
        layout = self._layout
        self._measure(rows)
        was_following = self._follow is not None
        if was_following:
            self._look_for_followed(page, rows)
        while len(self._pages) > MAX_PAGES:
            farthest = max(self._pages, key=lambda p: abs(p - self.cursor // PAGE_SIZE))
            del self._pages[farthest]
        after = self._visible_texts()
        if layout is not self.columns or len(before) != len(after):
            self.refresh()  # new column widths: every row moves
        else:
            # Only the rows whose text changed (a ticket marked read, a new draft): a live
            # reload after each store write repaints a row or nothing (issue 11 item 1).
            for y, (old, new) in enumerate(zip(before, after, strict=True)):
                if old != new:
                    self.refresh_line(y)
        if self._follow is None and (page == self.cursor // PAGE_SIZE or was_following):
            # (While the followed ticket is looked for on the next pages, the row now at
            # the cursor is another ticket: announcing it would show it, and `c` would
            # close it. Once the search ends, found or given up, the cursor's row is.)
            self._announce()

    def _look_for_followed(self, page: int, rows: list[dict[str, Any]]) -> None:
        """Move the cursor to the followed ticket if ``rows`` hold it; else look for it on
        the pages beside the cursor's (new mail above can push it past a page boundary),
        and give up once those came back without it (it left the view)."""
        if self._found_followed(page, rows):
            return
        if self._follow_near is None:
            if page != self.cursor // PAGE_SIZE:
                return  # another page came first: the cursor's page decides
            last = max(self.total - 1, 0) // PAGE_SIZE
            self._follow_near = set()
            for near in (page - 1, page + 1):
                if not 0 <= near <= last:
                    continue
                loaded = self._pages.get(near)
                if loaded is None:
                    self._follow_near.add(near)
                    self.row(near * PAGE_SIZE)  # asks for the page
                elif self._found_followed(near, loaded):
                    return
        else:
            self._follow_near.discard(page)
        if not self._follow_near:
            self._follow, self._follow_near = None, None  # not nearby: it left the view

    def _found_followed(self, page: int, rows: list[dict[str, Any]]) -> bool:
        """Put the cursor on the followed ticket when ``rows`` (of ``page``) hold it."""
        for offset, row in enumerate(rows):
            if row["id"] == self._follow:
                self._follow, self._follow_near = None, None
                self.cursor = page * PAGE_SIZE + offset
                return True
        return False

    def _visible_texts(self) -> list[tuple[int, Text | None]]:
        """What each visible row shows (its cursor line too), to find the rows that changed."""
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        texts: list[tuple[int, Text | None]] = []
        for index in range(top, min(top + height, self.total)):
            page = self._pages.get(index // PAGE_SIZE) or self._stale.get(index // PAGE_SIZE)
            offset = index % PAGE_SIZE
            ticket = page[offset] if page is not None and offset < len(page) else None
            marked = ticket is not None and ticket["id"] in self.marked
            mark = 2 if index == self.cursor else int(marked)
            texts.append((mark, self._row_text(ticket) if ticket is not None else None))
        return texts

    def to_top(self) -> None:
        """A view opened: the cursor on the newest ticket, the list scrolled to it."""
        self._follow, self._follow_near = None, None
        self.cursor = 0
        self.scroll_home(animate=False, immediate=True)

    def _measure(self, rows: list[dict[str, Any]]) -> None:
        """Widths the columns take from the data (they only grow: no jumping layout)."""
        for ticket in rows:
            self._id_width = max(self._id_width, len(str(ticket["id"])))
            name = str(ticket["channel"] or "")
            self._channels.add(name)
            self._channel_width = max(self._channel_width, min(len(name), CHANNEL_LONG))
            self._any_assignee = self._any_assignee or bool(ticket["assignee"])
            self._any_labels = self._any_labels or not badge_of(ticket).empty

    @property
    def columns(self) -> ListColumns:
        """The columns for the list's current width (recomputed when it changes)."""
        width = self.scrollable_content_region.width  # the scrollbar's column is not ours
        key = (
            width,
            self._id_width,
            self._channel_width,
            bool(self.sla_targets),
            self.show_store,
            self._any_assignee,
            len(self._channels) > 1,
            self._any_labels,
        )
        if self._layout is None or key != self._layout_key:
            self._layout_key = key
            self._layout = list_columns(
                width,
                id_width=self._id_width,
                channel_width=self._channel_width,
                sla=bool(self.sla_targets),
                store=self.show_store,
                assignee=self._any_assignee,
                channel=len(self._channels) > 1,
                labels=self._any_labels,
            )
        return self._layout

    def row(self, index: int) -> dict[str, Any] | None:
        """The loaded row at ``index`` (None when its page is not here yet)."""
        page = self._pages.get(index // PAGE_SIZE)
        if page is None:
            if 0 <= index < self.total and index // PAGE_SIZE not in self._asked:
                self._asked.add(index // PAGE_SIZE)
                self.post_message(self.PageWanted(index // PAGE_SIZE))
            page = self._stale.get(index // PAGE_SIZE)
            if page is None or index >= self.total:
                return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> dict[str, Any] | None:
        """The row under the cursor, if loaded."""
        return self.row(self.cursor) if self.total else None

    # --- rendering ----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        """One screen line: the row at scroll offset + ``y``."""
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        ticket = self.row(index)
        text = self._row_text(ticket)
        style = self.rich_style
        if index == self.cursor:
            style = style + self.get_component_rich_style("ticket-list--cursor")
        elif ticket is not None and ticket["id"] in self.marked:
            style = style + self.get_component_rich_style("ticket-list--marked")
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [seg for seg in text.render(self.app.console, end="") if seg.text != "\n"]
        return Strip(segments).apply_style(style).crop(0, width)

    def _row_text(self, ticket: dict[str, Any] | None, columns: ListColumns | None = None) -> Text:
        """One row, each column cut (``…``) or padded to its cells."""
        if ticket is None:
            return Text("  …", style="dim")
        layout = columns if columns is not None else self.columns
        cells = []
        for name, size in layout.shown:
            cell = self._cell(name, ticket, size)
            cell.truncate(size, overflow="ellipsis", pad=True)
            cells.append(cell)
        return join(*cells)

    def _cell(self, name: str, ticket: dict[str, Any], size: int) -> Text:
        """The text of one column (untrusted parts made inert by safe_line)."""
        if name == "flags":
            # Marks are letters too, not only colour: readable in 16 colours and NO_COLOR.
            flags = Text("*" if ticket["id"] in self.marked else " ")
            flags.append("●" if ticket.get("unread") else " ", "bold")
            flags.append("✎" if ticket.get("drafts") else " ", "italic")
            flags.append("S" if ticket["spam"] else ("z" if ticket["snoozed_until"] else " "))
            return flags
        if name == "id":
            return Text(f"{ticket['id']:>{size}}", "dim")
        if name == "age":
            return Text(f"{compact_age(ticket['last_message_at']):>{size}}")
        if name == "sla":
            return self._sla_cell(ticket, size)
        if name == "channel":
            channel = str(ticket["channel"] or "")
            if size <= CHANNEL_SHORT and len(channel) > size:
                channel = channel_code(channel, str(ticket.get("channel_type") or ""))
            return safe_line(channel, "bold")
        if name == "store":
            return safe_line(ticket.get("store") or "", "dim")
        if name == "customer":
            return safe_line(customer_label(ticket["customer"]))
        if name == "assignee":
            return safe_line(ticket["assignee"] or "", "dim")
        if name == "labels":
            return self._labels_cell(ticket, size)
        return self._subject_cell(ticket, size)

    @staticmethod
    def _labels_cell(ticket: dict[str, Any], size: int) -> Text:
        """Sentiment marks, intent and language (domain.label_badge): characters first,
        colour only on top, so the badge reads the same in NO_COLOR."""
        return badge_text(list_badge(badge_of(ticket), size))

    def _sla_cell(self, ticket: dict[str, Any], size: int) -> Text:
        state = sla_for_ticket(ticket, self.sla_targets.get(ticket["channel"]), utc_now())
        label = sla_label(state) if size >= SLA_LONG else sla_short_label(state)
        if not label:
            return Text()
        style = (
            "bold red"
            if state and state.breached
            else ("yellow" if state and state.due_soon else "dim")
        )
        return Text(f"⏱{label}", style)

    def _subject_cell(self, ticket: dict[str, Any], size: int) -> Text:
        """The subject, its tags first (as mail clients show labels) while the subject
        keeps ``MIN_SUBJECT`` cells of its own."""
        subject = safe_line(
            ticket["subject"] or "(no subject)", "bold" if ticket.get("unread") else ""
        )
        tags = " ".join(f"#{tag}" for tag in ticket["tags"])
        room = size - min(subject.cell_len, MIN_SUBJECT) - 1  # what the tags may take
        if not tags or room < 4:
            return subject
        label = safe_line(tags, "italic dim")
        label.truncate(room, overflow="ellipsis")
        return join(label, subject)

    # --- movement -----------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        """Keep the cursor visible and tell the app which ticket it is on."""
        self.refresh_line(old - self.scroll_offset.y)
        self.refresh_line(new - self.scroll_offset.y)
        self._keep_visible()
        self._announce()

    def _keep_visible(self) -> None:
        """Scroll just enough to show the cursor's row."""
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif height > 0 and self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual 8.2's ScrollView compares the compositor's virtual size with the one this
        # widget sets itself (rows x width), which always differ: every layout of the screen
        # (a conversation shown, a status line) then repainted the scrollbar column, ~1 KB
        # at 40 rows. Our own virtual size is the one that counts: the scrollbar is updated
        # when it changed since the last layout.
        if self.virtual_size != self._laid_out_virtual:
            self._laid_out_virtual = self.virtual_size
            return super()._size_updated(size, virtual_size, container_size, layout)
        return super()._size_updated(size, self.virtual_size, container_size, layout)

    def on_resize(self, event: events.Resize) -> None:
        """A smaller terminal must not leave the cursor below the list's last line."""
        self.virtual_size = Size(event.size.width, self.total)
        self.call_after_refresh(self._keep_visible)

    def _announce(self) -> None:
        ticket = self.current
        # A repaint after a live update lands on the same ticket: say nothing, so a ticket
        # opened another way (palette, search) stays in the conversation pane.
        if ticket is None:
            return
        # A row arriving for a move the agent made (onto a page not loaded yet) completes
        # that move: it is the agent's, not the data's.
        by_data = self._by_data and not self._agent_moved
        self._agent_moved = False
        if ticket["id"] != self._announced:
            self._announced = ticket["id"]
            self.post_message(self.Highlighted(ticket["id"], by_data=by_data))

    def _move(self, delta: int) -> None:
        self.pin_top = False
        if not self.total:
            return
        target = max(0, min(self.total - 1, self.cursor + delta))
        # The agent moved: follow the ticket they moved TO when its row is a stale one
        # (a reload is in flight and may shift it), else nothing — an older follow must
        # not pull the cursor back.
        stale = target // PAGE_SIZE not in self._pages
        row = self.row(target) if stale else None
        self._follow = int(row["id"]) if row is not None else None
        self._follow_near = None
        self._agent_moved = True
        self.cursor = target

    def action_cursor_down(self) -> None:
        """Next ticket."""
        self._move(1)

    def action_cursor_up(self) -> None:
        """Previous ticket."""
        self._move(-1)

    def action_first(self) -> None:
        """First ticket."""
        self._move(-self.total)

    def action_last(self) -> None:
        """Last ticket."""
        self._move(self.total)

    def action_page_down(self) -> None:
        """One screen down."""
        self._move(max(self.size.height - 1, 1))

    def action_page_up(self) -> None:
        """One screen up."""
        self._move(-max(self.size.height - 1, 1))

    def action_open(self) -> None:
        """Open the ticket under the cursor."""
        self.pin_top = False
        ticket = self.current
        if ticket is not None:
            self.post_message(self.Opened(ticket["id"]))

    def on_click(self, event: events.Click) -> None:
        """A click picks the row under the pointer; a double click opens it."""
        index = self.scroll_offset.y + event.y
        self.pin_top = False
        if 0 <= index < self.total:
            self._follow, self._follow_near = None, None
            self._agent_moved = True
            self.cursor = index
            if event.chain >= 2:
                self.action_open()

    def action_mark(self) -> None:
        """Mark/unmark the ticket under the cursor for a bulk action, then move on."""
        ticket = self.current
        if ticket is not None:
            self.marked.symmetric_difference_update({ticket["id"]})
            self._move(1)
            self.refresh()
