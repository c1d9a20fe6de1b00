"""Entry point for ``python -m deskterm``."""

from deskterm.cli import main

raise SystemExit(main())
