"""Screens of the inbox app, one module (and .tcss) each."""
