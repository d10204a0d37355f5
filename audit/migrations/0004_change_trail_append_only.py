"""The change trail's event tables are append-only, and its triggers cannot be switched off per
session.

1. The same statement trigger as the hash chains (migration 0002, ``audit_refuse_change``):
   UPDATE and DELETE of an event table fail with SQLSTATE 42501, for a superuser too (until
   someone with owner rights disables the trigger). TRUNCATE is left to privileges, as for the
   chains (the test suite empties tables with it; ``audit_lockdown`` takes it from the
   application's role).
2. django-pgtrigger lets a session skip named triggers by setting ``pgtrigger.ignore``
   (``pgtrigger.ignore()`` in Python, or plain ``SET``), a setting any role may change. On the
   tracked tables a statement trigger refuses any write while that setting names one of the
   table's triggers: the trail cannot be skipped that way. (Disabling a trigger needs owner
   rights; ``session_replication_role = replica`` needs a superuser.)
"""

from django.db import migrations

from audit.trail_sql import trail_lock_sql, trail_unlock_sql

EVENT_TABLES = ["audit_residentevent", "audit_householdevent", "audit_staffevent", "audit_rolegrantevent"]
TRACKED_TABLES = ["eligibility_resident", "eligibility_household", "staff_staff", "staff_rolegrant"]

GUARD_FUNCTION = r"""
CREATE FUNCTION audit_trail_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    ignored text[];
BEGIN
    -- NULL: never set in this session; '': set and reset. A malformed value fails the cast,
    -- and with it the statement.
    ignored := NULLIF(current_setting('pgtrigger.ignore', true), '')::text[];
    IF ignored IS NOT NULL AND EXISTS (
        SELECT 1 FROM pg_trigger t WHERE t.tgrelid = TG_RELID AND t.tgname = ANY (ignored)
    ) THEN
        RAISE EXCEPTION 'the change trail of % cannot be switched off: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'pgtrigger.ignore names a trigger of this table (docs/adr/0006-change-trail.md).';
    END IF;
    RETURN NULL;
END
$$;
"""


def forward_sql() -> str:
    return "\n".join([GUARD_FUNCTION, trail_lock_sql(EVENT_TABLES, TRACKED_TABLES)])


def reverse_sql() -> str:
    return "\n".join([trail_unlock_sql(EVENT_TABLES, TRACKED_TABLES), "DROP FUNCTION IF EXISTS audit_trail_guard();"])


def forward(apps, schema_editor):
    schema_editor.execute(forward_sql(), params=None)  # no parameters: '%' is PL/pgSQL's


def reverse(apps, schema_editor):
    schema_editor.execute(reverse_sql(), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_change_trail"),
    ]

    operations = [
        migrations.RunPython(forward, reverse),
    ]
