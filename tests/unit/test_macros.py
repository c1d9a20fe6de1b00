"""Macro rendering: Gorgias variables, empty-variable detection, the sandbox holds."""

from __future__ import annotations

from deskterm.automation.macros import MacroActions, render_macro, ticket_variables

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
