"""Fixtures of the account-policy tests. They do not rely on tests/conftest.py's client_as
signing in past the forced password change or the second factor: they sign in themselves."""

from __future__ import annotations

import pytest

from kaigo.staff.roles import Role
from tests.factories import StaffFactory
from tests.staff.helpers import satisfy_second_factor


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2 at Django's iteration count costs ~0.3 s a hash; the hash is not what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account(db):
    """A staff member holding ``roles`` who has already chosen their password."""

    def make(*roles: Role, **kwargs):
        kwargs.setdefault("must_change_password", False)
        return StaffFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def signed_in(client, account):
    """A client signed in as a new account holding ``roles``, past the second factor if required."""

    def sign_in(*roles: Role, **kwargs):
        staff = account(*roles, **kwargs)
        client.force_login(staff)
        satisfy_second_factor(client, staff)
        client.staff = staff
        return client

    return sign_in
