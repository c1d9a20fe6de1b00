"""What the classifier is asked about one message (importable without numpy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassifyInput:
    """One message to label."""

    text: str
    subject: str = ""
    channel: str = "chat"  # "email" | "chat"
    customer: bool = True  # False: the shop's own words; only the language is detected
