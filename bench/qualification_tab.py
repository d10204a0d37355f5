"""Benchmark: a person's qualification tab with 20 periods (issue #4: p95 under 50 ms at 8
concurrent connections), in the set-up of bench/person_screens.py: a city of N residents,
gunicorn with 4 workers, the full middleware stack, signed in as a ward clerk, wrk with 8
connections; the bare view's throughput measured in the same run beside it.

    make bench BENCH=bench/qualification_tab.py

The sample: 200 residents aged 65+, each given 20 stays in an exemption facility (in and out)
so that their history has 21 current periods and two revisions (done once; kept in the
benchmark database).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import person_screens as ps  # noqa: E402  (sets up Django)
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from eligibility.codes import StayKind  # noqa: E402
from eligibility.models import FacilityStay, QualificationPeriod  # noqa: E402
from eligibility.qualification.services import Context, requalify  # noqa: E402
from synthetic.city import qualification_backfill  # noqa: E402

SAMPLE = 200
STAYS = 20


def ensure_sample() -> list[int]:
    existing = sorted(set(FacilityStay.objects.filter(kind=StayKind.EXEMPTION, facility__isnull=True)
                          .values_list("resident_id", flat=True)))
    if len(existing) >= SAMPLE:
        return existing[:SAMPLE]
    qualification_backfill(as_of=date(2026, 4, 1))
    candidates = list(QualificationPeriod.objects.filter(recorded_to__isnull=True, end__isnull=True,
                                                         start__lt=date(2015, 1, 1))
                      .values_list("resident_id", flat=True)[:50_000])
    chosen = sorted(random.Random(11).sample(candidates, SAMPLE))
    stays = []
    for pid in chosen:
        for k in range(STAYS):
            start = date(2016, 1, 1) + timedelta(days=150 * k)
            stays.append(FacilityStay(resident_id=pid, kind=StayKind.EXEMPTION, start=start,
                                      end=start + timedelta(days=60)))
    with transaction.atomic():
        FacilityStay.objects.bulk_create(stays)
        requalify(chosen, until=date.today(), context=Context(source="notification"))
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
    periods = QualificationPeriod.objects.filter(resident_id=ids[0], recorded_to__isnull=True).count()
    ps.measure_tab("qualification tab", [f"/persons/{i}/qualification/" for i in ids], issue="issue #4",
                   sample=f"sample of {len(ids)} persons with {periods} current periods each",
                   seconds=args.seconds, rounds=args.rounds)


if __name__ == "__main__":
    main()
