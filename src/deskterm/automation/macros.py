"""Macros: reply templates with Gorgias-named variables, rendered in a sandbox.

A variable that renders empty (or fails) is reported, so the composer can refuse to send
until the agent fixes or confirms it (helpdesk.md "Macros"). jinja2's sandbox is used
because macro text is user-supplied (and shared): it cannot reach Python internals, and
``template_sandbox`` bounds the time, output and memory one render may take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import ChainableUndefined, StrictUndefined, TemplateError

from deskterm.automation.macro_filters import FILTERS, MoneyText, now_variable
from deskterm.automation.template_sandbox import (
    BoundedEnvironment,
    TemplateLimitError,
    render_budget,
)

_VARIABLE_RE = re.compile(r"{{\s*(.*?)\s*}}")


@dataclass
class MacroActions:
    """What applying a macro does besides inserting text."""

    add_tags: list[str] = field(default_factory=list)
    remove_tags: list[str] = field(default_factory=list)
    status: str | None = None  # "open" | "closed"
    snooze: str | None = None  # a time like "2d" (domain.when)
    assign: str | None = None  # an agent email, "me" or "none"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MacroActions:
        """From the stored JSON / TOML table (unknown keys are refused by the importer)."""
        return cls(
            add_tags=list(data.get("add_tags", [])),
            remove_tags=list(data.get("remove_tags", [])),
            status=data.get("status"),
            snooze=data.get("snooze"),
            assign=data.get("assign"),
        )

    def to_dict(self) -> dict[str, Any]:
        """Only the actions that are set."""
        out: dict[str, Any] = {}
        if self.add_tags:
            out["add_tags"] = self.add_tags
        if self.remove_tags:
            out["remove_tags"] = self.remove_tags
        for key in ("status", "snooze", "assign"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass
class Rendered:
    """A macro rendered for one ticket, with what could not be filled."""

    text: str
    empty: list[str]  # variables that rendered empty or failed, as written in the macro
    error: str = ""


class _RecordingUndefined(ChainableUndefined):
    """Renders as "" so the rest of the text still shows; the caller finds it empty."""

    def __str__(self) -> str:
        return ""


_ENV = BoundedEnvironment(
    undefined=_RecordingUndefined, autoescape=False, keep_trailing_newline=True
)
_STRICT = BoundedEnvironment(undefined=StrictUndefined, autoescape=False)


def _datetime_format(value: Any, fmt: str = "%d %b %Y") -> str:
    """The Gorgias-style date filter: ``{{ ticket.created_datetime|datetime_format('%d/%m') }}``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    return value.strftime(fmt) if isinstance(value, datetime) else ""


for _env in (_ENV, _STRICT):
    _env.add_filters({"datetime_format": _datetime_format, **FILTERS})


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first, last


def gorgias_order(order: dict[str, Any]) -> dict[str, Any]:
    """A cached order under the names Gorgias macros use (helpdesk.md), newest first."""
    fulfillments = [
        {
            "tracking_number": t.get("number") or "",
            "tracking_url": t.get("url") or "",
            "tracking_company": t.get("company") or "",
            "shipment_status": t.get("status") or "",
        }
        for t in order.get("tracking") or []
    ]
    return {
        "name": order.get("name") or "",
        "created_at": order.get("created_at") or "",
        "order_status_url": order.get("status_url") or "",
        "financial_status": order.get("financial_status") or "",
        "fulfillment_status": order.get("fulfillment_status") or "",
        "total_price": order.get("total") or "",  # the shop's exact amount, e.g. "185000.0"
        "total_price_formatted": MoneyText(order.get("total") or "", order.get("currency") or ""),
        "currency": order.get("currency") or "",
        "fulfillments": fulfillments,
        "shipping_address": dict(order.get("shipping_address") or {}),
        "line_items": [
            {"title": i.get("title") or "", "quantity": i.get("quantity") or 0}
            for i in order.get("items") or []
        ],
    }


def neutral_order(order: dict[str, Any]) -> dict[str, Any]:
    """A cached order of any platform under platform-neutral names
    (``ticket.customer.orders[0].status``, ``.tracking[0].number``, ...; issue 13)."""
    return {
        "id": order.get("id") or "",
        "name": order.get("name") or "",
        "platform": order.get("platform") or "",
        "store": order.get("store") or "",
        "status": order.get("status") or "",
        "platform_status": order.get("platform_status") or "",
        "created_at": order.get("created_at") or "",
        "status_url": order.get("status_url") or "",
        "financial_status": order.get("financial_status") or "",
        "fulfillment_status": order.get("fulfillment_status") or "",
        "total": order.get("total") or "",
        "total_formatted": MoneyText(order.get("total") or "", order.get("currency") or ""),
        "currency": order.get("currency") or "",
        "tracking": [
            {
                "number": t.get("number") or "",
                "url": t.get("url") or "",
                "company": t.get("company") or "",
                "status": t.get("status") or "",
            }
            for t in order.get("tracking") or []
        ],
        # "line_items", not "items": Jinja would find the dict's own .items() method first.
        "line_items": [
            {
                "title": i.get("title") or "",
                "sku": i.get("sku") or "",
                "quantity": i.get("quantity") or 0,
                "price": i.get("price") or "",
            }
            for i in order.get("items") or []
        ],
        "shipping_address": dict(order.get("shipping_address") or {}),
    }


def ticket_variables(
    ticket: dict[str, Any], *, agent_name: str, agent_email: str, now: datetime | None = None
) -> dict[str, Any]:
    """The Gorgias variable tree for a ticket as ``show --json`` returns it, and ``now``
    (``now`` as given, else the local time: it is taken when the variables are)."""
    customer = ticket.get("customer") or {}
    first, last = _split_name(customer.get("name") or "")
    agent_first, _ = _split_name(agent_name)
    cached = ticket.get("orders") or []
    # Gorgias's names hold the Shopify orders only; every platform's are under ``orders``.
    shopify = [gorgias_order(o) for o in cached if (o.get("platform") or "shopify") == "shopify"]
    return {
        "ticket": {
            "id": ticket.get("id"),
            "subject": ticket.get("subject") or "",
            "channel": ticket.get("channel") or "",
            "created_datetime": ticket.get("created_at") or "",
            "last_message_datetime": ticket.get("last_message_at") or "",
            "assignee_user": {
                "name": ticket.get("assignee_name") or "",
                "email": ticket.get("assignee") or "",
            },
            "customer": {
                "name": customer.get("name") or "",
                "firstname": first,
                "lastname": last,
                "email": customer.get("email") or "",
                "integrations": {"shopify": {"orders": shopify}},
                "orders": [neutral_order(order) for order in cached],
            },
        },
        "current_user": {"name": agent_name, "firstname": agent_first, "email": agent_email},
        "satisfaction_survey_url": "",
        "now": now_variable(now),
    }


def render_macro(body: str, variables: dict[str, Any]) -> Rendered:
    """Render ``body``; list every ``{{ ... }}`` that came out empty or failed.

    Bounded (``template_sandbox``): past a limit, ``error`` says which in one line, e.g.
    "takes longer than 2 s to render"; the caller names the macro.
    """
    with render_budget():
        try:
            return _render(body, variables)
        except TemplateLimitError as exc:
            return Rendered(body, [], error=str(exc))


def _render(body: str, variables: dict[str, Any]) -> Rendered:
    try:
        text = _ENV.render(body, variables)
    except TemplateLimitError:
        raise
    except TemplateError as exc:
        return Rendered(body, [], error=f"template error: {exc}")
    except Exception as exc:  # {{ 1/0 }}, {{ id + 'x' }}: the seller's template, not a crash
        return Rendered(body, [], error=f"template error: {exc.__class__.__name__}: {exc}")
    empty = []
    for expression in _VARIABLE_RE.findall(body):
        try:
            value = _STRICT.render("{{ " + expression + " }}", variables)
        except TemplateLimitError:
            raise
        except TemplateError:
            value = ""
        except Exception:  # a filter failing on odd data must not break the composer
            value = ""
        if not value.strip():
            empty.append(expression)
    return Rendered(text, empty)
