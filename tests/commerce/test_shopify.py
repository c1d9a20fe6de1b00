"""The Shopify client against the GraphQL fake over loopback: mapping, quoting, limits, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from deskterm.commerce.shopify import ORDERS_QUERY, email_search
from deskterm.commerce.types import ThrottledError
from deskterm.demo.fakes.shopify import FakeLine, FakeShopify, FakeTracking, parse_search
from deskterm.domain.errors import ChannelAuthError, ChannelError
from tests.commerce.conftest import TOKEN, VERSION, Shop

PATH = f"/admin/api/{VERSION}/graphql.json"
ORDERS_COST = (
    502  # 2 + 10 x (order 1 + prices 2+2 + lineItems 2+10x3 + fulfillments 2 + refunds 3x3
    # + address 1 + customer 1)
)


def _post(shop: Shop, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
    """A raw request, to see exactly what the fake answers."""
    response = httpx.post(
        shop.url + PATH,
        json={"query": query, "variables": variables or {}},
        headers={"x-shopify-access-token": TOKEN, **headers},
    )
    return response.status_code, response.json()


def _seed_one(fake: FakeShopify) -> None:
    fake.add_order(
        "budi@contoh.co.id",
        [FakeLine("Kopi Arabika Gayo 250 g", 1, Decimal(98000))],
        created_at=datetime(2026, 2, 1, 9, 30, tzinfo=UTC),
    )


# --- mapping ------------------------------------------------------------------------------


def test_orders_mapped_newest_first(shop: Shop) -> None:
    older = shop.fake.add_order(
        "Budi.Santoso@Contoh.co.id",
        [
            FakeLine("Kemeja Batik Pria Lengan Panjang - Parang Biru / L", 2, Decimal(189000)),
            FakeLine("Hijab Segi Empat Voal Premium - Dusty Pink", 1, Decimal(65000)),
        ],
        currency="IDR",
        created_at=datetime(2026, 3, 1, 2, 15, tzinfo=UTC),
        customer_name="Budi Santoso",
        shipping=Decimal(15000),
        financial="PARTIALLY_REFUNDED",
        fulfillment="FULFILLED",
        tracking=[FakeTracking("JP1234567890", "https://jet.co.id/track?awb=JP1234567890", "J&T")],
        address={"address1": "Jl. Dago No. 88", "city": "Bandung", "zip": "40135"},
    )
    newer = shop.fake.add_order(
        "budi.santoso@contoh.co.id",
        [FakeLine("Kopi Arabika Gayo 250 g", 3, Decimal(98000))],
        created_at=datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC),
        financial="PENDING",
    )
    shop.fake.add_order("someone.else@contoh.co.id", [FakeLine("Madu", 1, Decimal(1))])

    with shop.client() as client:
        orders = client.orders_for_email("budi.santoso@contoh.co.id")

    assert [o.name for o in orders] == [newer.name, older.name]
    first, second = orders
    assert first.created_at == datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC)
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == timedelta(0)
    assert (first.financial_status, first.fulfillment_status) == ("pending", "unfulfilled")
    assert first.tracking == ()
    assert second.external_id == f"gid://shopify/Order/{older.id}"
    assert second.email == "budi.santoso@contoh.co.id"  # lower-cased, as identities are
    assert second.financial_status == "partially_refunded"
    assert second.fulfillment_status == "fulfilled"
    assert second.total == Decimal("458000")  # 2 x 189000 + 65000 + 15000 shipping, exact
    assert second.currency == "IDR"
    assert second.status_url.startswith("https://toko-batik.myshopify.com/")
    assert [(i.title, i.quantity) for i in second.items] == [
        ("Kemeja Batik Pria Lengan Panjang", 2),
        ("Hijab Segi Empat Voal Premium", 1),
    ]
    assert [t.to_json() for t in second.tracking] == [
        {
            "number": "JP1234567890",
            "url": "https://jet.co.id/track?awb=JP1234567890",
            "company": "J&T",
        }
    ]
    assert second.shipping_address == {
        "address1": "Jl. Dago No. 88",
        "city": "Bandung",
        "zip": "40135",
    }
    assert second.raw["totalPriceSet"]["shopMoney"] == {"amount": "458000.0", "currencyCode": "IDR"}
    assert second.to_json() == {
        "name": older.name,
        "created_at": "2026-03-01T02:15:00Z",
        "financial_status": "partially_refunded",
        "fulfillment_status": "fulfilled",
        "total": "458000.0",
        "currency": "IDR",
        "status_url": second.status_url,
        "tracking": [t.to_json() for t in second.tracking],
        "items": [
            {"title": "Kemeja Batik Pria Lengan Panjang", "quantity": 2},
            {"title": "Hijab Segi Empat Voal Premium", "quantity": 1},
        ],
    }


def test_request_is_the_admin_graphql_call(shop: Shop) -> None:
    _seed_one(shop.fake)
    with shop.client() as client:
        client.orders_for_email("budi@contoh.co.id", first=5)
    (request,) = shop.fake.requests
    assert (request.method, request.path) == ("POST", PATH)
    assert request.headers["x-shopify-access-token"] == TOKEN
    body = request.json()
    assert body["variables"] == {"first": 5, "query": 'email:"budi@contoh.co.id"'}
    assert "budi" not in body["query"]  # the address travels as a variable only
    assert "sortKey: CREATED_AT, reverse: true" in body["query"]


def test_shop_name_is_a_cheap_ping(shop: Shop) -> None:
    with shop.client() as client:
        assert client.shop_name() == "Toko Batik Nusantara"
    assert shop.fake.costs == [(1, 1)]


def test_seeded_orders_look_like_the_shops_customers(shop: Shop) -> None:
    local = shop.fake.seed_orders("sari@contoh.co.id", 4)
    abroad = shop.fake.seed_orders("alice@example.com", 3)
    assert {o.currency for o in local} == {"IDR"} and {o.currency for o in abroad} == {"USD"}
    assert [o.created_at for o in local] == sorted((o.created_at for o in local), reverse=True)
    with shop.client() as client:
        orders = client.orders_for_email("sari@contoh.co.id")
    assert [o.name for o in orders] == [o.name for o in local]
    companies = {t.company for o in orders for t in o.tracking}
    assert companies <= {"JNE", "SiCepat", "J&T Express"}
    assert all(o.total == o.total.to_integral() for o in orders)  # rupiah have no cents
    # The same address always gets the same orders, so the demo is reproducible.
    again = FakeShopify().seed_orders("sari@contoh.co.id", 4)
    assert [o.total for o in again] == [o.total for o in local]


# --- search quoting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("a@b.co", 'email:"a@b.co"'),
        ('x"y@b.co', 'email:"x\\"y@b.co"'),
        ("back\\slash@b.co", 'email:"back\\\\slash@b.co"'),
        ("  two  words@b.co\n", 'email:"two words@b.co"'),
        ("a:b@c.co", 'email:"a:b@c.co"'),
    ],
)
def test_email_search_quotes_the_value(email: str, expected: str) -> None:
    assert email_search(email) == expected
    (group,) = parse_search(expected)  # and the fake reads it back as ONE email term
    assert [(t.field, t.value) for t in group] == [("email", " ".join(email.split()))]


@pytest.mark.parametrize(
    "evil",
    [
        'nobody@x.co" OR email:"alice@example.com',
        "nobody@x.co OR email:alice@example.com",
        "alice@example.com*",
        "*",
        "x@y.co OR alice",
    ],
)
def test_email_cannot_inject_search_syntax(shop: Shop, evil: str) -> None:
    shop.fake.seed_orders("alice@example.com", 2)
    # The fake does honour OR, wildcards and negation, so an unquoted address would leak:
    status, unquoted = _post(
        shop,
        "query($q: String!) { orders(first: 10, query: $q) { nodes { email } } }",
        {"q": "email:" + evil.replace('"', "")},
    )
    assert status == 200 and unquoted["data"]["orders"]["nodes"]
    with shop.client() as client:
        assert client.orders_for_email(evil) == []


def test_email_match_ignores_case(shop: Shop) -> None:
    shop.fake.seed_orders("alice@example.com", 2)
    with shop.client() as client:
        assert len(client.orders_for_email("ALICE@Example.com")) == 2
        assert client.orders_for_email("   ") == []
    assert len(shop.fake.requests) == 1  # a blank address is not worth a request


# --- errors -------------------------------------------------------------------------------


def test_wrong_token_is_one_line_and_not_retried(shop: Shop) -> None:
    with shop.client("shpat_wrong") as client, pytest.raises(ChannelAuthError) as caught:
        client.orders_for_email("alice@example.com")
    assert str(caught.value) == (
        "main: Shopify refused the access token — check [[stores]] access_token; "
        "run `deskterm doctor`"
    )
    assert "\n" not in str(caught.value)
    assert len(shop.fake.requests) == 1 and shop.time.sleeps == []
    status, body = _post(shop, "{ shop { name } }", **{"x-shopify-access-token": "nope"})
    assert status == 401
    assert body == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_unknown_host_path_is_a_config_error(shop: Shop) -> None:
    response = httpx.post(
        shop.url + "/admin/api/2025-10/graphql", json={"query": "{ shop { name } }"}
    )
    assert response.status_code == 404
    client = shop.client()
    client.http.path = "/admin/api/2025-10/orders.json"
    with client, pytest.raises(ChannelError) as caught:
        client.shop_name()
    assert "check [[stores]] shop_url and api_version" in str(caught.value)
    assert not caught.value.transient


def test_unreachable_shop_is_retried_then_one_line(shop: Shop) -> None:
    fake = FakeShopify(access_token=TOKEN)
    with fake.serve() as url:
        pass  # closed again: nothing listens there now
    dead = Shop(fake, url, shop.time)
    with dead.client() as client, pytest.raises(ChannelError) as caught:
        client.orders_for_email("alice@example.com")
    assert str(caught.value).startswith(f"main: cannot reach Shopify at {url}")
    assert client.requests == 4 and len(shop.time.sleeps) == 3


# --- the fake is strict ---------------------------------------------------------------------


def test_fake_rejects_an_unknown_field_as_shopify_does(shop: Shop) -> None:
    status, body = _post(shop, "{ orders(first: 1) { nodes { name trackingNumber } } }")
    assert status == 200
    (error,) = body["errors"]
    assert error["message"] == "Field 'trackingNumber' doesn't exist on type 'Order'"
    assert error["extensions"] == {
        "code": "undefinedField",
        "typeName": "Order",
        "fieldName": "trackingNumber",
    }
    assert "data" not in body and shop.fake.costs == []  # refused before running or charging
    with shop.client() as client, pytest.raises(ChannelError) as caught:
        client.http.execute("{ orders(first: 1) { nodes { nme } } }", {}, key="bad")
    assert str(caught.value) == (
        "main: Shopify GraphQL error: Field 'nme' doesn't exist on type 'Order'"
    )
    assert client.requests == 1  # a broken query is not retried


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        (
            '{ orders(first: 1, email: "a@b.co") { nodes { name } } }',
            {},
            "Field 'orders' doesn't accept argument 'email'",
        ),
        ("{ orders(first: 1, sortKey: NEWEST) { nodes { name } } }", {}, "NEWEST"),
        ('{ orders(first: "ten") { nodes { name } } }', {}, "Int cannot represent"),
        ("{ orders { nodes { name } } }", {}, "you must provide one of first or last"),
        (
            "query($n: Int!) { orders(first: $n) { nodes { name } } }",
            {},
            "Variable '$n' has invalid value",
        ),
        ("{ orders(first: 1) { name } }", {}, "doesn't exist on type 'OrderConnection'"),
        ("{ orders(first: 1) { nodes { name }", {}, "Syntax Error"),
    ],
)
def test_fake_rejects_bad_queries(
    shop: Shop, query: str, variables: dict[str, Any], expected: str
) -> None:
    status, body = _post(shop, query, variables)
    assert status == 200
    assert expected in body["errors"][0]["message"]


def test_fake_accepts_the_clients_query_and_paginates(shop: Shop) -> None:
    for day in range(1, 6):
        shop.fake.add_order(
            "alice@example.com",
            [FakeLine("Gayo Arabica Coffee 250 g", 1, Decimal("12.50"))],
            currency="USD",
            created_at=datetime(2026, 3, day, tzinfo=UTC),
        )
    _status, body = _post(
        shop, ORDERS_QUERY, {"first": 10, "query": email_search("alice@example.com")}
    )
    assert "errors" not in body and len(body["data"]["orders"]["nodes"]) == 5
    assert body["extensions"]["cost"]["requestedQueryCost"] == ORDERS_COST
    page_query = (
        "query($after: String) { orders(first: 2, after: $after, sortKey: CREATED_AT) {"
        " edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }"
    )
    names: list[str] = []
    after = None
    while True:
        _status, body = _post(shop, page_query, {"after": after})
        connection = body["data"]["orders"]
        names += [edge["node"]["name"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert names == ["#1001", "#1002", "#1003", "#1004", "#1005"]


def test_fake_hides_old_orders_without_read_all_orders(shop: Shop) -> None:
    now = datetime(2026, 3, 31, tzinfo=UTC)
    shop.fake.now = lambda: now
    shop.fake.visible_days = 60
    shop.fake.add_order(
        "a@b.co", [FakeLine("Old", 1, Decimal(1))], created_at=now - timedelta(days=90)
    )
    shop.fake.add_order(
        "a@b.co", [FakeLine("New", 1, Decimal(1))], created_at=now - timedelta(days=5)
    )
    with shop.client() as client:
        assert [o.items[0].title for o in client.orders_for_email("a@b.co")] == ["New"]


def test_query_over_the_single_query_limit_is_not_retried(shop: Shop) -> None:
    with shop.client() as client, pytest.raises(ChannelError) as caught:
        client.orders_for_email("alice@example.com", first=250)
    assert "Query cost is 12502, which exceeds the single query max cost limit (1000)." in str(
        caught.value
    )
    assert "\n" not in str(caught.value)
    assert not caught.value.transient and client.requests == 1


# --- cost throttling ----------------------------------------------------------------------


def test_waits_for_the_bucket_before_a_query_that_would_not_fit(shop: Shop) -> None:
    _seed_one(shop.fake)
    shop.fake.available = 510  # another app of the shop has been busy
    with shop.client() as client:
        client.orders_for_email("budi@contoh.co.id")
        left = client.http.budget.available
        assert left is not None and left < ORDERS_COST  # 510 - 502 + the unused part refunded
        assert shop.time.sleeps == []
        client.orders_for_email("budi@contoh.co.id")
    # Waited exactly until the bucket could pay, then was never throttled.
    assert shop.time.sleeps == [pytest.approx((ORDERS_COST - left) / 50.0)]
    assert [requested for requested, _actual in shop.fake.costs] == [ORDERS_COST, ORDERS_COST]
    assert all(actual is not None for _requested, actual in shop.fake.costs)


def test_budget_refills_with_time_so_no_wait_is_needed(shop: Shop) -> None:
    _seed_one(shop.fake)
    shop.fake.available = 510
    with shop.client() as client:
        client.orders_for_email("budi@contoh.co.id")
        shop.time.now += 10  # 500 points leak back in
        client.orders_for_email("budi@contoh.co.id")
    assert shop.time.sleeps == []


def test_throttled_answer_is_retried_after_the_computed_wait(shop: Shop) -> None:
    _seed_one(shop.fake)
    with shop.client() as client:
        client.orders_for_email("budi@contoh.co.id")
        shop.fake.available = 100  # drained behind the client's back
        orders = client.orders_for_email("budi@contoh.co.id")
    assert len(orders) == 1
    # THROTTLED said: requested 502, available 100, restoring 50/s -> 8.04 s.
    assert shop.time.sleeps == [pytest.approx((ORDERS_COST - 100) / 50.0)]
    assert shop.fake.costs[1] == (ORDERS_COST, None)
    shop.fake.available = 0
    status, body = _post(shop, ORDERS_QUERY, {"first": 10, "query": "email:x@y.co"})
    assert status == 200
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert body["extensions"]["cost"]["actualQueryCost"] is None
    assert body["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 1000.0


def test_endless_throttling_gives_up_with_one_line(shop: Shop) -> None:
    shop.fake.restore_rate = 0.001  # the bucket will not refill within the retries
    shop.fake.available = 0
    with shop.client() as client, pytest.raises(ThrottledError) as caught:
        client.orders_for_email("budi@contoh.co.id")
    assert str(caught.value) == "main: Shopify query budget exhausted (THROTTLED)"
    assert client.requests == 4  # bounded
    assert shop.time.sleeps == [60.0, 60.0, 60.0]  # one capped wait per retry, not two


def test_http_429_honours_retry_after(shop: Shop) -> None:
    _seed_one(shop.fake)
    shop.fake.inject_rate_limits(2, "3")
    with shop.client() as client:
        assert len(client.orders_for_email("budi@contoh.co.id")) == 1
    assert shop.time.sleeps == [3.0, 3.0]
    assert len(shop.fake.requests) == 3


def test_http_429_storm_ends_in_one_line(shop: Shop) -> None:
    shop.fake.inject_rate_limits(10, "1")
    with shop.client() as client, pytest.raises(ThrottledError) as caught:
        client.orders_for_email("budi@contoh.co.id")
    assert str(caught.value) == "main: Shopify rate limit (HTTP 429)"
    assert shop.time.sleeps == [1.0, 1.0, 1.0]
