"""Sync: workers that move messages between channels and the store (and the mbox importer)."""
