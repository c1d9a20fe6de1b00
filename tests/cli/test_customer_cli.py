"""``deskterm customer link/show/unlink``: one-line results, --json, exit codes, errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from deskterm.cli import main
from deskterm.domain.enums import IdentityKind
from deskterm.domain.messages import InboundMessage, Party
from deskterm.ingest.context import ChannelContext
from deskterm.ingest.pipeline import ingest_message
from deskterm.store.channels import ensure_channel
from deskterm.store.engine import open_store

REPO = Path(__file__).resolve().parents[2]
SITI = "siti.rahma@mail.test"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cfg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """The sample mailbox plus one Shopee chat from buyer ``buyer-77``; ``--config`` args."""
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    args = ("--config", str(config))
    assert run(capsys, *args, "import", "mbox", str(REPO / "samples" / "support.mbox"))[0] == 0
    store = open_store(f"sqlite:///{tmp_path / '.sample-store' / 'deskterm.db'}")
    with store.write() as session:
        row = ensure_channel(session, name="shopee-id", type="shopee", address="2000002")
        assert row.id is not None
        body = "Kak, kopi Gayo saya belum dikirim"
        ingest_message(
            session,
            ChannelContext(id=row.id, name="shopee-id", type="shopee"),
            InboundMessage(
                external_id="chat-1",
                content_hash=hashlib.sha256(body.encode()).hexdigest(),
                subject=body,
                sender=Party("siti_r", "buyer-77", IdentityKind.BUYER),
                sent_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
                body_text=body,
            ),
            blob_root=store.attachments_dir(),
            actor="test",
        )
    store.close()
    return args


def show(capsys: pytest.CaptureFixture[str], cfg: tuple[str, str], handle: str) -> dict[str, Any]:
    code, out, err = run(capsys, *cfg, "customer", "show", handle, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_link_show_unlink(capsys: pytest.CaptureFixture[str], cfg: tuple[str, str]) -> None:
    siti = show(capsys, cfg, f"email:{SITI}")
    buyer = show(capsys, cfg, "shopee:buyer-77")
    assert siti["id"] != buyer["id"]
    code, out, err = run(capsys, *cfg, "customer", "link", f"email:{SITI}", "shopee:buyer-77")
    assert code == 0, err
    assert out == f"customer #{siti['id']} now also has shopee:buyer-77 (merged #{buyer['id']})\n"

    linked = show(capsys, cfg, "shopee:buyer-77")
    assert linked["id"] == siti["id"] and linked["name"] == "Siti Rahma"
    assert [i["handle"] for i in linked["identities"]] == [f"email:{SITI}", "shopee:buyer-77"]
    assert {i["channels"][0]["name"] for i in linked["identities"]} == {"support", "shopee-id"}
    assert linked["ticket_count"] == 2
    assert {t["channel"] for t in linked["tickets"]} == {"support", "shopee-id"}
    assert linked.keys() >= {"order_count", "orders", "total_spent", "email", "note"}

    # The same person again: nothing to do, still success.
    code, out, _ = run(capsys, *cfg, "customer", "link", f"#{siti['id']}", "shopee:buyer-77")
    assert code == 0 and out.endswith("(no change)\n")

    code, out, err = run(capsys, *cfg, "customer", "unlink", str(siti["id"]), "shopee:buyer-77")
    assert code == 0, err
    assert len(out.splitlines()) == 1
    assert out.startswith(f"shopee:buyer-77 moved from customer #{siti['id']} to new customer #")
    assert "1 ticket" in out
    back = show(capsys, cfg, "shopee:buyer-77")
    assert back["id"] != siti["id"] and back["ticket_count"] == 1
    assert show(capsys, cfg, SITI)["ticket_count"] == 1


def test_link_adds_an_identity_nobody_has(
    capsys: pytest.CaptureFixture[str], cfg: tuple[str, str]
) -> None:
    code, out, err = run(capsys, *cfg, "customer", "link", SITI, "phone:+62 812-555-0101")
    assert code == 0, err
    assert out.endswith("now also has phone:+628125550101\n")
    assert show(capsys, cfg, "phone:0062 812 555 0101")["email"] == SITI


def test_show_prints_a_readable_summary(
    capsys: pytest.CaptureFixture[str], cfg: tuple[str, str]
) -> None:
    code, out, err = run(capsys, *cfg, "customer", "show", "SITI.RAHMA@mail.test")
    assert code == 0, err
    assert out.startswith("Customer #") and "Siti Rahma" in out
    assert f"email:{SITI}" in out and "Tickets: 1" in out and "Orders: 0" in out


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("show", "email:nobody@mail.test"), 2, "no customer has email:nobody@mail.test"),
        (("show", "#9999"), 2, "no customer #9999"),
        (("show", "12345"), 2, "cannot tell what '12345' is"),
        (("link", "foo", "shopee:buyer-77"), 2, "cannot tell what 'foo' is"),
        (("link", "shopee:buyer-77", "#9999"), 2, "no customer #9999"),
        (("link", "email:ghost@mail.test", "shopee:buyer-77"), 2, "no customer has"),
        (("link", SITI, "ebay:1"), 2, "cannot tell what 'ebay:1' is"),
        (("unlink", "9999", "shopee:buyer-77"), 2, "no customer #9999"),
        (("unlink", "1", f"email:{SITI}"), 2, "only identity"),
        (("unlink", "1", "#2"), 2, "unlink takes an identity"),
        (("unlink", "abc", "shopee:1"), 2, "customer ids are numbers"),
        (("frobnicate",), 2, "invalid choice"),
    ],
)
def test_mistakes_are_one_line(
    capsys: pytest.CaptureFixture[str],
    cfg: tuple[str, str],
    args: tuple[str, ...],
    code: int,
    needle: str,
) -> None:
    got, out, err = run(capsys, *cfg, "customer", *args)
    assert got == code
    assert needle in err and "Traceback" not in err and not out
    if not needle.startswith(("customer ids", "invalid")):  # argparse adds its usage line
        assert err.startswith("deskterm: ") and len(err.strip().splitlines()) == 1


def test_runtime_failure_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\npath = "{blocker / "deskterm.db"}"\n')
    code, out, err = run(capsys, "--config", str(config), "customer", "show", SITI)
    assert code == 1 and not out
    assert "cannot create store directory" in err and len(err.strip().splitlines()) == 1


def test_show_prints_money_spent_in_each_currency_as_people_write_it(
    capsys: pytest.CaptureFixture[str], cfg: tuple[str, str], tmp_path: Path
) -> None:
    """issue 10 item 11: money formatted per currency everywhere (not ``500000.0 IDR``)."""
    from deskterm.store.tables import Order

    siti = show(capsys, cfg, SITI)["id"]
    store = open_store(f"sqlite:///{tmp_path / '.sample-store' / 'deskterm.db'}")
    with store.write() as session:
        for n, (total, currency) in enumerate(
            [("135000", "IDR"), ("365000.0", "IDR"), ("1234.5", "USD")]
        ):
            session.add(
                Order(
                    store="main",
                    external_id=str(n),
                    customer_id=siti,
                    name=f"#100{n}",
                    total=total,
                    currency=currency,
                    financial_status="paid",
                )
            )
    store.close()
    code, out, err = run(capsys, *cfg, "customer", "show", SITI)
    assert code == 0, err
    assert "Orders: 3 (spent Rp500.000, $1,234.50)\n" in out
    assert show(capsys, cfg, SITI)["total_spent"] == {"IDR": "500000.0", "USD": "1234.5"}
