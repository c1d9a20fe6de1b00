"""Which labeller ingest uses: set once from the config's [classify], built on first use."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from deskterm.config.classify_section import ClassifyConfig

if TYPE_CHECKING:
    from collections.abc import Sequence

    from deskterm.automation.classify.inputs import ClassifyInput
    from deskterm.automation.classify.labeller import Labeller
    from deskterm.domain.labels import MessageLabels

log = logging.getLogger(__name__)

# Process-wide, like logging's configuration: every sync path (daemon, `sync --once`, the
# TUI's workers, `import mbox`) labels the same way without threading the setting through
# each call, and the model is loaded once, by the first message that needs it.
_state: dict[str, ClassifyConfig] = {"settings": ClassifyConfig()}
_built: dict[Path, Labeller | None] = {}
_lock = threading.Lock()


def use_settings(settings: ClassifyConfig) -> None:
    """Label with ``settings`` from now on (called where the config is loaded)."""
    with _lock:
        if settings != _state["settings"]:
            _state["settings"] = settings
            _built.clear()


def labeller_for(data_dir: Path) -> Labeller | None:
    """The labeller for the store in ``data_dir`` (its retrained model lives there);
    None when labelling is off or the model cannot be loaded (messages are stored anyway)."""
    with _lock:
        if data_dir not in _built:
            _built[data_dir] = _build(data_dir)
        return _built[data_dir]


class DeferredLabeller:
    """The store's labeller, loaded by the first batch with messages to label: a sync pass
    that finds no new mail never loads the model (~0.3 s of every idle ``sync --once``)."""

    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    @property
    def version(self) -> str:
        """The loaded labeller's version ("" when it cannot be loaded)."""
        real = labeller_for(self._data_dir)
        return real.version if real is not None else ""

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """The loaded labeller's labels; all None when it cannot be loaded (logged once)."""
        real = labeller_for(self._data_dir)
        return real.label(items) if real is not None else [None] * len(items)


def deferred_labeller(data_dir: Path | None) -> Labeller | None:
    """What a channel context labels with: None when labelling is off (or no store folder
    is known), else the store's labeller, loaded when first needed."""
    if data_dir is None or not _state["settings"].enabled:
        return None
    return DeferredLabeller(data_dir)


def forget() -> None:
    """Drop built labellers (after a retrain wrote a new model)."""
    with _lock:
        _built.clear()


def _build(data_dir: Path) -> Labeller | None:
    settings = _state["settings"]
    if not settings.enabled:
        return None
    try:
        from deskterm.automation.classify.labeller import make_labeller

        return make_labeller(settings, data_dir)
    except Exception as exc:  # no labels is better than no sync
        log.warning("message labelling is off: the classifier could not be loaded (%s)", exc)
        return None
