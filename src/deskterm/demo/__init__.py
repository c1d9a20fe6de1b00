"""The self-contained demo: local IMAP/SMTP servers, a seeded mailbox, real sync, the TUI."""
