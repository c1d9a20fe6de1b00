"""Entry point for ``python -m deskterm``."""

from deskterm.cli import run

run()
