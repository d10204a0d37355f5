"""SQL that locks the change trail of tracked tables (docs/adr/0006-change-trail.md), shared by the
migrations that add tracked tables: audit's (0004, 0006, 0008, 0010) and, since each app declares
its own trail, the apps' own (docs/subsystems/audit.md, "How an app declares its trail").
Migrations have run with this exact output: changing it means a new migration, never an edit here.

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


# --- the move of the domain apps' trails out of the audit app (issue 15) ----------------------------
#
# Until audit migration 0014 the trail of eligibility's and premiums' tables was declared in the
# audit app, through proxies (audit.TrackedResident ...). The domain apps' migrations that take
# their trail over (eligibility 0006, premiums 0020) rename the event tables and replace the
# proxies' row triggers with their own in one transaction; these helpers serve them.

AUDIT_PROXIES_STATE = ("audit", "0014_checkpoint_signature")  # the last state with the proxies


def audit_proxy_triggers(proxies: Sequence[str]):
    """The row triggers that audit's migrations installed through these proxies (lower-case model
    names), as the migration state has them at ``AUDIT_PROXIES_STATE``: pgtrigger's compiled
    triggers, each with its SQL, name in the database (pgid) and table."""
    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(None, ignore_no_migrations=True).project_state(AUDIT_PROXIES_STATE)
    return [trigger for proxy in proxies for trigger in state.models["audit", proxy].options["triggers"]]


def audit_proxy_triggers_drop_operation(proxies: Sequence[str]):
    """A migration operation dropping the row triggers (and their functions) that audit's proxies
    installed on the tracked tables; on reverse it installs them again, as they were. Run it in
    the migration that installs the app's own triggers, so that no write goes untracked."""
    from django.db import migrations

    def forward(apps, schema_editor):
        for trigger in audit_proxy_triggers(proxies):
            schema_editor.execute(trigger.uninstall_sql, params=None)
            schema_editor.execute(f"DROP FUNCTION {trigger.sql.pgid}();", params=None)

    def reverse(apps, schema_editor):
        for trigger in audit_proxy_triggers(proxies):
            schema_editor.execute(trigger.install_sql, params=None)

    return migrations.RunPython(forward, reverse)
