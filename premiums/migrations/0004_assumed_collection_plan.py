"""Seed: the collection plan from FY2024 on (open) as an approved row, created_by NULL.

Every value is an ASSUMED [CONFIG] value until the city's 条例/規則 are read (DOMAIN 2.5, 2.9,
15.1; docs/subsystems/premium-rules.md): 10 bills July to April due on the last day of the
month (December: the 25th), 100円 units; pension deduction from 18万円 a year, not from
老齢福祉年金 or 寡婦年金, 5 months from the listing, 100円 units, paid on the 15th. Written out
here (history must not change with the code); equal to
premiums.rules.tables.ASSUMED_COLLECTION_PLAN, which tests/premiums/test_rate_tables.py checks.
"""

from django.db import migrations

NAME = "徴収計画（仮定値）"


def seed(apps, schema_editor):
    from django.utils import timezone

    Plan = apps.get_model("premiums", "PremiumCollectionPlan")
    Plan.objects.create(
        name=NAME, valid_from=2024, valid_to=None,
        billing_due_months=[7, 8, 9, 10, 11, 12, 1, 2, 3, 4], billing_due_day=None,
        billing_due_day_overrides=[[12, 25]], billing_unit=100,
        pension_minimum_annual=180_000, pension_excluded_kinds=["old_age_welfare", "widow"],
        pension_listing_lead_months=5, pension_final_unit=100, pension_levelling_unit=100, pension_payment_day=15,
        status="approved", approved_at=timezone.now(),
    )


def unseed(apps, schema_editor):
    apps.get_model("premiums", "PremiumCollectionPlan").objects.filter(created_by__isnull=True, name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("premiums", "0003_collection_plans")]

    operations = [migrations.RunPython(seed, unseed)]
