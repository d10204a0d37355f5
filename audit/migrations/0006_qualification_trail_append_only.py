"""The qualification trail's event tables are append-only and its triggers cannot be skipped,
exactly as migration 0004 does for the first tracked tables (same functions)."""

from django.db import migrations

EVENT_TABLES = ["audit_residencespellevent", "audit_facilitystayevent", "audit_insurednumberevent",
                "audit_qualificationperiodevent"]
TRACKED_TABLES = ["eligibility_residencespell", "eligibility_facilitystay", "eligibility_insurednumber",
                  "eligibility_qualificationperiod"]


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
    dependencies = [("audit", "0005_qualification_trail")]

    operations = [migrations.RunPython(forward, reverse)]
