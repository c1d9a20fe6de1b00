"""Pure domain types shared by every layer: enums, normalised messages, errors."""
