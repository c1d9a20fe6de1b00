"""Managing macros and saved views: create, rename, refuse clashes and bad input, delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from deskterm.domain.errors import NotFoundError, QueryError, UsageError
from deskterm.services import macros as macros_svc
from deskterm.services import views as views_svc
from deskterm.services.actor import Actor, agent_actor
from deskterm.store.engine import Store
from deskterm.store.tables import Event, SavedView


@pytest.fixture(autouse=True)
def no_default_views(store: Store) -> None:
    """These tests are about the views one saves: the two a new store gets (migration
    0004: Angry customers, Cancellations) are deleted first."""
    with store.write() as session:
        for view in session.exec(select(SavedView)):
            session.delete(view)


def test_a_new_store_gets_the_label_views(tmp_path: Path) -> None:
    from deskterm.store.engine import open_store

    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}", data_dir=tmp_path)
    try:
        with fresh.read() as session:
            views = {v.name: v.query for v in session.exec(select(SavedView))}
    finally:
        fresh.close()
    assert views == {
        "Angry customers": (
            "status:open (sentiment:negative OR sentiment:threatening OR sentiment:offensive)"
        ),
        "Cancellations": "status:open intent:order/cancel",
    }


@pytest.fixture
def actor(store: Store) -> Actor:
    with store.write() as session:
        return agent_actor(session, email="dewi@shop.test", name="Dewi")


def _macros(store: Store) -> list[tuple[str, str | None, str]]:
    return [(m.name, m.shortcut, m.body) for m in macros_svc.list_macros(store)]


def test_new_macro_refuses_an_existing_name_or_shortcut(store: Store) -> None:
    assert macros_svc.save_macro(
        store, {"name": "Thanks", "shortcut": ";ty", "body": "x"}, new=True
    )
    with pytest.raises(UsageError, match="name: another macro is already called 'Thanks'"):
        macros_svc.save_macro(store, {"name": "thanks", "body": "y"}, new=True)
    with pytest.raises(UsageError, match="shortcut: ;TY is already the shortcut of 'Thanks'"):
        macros_svc.save_macro(store, {"name": "Other", "shortcut": "TY", "body": "y"}, new=True)
    assert _macros(store) == [("Thanks", "ty", "x")]


def test_import_semantics_replace_a_macro_of_the_same_name(store: Store) -> None:
    assert macros_svc.save_macro(store, {"name": "Thanks", "body": "x"})
    assert not macros_svc.save_macro(store, {"name": "Thanks", "shortcut": "ty", "body": "y"})
    assert _macros(store) == [("Thanks", "ty", "y")]


def test_edit_renames_and_keeps_its_own_shortcut(store: Store) -> None:
    macros_svc.save_macro(store, {"name": "Thanks", "shortcut": "ty", "body": "x"})
    macros_svc.save_macro(store, {"name": "Refund", "shortcut": "rf", "body": "r"})
    created = macros_svc.save_macro(
        store,
        {"name": "Thank you", "shortcut": "ty", "body": "z", "actions": {"status": "closed"}},
        original="Thanks",
    )
    assert not created
    assert _macros(store) == [("Refund", "rf", "r"), ("Thank you", "ty", "z")]
    assert macros_svc.find_macro(store, ";ty").actions == {"status": "closed"}
    with pytest.raises(UsageError, match="name: another macro is already called 'Refund'"):
        macros_svc.save_macro(store, {"name": "refund", "body": "z"}, original="Thank you")
    with pytest.raises(NotFoundError, match="no macro named 'Gone'"):
        macros_svc.save_macro(store, {"name": "Gone", "body": "z"}, original="Gone")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "  ", "body": "x"}, "name: a macro needs a name"),
        ({"name": "a", "shortcut": "two words", "body": "x"}, "shortcut: a shortcut is one word"),
        ({"name": "a", "body": "x", "actions": {"status": "maybe"}}, "actions.status: must be"),
        ({"name": "a", "body": "x", "actions": {"snooze": "soonish"}}, "actions.snooze: cannot"),
        ({"name": "a", "body": "x", "actions": {"assign": "bob"}}, "actions.assign: an agent's"),
        ({"name": "a", "body": "x", "actions": {"add_tags": ["two words"]}}, "add_tags: invalid"),
        ({"name": "a", "body": "x", "actions": {"close": True}}, "actions: known actions are"),
        ({"name": "a", "body": "x", "colour": "red"}, "macro: unknown key 'colour'"),
        ({"name": "a", "body": "Hi\n{{ name"}, "body: template error on line 2: unexpected"),
    ],
)
def test_check_macro_names_the_field_in_one_line(entry: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        macros_svc.check_macro(entry)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_check_macro_accepts_every_action() -> None:
    actions = {
        "add_tags": ["refund"],
        "remove_tags": ["new"],
        "status": "closed",
        "snooze": "2d",
        "assign": "me",
    }
    entry = {"name": "a", "shortcut": ";a", "body": "", "actions": actions}
    assert macros_svc.check_macro(entry) is entry


def test_delete_macro(store: Store) -> None:
    macros_svc.save_macro(store, {"name": "Thanks", "body": "x"})
    macros_svc.delete_macro(store, "thanks")
    assert _macros(store) == []
    with pytest.raises(NotFoundError):
        macros_svc.delete_macro(store, "Thanks")


def test_new_view_refuses_an_existing_name(store: Store, actor: Actor) -> None:
    assert views_svc.save_view(store, "Refunds", "tag:refund", actor, new=True)
    with pytest.raises(UsageError, match="a view named 'Refunds' already exists"):
        views_svc.save_view(store, "refunds", "refund", actor, new=True)
    # Without new= the same name (any case) updates the view, never doubles it.
    assert not views_svc.save_view(store, "REFUNDS", "refund OR reembolso", actor)
    with store.read() as session:
        rows = [(v.name, v.query) for v in session.exec(select(SavedView))]
    assert rows == [("Refunds", "refund OR reembolso")]


def test_update_view_renames_and_changes_the_query(store: Store, actor: Actor) -> None:
    views_svc.save_view(store, "Refunds", "tag:refund", actor)
    views_svc.save_view(store, "Late", "tag:late", actor)
    views_svc.update_view(store, "refunds", "Money back", "tag:refund OR refund", actor)
    assert views_svc.view_names(store) == ["Money back", "Late"]  # its place is kept
    with pytest.raises(UsageError, match="a view named 'Late' already exists"):
        views_svc.update_view(store, "Money back", "late", "x", actor)
    with pytest.raises(UsageError, match="system view"):
        views_svc.update_view(store, "Money back", "Inbox", "x", actor)
    with pytest.raises(QueryError) as caught:
        views_svc.update_view(store, "Money back", "Money back", "tag:refund AND (", actor)
    assert caught.value.position > 0
    with pytest.raises(NotFoundError):
        views_svc.update_view(store, "Nope", "Nope", "x", actor)
    with store.read() as session:
        kinds = [e.kind for e in session.exec(select(Event).order_by(col(Event.id)))]
    assert kinds.count("view.updated") == 1


def test_check_view_is_pure_and_collapses_whitespace() -> None:
    assert views_svc.check_view("  My   view ", "tag:x") == "My view"
    with pytest.raises(UsageError, match="a view needs a name"):
        views_svc.check_view(" ", "tag:x")
    with pytest.raises(QueryError, match="column"):
        views_svc.check_view("ok", "foo:bar")


def test_delete_view(store: Store, actor: Actor) -> None:
    views_svc.save_view(store, "Refunds", "tag:refund", actor)
    views_svc.delete_view(store, "REFUNDS", actor)
    assert views_svc.view_names(store) == []
    with pytest.raises(NotFoundError):
        views_svc.delete_view(store, "Refunds", actor)


def test_macros_import_is_all_or_nothing(store: Store, tmp_path: Path) -> None:
    """issue 9 finding 10 (class "writes, then validates"): a clash found at the second
    macro of a file left the first one imported."""
    path = tmp_path / "macros.toml"
    path.write_text(
        '[[macros]]\nname = "One"\nshortcut = "x"\nbody = "1"\n'
        '[[macros]]\nname = "Two"\nshortcut = "X"\nbody = "2"\n'
    )
    with pytest.raises(UsageError, match=r"macros\[1\]\.shortcut: ;X is already"):
        macros_svc.import_macros(store, path)
    assert _macros(store) == []


def test_view_query_length_is_capped_when_saved(store: Store, actor: Actor) -> None:
    """issue 9 finding 14: an oversized shared view broke `views` for everyone."""
    with pytest.raises(QueryError, match="too many terms"):
        views_svc.save_view(store, "Huge", " OR ".join(f"w{n}" for n in range(1000)), actor)
    assert views_svc.view_names(store) == []
