"""Writes of the high-cost care service refund (高額介護サービス費, 介護保険法 §51 and §61; 施行令
§22の2の2): the month's computation for a chunk of persons (the batch kind
``benefits.high_cost_month``), the register of received first applications, and the decision of a
month's results by a named staff member (docs/subsystems/benefits-high-cost.md).

The computation, per household as of the month's last day (the household the member belonged to
that day: eligibility's as-of selectors) and per service month:

* the eligible co-payments of the month are the members' benefit records' 利用者負担額 (both payment
  routes; 福祉用具購入費 and 住宅改修費 are not benefit records of this file), one sum per person;
* each member's income category (category_of) from premiums' tax facts of the fiscal year whose
  income the month's category follows (August to July: the previous year's income, as the
  co-payment ratio);
* the refunds by benefits.rules.high_cost.high_cost_refunds (household cap, proportional allocation
  with the residue dropped, individual cap of 15,000).

A person's line is written only where the amount or what it was computed from changed since the
person's last line of the month; the line's ``difference`` is what changes (a repeated run writes
nothing; a late record or a household change writes only the difference)."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from django.db import transaction

from benefits.refunds.models import HighCostApplication, HighCostDecision, HighCostRefund
from benefits.rules.high_cost import Member, caps_for, category_of, high_cost_refunds, household_cap
from eligibility.households.selectors import (
    first_class_household_members_on,
    households_on,
    members_of_households_on,
)
from eligibility.residents.selectors import ALL_WARDS, home_wards, require_resident_update
from kaigo.batches.registry import RecordError
from kaigo.db import fetch_rows
from kaigo.errors import InvalidState, NotPermitted, ProblemsError
from kaigo.staff.roles import has_permission
from premiums.intake.selectors import high_cost_income_facts

UPDATE = "benefit.update"
DECIDE = "benefit.decide"


def month_last_day(month: date) -> date:
    """The day the household and the category are taken on: the service month's last day [to confirm
    with the federation's 判定 specification; DOMAIN.md 4.2 says only 住基世帯 of the month]."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def tax_year_of_month(month: date) -> int:
    """The fiscal year of the tax facts a service month's category follows: August to July uses the
    income of the year before the fiscal year that begins in April of the August (as the co-payment
    ratio, 施行令 §22の2; the category changes in August)."""
    return month.year if month.month >= 8 else month.year - 1


def persons_with_records(month: date) -> list[int]:
    """The persons with a benefit record of the service month (the run's plan)."""
    return [r.resident_id for r in fetch_rows(
        "SELECT DISTINCT resident_id FROM benefits_benefitrecord WHERE service_month = %s ORDER BY resident_id",
        [month])]


def _latest_lines(people: list[int], month: date) -> dict[int, HighCostRefund]:
    latest: dict[int, HighCostRefund] = {}
    for line in HighCostRefund.objects.filter(service_month=month, resident_id__in=people).order_by("seq"):
        latest[line.resident_id] = line
    return latest


@transaction.atomic
def high_cost_month_chunk(*, run_id: int | None, month: date, lo: int, hi: int) -> tuple[int, list[RecordError]]:
    """Compute the month's refunds of every household whose lead (its smallest member number with a
    record of the month) is in [lo, hi); write the changed lines. Returns (the chunk's persons with
    records counted as done, errors: each of the chunk's persons in a household left out because a
    member with records has no tax facts for the year, named by the resident's number only). A person
    whose household is led from another chunk counts as done here (that chunk computes it)."""
    month = month.replace(day=1)
    day = month_last_day(month)
    caps_for(month)  # refuses a month before the tables
    in_chunk = [r.resident_id for r in fetch_rows(
        "SELECT DISTINCT resident_id FROM benefits_benefitrecord WHERE service_month = %s "
        "AND resident_id >= %s AND resident_id < %s", [month, lo, hi])]
    if not in_chunk:
        return 0, []
    household_of = households_on(in_chunk, day)
    members_of = members_of_households_on(sorted(set(household_of.values())), day)
    everyone = sorted({*in_chunk, *(m for ms in members_of.values() for m in ms)})
    copay: dict[int, int] = defaultdict(int)
    records: dict[int, list[int]] = defaultdict(list)
    for r in fetch_rows("SELECT id, resident_id, copayment FROM benefits_benefitrecord "
                        "WHERE service_month = %s AND resident_id = ANY(%s) ORDER BY id", [month, everyone]):
        copay[r.resident_id] += r.copayment
        records[r.resident_id].append(r.id)
    # the groups: a household's members with records; a person without a household alone
    groups: dict[tuple, list[int]] = {}
    for person in in_chunk:
        household = household_of.get(person)
        if household is None:
            groups[("person", person)] = [person]
        else:
            groups[("household", household)] = [m for m in members_of.get(household, [person]) if m in records]
    groups = {key: ms for key, ms in groups.items() if ms and lo <= min(ms) < hi}
    payers = sorted({m for ms in groups.values() for m in ms})
    all_members = sorted({*payers, *(m for key, ms in groups.items() if key[0] == "household"
                                     for m in members_of.get(key[1], []))})
    facts = high_cost_income_facts(all_members, tax_year_of_month(month))
    first_class = first_class_household_members_on(payers, day)
    latest = _latest_lines(payers, month)
    errors: list[RecordError] = []
    new_lines: list[HighCostRefund] = []
    for (kind, key), payers_here in sorted(groups.items(), key=lambda g: min(g[1])):
        household = key if kind == "household" else None
        household_all = members_of.get(household, payers_here) if household is not None else payers_here
        missing = [m for m in payers_here if m not in facts]
        if missing:
            errors.extend(RecordError(record_key=str(m), code="no_tax_facts",
                                      message="世帯員の課税情報がないため所得区分を判定できません（高額介護サービス費は未計算）")
                          for m in payers_here if lo <= m < hi)
            continue
        known = [facts[m] for m in household_all if m in facts]
        taxed = any(f.household_taxed or f.self_taxed for f in known)
        top_taxable = max((max(0, facts[m].total_income - facts[m].special_deduction)
                           for m in set(first_class.get(payers_here[0], ())) | set(payers_here)
                           if m in facts and facts[m].self_taxed), default=0)
        members = []
        for m in payers_here:
            f = facts[m]
            other = max(0, f.total_income - f.pension_misc_income)
            members.append(Member(key=m, copayment=copay[m], category=category_of(
                month=month, public_assistance=f.public_assistance, borderline=False, household_taxed=taxed,
                top_taxable_income=top_taxable, old_age_welfare_pension=f.old_age_welfare_pension,
                pension_and_other_income=f.taxable_pension_income + other)))
        refunds = high_cost_refunds(members, month=month)
        cap = household_cap(members, month)
        total = sum(m.copayment for m in members)
        tax_ids = sorted(facts[m].tax_fact_id for m in household_all if m in facts)
        for member in members:
            before = latest.get(member.key)
            amount = refunds[member.key]
            inputs = (household, member.category, member.copayment, total, sorted(payers_here),
                      records[member.key], tax_ids)
            if before is None:
                if amount == 0:
                    continue
            elif before.amount == amount and inputs == (
                    before.household_id, before.category, before.copayment, before.household_total,
                    sorted(before.members), sorted(before.record_ids), sorted(before.tax_fact_ids)):
                continue
            new_lines.append(HighCostRefund(
                service_month=month, resident_id=member.key, seq=(before.seq + 1) if before else 1, run_id=run_id,
                household_id=household, category=member.category, copayment=member.copayment,
                household_total=total, household_cap=cap, amount=amount,
                difference=amount - (before.amount if before else 0), members=sorted(payers_here),
                record_ids=records[member.key], tax_fact_ids=tax_ids))
    HighCostRefund.objects.bulk_create(new_lines)
    return len(in_chunk) - len(errors), errors


def _problems_of_application(received_on: date, first_month: date, today: date) -> list[str]:
    problems = []
    if received_on > today:
        problems.append("受付日: 未来の日付は入力できません。")
    if first_month.day != 1:
        problems.append("サービス提供年月: 月の初日で指定してください。")
    if first_month > today:
        problems.append("サービス提供年月: 未来の月は指定できません。")
    return problems


@transaction.atomic
def high_cost_application_receive(*, actor, resident_id: int, received_on: date, first_month: date,
                                  note: str = "", today: date | None = None) -> HighCostApplication:
    """Register a received first application form (申請書) on its arrival: the received date and the
    receiving staff member. One per person (later months are paid without one): a second is refused."""
    require_resident_update(actor, resident_id, permission=UPDATE)
    today = today or date.today()
    problems = _problems_of_application(received_on, first_month, today)
    if HighCostApplication.objects.filter(resident_id=resident_id).exists():
        problems.append("この方の高額介護サービス費の申請書は受付済みです（申請は初回のみ、以後は自動的に支給されます）。")
    if problems:
        raise ProblemsError(problems)
    return HighCostApplication.objects.create(resident_id=resident_id, received_on=received_on,
                                              received_by=actor, first_month=first_month, note=note)


@transaction.atomic
def high_cost_decide(*, actor, month: date, decided_on: date | None = None) -> HighCostDecision:
    """Decide the month's undecided lines (支給決定) by ``actor`` (benefit.decide, every ward: the
    month's results are the city's): the lines of persons whose application was received by the
    decision day; the others wait for their application (申請待ち) and go into a later decision.
    InvalidState when there is nothing to decide."""
    if not has_permission(actor, DECIDE):
        raise NotPermitted("高額介護サービス費を決定する権限がありません。")
    if not home_wards(actor) >= ALL_WARDS:
        raise NotPermitted("月の高額介護サービス費の決定は本庁の担当者が行います。")
    month = month.replace(day=1)
    decided_on = decided_on or date.today()
    lines = HighCostRefund.objects.select_for_update().filter(
        service_month=month, decision__isnull=True,
        resident_id__in=HighCostApplication.objects.filter(received_on__lte=decided_on).values("resident_id"))
    ids = list(lines.values_list("pk", "difference"))
    if not ids:
        raise InvalidState("決定する高額介護サービス費の計算結果がありません（申請書の受付が済んだ方の未決定分がありません）。")
    decision = HighCostDecision.objects.create(service_month=month, decided_on=decided_on, decided_by=actor,
                                               lines=len(ids), total=sum(d for _, d in ids))
    HighCostRefund.objects.filter(pk__in=[pk for pk, _ in ids]).update(decision=decision)
    return decision
