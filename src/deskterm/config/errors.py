"""Wording of config errors: one line naming the file, the key path and the problem."""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import typing
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from deskterm.config.checks import CHANNEL_TYPES
from deskterm.config.classify_section import LlmConfig
from deskterm.config.model import Config
from deskterm.config.naming import Loc, Problem, key, quote
from deskterm.config.sections import (
    EmailChannel,
    LazadaChannel,
    ShopeeChannel,
    ShopifyStore,
    TikTokShopChannel,
)
from deskterm.domain.text import one_line
from deskterm.secrets import CommandSecret, EnvSecret, KeyringSecret

# --- error messages ------------------------------------------------------------------

_TOML_POSITION_RE = re.compile(
    r"^(?P<msg>.*?) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)


def syntax_message(exc: tomllib.TOMLDecodeError, text: str, source: Path) -> str:
    match = _TOML_POSITION_RE.match(str(exc))
    if match is None:
        return f"{source}: {exc}"
    if match["line"] is not None:
        line, col = int(match["line"]), int(match["col"])
    else:
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
    return f"{source}:{line}:{col}: {match['msg']}"


# Our own errors whose message already shows (or must not show) the input.
_SELF_EXPLAINING = frozenset({"security", "secret_ref", "config", "store"})


def validation_problems(exc: ValidationError, raw: dict[str, Any]) -> list[Problem]:
    """Every error of ``exc`` at the location the user wrote, worded for the user."""
    return [
        _describe_error(_user_loc(tuple(error["loc"]), raw), error, raw)
        for error in exc.errors(include_url=False)
    ]


def problem_lines(
    problems: Iterable[Problem], raw: dict[str, Any], source: Path | str
) -> list[str]:
    """One line per problem (``FILE: key path: problem``), in the order of the file.

    pydantic reports in model-field order; the user reads the file top down.
    """
    ordered = sorted(problems, key=lambda problem: _file_order(problem[0], raw))
    lines = []
    for loc, message in ordered:
        key_path = _render_loc(loc, raw)
        lines.append(f"{source}: {key_path}: {message}" if key_path else f"{source}: {message}")
    return lines


def _describe_error(loc: Loc, error: ErrorDetails, raw: dict[str, Any]) -> Problem:
    kind = error["type"]
    message = error["msg"]
    echo = True
    if kind == "extra_forbidden":
        # The value of an unknown key may be a misspelt secret: never echo it.
        echo = False
        message = "unknown key" + _suggest(str(loc[-1]), _parent_model(loc, raw))
    elif kind == "missing":
        echo = False
        message = "missing required key"
    elif kind in ("union_tag_not_found", "union_tag_invalid"):
        echo = False
        expected = ", ".join(CHANNEL_TYPES)
        tag = error.get("ctx", {}).get("tag")
        if kind == "union_tag_invalid" and tag is not None:
            message = (
                f"unknown channel type {one_line(str(tag), 40)!r} (expected one of: {expected})"
            )
        else:
            message = f"missing required key (a channel needs type = one of: {expected})"
        loc += ("type",)
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "list_type" and loc in (("channels",), ("stores",)):
        echo = False
        message = f"expected a list of tables; write each entry as [[{loc[0]}]]"
    elif kind in _SELF_EXPLAINING:
        echo = False
    if echo and not _is_secret_loc(loc) and (shown := _show_input(error.get("input"))):
        message += f" (got {shown})"
    return loc, message


def _show_input(value: Any) -> str | None:
    if isinstance(value, str):
        return repr(one_line(value, 60))
    if isinstance(value, bool | int | float | datetime | date | time):
        return one_line(str(value).lower() if isinstance(value, bool) else str(value), 60)
    return None  # tables and arrays would swamp the one line


def _child(node: Any, item: str | int) -> Any:
    if isinstance(item, int):
        return node[item] if isinstance(node, list) and 0 <= item < len(node) else None
    return node.get(item) if isinstance(node, dict) else None


def _user_loc(loc: Loc, raw: dict[str, Any]) -> Loc:
    """``loc`` as the user wrote it: without the channel-type level pydantic inserts.

    For a member of the channels union pydantic reports
    ``('channels', 1, 'shopee', 'partner_id')``; the file has no "shopee" level.
    """
    out: list[str | int] = []
    node: Any = raw
    index = 0
    while index < len(loc):
        item = loc[index]
        out.append(item)
        node = _child(node, item)
        if (
            isinstance(item, int)
            and out[:1] == ["channels"]
            and len(out) == 2
            and index + 1 < len(loc)
            and isinstance(node, dict)
            and loc[index + 1] == node.get("type")
        ):
            index += 1
        index += 1
    return tuple(out)


def _file_order(loc: Loc, raw: dict[str, Any]) -> tuple[int, ...]:
    # tomllib keeps keys in file order; a missing key sorts after its siblings.
    order: list[int] = []
    node: Any = raw
    for item in loc:
        if isinstance(item, int):
            order.append(item)
        elif isinstance(node, dict):
            keys = list(node)
            order.append(keys.index(item) if item in keys else len(keys))
        else:
            order.append(0)
        node = _child(node, item)
    return tuple(order)


def _render_loc(loc: Loc, raw: dict[str, Any]) -> str:
    """``('channels', 1, 'partner_id')`` -> ``channels[1] "shopee-id".partner_id``."""
    parts: list[str] = []
    node: Any = raw
    parent: str | int | None = None
    for item in loc:
        node = _child(node, item)
        if isinstance(item, int):
            parts.append(f"[{item}]")
            name = node.get("name") if isinstance(node, dict) else None
            if parent in ("channels", "stores") and isinstance(name, str):
                parts.append(" " + quote(name))
        else:
            parts.append(("." if parts else "") + key(item))
        parent = item
    return "".join(parts)


def _parent_model(loc: Loc, raw: dict[str, Any]) -> type[BaseModel] | None:
    """The model that owns the last key of ``loc`` (for "did you mean" suggestions)."""
    model: type[BaseModel] | None = Config
    node: Any = raw
    annotation: Any = None
    for item in loc[:-1]:
        if isinstance(item, int):
            annotation = _list_item(annotation)
        elif model is not None and item in model.model_fields:
            annotation = model.model_fields[item].annotation
        else:
            return None
        node = _child(node, item)
        model = _model_of(annotation, node)
    return model


def _list_item(annotation: Any) -> Any:
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0]
    return None


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) is Annotated:
        return _model_of(typing.get_args(annotation)[0], node)
    tag = node.get("type") if isinstance(node, dict) else None
    for member in typing.get_args(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is None or typing.get_args(field.annotation) == (tag,):
                return member
    return None


def _suggest(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    known = list(model.model_fields)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (known keys: {', '.join(known)})"


def _is_secret_loc(loc: Loc) -> bool:
    if loc[:2] == ("store", "url"):
        return True  # a database URL may carry a password
    return any(isinstance(item, str) and item in secret_field_names() for item in loc)


@functools.cache
def secret_field_names() -> frozenset[str]:
    """Names of every field holding a secret reference; computed on the first error only."""
    names = set()
    models = (
        EmailChannel,
        TikTokShopChannel,
        ShopeeChannel,
        LazadaChannel,
        ShopifyStore,
        LlmConfig,
    )
    for model in models:
        for name, field in model.model_fields.items():
            if _mentions_secret(field.annotation):
                names.add(name)
    return frozenset(names)


def _mentions_secret(annotation: Any) -> bool:
    if annotation in (KeyringSecret, CommandSecret, EnvSecret):
        return True
    return any(_mentions_secret(arg) for arg in typing.get_args(annotation))
