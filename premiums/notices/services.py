"""Printing the premium notices of a levy revision (保険料額決定通知書, 仮算定通知書, 変更通知書, 納付書,
特別徴収開始通知書, 特別徴収中止通知書, 督促状, 催告書) as PDF, one at a time at the counter or many in a
batch; and the notices of a reduction's decision (減免決定通知書, 徴収猶予決定通知書, 徴収猶予取消通知書,
申請却下通知書), one at a time.

The person is read through the eligibility selectors (``person_header``: ward scope, household
protection, the refusal logged); the values are built from the stored revision (the stage
sentence and the computation lines are rebuilt by premiums.rules from the revision's rate table
and tax fact, the collection sentence from its pension fact and collection plan);
premiums.notices.documents draws them. A preview (見本, what a GET shows) writes only the
access-log row; an issue (交付, a POST or a batch) is one PremiumNotice row (who and when;
``reprint`` when the same notice was issued before) and one access-log row with channel ``print``,
its role (``premium.collect``) and ward checked here. Nothing is stored of the PDF: it is drawn
again from the revision. See docs/subsystems/premium-notices.md, "Preview and issue"."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.services import access_log_write
from eligibility.cards.selectors import card_holder, card_holders
from eligibility.residents.selectors import (
    ALL_WARDS,
    UPDATE_NOT_PERMITTED,
    home_wards,
    log_function,
    person_header,
)
from kaigo.documents import insurer_info
from kaigo.documents.wareki import wareki_fiscal_year
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.staff.roles import has_permission
from premiums.intake.pension_feed.format import INSURERS
from premiums.intake.selectors import stage_inputs_of
from premiums.levy.models import Levy, LevyInstallment, LevyPendingCause, LevySource
from premiums.notices import documents
from premiums.notices.models import NoticeKind, PremiumNotice
from premiums.rates.models import PremiumRateTable
from premiums.rates.selectors import collection_plan_for, to_rule_table
from premiums.reductions.models import Reduction, ReductionKind, ReductionStatus
from premiums.rules.amount import annual_amount
from premiums.arrears.selectors import arrears_plan
from premiums.rules.arrears import ArrearsPlan, reminder_pay_by
from premiums.rules.calendar import closed_days
from premiums.rules.codes import CollectionMethod, CollectionReason, InstallmentKind, PensionKind
from premiums.rules.deferral import Deferral, deferral_until, deferred_due
from premiums.rules.levy import as_collected
from premiums.rules.reduction import ReductionGrant, reduced_amount
from premiums.rules.schedule import (
    CollectionDecision,
    Installment,
    PensionFacts,
    Schedule,
    collection_method,
    next_business_day,
)
from premiums.rules.stage import stage_sentence
from premiums.rules.tables import CollectionPlan, RateTable, Rounding, add_months, yen
from premiums.scope import require_premium_update

NOTICE_FUNCTION = "premium.notice.print"
PREVIEW_FUNCTION = "premium.notice.preview"  # a 見本 shown by a GET: nothing recorded but this log row
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の通知書は住所を印字するため、その区の支援措置の閲覧権限がある職員のみ"
                   "印刷できます。")
LEFT_OUT_PROTECTED = "支援措置対象者のため一括印刷の対象外（区役所で個別に印刷）"
METHOD_TEXT = {
    CollectionMethod.PENSION_DEDUCTION: "特別徴収（年金からの差引き）",
    CollectionMethod.BILLING: "普通徴収（納付書・口座振替）",
    CollectionMethod.BOTH: "特別徴収と普通徴収（併徴）",
}
CAUSE_LABELS = dict(LevyPendingCause.choices)
REDUCTION_LABELS = dict(ReductionKind.choices)
MONTHS_IN_YEAR = 12
NOTICE_LABELS = dict(NoticeKind.choices)


class NoticeInvalid(ApplicationError):
    """A notice that cannot be printed, with its Japanese reason; ``fiscal_year``: the year whose
    tab the clerk goes back to, when known."""

    code = "premium_notice_invalid"

    def __init__(self, message: str, *, code: str | None = None, fiscal_year: int | None = None):
        super().__init__(message, code=code)
        self.fiscal_year = fiscal_year


# --- the values of a levy revision ----------------------------------------------------------------


def _exact_yen(value: Fraction) -> str:
    """An exact 月割 product: 40,950円, 22,265.5円, or 54,600.58…円 when it does not terminate."""
    if value.denominator == 1:
        return f"{value.numerator:,}円"
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d == 1:
        return yen(Decimal(value.numerator) / Decimal(value.denominator))
    return f"{Decimal(math.floor(value * 100)) / 100:,.2f}…円"


def proration_steps(annual: int, months: int, amount: int, rounding: Rounding) -> tuple[str, ...]:
    """The 月割 lines of a year levied for fewer than 12 months (DOMAIN 2.6): 年額 × 賦課月数/12."""
    if months >= MONTHS_IN_YEAR:
        return ()
    if months == 0:
        return (f"賦課月数 0か月のため保険料額 {yen(amount)}",)
    exact = Fraction(annual * months, MONTHS_IN_YEAR)
    lines = [f"月割: 年額 {yen(annual)} × 賦課月数 {months}/12 = {_exact_yen(exact)}"]
    if exact != amount and rounding.apply(exact) == amount:
        lines.append(f"{rounding.label}: {_exact_yen(exact)} → {yen(amount)}")
    lines.append(f"保険料額（{months}か月） {yen(amount)}")
    return tuple(lines)


def stage_message(levy: Levy, table: RateTable) -> str:
    """Why the revision has its stage (premiums.rules.stage.stage_sentence), from its tax fact."""
    fact = levy.tax_fact
    return stage_sentence(levy.stage, levy.stage_reason, None if fact is None else stage_inputs_of(fact), table)


def _rule_installments(installments: Sequence[LevyInstallment]) -> tuple[Installment, ...]:
    return tuple(Installment(CollectionMethod(i.method), InstallmentKind(i.kind), i.number, i.month.year, i.month.month,
                             i.due_date, i.amount) for i in installments)


def collection_message(levy: Levy, installments: Sequence[Installment], plan: CollectionPlan) -> str:
    """CollectionDecision.message rebuilt from the revision's pension fact and the year's plan, as
    the levy decided it (premiums.rules.levy: a correction that stopped the deduction says so)."""
    fact = levy.pension_fact
    pension = None
    if fact is not None:
        pension = PensionFacts(PensionKind(fact.pension_kind), fact.annual_amount,
                               (fact.listed_in.year, fact.listed_in.month),
                               continuing=levy.collection_reason == CollectionReason.CONTINUING,
                               withholdable=fact.withholdable)
    decided: CollectionDecision = collection_method(pension, fiscal_year=levy.fiscal_year, plan=plan.pension)
    if decided.reason != levy.collection_reason:
        return CollectionReason(levy.collection_reason).label
    if decided.method != levy.collection_method:
        decided = as_collected(Schedule(levy.amount, tuple(installments), levy.overpaid), decided)
    return decided.message


def reduction_steps(levy: Levy, table: RateTable, grants: Sequence[ReductionGrant]) -> tuple[str, ...]:
    """The lines of the reductions (減免, 境界層) of a revision, rebuilt by premiums.rules.reduction
    from the reductions approved before it; one line with the remitted amount when they no longer
    give the stored amount (or the owed months are not one run from the first month)."""
    fallback = (f"減免額 {yen(levy.exemption)} → 保険料額 {yen(levy.amount)}",)
    if not levy.exemption:
        return ()
    if not grants or levy.first_month is None:
        return fallback
    months = tuple(add_months((levy.first_month.year, levy.first_month.month), k) for k in range(levy.months))
    reduced = reduced_amount(levy.annual_amount, months, grants, rounding=table.proration_rounding,
                             unreduced=levy.amount + levy.exemption,
                             annual_of_stage=lambda n: annual_amount(n, table).annual)
    return reduced.steps if reduced.amount == levy.amount else fallback


def levy_statement(levy: Levy, installments: Sequence[LevyInstallment], table: RateTable,
                   plan: CollectionPlan, grants: Sequence[ReductionGrant] = ()) -> documents.LevyStatement:
    """What a revision decided, with its sentences, as premiums.documents prints it."""
    breakdown = annual_amount(levy.stage, table)
    steps = breakdown.steps if breakdown.annual == levy.annual_amount else (f"年額保険料 {yen(levy.annual_amount)}",)
    steps += proration_steps(levy.annual_amount, levy.months, levy.amount + levy.exemption, table.proration_rounding)
    steps += reduction_steps(levy, table, grants)
    rules = _rule_installments(installments)
    return documents.LevyStatement(
        stage_label=table.stage(levy.stage).label,
        stage_message=stage_message(levy, table),
        steps=tuple(steps),
        annual_amount=levy.annual_amount,
        months=levy.months,
        first_month=levy.first_month,
        amount=levy.amount,
        method_label=METHOD_TEXT.get(levy.collection_method, levy.collection_method),
        method_message=collection_message(levy, rules, plan),
        installments=tuple(documents.InstallmentLine(str(i.method), date(i.year, i.month, 1), i.label, i.due_date,
                                                     i.amount) for i in rules),
        overpaid=levy.overpaid,
    )


def change_causes(levy: Levy) -> tuple[str, ...]:
    """The reasons of a correction in Japanese (Levy.cause: codes of LevyPendingCause, comma-separated)."""
    causes = tuple(CAUSE_LABELS.get(c, c) for c in levy.cause.split(",") if c)
    return causes or (LevySource(levy.source).label,)


def _payment_number(fiscal_year: int, notice_number: int, installment: int) -> str:
    from premiums.intake.payment_feed.format import payment_number

    return payment_number(fiscal_year, notice_number, installment)


# --- loading many revisions at once ---------------------------------------------------------------


@dataclass
class _Loaded:
    levies: dict[int, Levy]
    previous: dict[int, Levy]  # levy id -> revision - 1 (change notices)
    installments: dict[int, list[LevyInstallment]]
    tables: dict[int, RateTable]
    reductions: dict[tuple[int, int], list[Reduction]] = field(default_factory=dict)  # (person, year), by decision
    plans: dict[int, CollectionPlan] = field(default_factory=dict)

    def plan(self, fiscal_year: int) -> CollectionPlan:
        if fiscal_year not in self.plans:
            self.plans[fiscal_year] = collection_plan_for(fiscal_year)
        return self.plans[fiscal_year]

    def grants(self, levy: Levy) -> tuple[ReductionGrant, ...]:
        """The reductions approved before the revision was recorded, as premiums.levy reads them."""
        return tuple(ReductionGrant(REDUCTION_LABELS.get(r.kind, r.kind), (r.first_month.year, r.first_month.month),
                                    (r.last_month.year, r.last_month.month), r.rate or Decimal(0), r.stage)
                     for r in self.reductions.get((levy.resident_id, levy.fiscal_year), [])
                     if r.decided_at and r.decided_at <= levy.recorded_from)

    def statement(self, levy: Levy) -> documents.LevyStatement:
        return levy_statement(levy, self.installments.get(levy.pk, []), self.tables[levy.rate_table_id],
                              self.plan(levy.fiscal_year), self.grants(levy) if levy.exemption else ())


def _load(levy_ids: Sequence[int], *, with_previous: bool) -> _Loaded:
    """The revisions, the revisions before them, their installments and rate tables: a fixed number
    of queries whatever the number of revisions."""
    levies = Levy.objects.select_related("tax_fact", "pension_fact").in_bulk(levy_ids)
    previous: dict[int, Levy] = {}
    if with_previous and levies:
        newer = Levy.objects.filter(pk__in=list(levies), resident_id=OuterRef("resident_id"),
                                    fiscal_year=OuterRef("fiscal_year"), revision=OuterRef("revision") + 1)
        by_key = {(p.resident_id, p.fiscal_year, p.revision): p for p in
                  Levy.objects.select_related("tax_fact", "pension_fact").filter(Exists(newer))}
        previous = {pk: by_key[key] for pk, levy in levies.items()
                    if (key := (levy.resident_id, levy.fiscal_year, levy.revision - 1)) in by_key}
    all_ids = [*levies, *(p.pk for p in previous.values())]
    installments: dict[int, list[LevyInstallment]] = {pk: [] for pk in all_ids}
    for row in LevyInstallment.objects.filter(levy_id__in=all_ids).order_by("month", "method"):
        installments[row.levy_id].append(row)
    table_ids = {levy.rate_table_id for levy in [*levies.values(), *previous.values()]}
    tables = {t.pk: to_rule_table(t) for t in PremiumRateTable.objects.filter(pk__in=table_ids)
              .prefetch_related("stages")}
    reductions: dict[tuple[int, int], list[Reduction]] = {}
    exempted = [levy for levy in [*levies.values(), *previous.values()] if levy.exemption]
    if exempted:
        for r in Reduction.objects.filter(status=ReductionStatus.APPROVED,
                                          resident_id__in={lv.resident_id for lv in exempted},
                                          fiscal_year__in={lv.fiscal_year for lv in exempted}).exclude(
                kind=ReductionKind.DEFERRAL).order_by("decided_at", "id"):
            reductions.setdefault((r.resident_id, r.fiscal_year), []).append(r)
    return _Loaded(levies, previous, installments, tables, reductions)


# --- one notice of a revision ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Built:
    notice: documents.Notice
    installment_month: date | None = None


def _unpaid_bills(levy: Levy, today: date, plan: ArrearsPlan, pay_by: date | None = None,
                  ) -> list[tuple[date, documents.UnpaidInstallment]]:
    """(month, unpaid installment) of the year's bills still open after their 納期限 (a deferral's
    猶予期限), oldest first, but not those paid at a store awaiting the 確報 (premiums.collection.
    selectors.year_collection: the current revision less payments, settlements, write-offs), each
    with its late charge (延滞金) as if paid on ``pay_by`` (default ``today``). Bills only: a pension
    deduction is never in arrears."""
    from premiums.collection.selectors import year_collection

    year = year_collection(levy.resident_id, levy.fiscal_year, as_of=pay_by or today, plan=plan)
    rows = [] if year is None else [r for r in year.balance.rows
                                    if r.method == CollectionMethod.BILLING and r.overdue(today)]
    out = []
    for r in sorted(rows, key=lambda r: r.month):
        charge = year.late_charge(r.method, r.month)
        out.append((r.month, documents.UnpaidInstallment(levy.fiscal_year, r.label, r.due_date, r.open, plan.reminder_fee,
                                                         charge.open if charge else 0)))
    return out


def _open_slips(levy: Levy, bills: Sequence[Installment], today: date, plan: ArrearsPlan
                ) -> tuple[documents.PaymentSlip, ...]:
    """The 納付書 of the bills still open (premiums.collection.selectors.year_collection): never one
    paid in full or paid at a store awaiting its 確報; one past its 納期限 prints its late charge
    (延滞金) as if paid by the 指定期限 it names (issue day + ``reminder_term_days``, the next business
    day), the premium being what is still open."""
    from premiums.collection.selectors import year_collection

    pay_by = next_business_day(reminder_pay_by(today, plan), closed_days(levy.fiscal_year))
    year = year_collection(levy.resident_id, levy.fiscal_year, as_of=pay_by, plan=plan)
    rows = {} if year is None else {r.month: r for r in year.balance.rows if r.method == CollectionMethod.BILLING}
    slips = []
    for i in bills:
        month = date(i.year, i.month, 1)
        row = rows.get(month)
        if row is None or not row.open or row.awaiting_final:
            continue
        number = _payment_number(levy.fiscal_year, levy.notice_number, 0 if i.kind == InstallmentKind.EXTRA else i.number)
        if row.due_date is not None and row.due_date < today:
            charge = year.late_charge(row.method, month)
            slips.append(documents.PaymentSlip(i.label, row.due_date, row.open, number, charge.open if charge else 0,
                                               pay_by))
        else:
            slips.append(documents.PaymentSlip(i.label, row.due_date or i.due_date, row.open, number))
    return tuple(slips)


def _build(kind: str, levy: Levy, loaded: _Loaded, holder, meta: documents.NoticeMeta, *, today: date,
           installment_month: date | None = None, arrears: ArrearsPlan | None = None) -> _Built:
    """The value object of one notice of ``kind`` for the revision; NoticeInvalid when the revision
    has nothing such a notice could say (no earlier revision, no bill, no deduction, nothing unpaid)."""
    insurer = insurer_info()
    arrears = arrears or arrears_plan()
    provisional = levy.source == LevySource.PROVISIONAL
    if kind == NoticeKind.DECISION:
        if provisional:
            raise NoticeInvalid(DECISION_OF_PROVISIONAL)
        return _Built(documents.DecisionNotice(holder, insurer, meta, loaded.statement(levy)))
    if kind == NoticeKind.PROVISIONAL:
        if not provisional:
            raise NoticeInvalid(PROVISIONAL_OF_OTHER)
        return _Built(provisional_notice(levy, loaded.installments.get(levy.pk, []), holder, insurer, meta))
    if kind == NoticeKind.CHANGE:
        before = loaded.previous.get(levy.pk)
        if before is None:
            raise NoticeInvalid("変更前の賦課がないため変更通知書は作成できません（最初の賦課は決定通知書です）。")
        return _Built(documents.ChangeNotice(holder, insurer, meta, loaded.statement(before), loaded.statement(levy),
                                             change_causes(levy)))
    rows = loaded.installments.get(levy.pk, [])
    if kind == NoticeKind.PAYMENT_SLIP:
        bills = [r for r in _rule_installments(rows) if r.method == CollectionMethod.BILLING]
        if not bills:
            raise NoticeInvalid("普通徴収の納期がないため納付書は作成できません。")
        slips = _open_slips(levy, bills, today, arrears)
        if not slips:
            raise NoticeInvalid("未納の普通徴収の納期がないため納付書は作成できません（納付済みの期の納付書は印刷しません）。")
        return _Built(documents.PaymentSlips(holder, insurer, meta, slips))
    if kind == NoticeKind.PENSION_START:
        statement = loaded.statement(levy)
        pension = statement.of(CollectionMethod.PENSION_DEDUCTION)
        if not pension or levy.pension_fact is None:
            raise NoticeInvalid("特別徴収の予定がないため特別徴収開始通知書は作成できません。")
        return _Built(documents.PensionStartNotice(
            holder, insurer, meta, statement, *pension_named(levy.pension_fact),
            levy.pension_from or pension[0].month))
    if kind == NoticeKind.PENSION_STOP:
        return _Built(pension_stop_notice(levy, loaded, holder, insurer, meta))
    if kind in (NoticeKind.REMINDER, NoticeKind.DEMAND):
        pay_by = next_business_day(reminder_pay_by(meta.issued_on, arrears), closed_days(levy.fiscal_year))
        unpaid = _unpaid_bills(levy, today, arrears, pay_by)
        if installment_month is not None and kind == NoticeKind.REMINDER:
            unpaid = [(month, u) for month, u in unpaid if month == installment_month]
        if not unpaid:
            raise NoticeInvalid("納期限を過ぎた未納の納期がないため督促状・催告書は作成できません。")
        month = unpaid[0][0]
        if kind == NoticeKind.REMINDER:
            return _Built(documents.Reminder(holder, insurer, meta, unpaid[0][1], pay_by), month)
        return _Built(documents.DemandLetter(holder, insurer, meta, tuple(u for _, u in unpaid), pay_by), month)
    raise NoticeInvalid("通知書の種類が正しくありません。")


def _reprinted(kind: str, pairs: Sequence[tuple[int, date | None]]) -> set[tuple[int, date | None]]:
    """Which (levy, installment month) already have a notice of ``kind`` (one query). The month
    counts for reminders only: each reminder names one installment."""
    rows = PremiumNotice.objects.filter(kind=kind, levy_id__in={levy_id for levy_id, _ in pairs})
    seen = set(rows.values_list("levy_id", "installment_month"))
    if kind != NoticeKind.REMINDER:
        levy_ids = {levy_id for levy_id, _ in seen}
        return {(levy_id, month) for levy_id, month in pairs if levy_id in levy_ids}
    return seen.intersection(pairs)


def pension_named(fact) -> tuple[str | None, str | None]:
    """(年金保険者, 年金の種類) of a PensionFact as the notices print them; (None, None) without one."""
    if fact is None:
        return None, None
    return INSURERS.get(fact.insurer_code, fact.insurer_code), PensionKind(fact.pension_kind).label


DECISION_OF_PROVISIONAL = ("仮算定の賦課のため保険料額決定通知書は作成できません。仮算定通知書を印刷してください"
                           "（今年度の保険料額は7月の本算定で決定します）。")
PROVISIONAL_OF_OTHER = "仮算定の賦課ではないため仮算定通知書は作成できません（本算定・更正の賦課は決定通知書・変更通知書です）。"
PROVISIONAL_NO_DEDUCTION = "仮徴収の予定がないため仮算定通知書は作成できません。"


def provisional_notice(levy: Levy, rows: Sequence[LevyInstallment], holder, insurer,
                       meta: documents.NoticeMeta) -> documents.ProvisionalNotice | documents.ProvisionalBillingNotice:
    """The 仮算定通知書 of a 仮算定 revision: its 仮徴収 (pension installments of kind provisional) with
    their 年金支払日, and the pension as the start notice names it; for a 普通徴収 仮算定 (bills only,
    premiums.rules.provisional) the bills of the 仮算定期 with their 納期限 (NoticeInvalid with neither)."""
    installments = _rule_installments(rows)
    deductions = tuple(documents.InstallmentLine(str(i.method), date(i.year, i.month, 1), i.label, i.due_date, i.amount)
                       for i in installments
                       if i.method == CollectionMethod.PENSION_DEDUCTION and i.kind == InstallmentKind.PROVISIONAL)
    bills = tuple(documents.InstallmentLine(str(i.method), date(i.year, i.month, 1), i.label, i.due_date, i.amount)
                  for i in installments if i.method == CollectionMethod.BILLING)
    if not deductions and bills:
        return documents.ProvisionalBillingNotice(holder, insurer, meta, bills, levy.stage)
    if not deductions:
        raise NoticeInvalid(PROVISIONAL_NO_DEDUCTION)
    return documents.ProvisionalNotice(holder, insurer, meta, deductions, *pension_named(levy.pension_fact))


PENSION_STOP_NONE = "特別徴収の中止がないため特別徴収中止通知書は作成できません。"
WITH_PREVIOUS = (NoticeKind.CHANGE, NoticeKind.PENSION_STOP)  # the notices that compare with the revision before


def stopped_month(before: Sequence[LevyInstallment], after: Sequence[LevyInstallment]) -> date | None:
    """The first pension month the revision before deducted and the revision after no longer does
    (中止する月); None when the correction stops no deduction."""
    kept = {i.month for i in after if i.method == CollectionMethod.PENSION_DEDUCTION}
    return min((i.month for i in before if i.method == CollectionMethod.PENSION_DEDUCTION and i.month not in kept),
               default=None)


def pension_stop_notice(levy: Levy, loaded: _Loaded, holder, insurer,
                        meta: documents.NoticeMeta) -> documents.PensionStopNotice:
    """The 特別徴収中止通知書 of a correction that stops the pension deduction: the first month no
    longer deducted, why (the correction's causes, as the change notice names them), the pension
    as the start notice named it (the revision before's pension fact), the deductions that remain
    and the bills of the new revision (NoticeInvalid when no deduction stops)."""
    before = loaded.previous.get(levy.pk)
    rows = loaded.installments.get(levy.pk, [])
    month = None if before is None else stopped_month(loaded.installments.get(before.pk, []), rows)
    if month is None:
        raise NoticeInvalid(PENSION_STOP_NONE)
    statement = loaded.statement(levy)
    return documents.PensionStopNotice(
        holder, insurer, meta, *pension_named(before.pension_fact or levy.pension_fact),
        month, change_causes(levy), statement.method_label,
        statement.of(CollectionMethod.PENSION_DEDUCTION), statement.of(CollectionMethod.BILLING),
        levy.amount, levy.overpaid)


# --- the services ----------------------------------------------------------------------------------


def _printable_holder(actor, request, resident_id: int, function: str = NOTICE_FUNCTION):
    """The person a notice is addressed to (eligibility.cards.CardHolder) and the access-log function
    of the print, read through ``person_header`` (ward scope: the refusal logged as
    premium.notice.print.denied, NotPermitted). Every notice prints the address: a protected
    household's prints only for staff who may see it (refusal logged as
    premium.notice.print.denied.sensitive). NoticeInvalid without an insured number."""
    person, logged = person_header(actor, request, resident_id, function, channel="print")
    if not person.sensitive_visible:  # every notice prints the address
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function(f"{function}.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    if person.insured_number is None:
        raise NoticeInvalid("被保険者番号がないため通知書を作成できません。")
    return card_holder(person.resident, person.insured_number), logged


def _require_issue(actor, request, resident_id: int) -> None:
    """The role (``premium.collect``) and the ward scope of an issue (``require_premium_update``),
    checked after the person was read (so that view and protection refusals keep their own log
    rows); a refusal is logged as ``premium.notice.print.denied`` and raised (NotPermitted)."""
    try:
        require_premium_update(actor, resident_id, permission="premium.collect")
    except NotPermitted:
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function(f"{NOTICE_FUNCTION}.denied"))
        raise


def _levy_notice(kind: str, levy_id: int, *, actor, request, resident_id: int | None, function: str,
                 installment_month: date | None, today: date, reprint: bool, sample: bool = False):
    """(levy, built notice, access-log function) of one notice of a levy revision, read and refused
    as every notice is (``_printable_holder``); ``reprint`` when asked or when an issue of the same
    notice is recorded (PremiumNotice)."""
    if kind not in NoticeKind.values or kind in REDUCTION_NOTICE_KINDS:
        raise NoticeInvalid("通知書の種類が正しくありません。")
    loaded = _load([levy_id], with_previous=kind in WITH_PREVIOUS)
    levy = loaded.levies.get(levy_id)
    if levy is None or resident_id not in (None, levy.resident_id):
        raise Levy.DoesNotExist
    holder, logged = _printable_holder(actor, request, levy.resident_id, function)
    meta = documents.NoticeMeta(today, levy.fiscal_year, levy.notice_number)
    built = _build(kind, levy, loaded, holder, meta, today=today, installment_month=installment_month)
    again = reprint or bool(_reprinted(kind, [(levy.pk, built.installment_month)]))
    if again or sample:
        built = _Built(replace(built.notice, meta=replace(built.notice.meta, reprint=again, sample=sample)),
                       built.installment_month)
    return levy, built, logged


@dataclass(frozen=True)
class IssuedNotice:
    """An issue recorded (``notice``: who, when, 再発行 or not) and its PDF as issued."""

    notice: PremiumNotice
    pdf: bytes


def notice_issue(kind: str, levy_id: int, *, actor, request=None, resident_id: int | None = None,
                 reprint: bool = False, installment_month: date | None = None,
                 today: date | None = None) -> IssuedNotice:
    """Issue one notice of ``kind`` (NoticeKind) for the levy revision ``levy_id`` now (交付・発送: a
    POST, never a GET): the role (``premium.collect``) and the ward scope checked here (a ward
    office issues to its own ward's residents; the head office to all), then one PremiumNotice row
    (``issued_by`` = ``actor``, ``created_at``; ``reprint`` when the same notice was issued before,
    or when the caller says so) and one access-log row (channel print), in one transaction after
    rendering. Reminders name ``installment_month`` (default: the oldest bill unpaid after its
    納期限); demand letters every unpaid bill of the year. Raises Levy.DoesNotExist (also when
    ``resident_id`` is given and the revision is another person's: a screen's URL names both),
    NotPermitted (no role, outside the clerk's ward, or a protected person's address the clerk may
    not see: logged), NoticeInvalid (nothing recorded). The notices of a reduction's decision are
    ``reduction_notice_issue``'s; a preview that records nothing is ``notice_preview_pdf``."""
    today = today or timezone.localdate()
    levy, built, function = _levy_notice(kind, levy_id, actor=actor, request=request, resident_id=resident_id,
                                         function=NOTICE_FUNCTION, installment_month=installment_month,
                                         today=today, reprint=reprint)
    _require_issue(actor, request, levy.resident_id)
    pdf = documents.render_notice(built.notice)
    with transaction.atomic(durable=True):
        row = PremiumNotice.objects.create(resident_id=levy.resident_id, fiscal_year=levy.fiscal_year, kind=kind,
                                           levy=levy, installment_month=built.installment_month, issued_on=today,
                                           reprint=built.notice.meta.reprint, issued_by=actor)
        access_log_write(actor=actor, request=request, function=function, channel="print",
                         person_ids=[levy.resident_id])
    return IssuedNotice(row, pdf)


def notice_pdf(kind: str, levy_id: int, *, actor, request=None, resident_id: int | None = None, reprint: bool = False,
               installment_month: date | None = None, today: date | None = None) -> bytes:
    """The PDF of ``notice_issue`` (which records the issue: for a POST or a batch, never a GET)."""
    return notice_issue(kind, levy_id, actor=actor, request=request, resident_id=resident_id, reprint=reprint,
                        installment_month=installment_month, today=today).pdf


def notice_preview_pdf(kind: str, levy_id: int, *, actor, request=None, resident_id: int | None = None,
                       installment_month: date | None = None, today: date | None = None) -> bytes:
    """The notice ``notice_issue`` would issue now, marked 「見本」 (with 「再発行」 when the issue would be
    a reprint), for the clerk to check on screen or on paper: what a GET shows. It records nothing:
    only the access-log row (``premium.notice.preview``, channel print). Read and refused as every
    notice (view scope, protected households); NoticeInvalid as ``notice_issue``."""
    levy, built, function = _levy_notice(kind, levy_id, actor=actor, request=request, resident_id=resident_id,
                                         function=PREVIEW_FUNCTION, installment_month=installment_month,
                                         today=today or timezone.localdate(), reprint=False, sample=True)
    pdf = documents.render_notice(built.notice)
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[levy.resident_id])
    return pdf


def issued_notice_pdf(notice_id: int, *, actor, request=None, resident_id: int) -> bytes:
    """The PDF of a notice issued before (a PremiumNotice of a levy revision or of a reduction's
    decision, one at a time or in a batch), drawn again as issued: its issue date, its installment,
    「再発行」 when the issue was a reprint. What the print link after an issue opens (a GET): it
    records nothing, only the access-log row (``premium.notice.print``, channel print). Read and
    refused as every notice; PremiumNotice.DoesNotExist when it is not this person's."""
    row = PremiumNotice.objects.get(pk=notice_id, resident_id=resident_id)
    if row.reduction_id is not None:
        reduction = Reduction.objects.get(pk=row.reduction_id)
        holder, function = _printable_holder(actor, request, resident_id, NOTICE_FUNCTION)
        meta = documents.NoticeMeta(row.issued_on, row.fiscal_year,
                                    row.levy.notice_number if row.levy_id else None, reprint=row.reprint)
        notice = reduction_notice(row.kind, reduction, row.levy, holder, meta)
    else:
        if row.levy_id is None:
            raise PremiumNotice.DoesNotExist
        loaded = _load([row.levy_id], with_previous=row.kind in WITH_PREVIOUS)
        levy = loaded.levies[row.levy_id]
        holder, function = _printable_holder(actor, request, resident_id, NOTICE_FUNCTION)
        meta = documents.NoticeMeta(row.issued_on, levy.fiscal_year, levy.notice_number, reprint=row.reprint)
        notice = _build(row.kind, levy, loaded, holder, meta, today=row.issued_on,
                        installment_month=row.installment_month).notice
    pdf = documents.render_notice(notice)
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[resident_id])
    return pdf


@dataclass
class NoticeBatch:
    """A batch print: the PDF (None when nothing printed), the revisions printed in order, and those
    left out with the reason (protected persons, no insured number, nothing to notify)."""

    pdf: bytes | None
    printed: list[int] = field(default_factory=list)
    left_out: dict[int, str] = field(default_factory=dict)


def _build_many(items: Sequence[tuple[str, int, date | None, date]]) -> tuple[list[tuple[Levy, str, _Built]],
                                                                            dict[int, str]]:
    """The notices of many (kind, levy id, installment month, issue date), in the order given, read
    in a fixed number of queries; and the levies left out with the reason. Protected persons
    (支援措置) are left out, as in the card batch print: their notices print at their ward office."""
    loaded = _load([levy_id for _, levy_id, _, _ in items],
                   with_previous=any(kind in WITH_PREVIOUS for kind, _, _, _ in items))
    person_ids = {levy.resident_id for levy in loaded.levies.values()}
    printed = card_holders(person_ids)
    built: list[tuple[Levy, str, _Built]] = []
    left_out: dict[int, str] = {}
    for kind, levy_id, month, issued_on in items:
        levy = loaded.levies.get(levy_id)
        if levy is None:
            left_out[levy_id] = "賦課が見つかりません"
        elif levy.resident_id in printed.protected:
            left_out[levy_id] = LEFT_OUT_PROTECTED
        elif levy.resident_id not in printed.holders:
            left_out[levy_id] = "被保険者番号がありません"
        else:
            holder = printed.holders[levy.resident_id]
            meta = documents.NoticeMeta(issued_on, levy.fiscal_year, levy.notice_number)
            try:
                built.append((levy, kind, _build(kind, levy, loaded, holder, meta, today=issued_on,
                                                 installment_month=month)))
            except NoticeInvalid as error:
                left_out[levy_id] = str(error)
    return built, left_out


def _reprint(built: _Built) -> _Built:
    return _Built(replace(built.notice, meta=replace(built.notice.meta, reprint=True)), built.installment_month)


def notices_batch(kind: str, levy_ids: Sequence[int], *, actor=None, batch_run_id: int | None = None,
                  today: date | None = None) -> NoticeBatch:
    """Notices of ``kind`` for many revisions as one PDF, in the order given, each starting on a
    new page; one PremiumNotice row per notice printed (with ``batch_run_id``) and one access-log
    row naming every person printed (channel print). Left out, with the reason: protected persons
    (支援措置), persons without an insured number, revisions the kind has nothing to say about.
    ``actor`` None is a batch run acting for the city; a staff actor must hold ``card.batch_print``
    and serve every ward (the head office's print room), checked here."""
    if actor is not None and (not has_permission(actor, "card.batch_print") or home_wards(actor) < ALL_WARDS):
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    if kind not in NoticeKind.values or kind in REDUCTION_NOTICE_KINDS:
        raise NoticeInvalid("通知書の種類が正しくありません。")
    today = today or timezone.localdate()
    built, left_out = _build_many([(kind, levy_id, None, today) for levy_id in dict.fromkeys(levy_ids)])
    result = NoticeBatch(None, left_out=left_out)
    if not built:
        return result
    again = _reprinted(kind, [(levy.pk, b.installment_month) for levy, _, b in built])
    marks = [(levy.pk, b.installment_month) in again for levy, _, b in built]
    result.pdf = documents.render_notices([(_reprint(b) if reprint else b).notice
                                           for reprint, (_, _, b) in zip(marks, built, strict=True)])
    with transaction.atomic():
        PremiumNotice.objects.bulk_create([
            PremiumNotice(resident_id=levy.resident_id, fiscal_year=levy.fiscal_year, kind=kind, levy=levy,
                          installment_month=b.installment_month, issued_on=today, reprint=reprint, issued_by=actor,
                          batch_run_id=batch_run_id)
            for reprint, (levy, _, b) in zip(marks, built, strict=True)])
        access_log_write(actor=actor, function=NOTICE_FUNCTION, channel="print",
                         person_ids=[levy.resident_id for levy, _, _ in built], hits=len(built))
    result.printed = [levy.pk for levy, _, _ in built]
    return result


def notices_batch_pdf(kind: str, levy_ids: Sequence[int], *, actor=None, batch_run_id: int | None = None) -> bytes:
    """The PDF of ``notices_batch``; NoticeInvalid when none of the revisions gave a notice."""
    result = notices_batch(kind, levy_ids, actor=actor, batch_run_id=batch_run_id)
    if result.pdf is None:
        raise NoticeInvalid("印刷できる通知書がありません。")
    return result.pdf


def run_notices_pdf(batch_run_id: int, *, actor=None, request=None) -> NoticeBatch:
    """The notices a batch run recorded (the reminders run, premiums.arrears.reminders_chunk, records
    each 督促状 as a PremiumNotice row when it issues it), drawn from their revisions as of their issue
    date, by person, as one PDF. The run's rows are the issue: no new row; one access-log row
    (channel print). A reminder paid in full since is left out."""
    rows = list(PremiumNotice.objects.filter(batch_run_id=batch_run_id, levy__isnull=False)
                .order_by("resident_id", "fiscal_year", "installment_month", "id"))
    built, left_out = _build_many([(r.kind, r.levy_id, r.installment_month, r.issued_on) for r in rows])
    result = NoticeBatch(None, left_out=left_out)
    if not built:
        return result
    reprinted = {(r.levy_id, r.installment_month) for r in rows if r.reprint}
    result.pdf = documents.render_notices([
        (_reprint(b) if (levy.pk, b.installment_month) in reprinted else b).notice for levy, _, b in built])
    access_log_write(actor=actor, request=request, function=NOTICE_FUNCTION, channel="print",
                     person_ids=[levy.resident_id for levy, _, _ in built], hits=len(built))
    result.printed = [levy.pk for levy, _, _ in built]
    return result


# --- the notices of a reduction's decision (減免・境界層措置・徴収猶予) ---------------------------------

REDUCTION_NOTICE_KINDS = (NoticeKind.REDUCTION, NoticeKind.DEFERRAL, NoticeKind.DEFERRAL_END,
                          NoticeKind.REDUCTION_REJECTION)
REDUCTION_UNDECIDED = "この申請はまだ決定されていないため、通知書は作成できません（所管課長の決定後に印刷できます）。"
REDUCTION_NOT_FOR = {
    NoticeKind.REDUCTION: "承認された減免・境界層措置の申請ではないため、減免決定通知書は作成できません。",
    NoticeKind.DEFERRAL: "承認された徴収猶予の申請ではないため、徴収猶予決定通知書は作成できません。",
    NoticeKind.DEFERRAL_END: "取り消された徴収猶予ではないため、徴収猶予取消通知書は作成できません。",
    NoticeKind.REDUCTION_REJECTION: "却下された申請ではないため、申請却下通知書は作成できません。",
}


def reduction_notice_kinds(kind: str, status: str, ended: bool) -> tuple[str, ...]:
    """The notices (NoticeKind) a reduction's decision gives, the latest last: none while it awaits
    the decision; the rejection; the approval (徴収猶予決定 for a deferral, 減免決定 for a reduction or
    the 境界層措置) and, for a deferral ended early, also its 取消."""
    if status == ReductionStatus.REJECTED:
        return (NoticeKind.REDUCTION_REJECTION,)
    if status != ReductionStatus.APPROVED:
        return ()
    if kind == ReductionKind.DEFERRAL:
        return (NoticeKind.DEFERRAL, NoticeKind.DEFERRAL_END) if ended else (NoticeKind.DEFERRAL,)
    return (NoticeKind.REDUCTION,)


def decided_until(reduction: Reduction) -> date | None:
    """The 猶予期限 the approval recorded: ``deferred_until`` until the deferral is ended early; then
    rebuilt by the same rule (the last day of the last month, past closed days)."""
    if reduction.ended_at is None:
        return reduction.deferred_until
    return deferral_until(reduction.last_month, closed_days(reduction.fiscal_year))


def deferred_bills(levy: Levy | None, starts: date, covered_until: date, until: date
                   ) -> tuple[documents.DeferredBill, ...]:
    """The bills (普通徴収) of the revision whose own 納期限 falls within ``starts``..``covered_until``
    (the deferral as approved), each with its 納期限 under a deferral to ``until``
    (premiums.rules.deferral.deferred_due: the 猶予期限, or its own date when that comes later)."""
    if levy is None:
        return ()
    rows = LevyInstallment.objects.filter(levy=levy, method=CollectionMethod.BILLING).order_by("month")
    approved, now = Deferral(starts, covered_until), [Deferral(starts, until)]
    return tuple(documents.DeferredBill(i.label, i.due_date, deferred_due(i.method, i.due_date, now), i.amount)
                 for i in _rule_installments(rows) if approved.covers(i.due_date))


def reduction_notice(kind: str, reduction: Reduction, levy: Levy | None, holder,
                     meta: documents.NoticeMeta) -> documents.Notice:
    """The value object of the notice ``kind`` of a decided reduction; ``levy`` is the year's revision
    (the 通知書番号, the 境界層's own stage and the deferred bills come from it; None: none)."""
    insurer = insurer_info()
    facts = documents.ReductionFacts(REDUCTION_LABELS.get(reduction.kind, reduction.kind), reduction.applied_on,
                                     timezone.localdate(reduction.decided_at), reduction.first_month,
                                     reduction.last_month)
    if kind == NoticeKind.REDUCTION_REJECTION:
        return documents.RejectionNotice(holder, insurer, meta, facts, reduction.rejection_reason,
                                         deferral=reduction.kind == ReductionKind.DEFERRAL,
                                         borderline=reduction.kind == ReductionKind.BORDERLINE)
    if kind == NoticeKind.REDUCTION:
        if reduction.stage is not None:
            return documents.ReductionNotice(holder, insurer, meta, facts, stage=reduction.stage,
                                             own_stage=levy.stage if levy is not None else None)
        return documents.ReductionNotice(holder, insurer, meta, facts, rate=reduction.rate)
    approved_until = decided_until(reduction)
    if kind == NoticeKind.DEFERRAL:
        return documents.DeferralNotice(holder, insurer, meta, facts, approved_until,
                                        deferred_bills(levy, reduction.first_month, approved_until, approved_until))
    if kind == NoticeKind.DEFERRAL_END:
        return documents.DeferralEndNotice(
            holder, insurer, meta, facts, approved_until, timezone.localdate(reduction.ended_at),
            reduction.deferred_until, reduction.end_reason,
            deferred_bills(levy, reduction.first_month, approved_until, reduction.deferred_until))
    raise NoticeInvalid("通知書の種類が正しくありません。")


def _reduction_notice(reduction_id: int, *, actor, request, resident_id: int | None, kind: str | None,
                      function: str, today: date, reprint: bool, sample: bool = False):
    """(reduction, levy, kind, built notice value, access-log function) of a reduction's notice, read and
    refused as every notice (``_printable_holder``); ``reprint`` when asked or when an issue of the
    same notice of the same reduction is recorded."""
    if kind is not None and kind not in REDUCTION_NOTICE_KINDS:
        raise NoticeInvalid("通知書の種類が正しくありません。")
    reduction = Reduction.objects.get(pk=reduction_id, **({} if resident_id is None else {"resident_id": resident_id}))
    holder, function = _printable_holder(actor, request, reduction.resident_id, function)
    kinds = reduction_notice_kinds(reduction.kind, reduction.status, reduction.ended_at is not None)
    if not kinds:
        raise NoticeInvalid(REDUCTION_UNDECIDED, fiscal_year=reduction.fiscal_year)
    kind = kind or kinds[-1]
    if kind not in kinds:
        raise NoticeInvalid(REDUCTION_NOT_FOR[kind], fiscal_year=reduction.fiscal_year)
    levy = (Levy.objects.filter(resident_id=reduction.resident_id, fiscal_year=reduction.fiscal_year)
            .order_by("-revision").first())
    again = reprint or PremiumNotice.objects.filter(kind=kind, reduction=reduction).exists()
    meta = documents.NoticeMeta(today, reduction.fiscal_year, levy.notice_number if levy is not None else None,
                                reprint=again, sample=sample)
    return reduction, levy, kind, reduction_notice(kind, reduction, levy, holder, meta), function


def reduction_notice_issue(reduction_id: int, *, actor, request=None, resident_id: int | None = None,
                           kind: str | None = None, reprint: bool = False, today: date | None = None) -> IssuedNotice:
    """Issue the notice of a reduction's decision (減免決定, 徴収猶予決定, 徴収猶予取消, 申請却下) now (交付・発送:
    a POST, never a GET); ``kind`` (NoticeKind) defaults to the latest the decision gives
    (``reduction_notice_kinds``). As ``notice_issue``: the person read through person_header (refusals
    logged), then the role (``premium.collect``) and the ward scope checked here (refusal logged as
    ``premium.notice.print.denied``), one PremiumNotice row naming the reduction (and the year's
    revision, whose 通知書番号 it prints; none when the year has no levy) with ``issued_by`` and
    ``reprint`` when the same notice of the same reduction was issued before, and one access-log row
    (channel print), in one transaction after rendering. Raises Reduction.DoesNotExist (also another
    person's reduction when ``resident_id`` is given), NotPermitted, NoticeInvalid (not decided, or a
    notice the decision does not give: nothing is recorded then; its ``fiscal_year`` is the
    reduction's)."""
    today = today or timezone.localdate()
    reduction, levy, kind, notice, function = _reduction_notice(
        reduction_id, actor=actor, request=request, resident_id=resident_id, kind=kind, function=NOTICE_FUNCTION,
        today=today, reprint=reprint)
    _require_issue(actor, request, reduction.resident_id)
    pdf = documents.render_notice(notice)
    with transaction.atomic(durable=True):
        row = PremiumNotice.objects.create(resident_id=reduction.resident_id, fiscal_year=reduction.fiscal_year,
                                           kind=kind, levy=levy, reduction=reduction, issued_on=today,
                                           reprint=notice.meta.reprint, issued_by=actor)
        access_log_write(actor=actor, request=request, function=function, channel="print",
                         person_ids=[reduction.resident_id])
    return IssuedNotice(row, pdf)


def reduction_notice_pdf(reduction_id: int, *, actor, request=None, resident_id: int | None = None,
                         kind: str | None = None, reprint: bool = False, today: date | None = None) -> bytes:
    """The PDF of ``reduction_notice_issue`` (which records the issue: for a POST, never a GET)."""
    return reduction_notice_issue(reduction_id, actor=actor, request=request, resident_id=resident_id, kind=kind,
                                  reprint=reprint, today=today).pdf


def reduction_notice_preview_pdf(reduction_id: int, *, actor, request=None, resident_id: int | None = None,
                                 kind: str | None = None, today: date | None = None) -> bytes:
    """The notice ``reduction_notice_issue`` would issue now, marked 「見本」: what a GET shows. It
    records nothing: only the access-log row (``premium.notice.preview``, channel print)."""
    reduction, _, _, notice, function = _reduction_notice(
        reduction_id, actor=actor, request=request, resident_id=resident_id, kind=kind, function=PREVIEW_FUNCTION,
        today=today or timezone.localdate(), reprint=False, sample=True)
    pdf = documents.render_notice(notice)
    access_log_write(actor=actor, request=request, function=function, channel="print",
                     person_ids=[reduction.resident_id])
    return pdf


def notice_links(kind: str, status: str, ended: bool) -> list[tuple[str, str]]:
    """(NoticeKind, label) of the notices a reduction's decision gives (``reduction_notice_kinds``), for
    the screens' print links."""
    return [(k, NOTICE_LABELS[k]) for k in reduction_notice_kinds(kind, status, ended)]


# --- the 領収証書 of a counter payment, the notices of a refund or an offset -----------------------


def receipt_pdf(receipt_id: int, *, actor, request=None, resident_id: int, today: date | None = None) -> bytes:
    """The 領収証書 of a counter payment (CounterReceipt) as PDF: the person read as for every notice
    (``_printable_holder``: ward scope, protected households; refusals logged); a preview writes
    only the access-log row (channel print), no PremiumNotice (the receipt is the record).
    CounterReceipt.DoesNotExist when it is not this person's."""
    from premiums.collection.selectors import receipt_lines

    holder, function = _printable_holder(actor, request, resident_id)
    receipt = receipt_lines(resident_id, receipt_id)
    fiscal_year = max((line.fiscal_year for line in receipt.lines), default=receipt.paid_on.year)
    meta = documents.NoticeMeta(today or timezone.localdate(), fiscal_year, None)
    pdf = documents.render_notice(documents.Receipt(
        holder, insurer_info(), meta, receipt.pk, receipt.paid_on, receipt.amount,
        tuple(documents.ReceiptLine(line.fiscal_year, line.label, line.premium, line.late_charge)
              for line in receipt.lines)))
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[resident_id])
    return pdf


def settlement_notice_pdf(settlement_id: int, *, actor, request=None, resident_id: int,
                          today: date | None = None) -> tuple[bytes, str]:
    """The 還付通知書 (a refund: the account by its last digits) or 充当通知書 (an offset: the installment
    it paid) of a decision on an overpayment, as PDF, and "refund" or "offset"; a preview writes only
    the access-log row (channel print). Settlement.DoesNotExist when it is not this person's."""
    from kaigo.bank.zengin import ACCOUNT_TYPES, masked
    from premiums.collection.models import Settlement, SettlementKind

    holder, function = _printable_holder(actor, request, resident_id)
    settlement = Settlement.objects.select_related("offset_payment").get(pk=settlement_id, resident_id=resident_id)
    refund = settlement.kind == SettlementKind.REFUND
    account = target = ""
    if refund and settlement.bank_code:
        account = (f"金融機関 {settlement.bank_code}・支店 {settlement.branch_code}　"
                   f"{ACCOUNT_TYPES.get(settlement.account_type, '')}　{masked(settlement.account_number)}")
    elif refund:
        account = "窓口でお渡しします"
    else:
        payment = settlement.offset_payment
        levy = Levy.objects.filter(resident_id=resident_id, fiscal_year=payment.fiscal_year, recorded_to__isnull=True
                                   ).first()
        label = next((i.label for i in _rule_installments(levy.installments.filter(
            method=payment.method, month=payment.month)) if levy is not None), f"{payment.month.month}月")
        target = f"{wareki_fiscal_year(payment.fiscal_year)} {label}"
    levy = Levy.objects.filter(resident_id=resident_id, fiscal_year=settlement.fiscal_year).order_by("-revision").first()
    meta = documents.NoticeMeta(today or timezone.localdate(), settlement.fiscal_year,
                                levy.notice_number if levy is not None else None)
    pdf = documents.render_notice(documents.SettlementNotice(
        holder, insurer_info(), meta, refund, settlement.amount, settlement.fiscal_year,
        timezone.localdate(settlement.decided_at), settlement.reason, account, target))
    access_log_write(actor=actor, request=request, function=function, channel="print", person_ids=[resident_id])
    return pdf, settlement.kind
