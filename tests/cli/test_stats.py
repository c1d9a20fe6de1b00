"""``deskterm stats`` from the command line (issue 15 item 1): --json exactly, --csv,
--explain, --business-hours, bad input in one line, and no SQLAlchemy on its path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskterm.domain.metrics import DEFINITIONS
from deskterm.store.engine import open_store
from tests.cli.subprocess_cli import Result, run_deskterm
from tests.conftest import support_channel
from tests.store.stats_rig import build
from tests.store.test_stats import EXPECTED, HOUR

MARCH = ("--since", "2026-03-01", "--until", "2026-03-10")

CONFIG = """\
[store]
path = "{db}"

[user]
name = "Ana"
email = "ana@shop.test"

[business_hours]
timezone = "UTC"
[business_hours.week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"

[[channels]]
name = "support"
type = "email"
address = "support@shop.test"
password = {{ env = "DESKTERM_TEST_UNUSED" }}
imap = {{ host = "imap.shop.test", username = "support@shop.test" }}
smtp = {{ host = "smtp.shop.test", username = "support@shop.test" }}
sla = {{ first_response = "90m", resolution = "1d" }}
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A config whose store holds tests/store/stats_rig.py's tickets."""
    folder = tmp_path_factory.mktemp("stats")
    db = folder / "deskterm.db"
    store = open_store(f"sqlite:///{db}")
    with pytest.MonkeyPatch.context() as monkeypatch:
        build(store, support_channel(store), monkeypatch)
    store.close()
    path = folder / "config.toml"
    path.write_text(CONFIG.format(db=db), encoding="utf-8")
    yield path


def stats(config: Path, *args: str) -> Result:
    return run_deskterm("--config", config, "stats", *args)


def test_json_is_exactly_the_documented_shape(config: Path) -> None:
    done = stats(config, *MARCH, "--json")
    assert done.code == 0, done.err
    result = json.loads(done.out)
    assert list(result) == ["period", "metrics", "groups", "definitions"]
    assert result["period"] == {"since": "2026-03-01T00:00:00Z", "until": "2026-03-10T00:00:00Z"}
    assert result["metrics"] == EXPECTED
    assert result["groups"] == []
    assert result["definitions"] == DEFINITIONS


def test_json_by_channel_has_one_group_per_channel(config: Path) -> None:
    done = stats(config, *MARCH, "--by", "channel", "--json")
    assert done.code == 0, done.err
    groups = json.loads(done.out)["groups"]
    assert [group["key"] for group in groups] == ["shopee-id", "support"]
    assert set(groups[0]["metrics"]) == set(EXPECTED)


def test_business_hours_from_the_config(config: Path) -> None:
    done = stats(config, *MARCH, "--business-hours", "--json")
    assert done.code == 0, done.err
    metrics = json.loads(done.out)["metrics"]
    assert metrics["first_response"] == {"median_s": 1800, "p90_s": HOUR, "count": 3}
    assert metrics["resolution"] == {"median_s": HOUR, "p90_s": 11 * HOUR, "count": 2}


def test_csv_has_one_row_per_group_with_flat_columns(config: Path) -> None:
    done = stats(config, *MARCH, "--by", "tag", "--csv")
    assert done.code == 0, done.err
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [row["key"] for row in rows] == ["order", "vip", ""]
    assert rows[0]["since"] == "2026-03-01T00:00:00Z"
    assert rows[0]["tickets_created"] == "2"
    assert rows[1]["first_response_median_s"] == "1800"
    assert rows[2]["one_touch_rate"] == "1.0000"  # T2: closed with one agent reply
    assert rows[2]["csat_score"] == "" and rows[2]["revenue_amount"] == ""

    whole = list(csv.DictReader(io.StringIO(stats(config, *MARCH, "--csv").out)))
    assert len(whole) == 1 and "key" not in whole[0]
    assert whole[0]["first_response_median_s"] == str(HOUR)
    assert whole[0]["sla_breached_open"] == "2"


def test_text_and_explain_show_each_definition_beside_its_number(config: Path) -> None:
    plain = stats(config, *MARCH)
    assert plain.code == 0, plain.err
    assert "first response median" in plain.out and "1h00m" in plain.out
    assert DEFINITIONS["first_response"] not in plain.out
    explained = stats(config, *MARCH, "--explain", "--by", "day")
    assert explained.code == 0, explained.err
    flowing = " ".join(explained.out.split())  # definitions wrap to the terminal's width
    for name in DEFINITIONS:
        assert " ".join(DEFINITIONS[name].split()) in flowing, name
    assert "2026-03-03" in explained.out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--since", "garbage"), "--since: cannot understand time 'garbage'"),
        (("--until", "tomorrow"), "--until: time 'tomorrow' is in the future"),
        (("--since", "2026-02-30"), "--since: 2026-02-30 is not a date"),
        (("--by", "nonsense"), "invalid choice: 'nonsense'"),
        (("--since", "2026-03-10", "--until", "2026-03-01"), "--until must be after --since"),
        (("--since", "2099-01-01"), "in the future"),
        (("--json", "--csv"), "not allowed with argument"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    config: Path, args: tuple[str, ...], says: str
) -> None:
    done = stats(config, *args)
    assert done.code == 2
    assert done.out == ""
    assert len(done.err_lines()) == 1 and says in done.err, done.err
    assert "Traceback" not in done.err


def test_business_hours_without_the_section_is_a_usage_error(config: Path, tmp_path: Path) -> None:
    text = config.read_text(encoding="utf-8")
    start = text.index("[business_hours]")
    bare = tmp_path / "config.toml"
    bare.write_text(text[:start] + text[text.index("[[channels]]") :], encoding="utf-8")
    done = stats(bare, "--business-hours")
    assert done.code == 2
    assert done.err_lines() == [
        "deskterm: --business-hours needs a [business_hours] section in the config"
    ]


def test_no_sqlalchemy_or_textual_on_the_stats_path(config: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    argv = [sys.executable, "-X", "importtime", "-m", "deskterm", "--config", str(config)]
    done = subprocess.run(
        [*argv, "stats", *MARCH, "--by", "day", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert not {
        name for name in imported if name.split(".")[0] in ("sqlalchemy", "sqlmodel", "textual")
    }


def test_readme_states_every_definition_word_for_word() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Stats\n") : readme.index("## Commands\n")]
    flowing = " ".join(section.split())
    for name, text in DEFINITIONS.items():
        assert f"**{name}**: {' '.join(text.split())}" in flowing, name


def test_an_empty_store_gives_zeros_and_nulls_and_says_how_to_get_tickets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from deskterm.cli import main
    from deskterm.cli.read_commands import NO_TICKETS_YET
    from tests.cli.subprocess_cli import REPO

    config = tmp_path / "config.toml"
    config.write_text((REPO / "samples" / "deskterm.toml").read_text(encoding="utf-8"))
    assert main(["--config", str(config), "stats", "--json"]) == 0
    out, err = capsys.readouterr()
    metrics = json.loads(out)["metrics"]
    assert metrics["tickets_created"] == 0 and metrics["first_response"]["median_s"] is None
    assert err == ""  # --json: stdout is the result, nothing said
    assert main(["--config", str(config), "stats"]) == 0
    out, err = capsys.readouterr()
    assert "tickets created" in out and err == NO_TICKETS_YET + "\n"
