"""Email sync: IMAP fetch, the SMTP outbox and mbox import."""
