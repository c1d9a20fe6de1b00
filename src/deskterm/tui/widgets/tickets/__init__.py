"""The ticket list pane."""
