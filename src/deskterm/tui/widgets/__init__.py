"""Widgets, grouped by the pane they live in."""
