"""Modules loaded on first use, so the inbox paints before SQLAlchemy and httpx are imported."""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any


class _LazyModule:
    """Stands in for a module until an attribute is first read, then imports it.

    Not importlib's LazyLoader: on Python 3.11 a second thread touching a LazyLoader module
    while the first is still executing it sees a half-built module (CPython gh-114763).
    Here the import is a plain ``import_module`` (thread-safe, per-module locks) behind a
    lock, and nothing is put in ``sys.modules`` before it is complete.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None
        self._lock = threading.Lock()

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            with self._lock:
                if self._module is None:
                    self._module = importlib.import_module(self._name)
                module = self._module
        return getattr(module, attribute)


def lazy_module(name: str) -> Any:
    """``name`` as an object that imports the module when one of its names is first used.

    Writes, sync and shop calls need the services and SQLAlchemy; painting the list does
    not, and at 100k tickets the ~300 ms they take to import is most of a cold start.
    """
    return _LazyModule(name)
