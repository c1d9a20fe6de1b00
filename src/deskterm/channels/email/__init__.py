"""Email channel: MIME parsing, HTML-to-text and attachment names for untrusted mail."""
