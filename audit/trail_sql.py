"""SQL that locks the change trail of tracked tables (docs/adr/0006-change-trail.md), shared by the
audit migrations that add tracked tables (0004, 0006, 0008). Migrations have run with this exact
output: changing it means a new migration, never an edit here.

- Event tables: a statement trigger refuses UPDATE and DELETE to everyone (SQLSTATE 42501,
  function ``audit_refuse_change`` of migration 0002), and PUBLIC loses those privileges.
- Tracked tables: a statement trigger refuses any write while the session's ``pgtrigger.ignore``
  names one of the table's triggers (function ``audit_trail_guard`` of migration 0004).
"""

from __future__ import annotations

from collections.abc import Sequence


def trail_lock_sql(event_tables: Sequence[str], tracked_tables: Sequence[str]) -> str:
    statements = [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        for table in event_tables
    ]
    statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(event_tables)} FROM PUBLIC;")
    statements += [
        f"CREATE TRIGGER audit_trail_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_guard();"
        for table in tracked_tables
    ]
    return "\n".join(statements)


def trail_unlock_sql(event_tables: Sequence[str], tracked_tables: Sequence[str]) -> str:
    statements = [f"DROP TRIGGER IF EXISTS audit_trail_guard ON {table};" for table in tracked_tables]
    statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in event_tables]
    return "\n".join(statements)


def trail_lock_operation(event_tables: Sequence[str], tracked_tables: Sequence[str]):
    """A migration operation locking the trail of these tables (and unlocking it on reverse)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        schema_editor.execute(trail_lock_sql(event_tables, tracked_tables), params=None)

    def reverse(apps, schema_editor):
        schema_editor.execute(trail_unlock_sql(event_tables, tracked_tables), params=None)

    return migrations.RunPython(forward, reverse)
