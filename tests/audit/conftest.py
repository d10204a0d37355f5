"""Fixtures of the audit tests: the audit.view permission, and tampering as a superuser."""

from __future__ import annotations

import pytest
from django.db import connection

from kaigo.staff.roles import PERMISSIONS, Role

APPEND_ONLY_TRIGGERS = {
    "audit_accesslogentry": "audit_accesslogentry_append_only",
    "audit_accessseal": "audit_accessseal_append_only",
    "audit_authevent": "audit_authevent_append_only",
    "audit_chaincheckpoint": "audit_chaincheckpoint_append_only",
}


@pytest.fixture(autouse=True)
def audit_permission(monkeypatch):
    """The lead engineer adds "audit.view" to kaigo/staff/roles.py; until then the tests add it."""
    monkeypatch.setitem(PERMISSIONS, "audit.view", frozenset({Role.AUDITOR, Role.SECTION_CHIEF}))


@pytest.fixture
def tamper(db):
    """Run SQL the way an intruder with superuser rights would: the append-only triggers are
    disabled around it. Everything happens inside the test's transaction and is rolled back."""

    def run(*statements: str) -> None:
        with connection.cursor() as cursor:
            # ALTER TABLE refuses to run while deferred FK checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, trigger in APPEND_ONLY_TRIGGERS.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
            for statement in statements:
                cursor.execute(statement)
            for table, trigger in APPEND_ONLY_TRIGGERS.items():
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")

    return run
