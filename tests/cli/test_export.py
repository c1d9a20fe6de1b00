"""``deskterm export tickets|messages|metrics`` (issue 15 item 7): the documented columns in
CSV, JSON lines and Parquet with the same values, streamed by pages, written whole or not
at all, ``--since``, a progress bar on a terminal, and bad input in one line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from deskterm.cli import main
from deskterm.store import export_rows
from deskterm.store.engine import open_store
from deskterm.store.export_rows import MESSAGE_COLUMNS, TICKET_COLUMNS
from tests.cli.subprocess_cli import run_deskterm
from tests.cli.test_stats import CONFIG
from tests.conftest import support_channel
from tests.store.stats_rig import Known, build


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Known]]:
    """A config whose store holds tests/store/stats_rig.py's tickets (March 2026)."""
    folder = tmp_path_factory.mktemp("export")
    db = folder / "deskterm.db"
    store = open_store(f"sqlite:///{db}")
    with pytest.MonkeyPatch.context() as monkeypatch:
        known = build(store, support_channel(store), monkeypatch)
    store.close()
    path = folder / "config.toml"
    path.write_text(CONFIG.format(db=db), encoding="utf-8")
    yield path, known


@pytest.fixture
def config(rig: tuple[Path, Known]) -> Path:
    return rig[0]


def export(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def db_rows(config: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(config.parent / "deskterm.db") as conn:
        return conn.execute(sql).fetchall()


def test_tickets_csv_has_the_documented_columns_and_every_ticket(
    config: Path, rig: tuple[Path, Known], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tickets.csv"
    code, said, err = export(config, capsys, "tickets", "--out", str(out))
    assert code == 0, err
    assert said == f"exported 6 tickets to {out} (csv)\n"
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [column.name for column in TICKET_COLUMNS]
    known = rig[1]
    by_id = {int(row["id"]): row for row in rows}
    assert sorted(by_id) == sorted([known.t1, known.t2, known.t3, known.t4, known.t5, known.t6])
    t1 = by_id[known.t1]
    assert t1["status"] == "closed" and t1["assignee"] == "ana@shop.test"
    assert t1["tags"] == "order" and t1["spam"] == "false"
    assert t1["created_at"] == "2026-03-01T10:00:00Z"
    # The autoresponder (10:05) and the rule's reply (10:30) are no agent reply.
    assert t1["first_reply_at"] == "2026-03-01T12:00:00Z"
    assert t1["customer_email"] == "alice@example.com"
    t4 = by_id[known.t4]
    assert t4["channel"] == "shopee-id" and t4["channel_type"] == "shopee"
    assert t4["tags"] == "order;vip"
    assert by_id[known.t6]["spam"] == "true"
    assert by_id[known.t5]["closed_at"] == "" and by_id[known.t5]["first_reply_at"] == ""


def test_messages_jsonl_parquet_and_csv_hold_the_same_values(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {fmt: tmp_path / f"messages.{fmt}" for fmt in ("jsonl", "parquet", "csv")}
    for fmt, path in files.items():
        code, said, err = export(config, capsys, "messages", "--out", str(path))
        assert code == 0, err
        assert f"({fmt})" in said
    lines = files["jsonl"].read_text(encoding="utf-8").splitlines()
    from_jsonl = [json.loads(line) for line in lines]
    stored = db_rows(config, "SELECT id, direction, body_text FROM message ORDER BY id")
    assert [(m["id"], m["direction"]) for m in from_jsonl] == [(r[0], r[1]) for r in stored]
    assert list(from_jsonl[0]) == [column.name for column in MESSAGE_COLUMNS]
    assert {m["direction"] for m in from_jsonl} == {"in", "out", "note", "system"}
    assert any(m["auto"] for m in from_jsonl) and not all(m["auto"] for m in from_jsonl)

    table = pq.read_table(files["parquet"])
    assert table.schema.names == [column.name for column in MESSAGE_COLUMNS]
    assert str(table.schema.field("sent_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("sentiments").type) == "list<element: string>"
    assert str(table.schema.field("auto").type) == "bool"
    from_parquet = table.to_pylist()
    for row in from_parquet:
        row["sent_at"] = row["sent_at"].isoformat().replace("+00:00", "Z")
        row["received_at"] = row["received_at"].isoformat().replace("+00:00", "Z")
    assert from_parquet == from_jsonl

    from_csv = list(csv.DictReader(io.StringIO(files["csv"].read_text(encoding="utf-8"))))
    assert [int(row["id"]) for row in from_csv] == [m["id"] for m in from_jsonl]
    assert [row["body_text"] for row in from_csv] == [m["body_text"] for m in from_jsonl]
    assert [row["auto"] for row in from_csv] == [
        "true" if m["auto"] else "false" for m in from_jsonl
    ]


def test_since_and_until_pick_tickets_created_and_messages_sent_in_the_period(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.jsonl"
    code, _, err = export(
        config,
        capsys,
        "tickets",
        "--since",
        "2026-03-03",
        "--until",
        "2026-03-04",
        "--out",
        str(out),
    )
    assert code == 0, err
    created = [json.loads(line)["created_at"] for line in out.read_text().splitlines()]
    assert created and all(c.startswith("2026-03-03") for c in created)

    out = tmp_path / "m.jsonl"
    code, _, err = export(config, capsys, "messages", "--since", "2026-03-03", "--out", str(out))
    assert code == 0, err
    sent = [json.loads(line)["sent_at"] for line in out.read_text().splitlines()]
    in_db = db_rows(config, "SELECT count(*) FROM message WHERE sent_at >= '2026-03-03'")
    assert sent and len(sent) == in_db[0][0]
    assert all(moment >= "2026-03-03" for moment in sent)


def test_pages_are_read_by_key_and_every_row_comes_once(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Streaming: with pages of 2 rows the export holds two rows at a time and still
    writes every message once, in id order."""
    monkeypatch.setattr(export_rows, "PAGE", 2)
    out = tmp_path / "m.csv"
    code, _, err = export(config, capsys, "messages", "--out", str(out))
    assert code == 0, err
    ids = [int(row["id"]) for row in csv.DictReader(io.StringIO(out.read_text()))]
    assert ids == [row[0] for row in db_rows(config, "SELECT id FROM message ORDER BY id")]
    pages = list(export_rows.message_pages(_read(config), _far_past(), _far_future()))
    assert {len(page) for page in pages[:-1]} == {2}


def _read(config: Path) -> Any:
    from deskterm.store.readdb import open_read

    return open_read(f"sqlite:///{config.parent / 'deskterm.db'}")


def _far_past() -> Any:
    from deskterm.cli.export_commands import EVERYTHING

    return EVERYTHING


def _far_future() -> Any:
    from datetime import UTC, datetime

    return datetime(2100, 1, 1, tzinfo=UTC)


def test_a_failed_export_leaves_the_old_file_and_no_part_file(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "m.jsonl"
    out.write_text("yesterday's export\n", encoding="utf-8")

    real = export_rows.message_pages

    def broken(*args: Any) -> Iterator[list[tuple[Any, ...]]]:
        yield next(real(*args))  # a page is written, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_rows, "message_pages", broken)
    with pytest.raises(OSError, match="No space left"):
        main(["--config", str(config), "export", "messages", "--out", str(out)])
    assert out.read_text(encoding="utf-8") == "yesterday's export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.jsonl"]


def test_an_export_replaces_the_previous_file_whole(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.csv"
    out.write_text("old\n" * 10_000, encoding="utf-8")
    code, _, err = export(config, capsys, "tickets", "--out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("id,channel,")
    assert "old" not in out.read_text(encoding="utf-8")


def test_out_dash_writes_the_data_to_stdout_and_the_summary_to_stderr(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = export(config, capsys, "tickets", "--format", "jsonl", "--out", "-")
    assert code == 0, err
    assert len([json.loads(line) for line in out.splitlines()]) == 6
    assert err == "exported 6 tickets to standard output (jsonl)\n"


def test_metrics_are_one_row_per_day_as_stats_counts_them(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "daily.parquet"
    code, said, err = export(
        config,
        capsys,
        "metrics",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-04",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert said == f"exported 3 days to {out} (parquet)\n"
    rows = pq.read_table(out).to_pylist()
    assert [row["day"] for row in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    stats = run_deskterm(
        "--config",
        config,
        "stats",
        "--since",
        "2026-03-01",
        "--until",
        "2026-03-04",
        "--by",
        "day",
        "--json",
    )
    assert stats.code == 0, stats.err
    groups = {g["key"]: g["metrics"] for g in json.loads(stats.out)["groups"]}
    for row in rows:
        metrics = groups[row["day"]]
        assert row["tickets_created"] == metrics["tickets_created"]
        assert row["messages_received"] == metrics["messages_received"]
        assert row["first_response_median_s"] == metrics["first_response"]["median_s"]
        assert row["one_touch_rate"] == metrics["one_touch_rate"]


def test_a_terminal_gets_a_progress_bar(
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    code = main(["--config", str(config), "export", "messages", "--out", str(tmp_path / "m.csv")])
    assert code == 0
    total = db_rows(config, "SELECT count(*) FROM message")[0][0]
    drawn = screen.getvalue()
    assert f"messages  {total:,}/{total:,} [{'#' * 30}] 100%" in drawn
    assert drawn.endswith("\n")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("tickets", "--out", "{tmp}/t.txt"), "--out {tmp}/t.txt: say which format with --format"),
        (("tickets", "--format", "xml", "--out", "{tmp}/t.x"), "--format: 'xml' is not one of"),
        (("tickets", "--out", "{tmp}/missing/t.csv"), "no such folder {tmp}/missing"),
        (("tickets", "--out", "{tmp}"), "is a folder; give a file name"),
        (("tickets", "--since", "soon", "--out", "{tmp}/t.csv"), "--since: cannot understand"),
        (
            ("messages", "--since", "2026-03-05", "--until", "2026-03-01", "--out", "{tmp}/m.csv"),
            "--until must be after --since",
        ),
        (("orders", "--out", "{tmp}/o.csv"), "invalid choice: 'orders'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    config: Path, tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    done = run_deskterm("--config", config, "export", *(a.format(tmp=tmp_path) for a in args))
    assert done.code == 2
    lines = done.err_lines()
    assert len(lines) <= 3 and says.format(tmp=tmp_path) in done.err, done.err
    assert "Traceback" not in done.err
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
