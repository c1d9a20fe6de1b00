"""Reply signatures rendered like a macro (domain.signatures says which and where)."""

from __future__ import annotations

from typing import Any

from deskterm.automation.macros import render_macro


def render_signature(template: str, variables: dict[str, Any]) -> str:
    """``template`` with its macro variables filled (``{{ current_user.name }}``, ...); a
    variable with no value is left empty and a broken template is kept as written: a
    signature never blocks a reply."""
    if not template.strip():
        return ""
    rendered = render_macro(template, variables)
    if rendered.error:
        return template.strip("\n")
    return rendered.text.strip("\n")
