"""Benchmark: a person's premium tab with 10 years of history (issue #5: p95 under 50 ms at 8
concurrent connections), in the set-up of bench/person_screens.py: a city of N residents,
gunicorn with 4 workers, the full middleware stack, signed in as a ward clerk, wrk with 8
connections; the bare view's throughput measured in the same run beside it.

    make bench BENCH=bench/premium_tab.py

The sample: 200 residents insured since before 2016, each levied for the fiscal years 2017 to
2026 (the main levy of each year, from tax facts generated for each year), with every bill and
deduction of the past years paid and a decision notice per year (done once; kept in the
benchmark database). Years before the national FY2024 table get a benchmark-only copy of it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import person_screens as ps  # noqa: E402  (sets up Django)
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from eligibility.models import QualificationPeriod, Resident  # noqa: E402
from premiums.levy.services import main_levy_chunk  # noqa: E402
from premiums.models import (  # noqa: E402
    Levy,
    NoticeKind,
    Payment,
    PaymentChannel,
    PremiumCollectionPlan,
    PremiumNotice,
    PremiumRateTable,
    RateTableStatus,
    TaxFact,
)
from synthetic.city import qualification_backfill  # noqa: E402
from tests.premiums import factories  # noqa: E402
from tests.premiums.factories import make_tax_fact  # noqa: E402

SAMPLE = 200
YEARS = range(2017, 2027)


def ensure_old_tables() -> None:
    """Approved copies of the FY2024 table and plan for 2016-2023 (benchmark database only)."""
    if PremiumRateTable.objects.filter(valid_from=2016).exists():
        return
    table = PremiumRateTable.objects.filter(valid_from=2024, status=RateTableStatus.APPROVED).get()
    stages = list(table.stages.all())
    table.pk, table.name, table.valid_from, table.valid_to = None, "ベンチマーク用（2016-2023年度）", 2016, 2023
    table.approved_at = timezone.now()
    table.save()
    for s in stages:
        s.pk, s.table = None, table
        s.save()
    plan = PremiumCollectionPlan.objects.filter(status=RateTableStatus.APPROVED).order_by("valid_from").first()
    plan.pk, plan.name, plan.valid_from, plan.valid_to = None, "ベンチマーク用（2016-2023年度）", 2016, 2023
    plan.approved_at = timezone.now()
    plan.save()


def ensure_sample() -> list[int]:
    existing = sorted(set(Levy.objects.filter(fiscal_year=2017).values_list("resident_id", flat=True)))
    if len(existing) >= SAMPLE:
        return existing[:SAMPLE]
    ensure_old_tables()
    qualification_backfill(as_of=date(2026, 4, 1))
    candidates = list(QualificationPeriod.objects.filter(recorded_to__isnull=True, end__isnull=True,
                                                         insured_class="1", start__lt=date(2016, 1, 1))
                      .values_list("resident_id", flat=True)[:50_000])
    chosen = sorted(random.Random(13).sample(candidates, SAMPLE))
    rng = random.Random(14)
    # the test factory numbers facts from a fixed start: continue after the serials of earlier runs
    # (bench/main_levy.py truncates the levies of every year, not the facts)
    last = TaxFact.objects.filter(serial__regex=r"^9[0-9]{11}$").aggregate(last=Max("serial"))["last"]
    factories._serials = itertools.count(int(last) + 1 if last else 900_000_000_000)
    with transaction.atomic():
        for pid in chosen:
            person = Resident(pk=pid)
            for year in YEARS:
                if not TaxFact.objects.filter(resident_id=pid, fiscal_year=year).exists():
                    taxed = rng.random() < 0.5
                    make_tax_fact(person, year, household_no=pid, self_taxed=taxed, household_taxed=taxed,
                                  total_income=rng.randrange(0, 3_000_000), taxable_pension_income=900_000)
                main_levy_chunk(fiscal_year=year, lo=pid, hi=pid + 1)
        today = date(2026, 11, 26)
        payments, notices = [], []
        for levy in Levy.objects.filter(resident_id__in=chosen, recorded_to__isnull=True).prefetch_related(
                "installments"):
            notices.append(PremiumNotice(resident_id=levy.resident_id, fiscal_year=levy.fiscal_year, levy=levy,
                                         kind=NoticeKind.DECISION, issued_on=date(levy.fiscal_year, 7, 10)))
            for i in levy.installments.all():
                if i.due_date < today:
                    payments.append(Payment(resident_id=levy.resident_id, fiscal_year=levy.fiscal_year,
                                            method=i.method, month=i.month, amount=i.amount, paid_on=i.due_date,
                                            booked_on=i.due_date,
                                            channel=PaymentChannel.PENSION if i.method == "pension"
                                            else PaymentChannel.TRANSFER))
        Payment.objects.bulk_create(payments)
        PremiumNotice.objects.bulk_create(notices)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_500_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement; the median is shown")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    call_command("migrate", "--no-input", verbosity=0)
    call_command("keys_create", verbosity=0)
    ps.ensure_city(args.residents)
    ids = ensure_sample()
    years = Levy.objects.filter(resident_id=ids[0], recorded_to__isnull=True).count()
    payments = Payment.objects.filter(resident_id=ids[0]).count()
    ps.measure_tab("premium tab", [f"/persons/{i}/premiums/" for i in ids], issue="issue #5",
                   sample=f"sample of {len(ids)} persons with {years} levied years and {payments} payments each",
                   seconds=args.seconds, rounds=args.rounds)


if __name__ == "__main__":
    main()
