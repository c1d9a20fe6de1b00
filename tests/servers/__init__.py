"""Real servers started by tests on loopback ports (IMAP: pymap and a private Dovecot)."""
