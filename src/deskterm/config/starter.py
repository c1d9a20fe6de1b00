"""The smallest config that works: one email channel (the welcome pane shows it)."""

from __future__ import annotations

EMAIL_STARTER = """\
[[channels]]
name = "support"
type = "email"
address = "you@shop.com"
password = { keyring = "support" }
imap = { host = "imap.shop.com", username = "you@shop.com" }
smtp = { host = "smtp.shop.com", username = "you@shop.com" }
"""
"""One email channel: your address, your provider's IMAP and SMTP hosts, and the password
in the keyring under "support" (``deskterm secret set support``). Ports and TLS default
to 993/tls and 587/starttls; config.example.toml documents every other key."""

EMAIL_STARTER_STEPS = (
    ("deskterm secret set support", "asks for the app password"),
    ("deskterm doctor", "checks the logins; sends nothing"),
)
"""What to run after writing the starter config, each with why."""
