"""Export rows written as CSV, JSON lines or Parquet, streamed a page at a time.

Nothing is half-written: a file is written under a temporary name beside ``out`` and
renamed into place when complete, so a BI job never loads a cut export (a failed or
interrupted export leaves the previous file as it was).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from deskterm.domain.errors import UsageError
from deskterm.store.export_rows import Column
from deskterm.store.readdb import db_moment

Format = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet")
PARQUET_GROUP = 20_000  # rows per Parquet row group: big enough for BI scans, bounded memory


class RowWriter(Protocol):
    """Takes pages of rows (tuples in column order); ``close`` finishes the file."""

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write one page."""
        ...

    def close(self) -> None:
        """Write what is buffered and the format's trailer (Parquet's footer)."""
        ...


def format_for(out: str, wanted: str | None) -> Format:
    """``--format``, or the one ``out``'s extension names (``.csv``, ``.jsonl``, ...)."""
    if wanted is not None:
        if wanted not in FORMATS:
            raise UsageError(f"--format: {wanted!r} is not one of {', '.join(FORMATS)}")
        return wanted
    suffix = Path(out).suffix.lower().lstrip(".")
    guessed = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "parquet": "parquet"}
    if suffix in guessed:
        return guessed[suffix]  # type: ignore[return-value]
    raise UsageError(
        f"--out {out}: say which format with --format {'|'.join(FORMATS)}"
        " (or end the file name in .csv, .jsonl or .parquet)"
    )


def check_target(out: str) -> Path:
    """``--out`` as a path to write, or a UsageError saying why it cannot be."""
    target = Path(out)
    if target.is_dir():
        raise UsageError(f"--out {out}: is a folder; give a file name")
    if target.exists() and not target.is_file():
        # A FIFO or a device would be replaced by the finished file, not written into.
        raise UsageError(f"--out {out}: is not a regular file; give a file name")
    if not target.parent.is_dir():
        raise UsageError(f"--out {out}: no such folder {target.parent}")
    return target


def export_pages(
    pages: Iterable[Sequence[tuple[Any, ...]]],
    columns: Sequence[Column],
    fmt: Format,
    out: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every page to ``out`` (``-``: standard output) as ``fmt``; the rows written."""
    if out == "-":
        if fmt == "parquet" and sys.stdout.isatty():
            raise UsageError("--out -: Parquet is binary; give a file name, or pipe the output")
        sys.stdout.flush()
        return _write_all(pages, open_writer(fmt, sys.stdout.buffer, columns), progress)
    target = check_target(out)
    folder = target.parent
    fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            written = _write_all(pages, open_writer(fmt, stream, columns), progress)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return written


def _write_all(
    pages: Iterable[Sequence[tuple[Any, ...]]],
    writer: RowWriter,
    progress: Callable[[int], None] | None,
) -> int:
    written = 0
    for page in pages:
        writer.write(page)
        written += len(page)
        if progress is not None:
            progress(written)
    writer.close()
    return written


def open_writer(fmt: Format, stream: IO[bytes], columns: Sequence[Column]) -> RowWriter:
    """The writer of ``fmt`` on the binary ``stream``."""
    if fmt == "csv":
        return _CsvWriter(stream, columns)
    if fmt == "jsonl":
        return _JsonLinesWriter(stream, columns)
    return _ParquetWriter(stream, columns)


def _iso(stored: datetime | str) -> str:
    """A stored UTC time (SQLite's naive text, or a driver's datetime) as ISO 8601 with Z."""
    moment = db_moment(stored)
    assert moment is not None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _CsvWriter:
    """RFC 4180 CSV, UTF-8, a header row; empty cells for missing values, ``true``/
    ``false`` for flags, ISO 8601 UTC times, lists joined with ``;``."""

    def __init__(self, stream: IO[bytes], columns: Sequence[Column]) -> None:
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        self._csv = csv.writer(self._text, lineterminator="\r\n")
        self._kinds = [column.kind for column in columns]
        self._csv.writerow([column.name for column in columns])

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        kinds = self._kinds
        self._csv.writerows(
            [_csv_cell(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in rows
        )

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller owns the stream


def _csv_cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "time":
        return _iso(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "list":
        return ";".join(value)
    return value


class _JsonLinesWriter:
    """One JSON object per line (UTF-8): null for missing values, lists as arrays, times
    as ISO 8601 UTC strings."""

    def __init__(self, stream: IO[bytes], columns: Sequence[Column]) -> None:
        self._stream = stream
        self._names = [column.name for column in columns]
        self._times = [i for i, column in enumerate(columns) if column.kind == "time"]

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        lines = []
        for row in rows:
            values = list(row)
            for i in self._times:
                if values[i] is not None:
                    values[i] = _iso(values[i])
            lines.append(
                json.dumps(dict(zip(self._names, values, strict=True)), ensure_ascii=False)
            )
        if lines:
            self._stream.write(("\n".join(lines) + "\n").encode("utf-8"))

    def close(self) -> None:
        self._stream.flush()


class _ParquetWriter:
    """Parquet (zstd) with a typed schema: int64, double, boolean, string, timestamp[us,
    UTC], list<string>; row groups of PARQUET_GROUP rows."""

    def __init__(self, stream: IO[bytes], columns: Sequence[Column]) -> None:
        # pyarrow (~0.3 s to import) only for a Parquet export.
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        types = {
            "int": pa.int64(),
            "float": pa.float64(),
            "bool": pa.bool_(),
            "text": pa.string(),
            "time": pa.timestamp("us", tz="UTC"),
            "list": pa.list_(pa.string()),
        }
        self._schema = pa.schema([pa.field(c.name, types[c.kind]) for c in columns])
        self._writer = pq.ParquetWriter(stream, self._schema, compression="zstd")
        self._pending: list[Any] = []
        self._rows = 0

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        arrays = [
            self._array(list(values), field.type)
            for values, field in zip(zip(*rows, strict=True), self._schema, strict=True)
        ]
        pa = self._pa
        self._pending.append(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        self._rows += len(rows)
        if self._rows >= PARQUET_GROUP:
            self._flush()

    def _array(self, values: list[Any], kind: Any) -> Any:
        pa = self._pa
        if pa.types.is_timestamp(kind) and all(v is None or isinstance(v, str) for v in values):
            # SQLite's stored text ("2026-03-01 10:00:00.000000", UTC): Arrow parses a
            # whole column at once, several times faster than datetime objects per row.
            naive = pa.array(values, type=pa.string()).cast(pa.timestamp("us"))
            return naive.cast(kind)
        if pa.types.is_timestamp(kind):
            values = [db_moment(v) for v in values]
        return pa.array(values, type=kind)

    def _flush(self) -> None:
        if self._pending:
            table = self._pa.Table.from_batches(self._pending, schema=self._schema)
            self._writer.write_table(table, row_group_size=max(self._rows, 1))
        self._pending, self._rows = [], 0

    def close(self) -> None:
        self._flush()
        self._writer.close()
