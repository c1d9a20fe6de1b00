"""The order and rules rows of the bad-input table (tests/cli/test_bad_inputs.py), in a
file of their own so that another test worker runs them."""

from __future__ import annotations

import pytest

from tests.cli.test_bad_inputs import CASES, SPLIT_OFF, Place, check_bad_input, place

__all__ = ["place"]  # the module's fixture, used here too


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith(SPLIT_OFF)])
def test_bad_input(place: Place, name: str) -> None:
    """issue 9 finding 14: one line on stderr, the documented exit code, nothing written."""
    check_bad_input(place, name)
