"""Offline understanding of customer messages: language, intent, sentiments."""
