"""Modules loaded on first use, so the inbox paints before SQLAlchemy and httpx are imported."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name`` as a module object that imports itself when first touched.

    The standard library's LazyLoader recipe (importlib docs). Writes, sync and shop calls
    need the services and SQLAlchemy; painting the list does not, and at 100k tickets the
    ~300 ms they take to import is most of a cold start.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
