"""Fixtures of the account-policy tests, named for what they mean here; the accounts are made
and signed in by tests/conftest.py (past the second factor where a role requires it)."""

from __future__ import annotations

import pytest


@pytest.fixture
def account(make_staff):
    """A staff member holding ``roles`` who has already chosen their password."""
    return make_staff


@pytest.fixture
def signed_in(client_as):
    """A client signed in as a new account holding ``roles``."""
    return client_as
