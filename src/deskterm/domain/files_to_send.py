"""Files an agent sends with a reply: read from disk, typed, and held to a channel's limit."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from deskterm.domain.errors import UsageError
from deskterm.domain.userfiles import read_regular_file

MIB = 1024 * 1024


@dataclass(frozen=True)
class FileToSend:
    """One file a reply carries."""

    filename: str
    """The name the customer sees (the file's own name, without its folder)."""

    content_type: str
    """Its MIME type, from the name (application/octet-stream when unknown)."""

    data: bytes
    """The bytes sent."""


def sent_size(size: int) -> int:
    """What ``size`` bytes weigh in a mail: base64 (4 per 3) in 76-character lines."""
    encoded = -(-size // 3) * 4
    return encoded + 2 * -(-encoded // 76)


def read_files(
    paths: Sequence[Path],
    *,
    limit_mib: int,
    where: str,
    attached: Sequence[FileToSend] = (),
) -> list[FileToSend]:
    """``attached`` and then the files at ``paths``; UsageError (one line naming the file
    or the total) when one cannot be read or all of them, as sent, weigh more than
    ``limit_mib`` MiB (``where`` names the limit's setting)."""
    limit = limit_mib * MIB
    files = list(attached)
    for path in paths:
        data = read_regular_file(path, what="a file to attach", limit=limit)
        kind = mimetypes.guess_type(path.name, strict=False)[0] or "application/octet-stream"
        files.append(FileToSend(path.name, kind, data))
    weight = sum(sent_size(len(file.data)) for file in files)
    if weight > limit:
        names = ", ".join(file.filename for file in files)
        raise UsageError(
            f"{names}: {weight / MIB:.1f} MiB as sent (base64 makes a file about a third"
            f" larger), over the {limit_mib} MiB a reply may carry ({where})"
        )
    return files
