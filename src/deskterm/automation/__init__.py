"""Automation: rules, macros, classifiers, recommendations and assignment (UI-free)."""
