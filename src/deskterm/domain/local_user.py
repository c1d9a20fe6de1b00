"""Who runs this process when the config has no ``[user]``: ``$USER`` at this host."""

from __future__ import annotations

import getpass
import os


def default_identity() -> tuple[str, str]:
    """(name, email) for the local user when the config has no ``[user]``."""
    user = getpass.getuser()
    return user, f"{user}@{_host()}".lower()


def _host() -> str:
    # os.uname() is what socket.gethostname() reads on POSIX, without importing socket
    # (~3 ms of every read command's start).
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket  # Windows

    return socket.gethostname()
