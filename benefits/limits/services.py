"""Writes of the facility cost limits (負担限度額認定): the application received (``benefit.update``,
own ward; head office any) and its decision by a named staff member (``benefit.decide``). Each write
checks role and ward here, lists every problem in one refusal (Japanese, no personal data) and
writes nothing when refused; the change trail records every write.

The rule is benefits.rules.limits (法 §51の3, §61の3; 施行規則 §83の5, §83の6). The facts are read
through the other apps' public selectors: the tax facts of the fiscal year (premiums'
``copayment_income_facts``), the household on the day of application (eligibility's household
history), the certification (certification's history), the insured class (eligibility). The assets,
the spouse, the 非課税年金 and the 老齢福祉年金 are as the applicant DECLARED them: never guessed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from benefits.limits.models import LimitApplication
from benefits.rules.limits import (
    RENEWAL_MONTHS,
    SERVICE_LABELS,
    Applicant,
    decide,
    tax_year_of,
    validity,
)
from certification.decisions.selectors import (
    certification_history_rows,
    certification_on,
)
from certification.rules.levels import CARE_LEVELS, SUPPORT_LEVELS
from eligibility.households.selectors import household_members_on, household_of_on
from eligibility.qualification.selectors import first_class_persons
from eligibility.residents.selectors import require_resident_update
from kaigo.errors import InvalidState, NotPermitted, ProblemsError
from kaigo.staff.roles import has_permission
from premiums.intake.selectors import copayment_income_facts

UPDATE = "benefit.update"
DECIDE = "benefit.decide"
NOT_PERMITTED = "この操作を行う権限がありません。"
MAX_AMOUNT = 100_000_000_000  # 1,000億円: a typing slip, not a declaration


class LimitInvalid(ProblemsError):
    """An application or a decision refused, listing every problem."""


@dataclass(frozen=True)
class LimitEntry:
    """The paper as the applicant filled it in (amounts in yen as declared)."""

    received_on: date
    service: str
    assets: int | None
    has_spouse: bool = False
    spouse_id: int | None = None  # the spouse's 宛名番号 when they live in the city
    spouse_taxed_declared: bool | None = None  # a spouse outside the city: taxed as declared (課税証明)
    spouse_assets: int | None = 0
    non_taxed_pensions: int | None = 0
    old_age_welfare_pension: bool = False
    renewal: bool = False


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _amount_problem(value, label: str) -> str | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return f"{label}を円単位の数字で入力してください（申請書に記入された額）。"
    if not 0 <= value <= MAX_AMOUNT:
        return f"{label}は0円以上で入力してください。"
    return None


def limit_apply(*, actor, resident_id: int, entry: LimitEntry, today: date | None = None) -> LimitApplication:
    """Register an application received at the counter or by post (受付: the day and the receiver).
    Refused, listing every problem: a day in the future, a service not chosen, an amount missing or
    negative (assets are declared, never guessed: no default), a spouse whose tax status can be
    neither looked up (a resident) nor was declared (outside the city), a spouse who is the person,
    a renewal taken outside 6月-7月."""
    today = _today(today)
    require_resident_update(actor, resident_id, permission=UPDATE)
    problems = []
    if entry.received_on > today:
        problems.append("受付日に未来の日付は入力できません。")
    if entry.service not in SERVICE_LABELS:
        problems.append("利用するサービスを選んでください。")
    for value, label in ((entry.assets, "本人の預貯金等の額"), (entry.non_taxed_pensions, "非課税年金の年額")):
        problem = _amount_problem(value, label)
        if problem:
            problems.append(problem)
    if entry.has_spouse:
        problem = _amount_problem(entry.spouse_assets, "配偶者の預貯金等の額")
        if problem:
            problems.append(problem)
        if entry.spouse_id is None and entry.spouse_taxed_declared is None:
            problems.append("配偶者が市外に住んでいる場合は、配偶者の課税の有無（課税証明書等）を入力してください。")
        if entry.spouse_id == resident_id:
            problems.append("配偶者に本人は指定できません。")
    if entry.renewal and entry.received_on.month not in RENEWAL_MONTHS:
        problems.append("更新申請（8月1日からの認定）は6月・7月に受け付けてください。")
    if problems:
        raise LimitInvalid(problems)
    with transaction.atomic(durable=True):
        return LimitApplication.objects.create(
            resident_id=resident_id, received_on=entry.received_on, received_by=actor, renewal=entry.renewal,
            service=entry.service, assets=entry.assets, has_spouse=entry.has_spouse,
            spouse_id=entry.spouse_id if entry.has_spouse else None,
            spouse_taxed_declared=entry.spouse_taxed_declared if entry.has_spouse and entry.spouse_id is None
            else None,
            spouse_assets=entry.spouse_assets if entry.has_spouse else 0,
            non_taxed_pensions=entry.non_taxed_pensions or 0, old_age_welfare_pension=entry.old_age_welfare_pension)


def limit_decide(*, actor, application_id: int, today: date | None = None) -> LimitApplication:
    """Decide an application (``benefit.decide``, a named staff member): the stage or the refusal
    from the facts of the validity's tax year and the declared figures (benefits.rules.limits.decide).
    A certification ends any earlier certification of the person still in force on its first day
    (its ``valid_to`` set to the day before). Refused (nothing written): decided already; a tax fact
    of the person or of a household member missing for the year (the office must obtain it first)."""
    today = _today(today)
    if not has_permission(actor, DECIDE):
        raise NotPermitted(NOT_PERMITTED)
    app = LimitApplication.objects.filter(pk=application_id).first()
    if app is None:
        raise InvalidState("申請が見つかりません。")
    require_resident_update(actor, app.resident_id, permission=DECIDE)
    with transaction.atomic(durable=True):
        app = LimitApplication.objects.select_for_update().get(pk=application_id)
        if app.decided_at is not None:
            raise InvalidState("この申請は決定済みです。")
        valid_from, valid_to = validity(app.received_on, renewal=app.renewal)
        check_day = max(app.received_on, valid_from)
        year = tax_year_of(valid_from)
        household = household_of_on(app.resident_id, app.received_on)
        members = household_members_on(resident_id=app.resident_id, day=app.received_on) or [app.resident_id]
        wanted = sorted({*members, app.resident_id, *([app.spouse_id] if app.spouse_id else [])})
        facts = copayment_income_facts(wanted, year)
        problems = []
        own = facts.get(app.resident_id)
        if own is None:
            problems.append(f"本人の{year}年度の課税情報が登録されていません。課税状況を確認してから決定してください。")
        missing = [m for m in members if m != app.resident_id and m not in facts]
        if missing:
            problems.append(f"世帯員{len(missing)}人の{year}年度の課税情報が登録されていません。"
                            "課税状況を確認してから決定してください。")
        if app.spouse_id and app.spouse_id not in facts:
            problems.append(f"配偶者の{year}年度の課税情報が登録されていません。課税状況を確認してから決定してください。")
        if problems:
            raise LimitInvalid(problems)
        cert = certification_on(certification_history_rows(app.resident_id), check_day)
        level = cert.level if cert else None
        applicant = Applicant(
            public_assistance=bool(own.public_assistance),
            household_taxed=any(facts[m].self_taxed for m in members if m in facts),
            has_spouse=app.has_spouse,
            spouse_taxed=bool(facts[app.spouse_id].self_taxed) if app.spouse_id else bool(app.spouse_taxed_declared),
            old_age_welfare_pension=app.old_age_welfare_pension,
            pension_income=own.taxable_pension_income or 0,
            non_taxed_pensions=app.non_taxed_pensions,
            other_income=max(0, (own.total_income or 0) - (own.special_deduction or 0)
                             - (own.pension_misc_income or 0)),
            assets=app.assets, spouse_assets=app.spouse_assets,
            second_class=not first_class_persons(check_day, check_day, lo=app.resident_id, hi=app.resident_id + 1))
        result = decide(applicant, valid_from, service=app.service, care=level in CARE_LEVELS,
                        support=level in SUPPORT_LEVELS)
        now = timezone.now()
        app.decided_at, app.decided_by = now, actor
        app.stage, app.refusal = result.stage or "", result.refusal
        app.income_figure, app.asset_limit = result.income_figure, result.asset_limit or None
        app.tax_year, app.household_id = year, household
        app.tax_fact_ids = [facts[m].tax_fact_id for m in wanted if m in facts]
        if result.stage:
            app.valid_from, app.valid_to = valid_from, valid_to
            for later in (LimitApplication.objects.select_for_update()
                          .filter(resident_id=app.resident_id, valid_from__gte=valid_from,
                                  valid_from__lte=valid_to).exclude(stage="").exclude(pk=app.pk)):
                raise LimitInvalid([f"この期間に既に認定があります（適用年月日 {later.valid_from:%Y-%m-%d}）。"])
            for earlier in (LimitApplication.objects.select_for_update()
                            .filter(resident_id=app.resident_id, valid_from__lt=valid_from,
                                    valid_to__gte=valid_from).exclude(stage="").exclude(pk=app.pk)):
                earlier.valid_to = valid_from - timedelta(days=1)
                earlier.save(update_fields=["valid_to"])
        app.save()
        return app
