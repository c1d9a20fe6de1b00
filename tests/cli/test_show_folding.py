"""Issue 10 item 8: `show` folds quoted history and mail-client signatures, never the shop's."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.subprocess_cli import run_deskterm, seeded_config

MAIL = (
    "From rina@mail.test Mon Nov 16 10:00:00 2026\n"
    "From: Rina Kusuma <rina@mail.test>\nTo: support@kopi-nusantara.test\n"
    "Subject: Kopi Toraja Sapan\nMessage-ID: <sapan-1@mail.test>\n"
    "Date: Mon, 16 Nov 2026 10:00:00 +0000\n\n"
    "Kapan dikirim kak?\n\nBest regards,\nRina\n\n"
    "Em seg., 16 de nov. de 2026 às 09:00, Loja <support@kopi-nusantara.test> escreveu:\n"
    "> Pedido recebido\n"
)
REPLY = "Sudah kami kirim kak.\n\nBest regards,\nDewi\n-- \nKopi Nusantara"


def test_show_keeps_sign_offs_and_counts_folded_lines(tmp_path: Path) -> None:
    """issue 10 item 8: `show` prints the customer's and the shop's sign-offs, folds the
    two-line Portuguese history ("2 quoted lines"), and --full shows everything."""
    config = seeded_config(tmp_path)
    mbox = tmp_path / "sapan.mbox"
    mbox.write_text(MAIL, encoding="utf-8")
    assert run_deskterm("--config", config, "import", "mbox", mbox).code == 0
    found = run_deskterm("--config", config, "tickets", "--query", "subject:sapan", "--json")
    ticket = str(json.loads(found.out)[0]["id"])
    env = {**os.environ, "DESKTERM_SAMPLE_PASSWORD": "unused"}  # only queued, never sent
    assert run_deskterm("--config", config, "reply", ticket, "--body", REPLY, env=env).code == 0
    shown = run_deskterm("--config", config, "show", ticket)
    assert shown.code == 0, shown.err
    assert "Kapan dikirim kak?\n\nBest regards,\nRina\n    [… 2 quoted lines hidden;" in shown.out
    assert "Pedido recebido" not in shown.out
    assert REPLY + "\n" in shown.out
    assert shown.out.count("hidden;") == 1
    full = run_deskterm("--config", config, "show", ticket, "--full")
    assert "> Pedido recebido" in full.out and "hidden;" not in full.out
