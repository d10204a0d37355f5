"""The premium facts' trail (tax facts, pension listings, payments, settlements, write-offs,
reductions, deductions not made, store 速報) is append-only and its triggers cannot be skipped,
as migrations 0004, 0006 and 0008 do for the earlier tracked tables (audit/trail_sql.py)."""

from django.db import migrations

from audit.trail_sql import trail_lock_operation

MODELS = ["taxfact", "pensionfact", "payment", "settlement", "writeoff", "reduction", "deductionstop",
          "preliminarypayment"]
EVENT_TABLES = [f"audit_{m}event" for m in MODELS]
TRACKED_TABLES = [f"premiums_{m}" for m in MODELS]


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_premium_facts_trail")]

    operations = [trail_lock_operation(EVENT_TABLES, TRACKED_TABLES)]
