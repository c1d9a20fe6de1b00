"""Tests for the notmuch-style query parser and its canonical printer (domain.query)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskterm.domain.errors import QueryError, UsageError
from deskterm.domain.query import describe, parse_query
from deskterm.domain.query_ast import And, DateRange, MatchAll, Node, Not, Or, Term

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")  # UTC+7, no DST


def parse(text: str, **kwargs: object) -> Node:
    kwargs.setdefault("now", NOW)
    return parse_query(text, **kwargs)  # type: ignore[arg-type]


def bare(node: Node) -> Node:
    """The tree with every position zeroed, to compare structure only."""
    if isinstance(node, Not):
        return Not(bare(node.operand))
    if isinstance(node, And):
        return And(tuple(bare(op) for op in node.operands))
    if isinstance(node, Or):
        return Or(tuple(bare(op) for op in node.operands))
    return replace(node, position=0)


def shape(text: str, **kwargs: object) -> Node:
    return bare(parse(text, **kwargs))


def w(value: str, field: str | None = None, *, phrase: bool = False, prefix: bool = False) -> Term:
    return Term(field, value, phrase=phrase, prefix=prefix)


def error(text: str, **kwargs: object) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse(text, **kwargs)
    return caught.value


def utc(*parts: int) -> datetime:
    """A naive UTC datetime, as DateRange carries."""
    return datetime(*parts)


# --- everything, words and phrases -----------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "  \t\n "])
def test_empty_query_matches_all(text: str) -> None:
    assert parse(text) == MatchAll()


def test_star_alone_matches_all_and_records_position() -> None:
    assert parse("  *") == MatchAll(position=2)
    assert shape("-*") == Not(MatchAll())
    assert shape("* tag:x") == And((MatchAll(), w("x", "tag")))


def test_free_words_are_implicitly_anded() -> None:
    assert shape("order late") == And((w("order"), w("late")))


def test_single_word_is_not_wrapped() -> None:
    assert parse("refund") == Term(None, "refund", position=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Bahasa Indonesia
        ("pesanan belum sampai", And((w("pesanan"), w("belum"), w("sampai")))),
        ('"barang rusak" kirim*', And((w("barang rusak", phrase=True), w("kirim", prefix=True)))),
        # Portuguese with accents, kept exactly as typed
        ("não recebi a encomenda", And((w("não"), w("recebi"), w("a"), w("encomenda")))),
        ('"devolução do pedido"', w("devolução do pedido", phrase=True)),
        ("ação*", w("ação", prefix=True)),
        ("subject:Reembolso", w("Reembolso", "subject")),
        ('from:"João Câmara"', w("João Câmara", "from", phrase=True)),
        ("tag:Promoção", w("promoção", "tag")),
    ],
)
def test_multilingual_words(text: str, expected: Node) -> None:
    assert shape(text) == expected


def test_phrase_escapes_are_resolved() -> None:
    assert parse(r'"say \"hi\" \\ bye"') == Term(None, 'say "hi" \\ bye', phrase=True)


def test_other_backslashes_are_kept_literally() -> None:
    assert parse(r'"C:\temp\x"') == Term(None, r"C:\temp\x", phrase=True)
    assert parse(r"a\b") == Term(None, r"a\b")


def test_quotes_split_words_without_spaces() -> None:
    assert shape('ab"cd ef"gh') == And((w("ab"), w("cd ef", phrase=True), w("gh")))


def test_quoted_operator_is_a_phrase() -> None:
    assert shape('"AND" "NOT"') == And((w("AND", phrase=True), w("NOT", phrase=True)))


def test_lowercase_operators_are_plain_words() -> None:
    assert shape("cats and dogs or not") == And((w("cats"), w("and"), w("dogs"), w("or"), w("not")))


def test_prefix_only_on_unquoted_words() -> None:
    assert parse("ord*") == Term(None, "ord", prefix=True)
    assert parse('"ord*"') == Term(None, "ord*", phrase=True)
    assert parse("a*b") == Term(None, "a*b")


def test_dash_inside_a_word_is_not_negation() -> None:
    assert parse("e-mail") == Term(None, "e-mail")


# --- fields ----------------------------------------------------------------------------------


def test_field_values_bare_and_quoted() -> None:
    assert shape('from:alice subject:"order late"') == And(
        (w("alice", "from"), w("order late", "subject", phrase=True))
    )


def test_field_names_are_case_insensitive() -> None:
    assert shape("From:Alice TAG:VIP") == And((w("Alice", "from"), w("vip", "tag")))


def test_text_fields_keep_case_and_support_prefix() -> None:
    assert shape("body:Paket* to:Budi") == And((w("Paket", "body", prefix=True), w("Budi", "to")))


def test_exact_fields_are_lowercased_and_never_phrases() -> None:
    assert shape('tag:Needs-Reply channel:"Shopee ID" language:ID') == And(
        (w("needs-reply", "tag"), w("shopee id", "channel"), w("id", "language"))
    )


def test_quoted_exact_value_may_end_in_star() -> None:
    assert parse('tag:"5*"') == Term("tag", "5*")


@pytest.mark.parametrize("value", ["open", "closed", "snoozed", "spam", "OPEN"])
def test_status_values(value: str) -> None:
    assert parse(f"status:{value}") == Term("status", value.lower())


def test_has_attachment() -> None:
    assert parse("has:Attachment") == Term("has", "attachment")


@pytest.mark.parametrize(
    ("text", "value"),
    [("assignee:me", "me"), ("assignee:none", "none"), ("assignee:Budi@Toko.ID", "budi@toko.id")],
)
def test_assignee_takes_any_value(text: str, value: str) -> None:
    assert parse(text) == Term("assignee", value)


@pytest.mark.parametrize(("text", "value"), [("id:42", "42"), ("id:#42", "42"), ('id:"7"', "7")])
def test_id_is_digits(text: str, value: str) -> None:
    assert parse(text) == Term("id", value)


@pytest.mark.parametrize(
    "text", ["http://example.com/a", "https://toko.id/p?x=1", "10:30", ":D", "x1:y"]
)
def test_colon_words_that_are_not_fields_are_free_words(text: str) -> None:
    assert parse(text) == Term(None, text)


def test_url_inside_a_known_field_is_its_value() -> None:
    assert parse("body:https://toko.id") == Term("body", "https://toko.id")


def test_non_ascii_word_before_colon_is_text() -> None:
    assert parse("perché:sì") == Term(None, "perché:sì")


def test_every_field_parses() -> None:
    for field in ["from", "to", "subject", "body", "tag", "channel"]:
        assert parse(f"{field}:x") == Term(field, "x")
    # Labels take only their own names (a typo would silently match nothing).
    assert parse("intent:feedback") == Term("intent", "feedback")
    assert parse("sentiment:urgent") == Term("sentiment", "urgent")
    for field in ["language", "store", "priority", "customer", "assignee"]:
        assert parse(f"{field}:x") == Term(field, "x")


def test_intent_values_keep_their_slash() -> None:
    assert parse("intent:refund/request") == Term("intent", "refund/request")


def test_an_intent_family_with_a_star_is_the_family() -> None:
    assert parse("intent:shipping/*") == parse("intent:shipping") == Term("intent", "shipping")


def test_a_misspelt_label_is_refused_with_the_closest_name() -> None:
    with pytest.raises(QueryError, match="did you mean 'shipping/status'"):
        parse("intent:shiping/status")
    with pytest.raises(QueryError, match="unknown sentiment"):
        parse("sentiment:angry")


# --- operators, precedence, grouping ---------------------------------------------------------


def test_explicit_and_equals_implicit_and() -> None:
    assert shape("a AND b AND c") == shape("a b c") == And((w("a"), w("b"), w("c")))


def test_and_binds_tighter_than_or() -> None:
    assert shape("a OR b c") == Or((w("a"), And((w("b"), w("c")))))
    assert shape("a b OR c") == Or((And((w("a"), w("b"))), w("c")))
    assert shape("a AND b OR c AND d") == Or((And((w("a"), w("b"))), And((w("c"), w("d")))))


def test_not_binds_tighter_than_and() -> None:
    assert shape("NOT a b") == And((Not(w("a")), w("b")))
    assert shape("-a OR b") == Or((Not(w("a")), w("b")))
    assert shape("a AND NOT b") == And((w("a"), Not(w("b"))))


def test_parentheses_override_precedence() -> None:
    assert shape("(a OR b) c") == And((Or((w("a"), w("b"))), w("c")))
    assert shape("NOT (a b)") == Not(And((w("a"), w("b"))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-tag:spam", Not(w("spam", "tag"))),
        ('-"order late"', Not(w("order late", phrase=True))),
        ("-(a OR b)", Not(Or((w("a"), w("b"))))),
        ("--a", Not(Not(w("a")))),
        ("NOT -a", Not(Not(w("a")))),
        ("-date:2026", Not(DateRange(utc(2026, 1, 1), utc(2027, 1, 1)))),
    ],
)
def test_negation_forms(text: str, expected: Node) -> None:
    assert shape(text) == expected


def test_nested_and_or_are_flattened() -> None:
    assert shape("(a b) (c d)") == And((w("a"), w("b"), w("c"), w("d")))
    assert shape("(a OR b) OR (c OR (d OR e))") == Or(tuple(w(x) for x in "abcde"))
    assert shape("a AND (b AND c)") == And((w("a"), w("b"), w("c")))


def test_single_operand_groups_collapse() -> None:
    assert parse("((a))") == Term(None, "a", position=2)


def test_operators_without_spaces_around_parentheses() -> None:
    assert shape("NOT(a)OR(b)") == Or((Not(w("a")), w("b")))


# --- positions -------------------------------------------------------------------------------


def test_positions_of_every_node() -> None:
    text = 'tag:vip (a OR "b c") -NOT x date:2d'
    assert parse(text) == And(
        (
            Term("tag", "vip", position=0),
            Or((Term(None, "a", position=9), Term(None, "b c", phrase=True, position=14)), 9),
            Not(Not(Term(None, "x", position=26), position=22), position=21),
            DateRange(utc(2026, 3, 13, 12), None, position=28),
        ),
        position=0,
    )


def test_or_position_is_its_first_operand() -> None:
    node = parse("  (x) OR y")
    assert isinstance(node, Or)
    assert node.position == 3


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ('a "unterminated', 2, "unterminated quote"),
        (r'"ends in escape\"', 0, "unterminated quote"),
        ('from:"x', 5, "unterminated quote"),
        ("a (b c", 2, "unclosed '('"),
        ("((a) b", 0, "unclosed '('"),
        ("(", 0, "unclosed '('"),
        ("a b)", 3, "unmatched ')'"),
        (") a", 0, "unmatched ')'"),
        ("(a))", 3, "unmatched ')'"),
        ("a AND", 2, "'AND' needs a term after it"),
        ("a OR", 2, "'OR' needs a term after it"),
        ("OR b", 0, "'OR' needs a term before it"),
        ("AND", 0, "'AND' needs a term before it"),
        ("NOT", 0, "'NOT' needs a term after it"),
        ("a NOT", 2, "'NOT' needs a term after it"),
        ("a AND OR b", 2, "'AND' needs a term after it"),
        ("(a OR)", 3, "'OR' needs a term after it"),
        ("(AND a)", 1, "'AND' needs a term before it"),
        ("-)", 0, "'-' needs a term after it"),
        ("-AND a", 0, "'-' needs a term after it"),
        ("a - b", 2, "'-' must be followed directly"),
        ("a -", 2, "'-' must be followed directly"),
        ("()", 0, "empty parentheses"),
        ("a (  )", 2, "empty parentheses"),
        ('""', 0, "empty quotes"),
        ('a "  "', 2, "empty quotes"),
        ("foo:bar", 0, "unknown field 'foo'"),
        ("x mailto:a@b.c", 2, "unknown field 'mailto'"),
        ("tag:", 0, "'tag:' needs a value"),
        ("a tag: b", 2, "'tag:' needs a value"),
        ("(tag:)", 1, "'tag:' needs a value"),
        ('tag:""', 0, "'tag:' needs a value"),
        ('from:"  "', 0, "'from:' needs a value"),
        ("status:pending", 7, "unknown status 'pending'"),
        ("has:photo", 4, "unknown has 'photo'"),
        ("id:abc", 3, "ticket number"),
        ("id:4x2", 3, "ticket number"),
        ("tag:vip*", 7, "prefix search"),
        ("from:*", 0, "needs at least one character before '*'"),
    ],
)
def test_errors_point_at_the_fault(text: str, position: int, fragment: str) -> None:
    caught = error(text)
    assert caught.position == position
    assert fragment in caught.message
    assert caught.query == text


def test_unknown_field_lists_known_fields_and_suggests() -> None:
    message = error("frm:budi").message
    assert "known: assignee, body, channel" in message
    assert "did you mean 'from'?" in message


def test_unknown_field_without_close_match_suggests_quoting() -> None:
    assert 'quote it: "catatan:penting"' in error("catatan:penting").message


def test_bad_status_suggests_the_close_value() -> None:
    message = error("status:opne").message
    assert "expected one of: closed, open, snoozed, spam" in message
    assert "did you mean 'open'?" in message


def test_too_deep_nesting_is_a_query_error() -> None:
    assert "nests too deeply" in error("(" * 500 + "a" + ")" * 500).message
    assert "nests too deeply" in error("NOT " * 500 + "a").message
    assert "nests too deeply" in error("-" * 500 + "a").message


def test_query_error_is_a_usage_error_with_a_pointer() -> None:
    caught = error("a AND")
    assert isinstance(caught, UsageError)
    assert caught.exit_code == 2
    assert str(caught) == "query error at column 3: 'AND' needs a term after it"
    assert caught.pointer() == "  a AND\n    ^"


@pytest.mark.parametrize(
    "text",
    [
        'status:"a\nb"',
        'tag:x* "\x1b[31m',
        "date:\x07",
        "zzz:\u202eevil",
        'status:"' + "z" * 200 + '"',
    ],
)
def test_messages_are_one_clean_line(text: str) -> None:
    message = error(text).message
    assert "\n" not in message
    assert "\x1b" not in message and "\x07" not in message and "\u202e" not in message
    assert len(message) < 400


def test_messages_contain_no_python_reprs() -> None:
    for text in ["status:x", "date:x", "foo:x", "(", "a AND", "id:x", "tag:"]:
        message = error(text).message
        assert "Term(" not in message and "_Kind" not in message and "None" not in message


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2026", utc(2026, 1, 1), utc(2027, 1, 1)),
        ("2026-01", utc(2026, 1, 1), utc(2026, 2, 1)),
        ("2026-12", utc(2026, 12, 1), utc(2027, 1, 1)),
        ("2026-02-28", utc(2026, 2, 28), utc(2026, 3, 1)),
        ("2026-1-5", utc(2026, 1, 5), utc(2026, 1, 6)),
        ("2026-01-31T09:30", utc(2026, 1, 31, 9, 30), utc(2026, 1, 31, 9, 31)),
        ("2026-01-31t09:30:15", utc(2026, 1, 31, 9, 30, 15), utc(2026, 1, 31, 9, 30, 16)),
        ('"2026-01-31 09:30"', utc(2026, 1, 31, 9, 30), utc(2026, 1, 31, 9, 31)),
        ("today", utc(2026, 3, 15), utc(2026, 3, 16)),
        ("Yesterday", utc(2026, 3, 14), utc(2026, 3, 15)),
    ],
)
def test_single_absolute_date_is_the_whole_period(
    value: str, start: datetime, end: datetime
) -> None:
    assert parse(f"date:{value}") == DateRange(start, end)


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("30s", NOW - timedelta(seconds=30)),
        ("30sec", NOW - timedelta(seconds=30)),
        ("15min", NOW - timedelta(minutes=15)),
        ("1minute", NOW - timedelta(minutes=1)),
        ("3h", NOW - timedelta(hours=3)),
        ("3hours", NOW - timedelta(hours=3)),
        ("2d", NOW - timedelta(days=2)),
        ("1day", NOW - timedelta(days=1)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1week", NOW - timedelta(weeks=1)),
        ("1mo", datetime(2026, 2, 15, 12, tzinfo=UTC)),
        ("3months", datetime(2025, 12, 15, 12, tzinfo=UTC)),
        ("1y", datetime(2025, 3, 15, 12, tzinfo=UTC)),
        ("2years", datetime(2024, 3, 15, 12, tzinfo=UTC)),
        ("0d", NOW),
        ("now", NOW),
        ("2D", NOW - timedelta(days=2)),
    ],
)
def test_single_relative_date_means_since_then(value: str, start: datetime) -> None:
    assert parse(f"date:{value}") == DateRange(start.replace(tzinfo=None), None)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2026-01-01..2026-02-01", utc(2026, 1, 1), utc(2026, 2, 2)),
        ("2026-01..2026-02", utc(2026, 1, 1), utc(2026, 3, 1)),
        ("..2026-01", None, utc(2026, 2, 1)),
        ("..2026-02-01", None, utc(2026, 2, 2)),
        ("2026-01..", utc(2026, 1, 1), None),
        ("2d..", utc(2026, 3, 13, 12), None),
        ("2w..1w", utc(2026, 3, 1, 12), utc(2026, 3, 8, 12)),
        ("..3h", None, utc(2026, 3, 15, 9)),
        ("yesterday..today", utc(2026, 3, 14), utc(2026, 3, 16)),
        ("2026-03-01..now", utc(2026, 3, 1), utc(2026, 3, 15, 12)),
        ("2026..2026", utc(2026, 1, 1), utc(2027, 1, 1)),
        ('" 2026-01 .. 2026-02 "', utc(2026, 1, 1), utc(2026, 3, 1)),
        (
            "2026-01-31T10:00Z..2026-01-31T10:00:30Z",
            utc(2026, 1, 31, 10),
            utc(2026, 1, 31, 10, 0, 31),
        ),
    ],
)
def test_date_ranges(value: str, start: datetime | None, end: datetime | None) -> None:
    assert parse(f"date:{value}") == DateRange(start, end)


def test_month_arithmetic_clamps_to_the_last_day() -> None:
    end_of_march = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    assert parse("date:1mo", now=end_of_march) == DateRange(utc(2026, 2, 28, 8), None)
    leap = datetime(2024, 2, 29, 8, 0, tzinfo=UTC)
    assert parse("date:1y", now=leap) == DateRange(utc(2023, 2, 28, 8), None)


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        # Jakarta is UTC+7: local midnight is 17:00 UTC the day before.
        ("2026-01-01", utc(2025, 12, 31, 17), utc(2026, 1, 1, 17)),
        ("2026-01..2026-02-01", utc(2025, 12, 31, 17), utc(2026, 2, 1, 17)),
        ("..2026-01", None, utc(2026, 1, 31, 17)),
        ("2026-01-31T09:30", utc(2026, 1, 31, 2, 30), utc(2026, 1, 31, 2, 31)),
        # NOW is 19:00 on 15 March in Jakarta.
        ("today", utc(2026, 3, 14, 17), utc(2026, 3, 15, 17)),
        ("yesterday", utc(2026, 3, 13, 17), utc(2026, 3, 14, 17)),
        # Relative dates are instants and do not depend on the zone.
        ("2d", utc(2026, 3, 13, 12), None),
        ("3h..", utc(2026, 3, 15, 9), None),
        # An explicit Z means UTC whatever the zone.
        ("2026-01-31T09:30Z", utc(2026, 1, 31, 9, 30), utc(2026, 1, 31, 9, 31)),
    ],
)
def test_dates_in_jakarta(value: str, start: datetime | None, end: datetime | None) -> None:
    assert parse(f"date:{value}", tz=JAKARTA) == DateRange(start, end)


def test_tz_defaults_to_the_zone_of_now() -> None:
    jakarta_now = NOW.astimezone(JAKARTA)
    assert parse("date:today", now=jakarta_now) == parse("date:today", tz=JAKARTA)


def test_today_near_midnight_uses_the_local_day() -> None:
    # 18:30 UTC on 15 March is already 16 March in Jakarta.
    late = datetime(2026, 3, 15, 18, 30, tzinfo=UTC)
    assert parse("date:today", now=late, tz=JAKARTA) == DateRange(
        utc(2026, 3, 15, 17), utc(2026, 3, 16, 17)
    )


def test_days_follow_the_wall_clock_across_dst() -> None:
    # Berlin moved to summer time on 29 March 2026: "2d" is the same local time two days
    # earlier (49 hours back), while "48h" is elapsed time.
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # 12:00 CEST
    assert parse("date:2d", now=now, tz=berlin) == DateRange(utc(2026, 3, 28, 11), None)
    assert parse("date:48h", now=now, tz=berlin) == DateRange(utc(2026, 3, 28, 10), None)


def test_default_now_is_the_current_time() -> None:
    node = parse_query("date:1h")
    assert isinstance(node, DateRange)
    assert node.start is not None
    expected = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    assert abs(node.start - expected) < timedelta(minutes=1)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_query("x", now=datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("date:soon", 5, "can't read date 'soon'"),
        ("date:2026-01-01..later", 17, "can't read date 'later'"),
        ("date:2026-02-30", 5, "does not exist or is out of range"),
        ("date:2026-13", 5, "does not exist or is out of range"),
        ("date:99999y", 5, "does not exist or is out of range"),
        ("date:0000", 5, "does not exist or is out of range"),
        ("date:3m", 5, "'3m' is ambiguous"),
        ("date:3fortnights", 5, "unknown time unit 'fortnights'"),
        ("date:..", 5, "needs a start or an end"),
        ("date:2026-02..2026-01", 5, "date range is empty"),
        ("date:1d..2d", 5, "date range is empty"),
        ("date:now..now", 5, "date range is empty"),
        ("date:", 0, "'date:' needs a value"),
        ('x date:"soon"', 8, "can't read date 'soon'"),
        ("date:2026*", 5, "can't read date"),
        ("date:2026-01-01..2026-01-02..2026-01-03", 17, "can't read date"),
    ],
)
def test_date_errors(text: str, position: int, fragment: str) -> None:
    caught = error(text)
    assert caught.position == position
    assert fragment in caught.message


def test_range_ending_at_the_first_instant_of_year_one_is_out_of_range() -> None:
    new_year = datetime(2026, 1, 1, tzinfo=UTC)
    assert "out of range" in error("date:..2025y", now=new_year).message


def test_unreadable_date_lists_the_accepted_forms() -> None:
    message = error("date:soon").message
    for form in ["2d", "today", "2026-01-31", "A..B"]:
        assert form in message


# --- describe --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", "*"),
        ("a AND b", "a b"),
        ("a OR (b AND c)", "a OR b c"),
        ("(a OR b) c", "(a OR b) c"),
        ("NOT (a OR b)", "-(a OR b)"),
        ("NOT NOT a", "--a"),
        ("From:Alice TAG:VIP", "from:Alice tag:vip"),
        ('tag:"needs reply"', 'tag:"needs reply"'),
        ('tag:"5*"', 'tag:"5*"'),
        ('"say \\"hi\\""', '"say \\"hi\\""'),
        ("ord* http://x 10:30", "ord* http://x 10:30"),
        ("id:#42", "id:42"),
        ("date:2d", "date:2026-03-13T12:00Z.."),
        ("date:..2026-01", "date:..2026-01-31T23:59Z"),
        ("date:2026-01-31T09:30:15", "date:2026-01-31T09:30:15Z..2026-01-31T09:30:15Z"),
    ],
)
def test_describe_is_canonical(text: str, canonical: str) -> None:
    assert describe(parse(text)) == canonical


@pytest.mark.parametrize(
    "text",
    [
        'from:"Budi Santoso" (tag:refund OR tag:retur) -status:closed date:2026-01..',
        "pesanan* NOT (assignee:none OR has:attachment) language:id",
        '"não chegou" OR entrega* OR body:"C:\\\\path"',
        "-(-(a b) OR c) d",
        "date:today -date:1h.. date:2026-01-31T09:30:00.5",
        "* -*",
    ],
)
def test_describe_round_trips(text: str) -> None:
    node = parse(text, tz=JAKARTA)
    assert shape(describe(node), tz=JAKARTA) == bare(node)
    # Dates are printed in UTC, so reading them in another zone changes nothing.
    assert shape(describe(node), tz=UTC) == bare(node)


def test_describe_accepts_hand_built_trees() -> None:
    assert describe(And((w("a"), And((w("b"), w("c")))))) == "a (b c)"
    assert describe(Or((w("a"), Or((w("b"), w("c")))))) == "a OR (b OR c)"
    assert describe(And(())) == "*"
    assert describe(Or(())) == "-*"
    assert describe(DateRange(None, None)) == "*"
    assert describe(w("two words")) == '"two words"'


# --- properties ------------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "a", "pesanan", "ação", "ord*", "*", "AND", "OR", "NOT", "and", "-", "(", ")", '"', "\\",
        ":", "..", "tag:", "from:", "status:open", "status:", "date:", "2d", "2026-01", "today",
        "http://x", "10:30", "has:attachment", "id:", "42", "Z", " ", "  ", "\t",
    ]
)  # fmt: skip
_QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(_FRAGMENTS, max_size=14).map("".join),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=3)), max_size=10).map(" ".join),
)


@settings(max_examples=600, deadline=None)
@given(text=_QUERIES, tz=st.sampled_from([UTC, JAKARTA]))
def test_parse_raises_only_query_errors_and_round_trips(text: str, tz: ZoneInfo) -> None:
    try:
        node = parse(text, tz=tz)
    except QueryError as caught:
        assert 0 <= caught.position <= len(text)
        assert "\n" not in caught.message
        return
    assert shape(describe(node), tz=tz) == bare(node)


def test_too_many_terms_is_a_query_error() -> None:
    """issue 9 finding 14: a query with ~1000 terms reached SQLite ("Expression tree is too
    large") and, saved as a view, broke `views` for the whole team."""
    from deskterm.domain.query import MAX_TERMS

    parse(" OR ".join(f"w{n}" for n in range(MAX_TERMS)))
    with pytest.raises(QueryError, match="too many terms"):
        parse(" OR ".join(f"w{n}" for n in range(MAX_TERMS + 1)))


def test_too_long_is_a_query_error() -> None:
    """issue 9 finding 14: the length of a query (and of a saved view) is capped."""
    from deskterm.domain.query import MAX_QUERY_LENGTH

    with pytest.raises(QueryError, match="too long") as info:
        parse("x" * (MAX_QUERY_LENGTH + 1))
    assert info.value.position == MAX_QUERY_LENGTH


def test_ticket_id_out_of_range() -> None:
    """issue 9 finding 14: `id:99999999999999999999` raised OverflowError in the store."""
    with pytest.raises(QueryError, match="out of range"):
        parse("id:99999999999999999999")
    assert shape(f"id:{2**63 - 1}") == Term("id", str(2**63 - 1))
