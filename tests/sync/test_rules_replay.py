"""``rules test`` replays history without changing a byte of the store; ``rules explain``
shows each rule's terms with their values on a ticket's latest event."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.servers.imap_servers import ImapServer
from tests.sync.conftest import dt, dt_json, write_config
from tests.sync.mail import customer_mail
from tests.sync.test_rules_engine_email import db_rows, setup_rules

RULES = """\
[[rules]]
name = "WISMO auto-answer"
enabled = false
when = ["message.created"]
if = 'message.from:customer AND subject:order AND NOT tag:auto-answered'
then = [{ reply = "where-is-my-order" }]

[[rules]]
name = "Refunds"
enabled = false
when = ["message.created"]
if = "subject:reembolso"
then = [{ tag = ["refund"] }]

[[rules]]
name = "New tickets"
enabled = false
when = ["ticket.created"]
if = "*"
then = [{ tag = ["new"] }]
"""


def fingerprint(config: Path) -> dict[str, str]:
    folder = config.parent / "store"
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name.startswith("deskterm.db")
    }


def test_rules_test_replays_and_changes_nothing(pymap: ImapServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", pymap)
    for n in range(5):  # subjects cycle: order, pesanan, reembolso, pedido, damaged order
        pymap.append("INBOX", customer_mail(n, to=pymap.username))
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    setup_rules(config, RULES)
    before = fingerprint(config)
    results = dt_json("--config", str(config), "rules", "test", "--since", "30d", "--json")
    assert fingerprint(config) == before  # byte for byte
    by_name = {r["name"]: r for r in results}
    assert by_name["WISMO auto-answer"]["matched_tickets"] == 2  # "Where is my order", "Damaged"
    assert by_name["Refunds"]["matched_tickets"] == 1
    assert by_name["New tickets"]["matched_tickets"] == 5
    assert by_name["New tickets"]["events"] == 5
    only = dt_json("--config", str(config), "rules", "test", "--rule", "refunds", "--json")
    assert [r["name"] for r in only] == ["Refunds"]
    code, out, err = dt("--config", str(config), "rules", "test")
    assert code == 0 and "off New tickets: 5 ticket(s), 5 of 5 event(s)" in out, out + err
    assert fingerprint(config) == before
    assert db_rows(config, "SELECT count(*) FROM rulerun") == [(0,)]


def test_rules_explain_shows_each_term(pymap: ImapServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", pymap)
    pymap.append("INBOX", customer_mail(0, to=pymap.username))
    assert dt("--config", str(config), "sync", "--once")[0] == 0
    setup_rules(config, RULES)
    [(ticket,)] = db_rows(config, "SELECT id FROM ticket")
    shown = dt_json("--config", str(config), "rules", "explain", str(ticket), "--json")
    assert shown["event"]["event"] == "message.created"
    assert shown["event"]["message_from"] == "customer"
    wismo, refunds, new = shown["rules"]
    assert wismo["matched"] and wismo["runs_on_event"] and wismo["ran"] is None
    assert wismo["terms"] == [
        {"term": "message.from:customer", "value": True},
        {"term": "subject:order", "value": True},
        {"term": "tag:auto-answered", "value": False},
    ]
    assert not refunds["matched"]
    assert not new["runs_on_event"]
    code, out, _ = dt("--config", str(config), "rules", "explain", str(ticket))
    assert code == 0 and "WISMO auto-answer: matches" in out
    assert "yes  message.from:customer" in out and "no   tag:auto-answered" in out
