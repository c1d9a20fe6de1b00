"""Marketplace chat sync: adapters from config, message mapping, fetch, outbox and tokens."""
