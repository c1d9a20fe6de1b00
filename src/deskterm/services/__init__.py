"""Use cases shared by the TUI and the CLI; each one writes the event log."""
