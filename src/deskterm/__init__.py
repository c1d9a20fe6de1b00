"""deskterm: a keyboard-driven helpdesk inbox for the terminal."""

__version__ = "0.1.0"
