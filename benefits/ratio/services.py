"""Writes of the co-payment ratio: the yearly determination (a batch kind's chunk, set-based), the
recalculation on events (a household change, a tax correction, a new certification), the
certificates queued and printed. The rule is benefits.rules.copayment_ratio (法 §49の2, §59の2;
施行令 §22の2, §29の2); the facts are read through the other apps' public selectors, never copied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from benefits.ratio.models import (
    CertificateKind,
    RatioCause,
    RatioCertificate,
    RatioDetermination,
)
from benefits.rules.copayment_ratio import (
    Income,
    RatioResult,
    change_applies_from,
    copayment_ratio,
    ratio_period,
    tax_year_of_period,
)
from certification.decisions.selectors import certified_in_period
from eligibility.households.selectors import (
    first_class_household_members_on,
    households_on,
)
from kaigo.db import copy_rows
from premiums.intake.selectors import copayment_income_facts

DETERMINATION_COLUMNS = ["resident_id", "period_start", "valid_from", "valid_to", "ratio", "reason", "cause",
                         "reference_day", "household_id", "first_class_members", "tax_fact_ids", "batch_run_id",
                         "event_id", "decided_at"]
DETERMINATION_TYPES = ["int8", "date", "date", "date", "int2", "text", "text", "date", "int8", "int2", "int8[]",
                       "int8", "int8", "timestamptz"]


@dataclass(frozen=True)
class Computed:
    resident_id: int
    result: RatioResult
    household_id: int | None
    first_class_members: int
    tax_fact_ids: tuple[int, ...]  # the person's own first (when any), then the household's


def _income(row) -> Income:
    return Income(total_income=row.total_income, special_deduction=row.special_deduction,
                  pension_misc_income=row.pension_misc_income, pension_income=row.taxable_pension_income,
                  taxed=row.self_taxed, public_assistance=row.public_assistance)


def ratios_compute(resident_ids: Sequence[int], *, period_start: date, reference_day: date) -> list[Computed]:
    """The ratio of each person (three queries for the whole set): the first-class members of the
    household on ``reference_day`` (eligibility), their tax facts of the period's fiscal year
    (premiums), the rule."""
    if not resident_ids:
        return []
    members = first_class_household_members_on(resident_ids, reference_day)
    households = households_on(resident_ids, reference_day)
    everyone = sorted({*resident_ids, *(m for ms in members.values() for m in ms)})
    facts = copayment_income_facts(everyone, tax_year_of_period(period_start))
    out = []
    for pid in resident_ids:
        first = members.get(pid, ())
        own = facts.get(pid)
        household = [_income(facts[m]) if m in facts else Income(0) for m in first]
        result = copayment_ratio(first_class=pid in first, own=_income(own) if own else None,
                                 first_class_household=household, day=reference_day)
        ids = ([own.tax_fact_id] if own else []) + [facts[m].tax_fact_id for m in first if m != pid and m in facts]
        out.append(Computed(pid, result, households.get(pid), len(first), tuple(ids)))
    return out


# --- the yearly determination (one chunk of the batch kind) ---------------------------------------------


def ratio_year_chunk(*, run_id: int, fiscal_year: int, lo: int, hi: int) -> int:
    """Decide the ratio of the year starting 8月1日 of ``fiscal_year`` for every person with numbers
    in ``[lo, hi)`` holding a certification in force on some day of the year, and queue their
    certificates; a person who has a ratio for the year already is left as is (a resumed or a second
    run decides nobody twice). In the caller's transaction (the chunk's). Returns the persons of the
    chunk (decided now or before)."""
    period_start, period_end = date(fiscal_year, 8, 1), date(fiscal_year + 1, 7, 31)
    certified = certified_in_period(period_start, period_end, lo=lo, hi=hi)
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT resident_id FROM benefits_ratiodetermination WHERE resident_id >= %s "
                       "AND resident_id < %s AND period_start = %s AND replaced_at IS NULL",
                       [lo, hi, period_start])
        done = {r[0] for r in cursor.fetchall()}
    todo = sorted(set(certified) - done)
    now = timezone.now()
    computed = ratios_compute(todo, period_start=period_start, reference_day=period_start)
    copy_rows(RatioDetermination, DETERMINATION_COLUMNS,
              ((c.resident_id, period_start, certified[c.resident_id], period_end, c.result.ratio, c.result.reason,
                RatioCause.YEARLY, period_start, c.household_id, c.first_class_members, list(c.tax_fact_ids), run_id,
                None, now) for c in computed),
              types=DETERMINATION_TYPES)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO benefits_ratiocertificate (determination_id, kind, queued_at, batch_run_id) "
            "SELECT d.id, %s, %s, d.batch_run_id FROM benefits_ratiodetermination d "
            "WHERE d.batch_run_id = %s AND d.resident_id >= %s AND d.resident_id < %s AND d.replaced_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM benefits_ratiocertificate c WHERE c.determination_id = d.id)",
            [CertificateKind.YEARLY, now, run_id, lo, hi])
    return len(certified)


# --- recalculation on events -----------------------------------------------------------------------------


def _same(row: RatioDetermination, c: Computed) -> bool:
    """The ratio is what the certificate and the federation carry: a new reason for the same ratio
    (a member moved out, the person is still 1割) is no change."""
    return row.ratio == c.result.ratio


def _new_row(c: Computed, *, period_start: date, valid_from: date, valid_to: date, cause: str, reference_day: date,
             event_id: int | None, now) -> RatioDetermination:
    return RatioDetermination(
        resident_id=c.resident_id, period_start=period_start, valid_from=valid_from, valid_to=valid_to,
        ratio=c.result.ratio, reason=c.result.reason, cause=cause, reference_day=reference_day,
        household_id=c.household_id, first_class_members=c.first_class_members, tax_fact_ids=list(c.tax_fact_ids),
        event_id=event_id, decided_at=now)


def ratio_recalculate(resident_ids: Sequence[int], *, cause: str, event_day: date, event_id: int | None = None,
                      period_start: date | None = None) -> list[int]:
    """Recalculate the ratio of ``resident_ids`` after an event (in the caller's transaction: the
    outbox consumer's). A person whose ratio does not change keeps their rows and gets no new
    certificate (the same ratio for another reason is no change); otherwise the rows from the day the change applies (rules.change_applies_from) are
    replaced (kept, marked ``replaced_at``), the new row added and a certificate queued. A new
    certification gives a person certified in the year without a ratio their first row. A tax
    correction recomputes each row of the year from its own reference day (the household of that
    day). Returns the persons whose ratio changed or was first decided."""
    if period_start is None:
        period_start, _ = ratio_period(event_day)
    applies_from = change_applies_from(cause, event_day=event_day, period_start=period_start)
    period_start, period_end = ratio_period(applies_from)
    now = timezone.now()
    rows: dict[int, list[RatioDetermination]] = {}
    for row in (RatioDetermination.objects.select_for_update()
                .filter(resident_id__in=list(resident_ids), period_start=period_start, replaced_at__isnull=True)
                .order_by("resident_id", "valid_from")):
        rows.setdefault(row.resident_id, []).append(row)
    replaced: list[RatioDetermination] = []
    new: list[tuple[RatioDetermination, bool]] = []  # (row, certificate to print)
    changed: list[int] = []
    if cause == RatioCause.TAX_CORRECTION:
        by_day: dict[date, list[int]] = {}
        for pid, mine in rows.items():
            for row in mine:
                by_day.setdefault(row.reference_day, []).append(pid)
        computed = {(day, c.resident_id): c for day, pids in by_day.items()
                    for c in ratios_compute(sorted(set(pids)), period_start=period_start, reference_day=day)}
        for pid, mine in rows.items():
            differs = [r for r in mine if not _same(r, computed[(r.reference_day, pid)])]
            for i, r in enumerate(differs):
                replaced.append(r)
                new.append((_new_row(computed[(r.reference_day, pid)], period_start=period_start,
                                     valid_from=r.valid_from, valid_to=r.valid_to, cause=cause,
                                     reference_day=r.reference_day, event_id=event_id, now=now),
                            i == len(differs) - 1))
            if differs:
                changed.append(pid)
    else:
        reference_day = applies_from if cause == RatioCause.CERTIFICATION else max(event_day, period_start)
        certified = (certified_in_period(applies_from, period_end, resident_ids=[p for p in resident_ids
                                                                                if p not in rows])
                     if cause == RatioCause.CERTIFICATION else {})
        targets = sorted(set(rows) | set(certified))
        for c in ratios_compute(targets, period_start=period_start, reference_day=reference_day):
            mine = rows.get(c.resident_id)
            if not mine:
                first_day = max(certified[c.resident_id], applies_from)
                new.append((_new_row(c, period_start=period_start, valid_from=first_day, valid_to=period_end,
                                     cause=cause, reference_day=first_day, event_id=event_id, now=now), True))
                changed.append(c.resident_id)
                continue
            later = [r for r in mine if r.valid_to >= applies_from]
            if not later or all(_same(r, c) for r in later):
                continue
            start = max(applies_from, later[0].valid_from)
            for r in later:
                replaced.append(r)
                if r.valid_from < start:  # the days before the change keep the ratio they had
                    kept = RatioDetermination(**{f.attname: getattr(r, f.attname) for f in r._meta.concrete_fields
                                                 if f.attname != "id"})
                    kept.valid_to, kept.decided_at = start - timedelta(days=1), now
                    new.append((kept, False))
            new.append((_new_row(c, period_start=period_start, valid_from=start, valid_to=period_end, cause=cause,
                                 reference_day=reference_day, event_id=event_id, now=now), True))
            changed.append(c.resident_id)
    if replaced:
        RatioDetermination.objects.filter(pk__in=[r.pk for r in replaced]).update(replaced_at=now)
    if new:
        RatioDetermination.objects.bulk_create([r for r, _ in new])
        RatioCertificate.objects.bulk_create([
            RatioCertificate(determination=r, queued_at=now,
                             kind=CertificateKind.NEW if r.cause == RatioCause.CERTIFICATION and
                             r.resident_id not in rows else CertificateKind.CHANGE)
            for r, printed in new if printed])
    return changed


# --- certificates ---------------------------------------------------------------------------------------


def certificates_print(*, actor, certificate_ids: Sequence[int] | None = None, batch_run_id: int | None = None
                       ) -> tuple[bytes, int]:
    """Print the queued certificates (those of ``batch_run_id``, or ``certificate_ids``, or every
    queued one) on one canvas, and mark them printed by ``actor``: one transaction (a failed
    rendering marks nothing). Returns the PDF and the count. ``benefit.run``."""
    from benefits.ratio.selectors import certificates_render, require_run

    require_run(actor)
    with transaction.atomic(durable=True):
        queued = RatioCertificate.objects.select_for_update().filter(printed_at__isnull=True)
        if batch_run_id is not None:
            queued = queued.filter(batch_run_id=batch_run_id)
        if certificate_ids is not None:
            queued = queued.filter(pk__in=list(certificate_ids))
        ids = list(queued.order_by("id").values_list("id", flat=True))
        if not ids:
            return b"", 0
        pdf, printed = certificates_render(ids, actor=actor)
        RatioCertificate.objects.filter(pk__in=printed).update(
            printed_at=timezone.now(), printed_by=actor if getattr(actor, "pk", None) else None)
    return pdf, len(printed)
