"""The order-action CLI tests' rig: all four fakes on loopback, a store filled by
``sync --once``, and one fresh order per test (made before the sync, so it is cached and
linked to its buyer's ticket like any other)."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from deskterm.cli import main
from deskterm.demo.fakes.http_fake import FakeRequest, FakeResponse, HttpFake
from deskterm.demo.fakes.shopify import FakeLine, FakeOrder, FakeTracking
from deskterm.demo.fakes.tiktokshop.order_seed import make_order
from deskterm.demo.marketplaces import Marketplaces, serve_marketplaces
from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import ingest_message
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store
from deskterm.store.tables import utcnow

SHOP = "main"
TTS, SHOPEE, LAZADA = "tokopedia", "shopee-id", "lazada-id"
MARKETPLACES = (TTS, SHOPEE, LAZADA)
REASON = "out of stock"

# What each test starts from, per marketplace: a normalised status, or a buyer's pending
# cancellation request ("asked").
MARKET_KINDS = {
    "to_ship": {TTS: "AWAITING_SHIPMENT", SHOPEE: "READY_TO_SHIP", LAZADA: "pending"},
    "shipped": {TTS: "IN_TRANSIT", SHOPEE: "SHIPPED", LAZADA: "shipped"},
    "asked": {TTS: "BUYER_CANCEL", SHOPEE: "IN_CANCEL", LAZADA: "pending"},
}
LINES = (
    FakeLine("Kemeja Batik Pria Lengan Panjang - Parang Biru / L", 2, Decimal(189000), "BTK-L"),
    FakeLine("Kopi Arabika Gayo 250 g", 1, Decimal(98000), "KOPI-250"),
)
SHIPPING = Decimal(15000)
ADDRESS = {
    "address1": "Jl. Kemang Raya No. 12",
    "city": "Jakarta Selatan",
    "province": "DKI Jakarta",
    "zip": "12730",
    "country": "Indonesia",
    "firstName": "Dewi",
    "lastName": "Lestari",
}


class Killed(BaseException):
    """The process dying at a step: not an Exception, so nothing on the way catches it."""


@dataclass
class Market:
    """One order made on a marketplace fake for one test."""

    store: str
    id: str

    @property
    def ref(self) -> str:
        return f"{self.store}:{self.id}"


@dataclass
class Rig:
    """The running fakes, the config that reaches them, and the orders made for the tests."""

    fakes: Marketplaces
    config: Path
    db: Path
    market: dict[tuple[str, str], Market] = field(default_factory=dict)  # (store, key)
    shopify: dict[str, FakeOrder] = field(default_factory=dict)  # key -> order
    tickets: dict[str, int] = field(default_factory=dict)  # Shopify key -> its email ticket
    # Lazada counts cancels and decisions for the whole shop: per order here.
    lazada_effects: dict[str, list[str]] = field(default_factory=dict)

    # --- the CLI ---

    def cli(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        """``deskterm --config CONFIG ARGS``: (exit code, stdout, stderr)."""
        capsys.readouterr()
        try:
            code = main(["--config", str(self.config), *args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    def cached(self, capsys: pytest.CaptureFixture[str], ref: str) -> dict[str, Any]:
        code, out, err = self.cli(capsys, "order", "show", ref, "--json")
        assert code == 0, err
        result: dict[str, Any] = json.loads(out)
        return result

    def notes(self, capsys: pytest.CaptureFixture[str], ticket: int) -> list[str]:
        """The internal notes on ``ticket`` (``show --json``)."""
        code, out, err = self.cli(capsys, "show", str(ticket), "--json")
        assert code == 0, err
        messages = json.loads(out)["messages"]
        return [m["body_text"] for m in messages if m["direction"] == "note"]

    # --- the store, read as it is ---

    def _rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db) as conn:
            rows = conn.execute(sql, params).fetchall()
        conn.close()
        return rows

    def actions(self, store: str, order_id: str) -> list[tuple[str, str, int | None]]:
        """(kind, state, ticket) of every recorded action on the order."""
        return [
            (str(kind), str(state), ticket)
            for kind, state, ticket in self._rows(
                "SELECT kind, state, ticket_id FROM orderaction WHERE store = ? AND order_id = ?"
                " ORDER BY id",
                store,
                order_id,
            )
        ]

    def events(self, order_id: str) -> list[tuple[str, int | None]]:
        """(kind, ticket) of the audit events about the order."""
        return [
            (str(kind), ticket)
            for kind, ticket in self._rows(
                "SELECT kind, ticket_id FROM event WHERE kind LIKE 'order.%'"
                " AND json_extract(data, '$.order') = ? ORDER BY id",
                order_id,
            )
        ]

    def ticket_of(self, capsys: pytest.CaptureFixture[str], ref: str) -> int:
        """The ticket whose customer the cached order belongs to (its latest)."""
        order = self.cached(capsys, ref)
        rows = self._rows(
            "SELECT t.id FROM shop_order o JOIN ticket t ON t.customer_id = o.customer_id"
            " WHERE o.store = ? AND o.external_id = ? ORDER BY t.last_message_at DESC LIMIT 1",
            order["store"],
            order["external_id"],
        )
        assert rows, f"{ref} is not linked to a ticket"
        return int(rows[0][0])

    # --- what the fakes saw ---

    def effects(self, store: str, order_id: str) -> list[str]:
        """The actions the platform carried out on the order."""
        if store == TTS:
            desk = self.fakes.tiktokshop.order_desk
            return [action for action, oid in desk.applied if oid == order_id]
        if store == SHOPEE:
            book = self.fakes.shopee.order_book
            return [path for path, sn, _ in book.actions if sn == order_id]
        if store == LAZADA:
            return list(self.lazada_effects.get(order_id, []))
        gid = f"gid://shopify/Order/{order_id}"
        return [name for name, on in self.fakes.shopify.mutations.effects if on == gid]

    def status(self, store: str, order_id: str) -> str:
        """The order's status on the platform, in its own words."""
        if store == TTS:
            return str(self.fakes.tiktokshop.order_desk.orders[order_id].order["status"])
        if store == SHOPEE:
            return self.fakes.shopee.order_book.status(order_id)
        lazada = self.fakes.lazada.orders.orders[int(order_id)]
        return ",".join(sorted({item.status for item in lazada.items}))

    def pending_request(self, store: str, order_id: str) -> bool:
        """Whether the buyer's cancellation request still waits for the seller."""
        if store == TTS:
            order = self.fakes.tiktokshop.order_desk.orders[order_id].order
            return bool(order.get("is_buyer_request_cancel"))
        if store == SHOPEE:
            return self.fakes.shopee.order_book.status(order_id) == "IN_CANCEL"
        lazada = self.fakes.lazada.orders.orders[int(order_id)]
        return any(item.need_cancel_confirm for item in lazada.items)

    def drop_next(self, store: str) -> None:
        """The platform carries out the next action, then drops the connection unanswered."""
        if store == TTS:
            self.fakes.tiktokshop.order_desk.drop_after_next_action()
        elif store == SHOPEE:
            self.fakes.shopee.order_book.drop_next_action()
        elif store == LAZADA:
            self.fakes.lazada.drop_after_next_send()
        else:
            self.fakes.shopify.drop_after_next_send()

    def fake_of(self, store: str) -> HttpFake:
        return {
            TTS: self.fakes.tiktokshop,
            SHOPEE: self.fakes.shopee,
            LAZADA: self.fakes.lazada,
            SHOP: self.fakes.shopify,
        }[store]

    @contextmanager
    def sends_fail(
        self, store: str, status: int = 503, *, applied: bool = False
    ) -> Iterator[list[str]]:
        """Every action the platform is sent gets ``status``: before anything is applied
        (the platform is down for changes; reads still work), or after (``applied``: a
        gateway that times out on a backend that did it). Yields the paths answered so."""
        fake = self.fake_of(store)
        handle = fake.handle
        refused: list[str] = []

        def failing(request: FakeRequest) -> FakeResponse:
            if _is_action(fake, request):
                refused.append(request.path)
                if applied:
                    handle(request)
                return FakeResponse(status, {"message": "Service Unavailable"})
            return handle(request)

        fake.handle = failing  # type: ignore[method-assign]
        try:
            yield refused
        finally:
            del fake.handle


def _is_action(fake: HttpFake, request: FakeRequest) -> bool:
    if hasattr(fake, "order_desk"):
        return bool(fake.order_desk.is_action(request))
    if hasattr(fake, "order_book"):
        from deskterm.demo.fakes.shopee_orders import ANSWER_PATH, CANCEL_PATH

        return request.path in (CANCEL_PATH, ANSWER_PATH)
    return fake.is_send(request)


def _track_lazada(rig: Rig) -> None:
    """Lazada counts cancels and decisions for the whole shop; keep them per order."""
    api: dict[str, Callable[[Any], dict[str, Any]]] = rig.fakes.lazada._api
    for path, what in (
        ("/order/reverse/cancel/create", "cancel"),
        ("/order/reverse/cancel/seller/decide", "decide"),
    ):
        api[path] = _counted(rig, api[path], what)


def _counted(
    rig: Rig, handler: Callable[[Any], dict[str, Any]], what: str
) -> Callable[[Any], dict[str, Any]]:
    book = rig.fakes.lazada.orders

    def counted(params: Any) -> dict[str, Any]:
        before = (book.cancels, book.decisions)
        answer = handler(params)
        if (book.cancels, book.decisions) != before:
            order = _lazada_order_of(book, params)
            rig.lazada_effects.setdefault(order, []).append(what)
        return answer

    return counted


def _lazada_order_of(book: Any, params: Any) -> str:
    order_id = params.get("order_id") or params.get("trade_order_id")
    if order_id:
        return str(order_id)
    reverse = params.get("reverse_order_id")
    if reverse:
        return str(book.reverses[int(reverse)].trade_order_id)
    return "?"


def add_market_orders(
    fakes: Marketplaces, wanted: dict[str, list[str]]
) -> dict[tuple[str, str], Market]:
    """One order per (store, key): ``wanted[store]`` names the keys; a key's prefix before
    the first ``-`` is a MARKET_KINDS entry. The buyers are the seeded chats' (newest)."""
    made: dict[tuple[str, str], Market] = {}
    rng = random.Random(13)
    tts = fakes.tiktokshop
    buyer = next(iter(tts.conversations.values())).buyer
    for key in wanted.get(TTS, []):
        kind = MARKET_KINDS[key.split("-")[0]][TTS]
        with tts.lock:
            order_id = tts.order_desk._order_id()
            tts.order_desk.add(make_order(order_id, buyer.user_id, kind, tts._now(), rng))
        made[(TTS, key)] = Market(TTS, order_id)
    book = fakes.shopee.order_book
    chat = next(iter(fakes.shopee.conversations.values()))
    scenarios = {
        "READY_TO_SHIP": ("READY_TO_SHIP", "LOGISTICS_READY", ""),
        "SHIPPED": ("SHIPPED", "LOGISTICS_PICKUP_DONE", ""),
        "IN_CANCEL": ("IN_CANCEL", "LOGISTICS_READY", ""),
    }
    for key in wanted.get(SHOPEE, []):
        scenario = scenarios[MARKET_KINDS[key.split("-")[0]][SHOPEE]]
        sn = book.add_order(chat.buyer_id, chat.buyer_name, scenario, int(time.time()) - 7200)
        made[(SHOPEE, key)] = Market(SHOPEE, sn)
    lazada = fakes.lazada.orders
    session = next(iter(fakes.lazada.sessions.values()))
    for key in wanted.get(LAZADA, []):
        prefix = key.split("-")[0]
        order = lazada.add_order(
            session.buyer_id, session.title.split()[0], MARKET_KINDS[prefix][LAZADA]
        )
        if prefix == "asked":
            lazada.open_reverse(order.order_id, "CANCEL", "Change of mind")
        made[(LAZADA, key)] = Market(LAZADA, str(order.order_id))
    return made


def _add_email_ticket(store_path: Path, email: str, name: str, n: int) -> None:
    """An email ticket from ``email`` (the Shopify customer's), as if mail had come in."""
    store = open_store(f"sqlite:///{store_path}")
    try:
        with store.write() as session:
            row = ensure_channel(session, name="support", type="imap", address="cs@toko.test")
            assert row.id is not None
            body = f"Halo, soal pesanan saya ({n})"
            ingest_message(
                session,
                ChannelContext(id=row.id, name="support", type="imap"),
                InboundMessage(
                    external_id=f"<order-{n}@mail.test>",
                    content_hash=hashlib.sha256(body.encode()).hexdigest(),
                    subject=body,
                    sender=Party(name, email, IdentityKind.EMAIL),
                    sent_at=utcnow() - timedelta(minutes=5),
                    body_text=body,
                ),
                blob_root=store.attachments_dir(),
                actor="test",
            )
    finally:
        store.close()


SHOPIFY_STATES = {
    # key prefix -> (financial, fulfillment)
    "to_ship": ("PAID", "UNFULFILLED"),
    "shipped": ("PAID", "FULFILLED"),
}


@contextmanager
def running_rig(
    root: Path,
    *,
    market: dict[str, list[str]],
    shopify: list[str],
) -> Iterator[Rig]:
    """All four fakes, the orders the tests asked for, one email ticket per Shopify order
    (its customer's own address), then ``sync --once``."""
    with serve_marketplaces(root / "secrets", conversations=1, messages=2) as fakes:
        config = root / "config.toml"
        config.write_text(
            '[store]\npath = "store/deskterm.db"\n[classify]\nenabled = false\n' + fakes.config
        )
        rig = Rig(fakes, config, root / "store" / "deskterm.db")
        rig.market = add_market_orders(fakes, market)
        _track_lazada(rig)
        for n, key in enumerate(shopify):
            email = f"buyer{n}.{key}@mail.test"
            financial, fulfillment = SHOPIFY_STATES[key.split("-")[0]]
            rig.shopify[key] = fakes.shopify.add_order(
                email,
                list(LINES),
                customer_name=f"Buyer {n}",
                shipping=SHIPPING,
                financial=financial,
                fulfillment=fulfillment,
                tracking=[FakeTracking(f"JP88{n:08d}", f"https://jet.co.id/t/{n}", "J&T")]
                if fulfillment == "FULFILLED"
                else [],
                address=dict(ADDRESS),
            )
        # The store exists once a command has opened it.
        assert main(["--config", str(config), "config", "check"]) == 0
        for n, key in enumerate(shopify):
            _add_email_ticket(rig.db, rig.shopify[key].email, f"Buyer {n}", n)
        assert main(["--config", str(config), "sync", "--once"]) == 0
        for key in shopify:
            rig.tickets[key] = _email_ticket(rig, rig.shopify[key].email)
        yield rig


def _email_ticket(rig: Rig, email: str) -> int:
    rows = rig._rows(
        "SELECT t.id FROM ticket t JOIN customeridentity i ON i.customer_id = t.customer_id"
        " WHERE i.value = ? ORDER BY t.id DESC LIMIT 1",
        email,
    )
    assert rows, email
    return int(rows[0][0])
