"""``deskterm config check`` run as a user would: every problem listed, what the programs refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EMAIL_CHANNEL = """
[[channels]]
name = "support"
type = "email"
address = "support@shop.test"
imap = { host = "127.0.0.1", port = 993, username = "support@shop.test" }
smtp = { host = "127.0.0.1", port = 465, security = "tls", username = "support@shop.test" }
password = { env = "SUPPORT_PASSWORD" }
"""


def config_check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskterm", "--config", str(config), "config", "check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "DESKTERM_CONFIG"},
    )


def test_every_problem_is_listed_one_per_line_in_file_order(tmp_path: Path) -> None:
    """issue 9 finding 15: config check showed only the first error (and accepted the rest)."""
    (tmp_path / "a-directory").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "a-directory"\n'
        + EMAIL_CHANNEL.replace("port = 993", "port = 99999")
        + 'password_file = "x"\n'
        + EMAIL_CHANNEL.replace(
            '{ env = "SUPPORT_PASSWORD" }', '{ command = "pass \'do-not-echo" }'
        )
        + '\n[ui]\ntheme = "no-such-theme"\n'
        + '\n[ui.keys]\nrepyl = "R"\nquit = ""\n'
    )
    proc = config_check(config)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    expected = [
        "store.path: ",
        'channels[0] "support".imap.port: ',
        'channels[0] "support".password_file: unknown key',
        'channels[1] "support".name: duplicate channel name',
        'channels[1] "support".password.command: ',
        "ui.theme: no theme 'no-such-theme'",
        "ui.keys.repyl: no such binding (did you mean reply?)",
        "ui.keys.quit: give at least one key",
    ]
    assert len(lines) == len(expected), proc.stderr
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(f"deskterm: {config}: {start}"), (line, start)
    assert "is a directory" in lines[0]
    assert "do-not-echo" not in lines[4]  # the command line may carry a secret: never echoed
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[ui.keys]\nrepyl = "R"', "ui.keys.repyl: no such binding"),
        (
            '[ui.keys]\n"list.cursor_down" = " , "',
            'ui.keys."list.cursor_down": give at least one key',
        ),
        ('[ui]\ntheme = "solarized"', "ui.theme: no theme 'solarized'"),
        ('[store]\npath = "/dev/null"', "store.path: /dev/null is not a regular file"),
        ('[store]\nurl = "sqlite:////dev/null"', "store.url: /dev/null is not a regular file"),
        ('[store]\npath = "{tmp}"', "store.path: {tmp} is a directory"),
        ('[store]\npath = "{tmp}/file/db.sqlite"', "store.path: cannot create {tmp}/file"),
        (
            '[store]\nurl = "mysql://db/deskterm"',
            "store.url: deskterm stores in SQLite or PostgreSQL",
        ),
        # issue 12 item 4: the LLM backend names what it lacks, in one line.
        ('[classify]\nbackend = "llm"', 'classify: backend = "llm" needs a [classify.llm] table'),
        (
            '[classify]\nbackend = "llm"\n[classify.llm]\nurl = "http://localhost:11434/v1"',
            "classify.llm.model: missing required key",
        ),
        (
            '[classify.llm]\nurl = "http://localhost:1/v1"\nmodel = "m"\n'
            'api_key = { command = "pass show \'llm" }',
            "classify.llm.api_key.command: cannot parse the command (No closing quotation)",
        ),
    ],
)
def test_what_the_programs_refuse_config_check_refuses(
    tmp_path: Path, table: str, problem: str
) -> None:
    """issue 9 finding 15: config check said ok to keys, themes, store paths the inbox refuses."""
    (tmp_path / "file").write_text("not a folder")
    config = tmp_path / "config.toml"
    config.write_text(table.replace("{tmp}", str(tmp_path)) + "\n")
    proc = config_check(config)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith(f"deskterm: {config}: {problem.replace('{tmp}', str(tmp_path))}")


def test_a_good_config_still_says_ok(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[store]\npath = "store/deskterm.db"\n'
        + EMAIL_CHANNEL
        + '\n[ui]\ntheme = "textual-light"\n[ui.keys]\nreply = "R"\n"list.cursor_down" = "J,down"\n'
    )
    proc = config_check(config)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{config}: ok — 1 channel(s)")
    assert not (tmp_path / "store").exists()  # checking creates nothing


def test_ui_animations_and_cursor_blink_are_checked(tmp_path: Path) -> None:
    """issue 11 item 1: `[ui] animations` and `cursor_blink` take true/false; anything else
    is one line naming the key, and valid values pass."""
    config = tmp_path / "config.toml"
    config.write_text('[store]\npath = "db.sqlite"\n\n[ui]\nanimations = "maybe"\n')
    proc = config_check(config)
    assert proc.returncode == 2
    assert "ui.animations: " in proc.stderr and "Traceback" not in proc.stderr
    config.write_text(
        '[store]\npath = "db.sqlite"\n\n[ui]\nanimations = false\ncursor_blink = true\n'
    )
    proc = config_check(config)
    assert proc.returncode == 0, proc.stderr
