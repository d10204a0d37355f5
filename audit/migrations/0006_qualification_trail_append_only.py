"""The qualification trail's event tables (residence spells, facility stays, insured numbers,
periods) are append-only and its triggers cannot be skipped, as migration 0004 does for the first
tracked tables (audit/trail_sql.py)."""

from django.db import migrations

from audit.trail_sql import trail_lock_operation

EVENT_TABLES = ["audit_residencespellevent", "audit_facilitystayevent", "audit_insurednumberevent",
                "audit_qualificationperiodevent"]
TRACKED_TABLES = ["eligibility_residencespell", "eligibility_facilitystay", "eligibility_insurednumber",
                  "eligibility_qualificationperiod"]


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_qualification_trail")]

    operations = [trail_lock_operation(EVENT_TABLES, TRACKED_TABLES)]
