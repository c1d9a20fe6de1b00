"""The bounded jinja2 sandbox macros render in: a time limit, an output limit, a size limit.

Macros are shared through the store, so their text is untrusted: jinja2's sandbox keeps
it away from Python internals, but not from unbounded work. ``{{ 'x' * 3000000000 }}``
allocates gigabytes and nested loops run for hours, and a Python thread cannot be
killed. So every place where a template can make work or data is guarded here, and each
guard checks the clock:

- operators (``*``, ``**``, ``%``, ``+`` ...) and method calls that can make text far
  larger than their inputs are checked BEFORE they run; every value an operator, call,
  filter or literal makes is measured after (``VALUE_CHARS``);
- every loop, call, filter and piece of output checks the deadline (``RENDER_SECONDS``),
  so nested loops stop even when their body is empty;
- all text written (in macros and captured blocks too) counts against ``VALUE_CHARS``,
  and the rendered result is streamed and stops past ``OUTPUT_CHARS``.

Checks go into the template's syntax tree (loops, output, ``~``, list literals) and into
the sandbox's own hooks (``call``, ``call_binop``, filters), all public jinja2 API.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, nodes, pass_context
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

RENDER_SECONDS = 2.0
"""Wall-clock time one macro may take to render (both passes of ``render_macro``)."""
OUTPUT_CHARS = 100_000
"""Characters a rendered macro may produce: far beyond any reply, far below any harm."""
VALUE_CHARS = 1_000_000
"""Characters any one value may take as text, and all text a render may write in total."""
NUMBER_BITS = 65_536
"""Bits in the largest integer a template may compute (arithmetic on more is slow)."""
BODY_CHARS = 100_000
"""Characters in the longest template that is rendered at all (compiling is not bounded)."""
COMPILED_KEPT = 128
"""Compiled templates kept per environment (the macros' texts and their variables)."""

_ITER, _OUT, _VALUE = "_deskterm_iter", "_deskterm_out", "_deskterm_value"
# A %-format directive: flags, width and precision (numbers, or * for "from the args").
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_DIGITS = re.compile(r"\d+")
_TEXT = (str, bytes, bytearray)
_SCALARS = (Undefined, bool, float)
_COLLECTIONS = (list, tuple, set, frozenset)


class TemplateLimitError(Exception):
    """A template went past a limit; the message says which, in words for the user.

    Not a jinja2 error nor a TypeError/ValueError: nothing in jinja2 catches it on the way
    out, so it always ends the render.
    """


def _too_big() -> TemplateLimitError:
    return TemplateLimitError(f"builds more than {VALUE_CHARS:,} characters of text")


@dataclass
class _Budget:
    """One render's deadline and the text it has written so far."""

    deadline: float
    seconds: float
    written: int = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"takes longer than {self.seconds:g} s to render")

    def wrote(self, value: Any) -> None:
        self.tick()
        self.written += measure(value, VALUE_CHARS - self.written)
        if self.written > VALUE_CHARS:
            raise _too_big()


_BUDGET: ContextVar[_Budget] = ContextVar("deskterm_template_budget")


def _budget() -> _Budget:
    try:
        return _BUDGET.get()
    except LookupError:
        raise RuntimeError("a bounded template ran outside render_budget()") from None


@contextmanager
def render_budget(seconds: float | None = None) -> Iterator[None]:
    """Renders inside share one deadline (``RENDER_SECONDS`` from now) and one text budget."""
    limit = RENDER_SECONDS if seconds is None else seconds
    token = _BUDGET.set(_Budget(time.monotonic() + limit, limit))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def measure(value: Any, limit: int) -> int:
    """About how many characters ``value`` takes as text, counted only until past ``limit``.

    Iterative and stopping early, so a list holding the same long text a million times
    (cheap in memory, huge once joined) costs no more than ``limit`` steps to refuse.
    """
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or isinstance(item, _TEXT):
            total += len(item)
        elif item is None or isinstance(item, _SCALARS):
            total += 1
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        elif isinstance(item, Mapping):
            total += 2 * len(item) + 2
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        elif isinstance(item, _COLLECTIONS):
            total += len(item) + 2
            if total <= limit:
                stack.extend(item)
        else:  # jinja's namespace, loop, macro objects: their text says what they hold
            try:
                total += len(str(item))
            except Exception:  # a value that cannot be shown is not large
                total += 1
        if total > limit:
            break
    return total


def _checked(value: Any) -> Any:
    """``value`` if it is small enough; an iterator comes back as one that checks the clock."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > NUMBER_BITS:
            raise TemplateLimitError(f"computes a number of more than {NUMBER_BITS:,} bits")
        return value
    if isinstance(value, Iterator):
        return _ticking(value)
    if measure(value, VALUE_CHARS) > VALUE_CHARS:
        raise _too_big()
    return value


def _ticking(items: Iterable[Any]) -> Iterator[Any]:
    budget = _budget()
    for item in items:
        budget.tick()
        yield item


def _materialized(items: Iterable[Any], separator: Any = "") -> list[Any]:
    """``items`` as a list, refused once joining them would pass ``VALUE_CHARS``."""
    kept = list(_ticking(items))
    size = measure(kept, VALUE_CHARS) + max(len(kept) - 1, 0) * measure(separator, VALUE_CHARS)
    if size > VALUE_CHARS:
        raise _too_big()
    return kept


def _at_most(amount: Any, limit: int = VALUE_CHARS) -> None:
    """A width, count or length argument: refused when it alone passes ``limit``."""
    if isinstance(amount, int) and amount > limit:
        raise _too_big()


def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _check_percent(fmt: str | bytes, values: Any) -> None:
    """``fmt % values`` must not ask for a width or precision past the limit."""
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt
    for width, precision in _PERCENT.findall(text):
        for amount in (width, precision):
            if amount.isdigit():
                _at_most(int(amount))
            elif amount == "*":  # the width is one of the values
                for value in values if isinstance(values, tuple) else (values,):
                    _at_most(abs(value) if isinstance(value, int) else 0)


def _check_format(fmt: str) -> None:
    """``fmt.format(...)`` must not ask for a width or precision past the limit."""
    for _literal, _field, spec, _conversion in string.Formatter().parse(fmt):
        if not spec:
            continue
        if "{" in spec:
            raise TemplateLimitError("takes a format width from a value ({:{…}}), not allowed")
        for digits in _DIGITS.findall(spec):
            _at_most(int(digits))


def _growth(text: Any, old: Any, new: Any, count: Any) -> None:
    """``text.replace(old, new, count)`` must not pass the limit."""
    if not isinstance(text, str | bytes) or not isinstance(new, type(text)):
        return
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    if len(text) + found * max(len(new) - len(old or ""), 0) > VALUE_CHARS:
        raise _too_big()


# --- methods of text a template may call ------------------------------------------------


def _text_method_args(
    owner: str | bytes | bytearray, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Check a call of ``owner.name(...)``; returns the args to call it with."""
    if name in ("center", "ljust", "rjust", "zfill"):
        _at_most(_arg(args, kwargs, 0, "width"))
    elif name == "expandtabs":
        size = _arg(args, kwargs, 0, "tabsize")
        if isinstance(size, int) and size > 0 and len(owner) * size > VALUE_CHARS:
            raise _too_big()
    elif name == "join" and args:
        return (_materialized(args[0], owner), *args[1:])
    elif name == "replace":
        _growth(owner, _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new"), None)
        if len(args) > 2:
            _growth(owner, args[0], args[1], args[2])
    elif name == "translate" and args and isinstance(args[0], Mapping):
        longest = max((measure(v, VALUE_CHARS) for v in args[0].values()), default=1)
        if len(owner) * longest > VALUE_CHARS:
            raise _too_big()
    return args


def _call_args(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a call before it runs; returns the args to call it with."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, str | bytes | bytearray):
        return _text_method_args(owner, name, args, kwargs)
    if isinstance(owner, int) and name == "to_bytes":
        _at_most(_arg(args, kwargs, 0, "length"))
    return args


# --- filters ---------------------------------------------------------------------------

_FilterCheck = Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]


def _check_center(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _at_most(_arg(args, kwargs, 0, "width"))
    return value


def _check_indent(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    width = _arg(args, kwargs, 0, "width")
    prefix = width if isinstance(width, int) else len(str(width or ""))
    lines = str(value).count("\n") + 1
    if prefix > 0 and len(str(value)) + lines * prefix > VALUE_CHARS:
        raise _too_big()
    return value


def _check_format_filter(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _check_percent(str(value), kwargs or args)
    return value


def _check_join(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return _materialized(value, _arg(args, kwargs, 0, "d") or "")


def _check_replace(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    old, new = _arg(args, kwargs, 0, "old"), _arg(args, kwargs, 1, "new")
    _growth(str(value), str(old), str(new), _arg(args, kwargs, 2, "count"))
    return value


def _check_wordwrap(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    wrap = _arg(args, kwargs, 2, "wrapstring")
    if isinstance(wrap, str) and len(str(value)) * (1 + len(wrap)) > VALUE_CHARS:
        raise _too_big()
    return value


def _check_batch(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _at_most(_arg(args, kwargs, 0, "linecount"))
    return _ticking(value) if isinstance(value, Iterable) else value


def _check_slice(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _at_most(_arg(args, kwargs, 0, "slices"))
    return value


def _check_sum(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # Adding lists copies them: a long list of lists is quadratic, so check the clock.
    return _ticking(value) if isinstance(value, Iterable) else value


def _check_tojson(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _at_most(_arg(args, kwargs, 0, "indent"), 64)
    return value


_FILTER_CHECKS: dict[str, _FilterCheck] = {
    "center": _check_center,
    "indent": _check_indent,
    "format": _check_format_filter,
    "join": _check_join,
    "replace": _check_replace,
    "wordwrap": _check_wordwrap,
    "batch": _check_batch,
    "slice": _check_slice,
    "sum": _check_sum,
    "tojson": _check_tojson,
}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with the clock checked, its arguments checked first and its result after.

    Always ``pass_context``: jinja2 then never runs it while compiling (constant folding),
    where no deadline would hold; the original still gets what it asked for through
    ``Context.call``.
    """
    check = _FILTER_CHECKS.get(name)

    @pass_context
    def guarded(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().tick()
        if check is not None:
            value = check(value, args, kwargs)
        return _checked(context.call(func, value, *args, **kwargs))

    guarded.__name__ = guarded.__qualname__ = f"guarded_{name}"
    return guarded


@pass_context
def _iterate(context: Context, items: Any) -> Any:
    return _ticking(items) if isinstance(items, Iterable) else items


@pass_context
def _output(context: Context, value: Any) -> Any:
    _budget().wrote(value)
    return value


@pass_context
def _value(context: Context, value: Any) -> Any:
    _budget().tick()
    return _checked(value)


# --- the environment -------------------------------------------------------------------


def _wrap(node: nodes.Node, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


class _Instrument(NodeTransformer):
    """Puts the checks into a parsed template: loops, output, ``~`` and literals."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _wrap(node.iter, _ITER)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        node.nodes = [_wrap(child, _OUT) for child in node.nodes]  # expressions and text
        return node

    def _made(self, node: nodes.Expr) -> nodes.Node:
        self.generic_visit(node)
        if getattr(node, "ctx", "load") != "load":
            return node  # an assignment target, e.g. {% for a, b in pairs %}
        return _wrap(node, _VALUE)

    visit_Concat = visit_List = visit_Tuple = visit_Dict = _made


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox with every source of unbounded work checked.

    Immutable: ``list.extend`` in a loop would grow a list without making a new value to
    measure. ``lipsum`` is gone (it writes any amount of text on request).
    """

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.pop("lipsum", None)
        self._compiled: dict[str, Template] = {}

    def add_filters(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        """Guard every filter (jinja2's and ``filters``) and add the template checks."""
        self.filters.update(filters)
        for name, func in list(self.filters.items()):
            self.filters[name] = _guard_filter(name, func)
        self.filters.update({_ITER: _iterate, _OUT: _output, _VALUE: _value})

    def render(self, source: str, variables: Mapping[str, Any]) -> str:
        """``source`` rendered inside the current ``render_budget``; TemplateLimitError
        when it passes a limit, jinja2's errors when it is wrong."""
        budget = _budget()
        if len(source) > BODY_CHARS:
            raise TemplateLimitError(f"is longer than {BODY_CHARS:,} characters")
        chunks: list[str] = []
        size = 0
        for chunk in self._template(source).generate(variables):
            budget.tick()
            size += len(chunk)
            if size > OUTPUT_CHARS:
                raise TemplateLimitError(f"produces more than {OUTPUT_CHARS:,} characters")
            chunks.append(chunk)
        return "".join(chunks)

    def _template(self, source: str) -> Template:
        """``source`` instrumented and compiled, once per text: compiling costs ~10 ms, and a
        rule sends one macro to hundreds of tickets in a pass (jinja2 caches templates
        only by a loader's name, never a string's)."""
        found = self._compiled.get(source)
        if found is None:
            tree = _Instrument().visit(self.parse(source))
            tree.set_environment(self)
            found = self.from_string(tree)
            if len(self._compiled) >= COMPILED_KEPT:
                del self._compiled[next(iter(self._compiled))]  # the oldest
            self._compiled[source] = found
        return found

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``*``, ``**`` and ``%`` are checked before they run; every result after."""
        _budget().tick()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _is_int(times) and times > 0 and isinstance(seq, str | bytes | list | tuple):
                    size = max(measure(seq, VALUE_CHARS), len(seq))
                    if size * times > VALUE_CHARS:
                        raise _too_big()
        elif operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            if (left.bit_length() - 1) * right > NUMBER_BITS:
                raise TemplateLimitError(f"computes a number of more than {NUMBER_BITS:,} bits")
        elif operator == "%" and isinstance(left, str | bytes):
            _check_percent(left, right)
        return _checked(self.binop_table[operator](left, right))

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Calls (functions, methods, macros) check the clock, their arguments, their result."""
        _budget().tick()
        args = _call_args(obj, args, kwargs)
        return _checked(super().call(context, obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``"{:999999999}".format`` is refused when the method is looked up."""
        wrapper = super().wrap_str_format(value)
        if wrapper is not None:
            _check_format(value.__self__)
        return wrapper


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
