"""The rule table (issue 14, migration 0007) and the rules service against a real store:
down and up again, positions kept 0..n-1, versions bumped, an audit event per change."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command

from deskterm.domain.errors import NotFoundError
from deskterm.services import rules
from deskterm.services.actor import Actor
from deskterm.store.engine import current_revision, open_store
from deskterm.store.migrate import alembic_config
from deskterm.store.schema_version import HEAD_REVISION

ACTOR = Actor(label="agent:ana@shop.example")
RULES = "".join(
    f'[[rules]]\nname = "{name}"\nwhen = ["ticket.created"]\nif = "*"\n'
    f'then = [{{ tag = "{tag}" }}]\n'
    for name, tag in (("one", "a"), ("two", "b"), ("three", "c"))
)


def test_0007_goes_down_and_up(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        config = alembic_config(store.write_engine)
        command.downgrade(config, "0006_message_order_ref")
        with sqlite3.connect(tmp_path / "d.db") as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        db.close()
        assert "rule" not in tables
        command.upgrade(config, "head")
        assert current_revision(store) == HEAD_REVISION
    finally:
        store.close()


def test_versions_positions_and_events(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'd.db'}")
    try:
        result = rules.import_rules(store, RULES, "rules.toml", ACTOR)
        assert result.created == ["one", "two", "three"] and result.replaced == []
        versions = {r.rule.name: r.version for r in rules.list_rules(store)}
        assert versions == {"one": 1, "two": 1, "three": 1}
        rules.set_enabled(store, "two", True, ACTOR)
        assert rules.set_enabled(store, "two", True, ACTOR) is False  # no change, no bump
        rules.move_rule(store, "three", "one", ACTOR)
        listed = rules.list_rules(store)
        assert [(r.rule.name, r.position, r.version) for r in listed] == [
            ("three", 0, 2),
            ("one", 1, 2),
            ("two", 2, 3),  # enabled, then moved
        ]
        rules.import_rules(store, RULES.replace('"a"', '"z"'), "again.toml", ACTOR)
        after = {
            r.rule.name: (r.position, r.version, r.rule.enabled) for r in rules.list_rules(store)
        }
        # Replaced in place: same positions, enabled kept (the file does not say), bumped.
        assert after == {"three": (0, 3, False), "one": (1, 3, False), "two": (2, 4, True)}
        name = rules.delete_rule(store, "ONE", ACTOR)
        assert name == "one"
        assert [(r.rule.name, r.position) for r in rules.list_rules(store)] == [
            ("three", 0),
            ("two", 1),
        ]
        with pytest.raises(NotFoundError, match='no rule named "one"'):
            rules.get_rule(store, "one")
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "d.db") as db:
        kinds = [
            (kind, actor)
            for kind, actor in db.execute(
                "SELECT kind, actor FROM event WHERE kind LIKE 'rule.%' ORDER BY id"
            )
        ]
    db.close()
    assert [kind for kind, _ in kinds] == [
        "rule.created",
        "rule.created",
        "rule.created",
        "rule.enabled",
        "rule.moved",
        "rule.updated",
        "rule.updated",
        "rule.updated",
        "rule.deleted",
    ]
    assert {actor for _, actor in kinds} == {"agent:ana@shop.example"}
