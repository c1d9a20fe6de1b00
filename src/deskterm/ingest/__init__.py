"""Ingest: turn one normalised inbound message into store rows in one transaction."""
