"""TRUNCATE of every append-only audit table is refused by trigger, to everyone (issue 17).

Until now the statement triggers refused UPDATE and DELETE only, and TRUNCATE was left to
privileges; but a superuser ignores privileges, and docker-compose's application login was one: a
``TRUNCATE`` of the chains with their seals and checkpoints went through and the verification saw
an empty, intact chain. Now each table that carries an append-only trigger (``audit_refuse_change``:
the access log and its seals, the authentication events, the checkpoints, and every event table of
the change trail, whichever app migrated it) also carries ``audit_no_truncate``, which raises
``<table> is append-only: TRUNCATE refused`` (SQLSTATE 42501). One trigger name everywhere, so a
later rename of a table keeps it.

The tables are found in the catalog (every table with a trigger calling ``audit_refuse_change``), so
this migration needs no dependency on the apps whose event tables it protects, and runs the same
before or after their renames. An intruder can still switch triggers off (owner rights, or
``session_replication_role = replica`` as a superuser): that is what the signed heads outside the
database catch (docs/subsystems/audit.md, "Heads outside the database").
"""

from django.db import migrations

from audit.trail_sql import TRUNCATE_TRIGGER, truncate_allow_sql, truncate_refuse_sql

APPEND_ONLY_TABLES = """
SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgfoid = 'audit_refuse_change'::regproc AND NOT t.tgisinternal AND pg_table_is_visible(c.oid)
 ORDER BY c.relname
"""


def refuse(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(APPEND_ONLY_TABLES)
        tables = [name for (name,) in cursor.fetchall()]
    schema_editor.execute(truncate_refuse_sql(tables), params=None)


def allow(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname = %s AND pg_table_is_visible(c.oid) ORDER BY c.relname",
            [TRUNCATE_TRIGGER],
        )
        tables = [name for (name,) in cursor.fetchall()]
    if tables:
        schema_editor.execute(truncate_allow_sql(tables), params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0015_domain_trails_leave_audit")]

    operations = [migrations.RunPython(refuse, allow)]
