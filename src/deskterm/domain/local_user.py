"""Who runs this process when the config has no ``[user]``: ``$USER`` at this host."""

from __future__ import annotations

import getpass
import socket


def default_identity() -> tuple[str, str]:
    """(name, email) for the local user when the config has no ``[user]``."""
    user = getpass.getuser()
    return user, f"{user}@{socket.gethostname()}".lower()
