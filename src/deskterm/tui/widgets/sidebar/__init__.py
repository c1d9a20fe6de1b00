"""The views sidebar."""
