"""Seed: the national standard rate tables of the 第9期 (FY2024 and FY2025-2026) as approved rows.

The values are written out here (a migration is history and must not change when the code
does); they equal premiums.rules.tables.NATIONAL_STANDARD_FY2024 / _FY2025_2026, which
tests/premiums/test_rate_tables.py checks. created_by / approved_by are NULL: seeded, not
decided by a staff member.

The base amount 78,000円 (6,500円 x 12) is an ASSUMED [CONFIG] value (Kawasaki's 第9期 基準額
is unknown; DOMAIN 2.5, 16.1): head office replaces it by approving a corrected table. The
rounding (1円未満切捨て) and the 10万円 income adjustment are assumed too
(docs/subsystems/premium-rules.md).
"""

from decimal import Decimal

from django.db import migrations

ASSUMED_BASE_AMOUNT = 78_000  # [CONFIG] assumed, see above

TABLES = [
    ("第9期 国の標準段階（令和6年度）", 2024, 2024, 800_000),
    ("第9期 国の標準段階（令和7・8年度）", 2025, 2026, 809_000),
]


def _stages(low1):
    he, se, st = "household_exempt", "self_exempt", "self_taxed"
    return [
        (1, he, low1, True, "0.455", "0.285"),
        (2, he, 1_200_000, True, "0.685", "0.485"),
        (3, he, None, True, "0.69", "0.685"),
        (4, se, low1, True, "0.9", None),
        (5, se, None, True, "1.0", None),
        (6, st, 1_200_000, False, "1.2", None),
        (7, st, 2_100_000, False, "1.3", None),
        (8, st, 3_200_000, False, "1.5", None),
        (9, st, 4_200_000, False, "1.7", None),
        (10, st, 5_200_000, False, "1.9", None),
        (11, st, 6_200_000, False, "2.1", None),
        (12, st, 7_200_000, False, "2.3", None),
        (13, st, None, False, "2.4", None),
    ]


def seed(apps, schema_editor):
    from django.utils import timezone

    Table = apps.get_model("premiums", "PremiumRateTable")
    Stage = apps.get_model("premiums", "PremiumStage")
    now = timezone.now()
    for name, valid_from, valid_to, low1 in TABLES:
        table = Table.objects.create(
            name=name, valid_from=valid_from, valid_to=valid_to, base_amount=ASSUMED_BASE_AMOUNT,
            annual_rounding_unit=1, annual_rounding_mode="down",
            proration_rounding_unit=1, proration_rounding_mode="down",
            public_assistance_stage=1, old_age_welfare_pension_stage=1,
            income_adjustment=100_000, income_adjustment_taxed=True, count_non_taxable_pension=False,
            status="approved", approved_at=now,
        )
        Stage.objects.bulk_create(
            Stage(table=table, number=n, group=g, income_upper=upper, upper_inclusive=inclusive,
                  multiplier=Decimal(m), reduced_multiplier=Decimal(r) if r else None, label=f"第{n}段階")
            for n, g, upper, inclusive, m, r in _stages(low1)
        )


def unseed(apps, schema_editor):
    Table = apps.get_model("premiums", "PremiumRateTable")
    Table.objects.filter(created_by__isnull=True, name__in=[t[0] for t in TABLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("premiums", "0001_rate_tables")]

    operations = [migrations.RunPython(seed, unseed)]
