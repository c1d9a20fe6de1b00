"""The ticket list's columns laid out by priority for the width the list has (UI-free).

The subject and the customer always show: the subject gets at least ``MIN_SUBJECT``
cells whenever the list is ``MIN_ROW`` cells wide (an 80-column terminal leaves far
more), the customer at least ``MIN_CUSTOMER``. What is left goes to the optional columns
in priority order — channel, SLA, labels, store, id, assignee — each only while the
subject keeps the room it asks for, then to longer forms (the labels' intent, the
channel's full name, the SLA's words, the intents' full names), then to the subject.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from deskterm.domain.label_badge import BADGE_LONG, BADGE_SHORT, BADGE_TINY

FLAGS = 4
"""Marked, unread, draft and status marks: one cell each, always shown."""

AGE = 4
"""``now``, ``12h``, ``104w``, right-aligned."""

SEP = 1
"""Cells between two columns."""

MIN_SUBJECT = 21
"""The subject's floor, 20 characters and the ``…`` of a longer one: only a list narrower
than ``MIN_ROW`` gives it less."""

MIN_CUSTOMER = 11
"""The customer's floor, 10 characters and a ``…``."""

TIGHT_CUSTOMER = 6
"""What the customer keeps in a list too narrow for both floors."""

CUSTOMER = 14
"""The customer's width once the optional columns that fit are placed."""

WIDE_CUSTOMER = 20
"""The customer's width when the subject already has ``COMFORTABLE_SUBJECT``."""

COMFORTABLE_SUBJECT = 36
"""A subject this wide reads well; beyond it longer forms of other columns come first."""

CHANNEL_SHORT = 4
"""``mail``, ``tok``, ``shp``, ``lzd``: the channel's type in four cells."""

CHANNEL_LONG = 12
"""The longest channel name shown whole (longer ones end with ``…``)."""

SLA_SHORT = 5
"""``⏱2h``, ``⏱!3h``: time to the next due, ``!`` once breached."""

SLA_LONG = 13
"""``⏱1h12m left``, ``⏱breached 3h``."""

STORE = 8
"""The shop a marketplace ticket belongs to (shown only with several shops)."""

LABELS_TINY = BADGE_TINY
"""``!-u id``: sentiment marks (``!`` first on an open ticket with an angry customer) and
the language (domain.label_badge)."""

LABELS_SHORT = BADGE_SHORT
"""``!-u ship/status✓ id``: the intent too, shortened."""

LABELS_LONG = BADGE_LONG
"""``!-u shipping/status✓ id``: the intent's full name."""

LABELS_SUBJECT = 30
"""What the subject keeps when the labels grow to show the intent: it reads first."""

ASSIGNEE = 10
"""The agent's address, cut."""

MIN_ROW = FLAGS + SEP + AGE + SEP + MIN_CUSTOMER + SEP + MIN_SUBJECT
"""The narrowest list that shows every essential column at its floor."""

CHANNEL_CODES = {"email": "mail", "tiktokshop": "tok", "shopee": "shp", "lazada": "lzd"}
"""Short forms of the channel types, for lists too narrow for channel names."""

# (column, cells, the subject width that must remain once it is placed), first to last
# in priority: the last one drops first when the list narrows.
_OPTIONAL = (
    ("channel", CHANNEL_SHORT, MIN_SUBJECT),
    ("sla", SLA_SHORT, 24),
    ("labels", LABELS_TINY, 26),
    ("store", STORE, 30),
    ("id", 0, 34),  # the width of the largest id
    ("assignee", ASSIGNEE, 50),
)


@dataclass(frozen=True)
class ListColumns:
    """Cells per column (0: not shown), in the order they appear left to right."""

    width: int
    flags: int = FLAGS
    id: int = 0
    age: int = AGE
    sla: int = 0
    channel: int = 0
    store: int = 0
    customer: int = 0
    labels: int = 0
    subject: int = 0
    assignee: int = 0

    @property
    def shown(self) -> list[tuple[str, int]]:
        """``(column, cells)`` of the columns shown, left to right."""
        names = (
            "flags",
            "id",
            "age",
            "sla",
            "channel",
            "store",
            "customer",
            "labels",
            "subject",
            "assignee",
        )
        return [(name, getattr(self, name)) for name in names if getattr(self, name)]

    @property
    def used(self) -> int:
        """Cells the columns and the gaps between them take."""
        shown = self.shown
        return sum(cells for _name, cells in shown) + SEP * (len(shown) - 1)


def list_columns(
    width: int,
    *,
    id_width: int = 4,
    channel_width: int = CHANNEL_LONG,
    sla: bool = False,
    store: bool = False,
    assignee: bool = True,
    channel: bool = True,
    labels: bool = False,
) -> ListColumns:
    """The columns for a list ``width`` cells wide.

    ``id_width`` is the largest ticket id's length, ``channel_width`` the longest channel
    name's (capped at ``CHANNEL_LONG``); ``sla``, ``store``, ``assignee``, ``channel`` and
    ``labels`` say whether those columns have anything to show (SLA targets configured,
    several shops, a ticket assigned, tickets from more than one channel, a ticket with
    an intent, a sentiment or a language).
    """
    width = max(width, 0)
    columns = ListColumns(width)
    left = width - FLAGS - SEP - AGE - 2 * SEP  # for the customer and the subject
    if left < MIN_CUSTOMER + MIN_SUBJECT:
        # Narrower than any sensible list: the subject keeps two thirds of what there is.
        customer = min(MIN_CUSTOMER, max(left // 3, min(TIGHT_CUSTOMER, left // 2)))
        return replace(columns, customer=max(customer, 0), subject=max(left - customer, 0))
    spare = left - MIN_CUSTOMER - MIN_SUBJECT
    cells = {"customer": MIN_CUSTOMER, "subject": MIN_SUBJECT}
    wanted = {
        "sla": sla,
        "labels": labels,
        "store": store,
        "id": True,
        "channel": channel,
        "assignee": assignee,
    }
    for name, fixed, keeps in _OPTIONAL:
        size = max(id_width, 1) if name == "id" else fixed
        if not wanted[name]:
            continue
        if spare - size - SEP < keeps - MIN_SUBJECT:
            break  # strictly by priority: a narrower list only ever loses the last ones
        cells[name] = size
        spare -= size + SEP

    def grow(name: str, to: int) -> None:
        nonlocal spare
        if name in cells and cells[name] < to:
            more = min(to - cells[name], spare)
            cells[name] += more
            spare -= more

    def step(name: str, to: int, subject_keeps: int) -> None:
        """Grow ``name`` to ``to`` whole (a form in between shows nothing more), from what
        is left and then from the subject, down to ``subject_keeps`` cells."""
        nonlocal spare
        more = to - cells.get(name, to)
        if more <= 0 or spare + cells["subject"] - subject_keeps < more:
            return
        taken = min(spare, more)
        spare -= taken
        cells["subject"] -= more - taken
        cells[name] = to

    grow("customer", CUSTOMER)
    grow("subject", COMFORTABLE_SUBJECT)
    grow("channel", max(CHANNEL_SHORT, min(channel_width, CHANNEL_LONG)))
    grow("sla", SLA_LONG)
    # The intent before a wider customer, at the cost of a subject longer than 30 cells.
    step("labels", LABELS_SHORT, LABELS_SUBJECT)
    grow("customer", WIDE_CUSTOMER)
    step("labels", LABELS_LONG, COMFORTABLE_SUBJECT)
    cells["subject"] += spare
    return replace(columns, **cells)


def channel_code(name: str, channel_type: str) -> str:
    """The channel in ``CHANNEL_SHORT`` cells: its name when that short, else its type's code."""
    if len(name) <= CHANNEL_SHORT:
        return name
    return CHANNEL_CODES.get(channel_type, name[:CHANNEL_SHORT])


def customer_label(customer: dict[str, object]) -> str:
    """Who wrote: the name, else the address, else the handle on the channel, else ``-``."""
    for key in ("name", "email"):
        value = customer.get(key)
        if isinstance(value, str) and value.strip():
            return value
    handles = customer.get("handles")
    if isinstance(handles, list) and handles:
        # ``shopee:768835601`` -> the handle itself; the channel column says where.
        return str(handles[0]).split(":", 1)[-1]
    return "-"
