"""The premium tables' trail is append-only and its triggers cannot be skipped, exactly as
migrations 0004 and 0006 do (same functions)."""

from django.db import migrations

EVENT_TABLES = ["audit_premiumratetableevent", "audit_premiumstageevent", "audit_premiumcollectionplanevent"]
TRACKED_TABLES = ["premiums_premiumratetable", "premiums_premiumstage", "premiums_premiumcollectionplan"]


def forward_sql() -> str:
    statements = [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();"
        for table in EVENT_TABLES
    ]
    statements.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(EVENT_TABLES)} FROM PUBLIC;")
    statements += [
        f"CREATE TRIGGER audit_trail_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_trail_guard();"
        for table in TRACKED_TABLES
    ]
    return "\n".join(statements)


def reverse_sql() -> str:
    statements = [f"DROP TRIGGER IF EXISTS audit_trail_guard ON {table};" for table in TRACKED_TABLES]
    statements += [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in EVENT_TABLES]
    return "\n".join(statements)


def forward(apps, schema_editor):
    schema_editor.execute(forward_sql(), params=None)


def reverse(apps, schema_editor):
    schema_editor.execute(reverse_sql(), params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_premium_tables_trail")]

    operations = [migrations.RunPython(forward, reverse)]
