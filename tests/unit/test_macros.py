"""Macro rendering: Gorgias variables, empty-variable detection, the sandbox holds."""

from __future__ import annotations

import threading

import pytest

from deskterm.automation import template_sandbox
from deskterm.automation.macros import MacroActions, Rendered, render_macro, ticket_variables

TICKET = {
    "id": 42,
    "subject": "Pesanan belum sampai",
    "channel": "support",
    "created_at": "2026-11-20T10:00:00Z",
    "last_message_at": "2026-11-21T09:30:00Z",
    "assignee": "dewi@shop.test",
    "assignee_name": "Dewi",
    "customer": {"name": "Siti Rahma", "email": "siti@mail.test", "handles": []},
}
VARS = ticket_variables(TICKET, agent_name="Dewi Lestari", agent_email="dewi@shop.test")


def test_gorgias_variables_render() -> None:
    body = (
        "Hi {{ticket.customer.firstname}} {{ticket.customer.lastname}}"
        " <{{ticket.customer.email}}>, "
        "#{{ticket.id}} {{ticket.subject}} on {{ticket.channel}} since "
        "{{ticket.created_datetime|datetime_format('%d/%m/%Y')}}. {{current_user.firstname}}"
    )
    rendered = render_macro(body, VARS)
    assert rendered.text == (
        "Hi Siti Rahma <siti@mail.test>, #42 Pesanan belum sampai on support since 20/11/2026. Dewi"
    )
    assert rendered.empty == [] and rendered.error == ""


def test_empty_and_missing_variables_are_reported() -> None:
    body = (
        "{{ticket.customer.integrations.shopify.orders[0].name}} {{nonsense.x}}"
        " {{satisfaction_survey_url}} ok"
    )
    rendered = render_macro(body, VARS)
    assert rendered.text.strip() == "ok"
    assert rendered.empty == [
        "ticket.customer.integrations.shopify.orders[0].name",
        "nonsense.x",
        "satisfaction_survey_url",
    ]


def test_sandbox_refuses_python_internals() -> None:
    rendered = render_macro("{{ ''.__class__.__mro__[1].__subclasses__() }}", VARS)
    assert rendered.error  # SecurityError from the sandbox, reported as a template error


def test_template_syntax_error_is_reported_not_raised() -> None:
    rendered = render_macro("Hi {{ ticket.id ", VARS)
    assert rendered.error.startswith("template error")


def test_actions_round_trip() -> None:
    actions = MacroActions.from_dict({"add_tags": ["refund"], "status": "closed"})
    assert actions.to_dict() == {"add_tags": ["refund"], "status": "closed"}


def test_runtime_error_in_a_template_is_reported_not_raised() -> None:
    rendered = render_macro("Total: {{ 1/0 }} and {{ ticket.id + 'x' }}", VARS)
    assert rendered.error.startswith("template error:")
    assert rendered.text == "Total: {{ 1/0 }} and {{ ticket.id + 'x' }}"


def test_order_variables_use_gorgias_names() -> None:
    ticket = {
        "id": 7,
        "customer": {"name": "Siti Rahma", "email": "siti@mail.test"},
        "orders": [
            {
                "name": "#1042",
                "created_at": "2026-11-10T00:00:00Z",
                "status_url": "https://shop.test/s/1042",
                "financial_status": "paid",
                "fulfillment_status": "fulfilled",
                "total": "185000",
                "currency": "IDR",
                "tracking": [
                    {"number": "JNE123", "url": "https://jne.test/JNE123", "company": "JNE"}
                ],
                "items": [{"title": "Kopi Gayo 1kg", "quantity": 2}],
                "shipping_address": {"city": "Denpasar", "address1": "Jl. Sudirman 10"},
            }
        ],
    }
    body = (
        "{{ticket.customer.integrations.shopify.orders[0].name}} "
        "{{ticket.customer.integrations.shopify.orders[0].fulfillments[0].tracking_number}} "
        "{{ticket.customer.integrations.shopify.orders[0].fulfillments[0].tracking_url}} "
        "{{ticket.customer.integrations.shopify.orders[0].order_status_url}} "
        "{{ticket.customer.integrations.shopify.orders[0].shipping_address.city}}"
    )
    rendered = render_macro(body, ticket_variables(ticket, agent_name="Dewi", agent_email="d@x"))
    assert rendered.text == (
        "#1042 JNE123 https://jne.test/JNE123 https://shop.test/s/1042 Denpasar"
    )
    assert rendered.empty == []


# --- issue 9 finding 4: a shared macro cannot hang or exhaust whoever renders it -------------

LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
TOO_SLOW = "takes longer than 2 s to render"
TOO_BIG = "builds more than 1,000,000 characters of text"
TOO_LONG = "produces more than 100,000 characters"
HOSTILE = [
    # Work without any output: only the clock stops it.
    (LOOPS, TOO_SLOW),
    (
        "{% set r = range(100000) %}"
        "{% for a in r %}{% for b in r %}{% for c in r %}{% endfor %}{% endfor %}{% endfor %}",
        TOO_SLOW,
    ),
    (
        "{% for a in range(50) recursive %}"
        "{% if loop.depth < 20 %}{{ loop(range(50)) }}{% endif %}{% endfor %}",
        TOO_SLOW,
    ),
    ("{{ range(100000)|batch(1)|list|sum(start=[]) }}", TOO_SLOW),  # quadratic list adding
    # Huge values, refused before they are built.
    ("{{ 'x' * 3000000000 }}", TOO_BIG),
    ("{{ [1, 2] * 3000000000 }}", TOO_BIG),
    ("{% set x = 'x' * 100000 %}{{ ([x] * 100000)|join }}", TOO_BIG),
    ("{% set x = 'x' * 100000 %}{{ ''.join([x, x, x, x, x, x, x, x, x, x, x]) }}", TOO_BIG),
    ("{{ 'x'|center(3000000000) }}", TOO_BIG),
    ("{{ 'x'.ljust(3000000000) }}", TOO_BIG),
    ("{{ 'x'|indent(3000000000) }}", TOO_BIG),
    ("{{ '%3000000000s' % 'x' }}", TOO_BIG),
    ("{{ '%*s' % (3000000000, 'x') }}", TOO_BIG),
    ("{{ '%3000000000s'|format('x') }}", TOO_BIG),
    ("{{ '{:3000000000}'.format('x') }}", TOO_BIG),
    ("{{ ('x' * 100000)|replace('', 'y' * 100000) }}", TOO_BIG),
    ("{{ ('\t' * 100000).expandtabs(1000000) }}", TOO_BIG),
    ("{{ (1).to_bytes(3000000000, 'big') }}", TOO_BIG),
    ("{{ [1]|batch(3000000000, 'x')|list }}", TOO_BIG),
    ("{{ {'a': 1}|tojson(indent=3000000000) }}", TOO_BIG),
    ("{{ 2 ** 3000000000 }}", "computes a number of more than 65,536 bits"),
    # Values that double in a loop (text, nested lists, numbers).
    (
        "{% set ns = namespace(a='x') %}"
        "{% for i in range(64) %}{% set ns.a = ns.a ~ ns.a %}{% endfor %}{{ ns.a|length }}",
        TOO_BIG,
    ),
    (
        "{% set ns = namespace(a=['x']) %}"
        "{% for i in range(64) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a|length }}",
        TOO_BIG,
    ),
    (
        "{% set ns = namespace(a=3) %}"
        "{% for i in range(64) %}{% set ns.a = ns.a * ns.a %}{% endfor %}{{ ns.a > 1 }}",
        "computes a number of more than 65,536 bits",
    ),
    # Text written where the output stream cannot see it: captured blocks, macros.
    (
        "{% set s %}{% for i in range(100000) %}{% for j in range(100000) %}"
        "xxxxxxxxxx{% endfor %}{% endfor %}{% endset %}{{ s|length }}",
        TOO_BIG,
    ),
    (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% else %}"
        "{{ 'x' * 100000 }}{% endif %}{% endmacro %}{{ f(40)|length }}",
        TOO_BIG,
    ),
    # Too much output.
    ("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}", TOO_LONG),
    ("x" * 100_001, "is longer than 100,000 characters"),
]


def bounded_render(body: str) -> Rendered:
    """render_macro in a thread: a regression fails this test instead of hanging the suite."""
    result: list[Rendered] = []
    worker = threading.Thread(target=lambda: result.append(render_macro(body, VARS)), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert result, f"render_macro still running after 120 s: {body[:80]!r}"
    return result[0]


@pytest.mark.parametrize(("body", "reason"), HOSTILE, ids=[h[0][:50] for h in HOSTILE])
def test_hostile_macro_stops_at_a_limit_with_one_line(body: str, reason: str) -> None:
    """issue 9 finding 4: nested loops, huge repetition, doubling values and floods of output
    end in one line saying which limit was hit; the text is the macro as written."""
    rendered = bounded_render(body)
    assert rendered.error == reason
    assert rendered.text == body and rendered.empty == []


def test_ordinary_macros_render_as_before_inside_the_limits() -> None:
    """issue 9 finding 4: the limits leave real macros alone: loops, joins, formats, macros."""
    body = (
        "{% macro line(o) %}{{ o.name }} ({{ o.total_price }}){% endmacro %}"
        "{% for o in ticket.customer.integrations.shopify.orders %}{{ line(o) }}{% endfor %}"
        "{{ ['a', 'b']|join(', ') }} {{ '%05d' % ticket.id }} {{ '{:>4}'.format('r') }}"
        " {{ ('-' * 3) ~ ticket.subject|upper }} {{ 'x'|center(5) }}"
        " {% set ns = namespace(n=0) %}{% for i in range(10) %}{% set ns.n = ns.n + i %}"
        "{% endfor %}{{ ns.n }}"
    )
    rendered = render_macro(body, VARS)
    assert rendered.error == ""
    assert rendered.text == "a, b 00042    r ---PESANAN BELUM SAMPAI   x   45"


def test_the_time_limit_covers_the_empty_variable_pass_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """issue 9 finding 4: each {{ }} is rendered again to find empty ones; thousands of them
    share the one deadline instead of multiplying it."""
    monkeypatch.setattr(template_sandbox, "RENDER_SECONDS", 0.5)
    rendered = bounded_render("{{ ticket.id }}" * 6000)
    assert rendered.error == "takes longer than 0.5 s to render"


def test_every_platforms_orders_under_neutral_names() -> None:
    """issue 13 item 2: ``ticket.customer.orders[0]...`` for any platform; Gorgias's
    Shopify names keep holding the Shopify orders only."""
    shopee = {
        "platform": "shopee",
        "store": "shopee-id",
        "id": "2512010ABCDEF",
        "name": "2512010ABCDEF",
        "status": "shipped",
        "platform_status": "SHIPPED",
        "total": "129000.00",
        "currency": "IDR",
        "tracking": [{"number": "SPXID0123", "company": "SPX Express", "status": "In transit"}],
        "items": [{"title": "Kopi Gayo 1kg", "sku": "GY-1", "quantity": 2, "price": "64500.00"}],
    }
    shopify = {"platform": "shopify", "name": "#1042", "status": "to_ship", "total": "185000"}
    variables = ticket_variables(
        {"id": 7, "customer": {"name": "Siti"}, "orders": [shopee, shopify]},
        agent_name="Dewi",
        agent_email="dewi@shop.test",
    )
    body = (
        "{{ticket.customer.orders[0].name}} {{ticket.customer.orders[0].status}} "
        "{{ticket.customer.orders[0].tracking[0].number}} "
        "{{ticket.customer.orders[0].line_items[0].sku}} {{ticket.customer.orders[1].name}} "
        "{{ticket.customer.integrations.shopify.orders[0].name}}"
    )
    rendered = render_macro(body, variables)
    assert rendered.text == "2512010ABCDEF shipped SPXID0123 GY-1 #1042 #1042"
    assert rendered.empty == []
