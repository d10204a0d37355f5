"""SQL that locks the change trail of tracked tables (docs/adr/0006-change-trail.md), shared by the
migrations that add tracked tables: audit's (0004, 0006, 0008, 0010) and, since each app declares
its own trail, the apps' own (docs/subsystems/audit.md, "How an app declares its trail").
Migrations have run with this exact output: changing it means a new migration, never an edit here.

- Event tables: a statement trigger refuses UPDATE and DELETE to everyone (SQLSTATE 42501,
  function ``audit_refuse_change`` of migration 0002), and PUBLIC loses those privileges.
- Tracked tables: a statement trigger refuses any write while the session's ``pgtrigger.ignore``
  names one of the table's triggers (function ``audit_trail_guard`` of migration 0004).
- TRUNCATE of the event tables: a trigger of its own, ``truncate_refuse_sql`` (audit migration 0016
  for the tables that existed then; a new event table's migration adds it).
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


# --- TRUNCATE (issue 17) -----------------------------------------------------------------------------
#
# Since audit migration 0016 every append-only table (the chains, the checkpoints and every event table
# of the change trail) also refuses TRUNCATE by trigger, to everyone, a superuser included: the
# privileges alone did not bind the superuser (docker-compose's login then). One trigger name on every
# table, so that renaming a table (as eligibility 0006 and premiums 0020 did) leaves it in place. A
# migration that adds an event table runs ``trail_lock_operation`` and ``truncate_refuse_operation``
# for it (tests/audit/test_append.py checks that every event table has both triggers).

TRUNCATE_TRIGGER = "audit_no_truncate"


def truncate_refuse_sql(tables: Sequence[str]) -> str:
    """``CREATE OR REPLACE`` (PostgreSQL 14+): audit 0016 finds its tables in the catalog, so an app's
    migration adding the trigger to its new event tables may run before or after it."""
    return "\n".join(
        f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        for table in tables
    )


def truncate_allow_sql(tables: Sequence[str]) -> str:
    return "\n".join(f"DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {table};" for table in tables)


def truncate_refuse_operation(tables: Sequence[str]):
    """A migration operation refusing TRUNCATE of these append-only tables (allowing it on reverse)."""
    from django.db import migrations

    def forward(apps, schema_editor):
        schema_editor.execute(truncate_refuse_sql(tables), params=None)

    def reverse(apps, schema_editor):
        schema_editor.execute(truncate_allow_sql(tables), params=None)

    return migrations.RunPython(forward, reverse)


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
CONSTRAINT_LABELS = {"p": "pkey", "c": "check", "n": "not_null"}  # PostgreSQL's own (NOT NULL: 18)


def _object_name(table: str, column: str | None, label: str) -> str:
    """The name PostgreSQL gives a constraint it names itself (makeObjectName: table and column
    are shortened, the longer first, to fit 63 characters)."""
    available = 63 - len(label) - 1 - (1 if column else 0)
    table_chars, column_chars = len(table), len(column or "")
    while table_chars + column_chars > available:
        if table_chars > column_chars:
            table_chars -= 1
        else:
            column_chars -= 1
    return "_".join(part for part in (table[:table_chars], (column or "")[:column_chars], label) if part)


def _rename_table_sql(cursor, schema_editor, old: str, new: str) -> list[str]:
    """Rename an event table and what is named after it, to the names it would have if created
    under the new name: its id sequence, its constraints (primary key, checks, and PostgreSQL
    18's named NOT NULLs), its indexes (as Django names them) and its append-only trigger. Read
    from the catalog, so it fits every PostgreSQL version; a name made otherwise is refused."""
    statements = [f"ALTER TABLE {old} RENAME TO {new};"]
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'pgh_id')", [old])
    (sequence,) = cursor.fetchone()
    statements.append(f"ALTER SEQUENCE {sequence} RENAME TO {new}_pgh_id_seq;")
    cursor.execute(
        "SELECT c.conname, c.contype, c.conindid, (SELECT array_agg(a.attname) FROM pg_attribute a"
        " WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)) FROM pg_constraint c"
        " WHERE c.conrelid = %s::regclass ORDER BY c.conname",
        [old],
    )
    constraints = cursor.fetchall()
    for name, kind, _, columns in constraints:
        column = None if kind == "p" else (columns or [None])[0]
        label = CONSTRAINT_LABELS.get(kind)
        if label is None or (kind != "p" and len(columns or []) != 1) or name != _object_name(old, column, label):
            raise ValueError(f"constraint {name} of {old} is not named by PostgreSQL after its table")
        statements.append(f"ALTER TABLE {new} RENAME CONSTRAINT {name} TO {_object_name(new, column, label)};")
    backing = {index for _, _, index, _ in constraints}
    cursor.execute(
        "SELECT x.indexrelid, i.relname, array_agg(a.attname ORDER BY k.n) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
        " WHERE x.indrelid = %s::regclass GROUP BY x.indexrelid, i.relname ORDER BY i.relname",
        [old],
    )
    for oid, name, columns in cursor.fetchall():
        if oid in backing:
            continue  # renamed with its constraint
        suffix = next((s for s in ("", "_like") if schema_editor._create_index_name(old, columns, suffix=s) == name), None)
        if suffix is None:
            raise ValueError(f"index {name} of {old} is not named as Django names it")
        statements.append(f"ALTER INDEX {name} RENAME TO {schema_editor._create_index_name(new, columns, suffix=suffix)};")
    statements.append(f"ALTER TRIGGER {old}_append_only ON {new} RENAME TO {new}_append_only;")
    return statements


def trail_tables_rename_operation(tables: dict[str, str]):
    """A migration operation renaming event tables (``{old: new}``) and everything named after
    them (``_rename_table_sql``): no row is copied, ids, owners, privileges and triggers stay.
    On reverse it renames them back."""
    from django.db import migrations

    def rename(schema_editor, pairs):
        with schema_editor.connection.cursor() as cursor:
            for old, new in pairs:
                for statement in _rename_table_sql(cursor, schema_editor, old, new):
                    cursor.execute(statement)

    def forward(apps, schema_editor):
        rename(schema_editor, tables.items())

    def reverse(apps, schema_editor):
        rename(schema_editor, [(new, old) for old, new in tables.items()])

    return migrations.RunPython(forward, reverse)


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
