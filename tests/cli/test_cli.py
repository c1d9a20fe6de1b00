"""The command line: import, tickets/show/search --json shapes, actions, exit codes, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deskterm.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MBOX = REPO / "samples" / "support.mbox"

TICKET_KEYS = {
    "id",
    "subject",
    "status",
    "snoozed_until",
    "channel",
    "channel_type",
    "customer",
    "tags",
    "assignee",
    "message_count",
    "created_at",
    "last_message_at",
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config with one email channel and a store in tmp_path."""
    path = tmp_path / "config.toml"
    shutil.copy(REPO / "samples" / "deskterm.toml", path)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    code, out, err = run(capsys, *args)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def imported(config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, _, err = run(capsys, "--config", str(config), "import", "mbox", str(SAMPLE_MBOX))
    assert code == 0, err
    return config


def test_import_is_idempotent(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_json(capsys, "--config", str(config), "import", "mbox", str(SAMPLE_MBOX), "--json")
    second = run_json(capsys, "--config", str(config), "import", "mbox", str(SAMPLE_MBOX), "--json")
    assert isinstance(first, dict) and isinstance(second, dict)
    assert first["seen"] == 13 and first["imported"] == 13 and first["failed"] == 0
    assert first["unparsed"] >= 1  # the deliberately broken message is kept, raw
    assert second["imported"] == 0 and second["duplicates"] == 13
    assert second["tickets_created"] == 0


def test_tickets_json_shape(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tickets = run_json(capsys, "--config", str(imported), "tickets", "--view", "All", "--json")
    assert isinstance(tickets, list) and tickets
    for ticket in tickets:
        assert ticket.keys() >= TICKET_KEYS
        assert ticket["status"] in ("open", "closed")
        assert set(ticket["customer"]) >= {"name", "email", "handles"}
        assert ticket["channel"] == "support" and ticket["channel_type"] == "email"
        assert ticket["last_message_at"].endswith("Z")
    # threading: the Bahasa Indonesia conversation is one ticket of three messages
    siti = [t for t in tickets if t["customer"]["email"] == "siti.rahma@mail.test"]
    assert len(siti) == 1 and siti[0]["message_count"] == 3
    # Outlook reply without In-Reply-To still joins its ticket
    john = [t for t in tickets if t["customer"]["email"] == "john.carter@example.com"]
    assert len(john) == 1 and john[0]["message_count"] == 2
    # contact forms from two customers stay apart, each customer from Reply-To
    forms = {t["customer"]["email"] for t in tickets if t["subject"] == "Contact form: wholesale"}
    assert forms == {"rina@cafe-rina.test", "tom@beanhouse.test"}


def test_tickets_limit_and_default_view(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tickets = run_json(capsys, "--config", str(imported), "tickets", "--limit", "2", "--json")
    assert isinstance(tickets, list) and len(tickets) == 2
    dates = [t["last_message_at"] for t in tickets]
    assert dates == sorted(dates, reverse=True)


def test_show_json_shape(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tickets = run_json(capsys, "--config", str(imported), "search", "grinder", "--json")
    assert isinstance(tickets, list) and len(tickets) == 1
    assert "grinder" in tickets[0]["snippet"].lower()
    shown = run_json(capsys, "--config", str(imported), "show", str(tickets[0]["id"]), "--json")
    assert isinstance(shown, dict)
    assert shown.keys() >= TICKET_KEYS
    messages = shown["messages"]
    assert [m["direction"] for m in messages] == ["in", "in"]
    assert messages[0]["sent_at"] < messages[1]["sent_at"]
    for message in messages:
        assert {
            "id",
            "direction",
            "author",
            "body_text",
            "sent_at",
            "external_id",
            "attachments",
        } <= message.keys()
    assert messages[0]["attachments"] == [
        {
            "filename": "cracked-handle.jpg",
            "content_type": "image/jpeg",
            "size": 320,
            "sha256": messages[0]["attachments"][0]["sha256"],
        }
    ]


def test_actions_change_what_views_show(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ("--config", str(imported))
    first = run_json(capsys, *cfg, "search", "reembolso", "--json")
    assert isinstance(first, list)
    tid = str(first[0]["id"])
    assert run(capsys, *cfg, "tag", tid, "refund", "vip")[0] == 0
    assert run(capsys, *cfg, "assign", tid, "me")[0] == 0
    mine = run_json(capsys, *cfg, "tickets", "--view", "Mine", "--json")
    assert isinstance(mine, list) and [t["id"] for t in mine] == [int(tid)]
    assert (
        mine[0]["tags"] == ["refund", "vip"] and mine[0]["assignee"] == "dewi@kopi-nusantara.test"
    )
    assert run(capsys, *cfg, "snooze", tid, "2d")[0] == 0
    snoozed = run_json(capsys, *cfg, "tickets", "--view", "snoozed", "--json")
    assert isinstance(snoozed, list) and snoozed[0]["snoozed_until"] is not None
    assert run(capsys, *cfg, "reply", tid, "--note", "--body", "refund approved")[0] == 0
    shown = run_json(capsys, *cfg, "show", tid, "--json")
    assert isinstance(shown, dict) and shown["messages"][-1]["direction"] == "note"
    assert run(capsys, *cfg, "close", tid)[0] == 0
    assert run_json(capsys, *cfg, "tickets", "--query", f"id:{tid} status:closed", "--json")


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("show", "99999"), 1, "no ticket with id 99999"),
        (("show", "abc"), 2, "ticket ids are numbers"),
        (("tickets", "--query", "foo:bar"), 2, "unknown field 'foo'"),
        (("tickets", "--query", "(refund"), 2, "column 1"),
        (("tickets", "--view", "Nope"), 1, "no view named 'Nope'"),
        (("search", "date:2026-13-45"), 2, "date"),
        (("import", "mbox", "/nonexistent/mail.mbox"), 2, "/nonexistent/mail.mbox"),
        (("tag", "1", "two words"), 2, "invalid tag"),
        (("snooze", "1", "someday"), 2, "cannot understand time"),
        (("reply", "1", "--macro", "thanks"), 1, "no macro named"),
        (("reply", "1", "--body", "   "), 2, "needs some text"),
        (("sync", "--once", "--channel", "nope"), 2, "no channel named"),
    ],
)
def test_user_mistakes_are_one_line(
    imported: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    needle: str,
) -> None:
    try:
        got, _, err = run(capsys, "--config", str(imported), *args)
    except SystemExit as exc:  # argparse usage errors
        got, err = int(exc.code or 0), capsys.readouterr().err
    assert got == code
    assert needle in err
    assert "Traceback" not in err


def test_missing_config_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--config", str(tmp_path / "nope.toml"), "tickets")
    assert code == 2 and "nope.toml" in err and len(err.strip().splitlines()) == 1


def test_bad_config_names_file_and_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[channels]]\nname = "x"\ntype = "email"\naddress = "a@b.test"\npoll_seconds = "often"\n'
    )
    code, _, err = run(capsys, "--config", str(bad), "tickets")
    assert code == 2 and "bad.toml" in err and "channels[0]" in err
    assert len(err.strip().splitlines()) == 1


def test_real_entry_point_no_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "deskterm", "--config", str(tmp_path / "missing.toml"), "tickets"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "missing.toml" in proc.stderr


def test_help_for_every_command() -> None:
    for command in (
        "demo",
        "sync",
        "tickets",
        "show",
        "search",
        "reply",
        "import",
        "doctor",
        "secret",
        "config",
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "deskterm", command, "--help"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, command
        assert "usage: deskterm" in proc.stdout


def test_saved_views(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ("--config", str(imported))
    assert run(capsys, *cfg, "views", "save", "Refunds", "reembolso OR refund")[0] == 0
    views = run_json(capsys, *cfg, "views", "--json")
    assert isinstance(views, list)
    by_name = {v["name"]: v for v in views}
    assert list(by_name)[:7] == ["Inbox", "Unassigned", "Mine", "Snoozed", "Closed", "Spam", "All"]
    assert by_name["Refunds"]["count"] == 2 and not by_name["Refunds"]["system"]
    listed = run_json(capsys, *cfg, "tickets", "--view", "refunds", "--json")
    assert isinstance(listed, list) and len(listed) == 2
    code, _, err = run(capsys, *cfg, "views", "save", "Broken", "tag:")
    assert code == 2 and "column" in err
    code, _, err = run(capsys, *cfg, "views", "save", "inbox", "x")
    assert code == 2 and "system view" in err
    assert run(capsys, *cfg, "views", "delete", "refunds")[0] == 0
    code, _, err = run(capsys, *cfg, "tickets", "--view", "Refunds")
    assert code == 1 and "no view named" in err


def test_attachment_and_html_mail(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ("--config", str(imported))
    with_files = run_json(capsys, *cfg, "search", "has:attachment", "--json")
    assert isinstance(with_files, list)
    assert [t["customer"]["email"] for t in with_files] == ["john.carter@example.com"]
    # The HTML alternative is kept as text; its tracking pixel is not.
    gayo = run_json(capsys, *cfg, "search", "gayo", "--json")
    assert isinstance(gayo, list) and len(gayo) == 1
    shown = run_json(capsys, *cfg, "show", str(gayo[0]["id"]), "--json")
    assert isinstance(shown, dict)
    assert "tracker.test" not in json.dumps(shown)
    # Bulk mail is flagged as auto-submitted (rules must never answer it).
    digest = run_json(capsys, *cfg, "search", "subject:digest", "--json")
    assert isinstance(digest, list)
    shown = run_json(capsys, *cfg, "show", str(digest[0]["id"]), "--json")
    assert isinstance(shown, dict) and shown["messages"][0]["auto_submitted"] is True


def test_macros_import_export_and_reply_guard(
    imported: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cfg = ("--config", str(imported))
    assert run(capsys, *cfg, "macros", "import", str(REPO / "samples" / "macros.toml"))[0] == 0
    listed = run_json(capsys, *cfg, "macros", "--json")
    assert isinstance(listed, list) and {m["shortcut"] for m in listed} == {
        "wismo",
        "refund",
        "thanks",
        "track",
    }
    exported = tmp_path / "macros.toml"
    assert run(capsys, *cfg, "macros", "export", str(exported))[0] == 0
    assert run(capsys, *cfg, "macros", "import", str(exported))[1].startswith(
        f"{exported}: 0 macros created, 4 updated"
    )
    # An empty variable refuses to send, naming it; --force sends.
    code, _, err = run(capsys, *cfg, "reply", "2", "--macro", "track")
    assert code == 2 and "orders[0]" in err and "--force" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[macros]]\nname = "x"\nbody = "y"\n[macros.actions]\nstatus = "maybe"\n')
    code, _, err = run(capsys, *cfg, "macros", "import", str(bad))
    assert code == 2 and "macros[0].actions.status" in err
