"""The premium tables' trail (rate tables, stages, collection plans) is append-only and its
triggers cannot be skipped, as migration 0004 does for the first tracked tables
(audit/trail_sql.py)."""

from django.db import migrations

from audit.trail_sql import trail_lock_operation

EVENT_TABLES = ["audit_premiumratetableevent", "audit_premiumstageevent", "audit_premiumcollectionplanevent"]
TRACKED_TABLES = ["premiums_premiumratetable", "premiums_premiumstage", "premiums_premiumcollectionplan"]


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_premium_tables_trail")]

    operations = [trail_lock_operation(EVENT_TABLES, TRACKED_TABLES)]
