"""Issue 10 item 12: `tickets`/`show`/`search` show SLA state; `sla:` queries from the CLI."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.cli.subprocess_cli import REPO, run_deskterm

SLA = 'sla = { first_response = "1h", resolution = "1d" }\n'


def mail(number: int, sent: datetime) -> str:
    return (
        f"From c{number}@mail.test {sent:%a %b %d %H:%M:%S %Y}\n"
        f"From: Customer {number} <c{number}@mail.test>\n"
        "To: support@kopi-nusantara.test\n"
        f"Subject: Pesanan {number}\nMessage-ID: <sla-{number}@mail.test>\n"
        f"Date: {format_datetime(sent)}\n\nHalo kak, pesanan {number}?\n\n"
    )


@pytest.fixture(scope="module")
def sla_config(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The sample config with SLA targets on its channel and three fresh tickets: asked
    30 minutes ago, asked 4 hours ago (first reply 3 h late), and one asked 2 hours ago
    and closed."""
    folder = tmp_path_factory.mktemp("sla")
    config = folder / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    config.write_text(config.read_text(encoding="utf-8") + SLA, encoding="utf-8")
    now = datetime.now(UTC).replace(microsecond=0)
    mbox = folder / "sla.mbox"
    ages = {"soon": 30, "late": 240, "closed": 120}
    mbox.write_text(
        "".join(mail(n, now - timedelta(minutes=m)) for n, m in enumerate(ages.values())),
        encoding="utf-8",
    )
    assert run_deskterm("--config", config, "import", "mbox", mbox).code == 0
    found = run_deskterm("--config", config, "tickets", "--view", "All", "--json")
    by_subject = {t["subject"]: t["id"] for t in json.loads(found.out)}
    ids = {name: by_subject[f"Pesanan {n}"] for n, name in enumerate(ages)}
    assert run_deskterm("--config", config, "close", str(ids["closed"])).code == 0
    return config, ids


def tickets(config: Path, *args: str) -> list[dict[str, Any]]:
    done = run_deskterm("--config", config, "tickets", *args, "--json")
    assert done.code == 0, done.err
    found = json.loads(done.out)
    assert isinstance(found, list)
    return found


def test_tickets_json_has_sla(sla_config: tuple[Path, dict[str, int]]) -> None:
    """issue 10 item 12: each ticket has sla {first_response_due, resolution_due, breached}."""
    config, ids = sla_config
    by_id = {t["id"]: t for t in tickets(config, "--view", "All")}
    late = by_id[ids["late"]]
    created = datetime.fromisoformat(late["created_at"].replace("Z", "+00:00"))
    assert late["sla"] == {
        "first_response_due": (created + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resolution_due": (created + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "breached": True,
    }
    assert by_id[ids["soon"]]["sla"]["breached"] is False
    assert by_id[ids["closed"]]["sla"]["breached"] is False
    shown = json.loads(run_deskterm("--config", config, "show", str(ids["late"]), "--json").out)
    assert shown["sla"] == late["sla"]


def test_sla_queries(sla_config: tuple[Path, dict[str, int]]) -> None:
    """issue 10 item 12: `--query sla:breached` and `sla:due<1h` use the config's targets."""
    config, ids = sla_config
    assert [t["id"] for t in tickets(config, "--query", "sla:breached")] == [ids["late"]]
    assert [t["id"] for t in tickets(config, "--query", "sla:due<1h")] == [ids["soon"]]
    assert tickets(config, "--query", "sla:due<1h -sla:breached")
    search = run_deskterm("--config", config, "search", "pesanan", "sla:breached", "--json")
    assert [t["id"] for t in json.loads(search.out)] == [ids["late"]]
    bad = run_deskterm("--config", config, "tickets", "--query", "sla:late")
    assert bad.code == 2 and len(bad.err_lines()) == 1
    assert "expected breached or due<DURATION" in bad.err


def test_table_has_a_short_sla_column(sla_config: tuple[Path, dict[str, int]]) -> None:
    """issue 10 item 12: the table shows "29m" until due, "!3h" breached, "—" for none;
    `show` says when each target is due and that it was breached."""
    config, ids = sla_config
    table = run_deskterm("--config", config, "tickets", "--view", "All")
    cells = {int(line.split()[0]): line.split()[3] for line in table.out.splitlines()}
    assert re.fullmatch(r"(29|30)m", cells[ids["soon"]]), cells
    assert cells[ids["late"]] == "!3h"
    assert cells[ids["closed"]] == "—"
    shown = run_deskterm("--config", config, "show", str(ids["late"]))
    line = next(line for line in shown.out.splitlines() if line.startswith("SLA: "))
    assert "first response due" in line and "resolution due" in line
    assert line.endswith("— breached")


def test_no_targets_no_column(tmp_path: Path) -> None:
    """issue 10 item 12: without SLA targets `sla` is null and the table has no column."""
    config = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", config)
    assert (
        run_deskterm("--config", config, "import", "mbox", REPO / "samples/support.mbox").code == 0
    )
    found = tickets(config, "--view", "All")
    assert found and all(t["sla"] is None for t in found)
    assert tickets(config, "--query", "sla:breached") == []
    table = run_deskterm("--config", config, "tickets", "--view", "All")
    assert "—" not in table.out


def test_sla_breached_is_a_view_when_a_channel_has_targets(
    sla_config: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    """issue 15 item 6: with targets, `SLA breached` is a system view (`sla:breached`),
    counted in `views` and usable as `tickets --view`; without targets it is not listed."""
    config, ids = sla_config
    done = run_deskterm("--config", config, "views", "--json")
    assert done.code == 0, done.err
    views = {v["name"]: v for v in json.loads(done.out)}
    assert views["SLA breached"]["query"] == "sla:breached"
    assert views["SLA breached"]["system"] is True
    breached = {t["id"] for t in tickets(config, "--view", "SLA breached")}
    assert breached == {t["id"] for t in tickets(config, "--query", "sla:breached")}
    assert ids["late"] in breached and ids["soon"] not in breached
    plain = tmp_path / "plain.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", plain)
    listed = run_deskterm("--config", plain, "views", "--json")
    assert listed.code == 0, listed.err
    assert "SLA breached" not in {v["name"] for v in json.loads(listed.out)}
