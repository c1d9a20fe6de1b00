"""Tests for deskterm.config: lookup order, models, and one-line error messages."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from deskterm import config as config_module
from deskterm.config import (
    Config,
    EmailChannel,
    ShopeeChannel,
    ShopifyStore,
    TikTokShopChannel,
    check_config,
    find_config_path,
    load_config,
    load_config_text,
)
from deskterm.config import errors as config_errors
from deskterm.domain.errors import ConfigError
from deskterm.domain.sla import SlaTargets
from deskterm.secrets import CommandSecret, EnvSecret, KeyringSecret

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "configs"
EXAMPLE = ROOT / "config.example.toml"
BAD = sorted((DATA / "bad").glob("*.toml"))
GOOD = sorted((DATA / "good").glob("*.toml"))

MINIMAL = """
[[channels]]
name = "support"
type = "email"
address = "support@example.com"
password = { env = "SUPPORT_PASSWORD" }
imap = { host = "imap.example.com", username = "support@example.com" }
smtp = { host = "smtp.example.com", username = "support@example.com" }
"""


def error_of(text: str, source: Path = Path("cfg.toml")) -> str:
    with pytest.raises(ConfigError) as info:
        load_config_text(text, source)
    message = str(info.value)
    assert "\n" not in message
    assert info.value.exit_code == 2
    return message


# --- sample files -------------------------------------------------------------------


def expected_message(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect: FILE"):
            return str(path) + line.removeprefix("# expect: FILE")
    raise AssertionError(f"{path} has no '# expect: FILE...' line")


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_config_gives_one_line_error(path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == expected_message(path)
    # Sample files mark values that look like secrets; none may be echoed.
    assert "do-not-echo" not in str(info.value)


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_config_loads(path: Path) -> None:
    config = load_config(path)
    assert config.source == path.absolute()


def test_sample_files_cover_every_error_kind() -> None:
    names = {p.stem for p in BAD}
    for kind in (
        "syntax-missing-bracket",
        "unknown-section",
        "unknown-key-nested",
        "wrong-type-partner-id",
        "missing-required",
        "duplicate-channel-names",
        "security-none-remote",
        "unknown-store-reference",
        "store-path-and-url",
        "inline-secret",
        "several-errors",
    ):
        assert kind in names


def test_localhost_sample_details() -> None:
    config = load_config(DATA / "good" / "localhost.toml")
    mail = config.channel("demo-mail")
    assert isinstance(mail, EmailChannel)
    assert mail.imap.security == "none"
    assert mail.imap.folders == ["INBOX", "Forms"]
    assert mail.poll_seconds == 5
    assert config.store_path() == DATA / "good" / "data" / "deskterm.db"
    assert config.user.name == "Demo Agent"
    shopee = config.channel("demo-shopee")
    assert isinstance(shopee, ShopeeChannel)
    assert shopee.store == "demo-shop"
    assert config.shopify_store("demo-shop").api_version == "2025-10"


def test_base_url_trailing_slash_is_dropped() -> None:
    config = load_config(DATA / "good" / "team-postgres.toml")
    channel = config.channel("tokopedia")
    assert isinstance(channel, TikTokShopChannel)
    assert channel.base_url == "https://open-api.tiktokglobalshop.com"
    assert config.store_url() == "postgresql+psycopg://deskterm@db.internal/deskterm"


# --- config.example.toml --------------------------------------------------------------


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy of the example is one email channel to fill in (issue 10 item 13: it had all
    four channel types and a shop active, so a copy gave four broken channels); the
    commented-out ones load too (tests/unit/test_example_config.py)."""
    monkeypatch.chdir(ROOT)
    config = load_config(Path("config.example.toml"))
    assert [(c.name, type(c)) for c in config.channels] == [("support", EmailChannel)]
    assert config.stores == []


def all_models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(config_module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__.startswith("deskterm.config.")
    ]


def test_example_config_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    missing = sorted(
        f"{model.__name__}.{name}"
        for model in all_models()
        for name in model.model_fields
        if model is not Config and f"{name} =" not in text and f".{name}]" not in text
    )
    assert missing == []
    for section in ("[store]", "[user]", "[ui]", "[[channels]]", "[[stores]]"):
        assert section in text


def test_every_field_has_a_docstring() -> None:
    package = Path(config_module.__file__).parent
    nodes = [
        node
        for module in sorted(package.glob("*.py"))
        for node in ast.parse(module.read_text(encoding="utf-8")).body
    ]
    undocumented = []
    for node in nodes:
        if not isinstance(node, ast.ClassDef):
            continue
        body = node.body
        for index, stmt in enumerate(body):
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                if stmt.target.id.startswith("_"):
                    continue
                following = body[index + 1] if index + 1 < len(body) else None
                documented = (
                    isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)
                )
                if not documented:
                    undocumented.append(f"{node.name}.{stmt.target.id}")
    assert undocumented == []


# --- lookup order ---------------------------------------------------------------------


@pytest.fixture
def config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("DESKTERM_CONFIG_DIR", str(tmp_path / "home"))
    monkeypatch.setenv("DESKTERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DESKTERM_CONFIG", raising=False)
    return tmp_path / "home"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lookup_prefers_cli_then_env_then_default(
    config_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = write(config_home / "config.toml", '[user]\nname = "default"\n')
    from_env = write(tmp_path / "env.toml", '[user]\nname = "env"\n')
    from_cli = write(tmp_path / "cli.toml", '[user]\nname = "cli"\n')

    assert find_config_path(None) == default
    assert load_config().user.name == "default"

    monkeypatch.setenv("DESKTERM_CONFIG", str(from_env))
    assert find_config_path(None) == from_env
    assert load_config().user.name == "env"

    assert find_config_path(from_cli) == from_cli
    assert load_config(from_cli).user.name == "cli"


def test_missing_default_means_defaults(config_home: Path) -> None:
    assert find_config_path(None) is None
    config = load_config()
    assert config == Config()
    assert config.source is None
    assert config.channels == []
    assert config.store_path() == config_home.parent / "data" / "deskterm.db"


def test_missing_cli_file_is_an_error(config_home: Path, tmp_path: Path) -> None:
    write(config_home / "config.toml", "")
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(info.value) == f"{missing}: no such config file"


def test_missing_env_file_is_an_error(
    config_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(config_home / "config.toml", "")
    missing = tmp_path / "nope.toml"
    monkeypatch.setenv("DESKTERM_CONFIG", str(missing))
    with pytest.raises(ConfigError) as info:
        load_config()
    assert str(info.value).startswith(f"{missing}: no such config file")


def test_empty_env_var_is_ignored(config_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTERM_CONFIG", "")
    assert find_config_path(None) is None


def test_cli_path_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "c.toml", "")
    assert find_config_path(Path("~/c.toml")) == tmp_path / "c.toml"


def test_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory, not a config file"


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'[user]\nname = "\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:2: not valid UTF-8"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'\xef\xbb\xbf[user]\nname = "Ana"\n')
    assert load_config(path).user.name == "Ana"


# --- error kinds (inline, next to the rule they test) -------------------------------------


def test_syntax_error_has_line_and_column() -> None:
    assert error_of('[user]\nname = "Ana"\nemail = \n') == "cfg.toml:3:9: Invalid value"


def test_syntax_error_at_end_of_document() -> None:
    message = error_of("[user]\nname = ")
    assert message.startswith("cfg.toml:2:8: ")
    assert "(at" not in message


def test_unknown_key_with_path() -> None:
    message = error_of(MINIMAL + "gmail_grouppin = true\n")
    assert message == (
        'cfg.toml: channels[0] "support".gmail_grouppin: unknown key (did you mean gmail_grouping?)'
    )


def test_unknown_key_lists_known_keys_when_nothing_is_close() -> None:
    assert (
        error_of("[ui]\ncolour = 1\n")
        == "cfg.toml: ui.colour: unknown key (known keys: theme, keys, animations, cursor_blink)"
    )


def test_wrong_type() -> None:
    assert error_of(MINIMAL + 'poll_seconds = "60"\n') == (
        "cfg.toml: channels[0] \"support\".poll_seconds: Input should be a valid integer (got '60')"
    )


def test_missing_required_key() -> None:
    text = MINIMAL.replace('address = "support@example.com"\n', "")
    assert error_of(text) == 'cfg.toml: channels[0] "support".address: missing required key'


def test_missing_key_in_unnamed_channel() -> None:
    assert error_of('[[channels]]\ntype = "lazada"\n').startswith(
        "cfg.toml: channels[0].name: missing required key (and "
    )


def test_duplicate_channel_names() -> None:
    assert error_of(MINIMAL + MINIMAL) == (
        'cfg.toml: channels[1] "support".name: duplicate channel name (already used by channels[0])'
    )


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1", "LOCALHOST"])
def test_security_none_allowed_for_localhost(host: str) -> None:
    text = MINIMAL.replace('host = "smtp.example.com"', f'host = "{host}", security = "none"')
    config = load_config_text(text, Path("cfg.toml"))
    channel = config.channel("support")
    assert isinstance(channel, EmailChannel)
    assert channel.smtp.security == "none"


def test_security_none_refused_for_remote_host() -> None:
    text = MINIMAL.replace(
        'host = "smtp.example.com"', 'host = "smtp.example.com", security = "none"'
    )
    assert error_of(text) == (
        'cfg.toml: channels[0] "support".smtp.security: security = "none" sends the password '
        "unencrypted; it is only allowed for localhost, 127.0.0.1 or ::1 "
        "(host is 'smtp.example.com')"
    )


def test_unknown_store_reference() -> None:
    assert error_of(MINIMAL + 'store = "main"\n') == (
        'cfg.toml: channels[0] "support".store: no [[stores]] entry named "main" '
        "(configured stores: none)"
    )


def test_path_and_url_together() -> None:
    text = '[store]\npath = "a.db"\nurl = "sqlite:///b.db"\n'
    assert error_of(text) == "cfg.toml: store: set either path or url, not both"


def test_several_errors_report_the_first_in_the_file() -> None:
    text = MINIMAL + 'poll_seconds = "x"\ngmail_grouping = "y"\n'
    text = text.replace('name = "support"', "name = 5")
    assert error_of(text) == (
        "cfg.toml: channels[0].name: Input should be a valid string (got 5) (and 2 more)"
    )


@pytest.mark.parametrize(
    "text",
    [
        MINIMAL.replace('{ env = "SUPPORT_PASSWORD" }', '"hunter2-do-not-echo"'),
        MINIMAL.replace('{ env = "SUPPORT_PASSWORD" }', '{ env = 1, x = "hunter2-do-not-echo" }'),
        MINIMAL.replace('{ env = "SUPPORT_PASSWORD" }', '{ keyring = ["hunter2-do-not-echo"] }'),
        MINIMAL + 'passwd = "hunter2-do-not-echo"\n',
        '[store]\nurl = "hunter2-do-not-echo"\n',
    ],
)
def test_secret_values_are_never_echoed(text: str) -> None:
    assert "do-not-echo" not in error_of(text)


def test_control_characters_never_reach_the_terminal() -> None:
    message = error_of('[ui]\n"the\\u001b[2Jme" = 1\n')
    assert "\x1b" not in message
    assert message.startswith('cfg.toml: ui."the␛[2Jme": unknown key')


# --- SLA targets ----------------------------------------------------------------------


def test_sla_targets_per_channel() -> None:
    text = MINIMAL + 'sla = { first_response = "4h", resolution = "1d12h" }\n'
    config = load_config_text(text, Path("cfg.toml"))
    assert config.sla_targets() == {
        "support": SlaTargets(first_response=timedelta(hours=4), resolution=timedelta(hours=36))
    }


def test_sla_is_optional_and_each_target_too() -> None:
    assert load_config_text(MINIMAL, Path("cfg.toml")).sla_targets() == {}
    config = load_config_text(MINIMAL + 'sla = { first_response = "30m" }\n', Path("c.toml"))
    assert config.sla_targets()["support"] == SlaTargets(first_response=timedelta(minutes=30))


def test_example_config_sla() -> None:
    from tests.unit.test_example_config import uncommented  # the marketplaces are commented

    targets = load_config_text(
        uncommented(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE
    ).sla_targets()
    assert targets["support"] == SlaTargets(timedelta(hours=4), timedelta(days=2))
    assert targets["shopee-id"] == SlaTargets(first_response=timedelta(minutes=30))
    assert "tokopedia" not in targets


@pytest.mark.parametrize(
    ("sla", "message"),
    [
        (
            '{ first_response = "15d" }',
            'cfg.toml: channels[0] "support".sla.first_response: must be from 1m to 14d '
            "(got '15d')",
        ),
        (
            '{ resolution = "0m" }',
            "cfg.toml: channels[0] \"support\".sla.resolution: must be from 1m to 14d (got '0m')",
        ),
        (
            '{ first_response = "4 hours" }',
            'cfg.toml: channels[0] "support".sla.first_response: expected a duration such as '
            '"30m", "4h", "2d" or "1w" (got \'4 hours\')',
        ),
        (
            "{ first_response = 4 }",
            'cfg.toml: channels[0] "support".sla.first_response: expected a duration string '
            'such as "4h" (got 4)',
        ),
        (
            '{ first_reponse = "4h" }',
            'cfg.toml: channels[0] "support".sla.first_reponse: unknown key '
            "(did you mean first_response?)",
        ),
        (
            '"4h"',
            'cfg.toml: channels[0] "support".sla: Input should be a valid dictionary or '
            "instance of SlaConfig (got '4h')",
        ),
    ],
)
def test_sla_errors_name_the_key(sla: str, message: str) -> None:
    assert error_of(MINIMAL + f"sla = {sla}\n") == message


def test_sla_bounds_are_inclusive() -> None:
    text = MINIMAL + 'sla = { first_response = "1m", resolution = "2w" }\n'
    targets = load_config_text(text, Path("cfg.toml")).sla_targets()["support"]
    assert targets == SlaTargets(timedelta(minutes=1), timedelta(days=14))


# --- Config methods -------------------------------------------------------------------


def test_relative_store_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "conf" / "deskterm.toml", '[store]\npath = "db/desk.db"\n')
    config = load_config(path)
    assert config.store_path() == tmp_path / "conf" / "db" / "desk.db"
    assert config.store_url() == f"sqlite:///{tmp_path / 'conf' / 'db' / 'desk.db'}"


def test_relative_source_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "c.toml", '[store]\npath = "x.db"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(Path("c.toml"))
    monkeypatch.chdir("/")
    assert config.store_path() == tmp_path / "x.db"


def test_store_path_expands_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = load_config_text('[store]\npath = "~/d.db"\n', Path("/etc/deskterm.toml"))
    assert config.store_path() == tmp_path / "d.db"


def test_store_path_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DESKTERM_DATA_DIR", str(tmp_path))
    assert Config().store_path() == tmp_path / "deskterm.db"
    assert Config().store_url() == f"sqlite:///{tmp_path / 'deskterm.db'}"


def test_channel_lookup() -> None:
    config = load_config_text(MINIMAL, Path("/x/cfg.toml"))
    assert config.channel("support").name == "support"
    with pytest.raises(ConfigError) as info:
        config.channel("sales")
    assert str(info.value) == 'no channel named "sales" in /x/cfg.toml (configured: support)'
    with pytest.raises(ConfigError, match=r"no store named \"main\".*configured: none"):
        config.shopify_store("main")


def test_secrets_lists_every_reference_with_its_key() -> None:
    from tests.unit.test_example_config import uncommented  # the marketplaces are commented

    config = load_config_text(uncommented(EXAMPLE.read_text(encoding="utf-8")), EXAMPLE)
    found = dict(config.secrets())
    assert found['channels[0] "support".password'] == KeyringSecret(keyring="support")
    assert found['channels[2] "shopee-id".partner_key'] == EnvSecret(env="SHOPEE_PARTNER_KEY")
    assert isinstance(found['channels[3] "lazada-id".refresh_token'], CommandSecret)
    assert found['stores[0] "main".access_token'] == KeyringSecret(keyring="shopify-main")
    assert len(found) == 11  # incl. the TikTok Shop refresh token


def test_secret_field_names_are_known() -> None:
    assert config_errors.secret_field_names() == {
        "password",
        "app_secret",
        "access_token",
        "partner_key",
        "refresh_token",
        "api_key",  # [classify.llm]
    }


def test_models_can_be_built_in_python() -> None:
    store = ShopifyStore(
        name="main", shop_url="https://x.myshopify.com", access_token=EnvSecret(env="T")
    )
    assert store.type == "shopify"
    config = Config(stores=[store])
    assert config.shopify_store("main") is store


def test_importing_config_does_not_import_keyring() -> None:
    # keyring costs ~80 ms to import; the CLI must not pay it unless a secret is used.
    code = "import sys, deskterm.config; assert 'keyring' not in sys.modules, 'keyring imported'"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)


# --- config check: every problem at once ----------------------------------------------


def test_check_config_lists_every_error_in_file_order() -> None:
    """issue 9 finding 15: config check showed only the first of several errors."""
    path = DATA / "bad" / "several-errors.toml"
    report = check_config(path)
    assert report.config is None
    assert report.problems == [
        f'{path}: channels[0] "shopee-id".partner_id: '
        "Input should be a valid integer (got 'abc')",
        f"{path}: channels[0] \"shopee-id\".shop_id: Input should be a valid integer (got 'def')",
        f'{path}: channels[0] "shopee-id".poll_seconds: '
        "Input should be greater than or equal to 5 (got 0)",
    ]


def test_check_config_lists_references_beside_field_errors(tmp_path: Path) -> None:
    """issue 9 finding 15: a duplicate name hid behind a type error (or the reverse)."""
    text = MINIMAL + 'store = "main"\n' + MINIMAL.replace('name = "support"', 'name = "Support"')
    text += 'poll_seconds = "60"\n'
    path = write(tmp_path / "c.toml", text)
    assert [line.removeprefix(f"{path}: ") for line in check_config(path).problems] == [
        'channels[0] "support".store: no [[stores]] entry named "main" (configured stores: none)',
        'channels[1] "Support".name: duplicate channel name (already used by channels[0])',
        "channels[1] \"Support\".poll_seconds: Input should be a valid integer (got '60')",
    ]
    with pytest.raises(ConfigError) as info:
        load_config(path)  # every other command: the first problem and a count
    assert str(info.value).endswith("(configured stores: none) (and 2 more)")


def test_check_config_of_a_good_file_gives_the_config(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", MINIMAL + '[store]\npath = "db/desk.db"\n')
    report = check_config(path)
    assert report.problems == [] and report.source == path.absolute()
    assert report.config is not None and report.config.source == path.absolute()


def test_check_config_without_a_file(config_home: Path) -> None:
    report = check_config()
    assert (report.source, report.config, report.problems) == (None, Config(), [])


def test_check_config_finds_a_store_that_is_a_pipe(tmp_path: Path) -> None:
    """issue 9 finding 15: a store path naming a FIFO (or device) passed config check."""
    os.mkfifo(tmp_path / "fifo")
    path = write(tmp_path / "c.toml", '[store]\npath = "fifo"\n')
    assert check_config(path).problems == [
        f"{path}: store.path: {tmp_path / 'fifo'} is not a regular file "
        "(a device, pipe or socket); name a database file"
    ]
    load_config(path)  # other commands load it; opening the store is what fails there
