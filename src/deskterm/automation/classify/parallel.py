"""Labelling on several processes, for a backfill: every core classifies, the model is
loaded once per worker (forked with it already in memory)."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from deskterm.automation.classify.inputs import ClassifyInput
from deskterm.automation.classify.labeller import Labeller
from deskterm.domain.labels import MessageLabels

log = logging.getLogger(__name__)

_worker: dict[str, Labeller] = {}


def _start(labeller: Labeller) -> None:
    _worker["labeller"] = labeller


def _label(items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
    return _worker["labeller"].label(items)


class ParallelLabeller:
    """``inner`` on ``workers`` forked processes; falls back to ``inner`` itself when the
    pool breaks (a worker killed by the OOM killer, say) — labels are never worth a stop."""

    def __init__(self, inner: Labeller, workers: int) -> None:
        self.inner = inner
        self.workers = max(1, workers)
        # fork: the workers start with the model loaded and nothing to pickle but messages.
        context = multiprocessing.get_context("fork")
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_start, initargs=(inner,)
        )

    @property
    def version(self) -> str:
        """The inner labeller's model version."""
        return self.inner.version

    def label(self, items: Sequence[ClassifyInput]) -> list[MessageLabels | None]:
        """Labels in order; the items are cut into one contiguous chunk per worker."""
        if self._pool is None or len(items) < 2 * self.workers:
            return self.inner.label(items)
        size = -(-len(items) // self.workers)
        chunks = [list(items[start : start + size]) for start in range(0, len(items), size)]
        try:
            return [label for chunk in self._pool.map(_label, chunks) for label in chunk]
        except Exception as exc:  # a broken pool: carry on in this process
            log.warning("parallel labelling stopped (%s); going on in one process", exc)
            self.close()
            return self.inner.label(items)

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ParallelLabeller:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
