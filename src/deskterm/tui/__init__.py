"""The Textual inbox app: screens, widgets and their styles."""
