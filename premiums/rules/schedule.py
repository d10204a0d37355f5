"""How a year's premium is collected: the method (特別徴収 = pension deduction, 普通徴収 =
billing) and the schedule of installments (DOMAIN 2.7-2.9, 10.4).

Pure: amounts, months and the collection plan (tables.CollectionPlan) in, a Schedule out.
Every schedule satisfies ``sum(installment amounts) - overpaid == amount`` (checked when it
is built): nothing is lost to rounding, a remainder always lands in a named installment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from premiums.rules.codes import (
    CollectionMethod,
    CollectionReason,
    InstallmentKind,
    PensionKind,
)
from premiums.rules.errors import ScheduleError
from premiums.rules.tables import (
    FINAL_MONTHS,
    PENSION_MONTHS,
    PROVISIONAL_MONTHS,
    BillingPlan,
    CollectionPlan,
    PensionDeductionPlan,
    YearMonth,
    add_months,
    fiscal_month,
    fiscal_year_months,
    man_yen,
)

ONE_DAY = timedelta(days=1)
PENSION, BILLING, BOTH = (
    CollectionMethod.PENSION_DEDUCTION,
    CollectionMethod.BILLING,
    CollectionMethod.BOTH,
)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installment:
    method: CollectionMethod  # PENSION_DEDUCTION or BILLING
    kind: InstallmentKind
    number: int  # billing: the plan's 期 (1-based), 0 for 随時; pension: 1-6 (April = 1)
    year: int
    month: int
    due_date: date  # billing: 納期限 (moved past holidays); pension: the payment day
    amount: int

    @property
    def ym(self) -> YearMonth:
        return (self.year, self.month)

    @property
    def label(self) -> str:
        return installment_label(self.method, self.kind, self.number, self.month)


def installment_label(method: str, kind: str, number: int, month: int) -> str:
    """"第3期", "随時", "10月 本徴収": how staff and notices name an installment."""
    if method == PENSION:
        return f"{month}月 {InstallmentKind(kind).label}"
    if kind == InstallmentKind.EXTRA:
        return "随時"
    return f"第{number}期"


def _order(i: Installment) -> tuple:
    return (i.year, i.month, i.method != PENSION, i.number)


@dataclass(frozen=True)
class Schedule:
    """The installments collecting ``amount``. ``overpaid`` > 0 when installments that can no
    longer change (provisional deductions, past installments) exceed the amount: the
    difference is to be refunded or offset (還付・充当, DOMAIN 2.13)."""

    amount: int
    installments: tuple[Installment, ...] = ()
    overpaid: int = 0

    def __post_init__(self):
        object.__setattr__(self, "installments", tuple(sorted(self.installments, key=_order)))
        if self.overpaid < 0 or any(i.amount <= 0 for i in self.installments):
            raise ScheduleError("徴収予定の金額が不正です。")
        if sum(i.amount for i in self.installments) - self.overpaid != self.amount:
            raise ScheduleError("徴収予定の合計が保険料額と一致しません。")
        keys = [(i.method, i.year, i.month) for i in self.installments]
        if len(set(keys)) != len(keys):
            raise ScheduleError("同じ月に同じ徴収方法の納期が重複しています。")

    def of(self, method: CollectionMethod) -> tuple[Installment, ...]:
        return tuple(i for i in self.installments if i.method == method)

    @property
    def pension_total(self) -> int:
        return sum(i.amount for i in self.of(PENSION))

    @property
    def billing_total(self) -> int:
        return sum(i.amount for i in self.of(BILLING))

    @property
    def collected_total(self) -> int:
        return self.pension_total + self.billing_total


# --- dates ------------------------------------------------------------------------------------


def next_business_day(day: date, holidays: frozenset[date] = frozenset()) -> date:
    """A 納期限 on a Saturday, Sunday or holiday moves to the next business day (自治法 §4の2).
    ``holidays``: national holidays and the city's closing days (年末年始), from a calendar."""
    while day.weekday() >= 5 or day in holidays:
        day += ONE_DAY
    return day


def previous_business_day(day: date, holidays: frozenset[date] = frozenset()) -> date:
    """Pensions due on a closed day are paid on the business day before [K]."""
    while day.weekday() >= 5 or day in holidays:
        day -= ONE_DAY
    return day


def billing_due_date(
    plan: BillingPlan, ym: YearMonth, holidays: frozenset[date] = frozenset()
) -> date:
    year, month = ym
    return next_business_day(date(year, month, plan.nominal_due_date_day(year, month)), holidays)


def pension_payment_date(
    plan: PensionDeductionPlan, ym: YearMonth, holidays: frozenset[date] = frozenset()
) -> date:
    return previous_business_day(date(ym[0], ym[1], plan.payment_day), holidays)


# --- splitting --------------------------------------------------------------------------------


def split_remainder_first(amount: int, parts: int, unit: int) -> list[int]:
    """``amount`` in ``parts`` installments: each truncated to ``unit``, the remainder added to
    the first (DOMAIN 2.7, 10.4). Parts may be 0 when the amount is small."""
    if amount < 0 or parts < 1:
        raise ValueError("amount must be >= 0 and parts >= 1")
    each = (amount // parts) // unit * unit
    return [amount - each * (parts - 1)] + [each] * (parts - 1)


# --- 普通徴収 (billing) -----------------------------------------------------------------------


def billing_schedule(
    amount: int,
    *,
    fiscal_year: int,
    plan: BillingPlan,
    start: YearMonth | None = None,
    until: YearMonth | None = None,
    holidays: frozenset[date] = frozenset(),
) -> Schedule:
    """普通徴収 of ``amount`` on the plan's installments of ``fiscal_year`` whose month is in
    [``start``, ``until``) (``start`` None = from April, ``until`` None = to the last 期):
    each truncated to ``plan.unit``, the remainder in the first of them (DOMAIN 2.7, 2.9).
    When no installment month is left (a levy after the last 期, or bills until a pension
    deduction that starts before the next 期) the whole amount is one 随時 installment in the
    month ``start``."""
    if amount < 0:
        raise ValueError("amount must be >= 0")
    if amount == 0:
        return Schedule(0)
    start = start or (fiscal_year, 4)
    slots = [
        (n, ym)
        for n, ym in plan.slots(fiscal_year)
        if ym >= start and (until is None or ym < until)
    ]
    if not slots:
        extra = Installment(
            BILLING,
            InstallmentKind.EXTRA,
            0,
            *start,
            billing_due_date(plan, start, holidays),
            amount,
        )
        return Schedule(amount, (extra,))
    amounts = split_remainder_first(amount, len(slots), plan.unit)
    installments = tuple(
        Installment(
            BILLING, InstallmentKind.REGULAR, n, *ym, billing_due_date(plan, ym, holidays), a
        )
        for (n, ym), a in zip(slots, amounts)
        if a
    )
    return Schedule(amount, installments)


# --- 特別徴収 (pension deduction) -------------------------------------------------------------


def pension_months(fiscal_year: int) -> list[YearMonth]:
    """April, June, August, October, December of ``fiscal_year`` and February of the next year."""
    return [fiscal_month(fiscal_year, m) for m in PENSION_MONTHS]


def levelled_provisional(april: int, levelling_base: int, plan: PensionDeductionPlan) -> int:
    """平準化 (DOMAIN 2.8): the June and August 仮徴収 amount that brings the provisional total
    near half of ``levelling_base`` (the previous year's annual amount): target = base ÷ 6
    truncated to the unit; June = August = (target × 3 − April) ÷ 2 truncated to the unit,
    never below 0."""
    unit = plan.levelling_unit
    target = levelling_base // len(PENSION_MONTHS) // unit * unit
    later = len(PROVISIONAL_MONTHS) - 1
    return max(0, target * len(PROVISIONAL_MONTHS) - april) // later // unit * unit


def pension_deduction_schedule(
    amount: int,
    *,
    fiscal_year: int,
    plan: PensionDeductionPlan,
    start: YearMonth | None = None,
    provisional_amount: int | None = None,
    levelling_base: int | None = None,
    holidays: frozenset[date] = frozenset(),
) -> Schedule:
    """特別徴収 of ``amount`` (the part of the year's premium deducted from the pension) from
    the pension month ``start`` (None = April) to February (DOMAIN 2.7, 2.8, 10.4).

    仮徴収 in the provisional months (April, June, August) from ``start``: each
    ``provisional_amount`` (for a person deducted last year: the previous February's amount,
    法 §140); with ``levelling_base`` (平準化, only from April) June and August are
    ``levelled_provisional``. 本徴収 in October, December, February from ``start``:
    (``amount`` − 仮徴収 total) split with each truncated to ``plan.final_unit`` and the
    remainder in the first (October). When the provisional deductions exceed ``amount`` there
    is no 本徴収 and the excess is ``overpaid``."""
    months = pension_months(fiscal_year)
    start = start or months[0]
    if start not in months:
        raise ScheduleError("特別徴収の開始月は年金支払月（偶数月）で指定してください。")
    if amount < 0:
        raise ValueError("amount must be >= 0")
    active = [(i + 1, ym) for i, ym in enumerate(months) if ym >= start]
    provisional_slots = [(n, ym) for n, ym in active if ym[1] in PROVISIONAL_MONTHS]
    final_slots = [(n, ym) for n, ym in active if ym[1] in FINAL_MONTHS]

    provisional: list[tuple[int, YearMonth, int]] = []
    if provisional_slots:
        if provisional_amount is None or provisional_amount < 0:
            raise ScheduleError("仮徴収額を指定してください。")
        later = provisional_amount
        if levelling_base is not None:
            if start != months[0]:
                raise ScheduleError("平準化は4月から特別徴収する場合に限ります。")
            later = levelled_provisional(provisional_amount, levelling_base, plan)
        for n, ym in provisional_slots:
            provisional.append((n, ym, provisional_amount if ym == months[0] else later))

    rest = amount - sum(a for _, _, a in provisional)
    finals: list[tuple[int, YearMonth, int]] = []
    if rest > 0:
        parts = split_remainder_first(rest, len(final_slots), plan.final_unit)
        finals = [(n, ym, a) for (n, ym), a in zip(final_slots, parts)]

    def make(kind, rows):
        return [
            Installment(PENSION, kind, n, *ym, pension_payment_date(plan, ym, holidays), a)
            for n, ym, a in rows
            if a
        ]

    installments = make(InstallmentKind.PROVISIONAL, provisional) + make(
        InstallmentKind.FINAL, finals
    )
    return Schedule(amount, tuple(installments), overpaid=max(0, -rest))


# --- collection method ------------------------------------------------------------------------


@dataclass(frozen=True)
class PensionFacts:
    """The pension a 年金保険者 reported for the person (特別徴収対象者情報, DOMAIN 2.8, 6.6)."""

    kind: PensionKind
    annual_amount: int  # 年金額 (年額) of that pension
    listed_in: YearMonth | None = None  # month the 特別徴収対象者情報 listing the person arrived
    continuing: bool = False  # deducted up to the previous fiscal year's February, not stopped
    withholdable: bool = True  # False: suspended, pledged, or reported not withholdable


@dataclass(frozen=True)
class CollectionDecision:
    method: (
        CollectionMethod  # PENSION_DEDUCTION (from April), BOTH (bills, then deduction), BILLING
    )
    reason: CollectionReason
    message: str
    pension_from: YearMonth | None = None  # first pension month deducted this fiscal year


def _ym_text(ym: YearMonth) -> str:
    return f"{ym[0]}年{ym[1]}月"


def first_deduction_month(listed_in: YearMonth, plan: PensionDeductionPlan) -> YearMonth:
    """The first pension month a listing can be deducted in: ``plan.listing_lead_months``
    after the listing, moved to the next pension month (DOMAIN 2.8: May -> October)."""
    ym = add_months(listed_in, plan.listing_lead_months)
    while ym[1] not in PENSION_MONTHS:
        ym = add_months(ym, 1)
    return ym


def collection_method(
    pension: PensionFacts | None, *, fiscal_year: int, plan: PensionDeductionPlan
) -> CollectionDecision:
    """特別徴収 or 普通徴収 for ``fiscal_year`` (DOMAIN 2.8). In order: no pension reported,
    a kind never deducted from (老齢福祉年金, 寡婦年金), a pension below the minimum
    (18万円 a year), a pension the 年金保険者 cannot deduct from -> bills. Deducted last year
    and not stopped -> deduction from April. Otherwise the listing decides the first month
    (``first_deduction_month``): April -> deduction; later in the year -> bills until then
    (BOTH); after February -> bills all year."""
    if pension is None:
        return CollectionDecision(
            BILLING,
            CollectionReason.NOT_LISTED,
            "年金保険者からの特別徴収対象者情報がないため普通徴収",
        )
    if pension.kind in plan.excluded_kinds:
        label = PensionKind(pension.kind).label
        return CollectionDecision(
            BILLING,
            CollectionReason.EXCLUDED_PENSION,
            f"{label}は特別徴収の対象とならないため普通徴収",
        )
    if pension.annual_amount < plan.minimum_annual_pension:
        limit = man_yen(plan.minimum_annual_pension)
        return CollectionDecision(
            BILLING, CollectionReason.PENSION_TOO_SMALL, f"年金額が年額{limit}未満のため普通徴収"
        )
    if not pension.withholdable:
        return CollectionDecision(
            BILLING,
            CollectionReason.NOT_WITHHOLDABLE,
            "年金保険者から特別徴収できない旨の通知があったため普通徴収",
        )
    april = (fiscal_year, 4)
    if pension.continuing:
        return CollectionDecision(
            PENSION,
            CollectionReason.CONTINUING,
            "前年度から特別徴収が継続しているため、4月から特別徴収（仮徴収）",
            april,
        )
    if pension.listed_in is None:
        return CollectionDecision(
            BILLING,
            CollectionReason.NOT_LISTED,
            "年金保険者からの特別徴収対象者情報がないため普通徴収",
        )
    first = first_deduction_month(pension.listed_in, plan)
    last = fiscal_month(fiscal_year, PENSION_MONTHS[-1])
    listed = _ym_text(pension.listed_in)
    if first < april:
        return CollectionDecision(
            BILLING,
            CollectionReason.STOPPED,
            "特別徴収が中止されており、その後の特別徴収対象者情報がないため普通徴収",
        )
    if first == april:
        return CollectionDecision(
            PENSION,
            CollectionReason.LISTED,
            f"{listed}の特別徴収対象者情報により、{_ym_text(first)}から特別徴収",
            first,
        )
    if first <= last:
        return CollectionDecision(
            BOTH,
            CollectionReason.LISTED,
            f"{listed}の特別徴収対象者情報により{_ym_text(first)}から特別徴収、それまでは普通徴収",
            first,
        )
    return CollectionDecision(
        BILLING,
        CollectionReason.LISTED_NEXT_YEAR,
        f"特別徴収の開始が{_ym_text(first)}となるため、本年度は普通徴収",
    )


# --- the year's schedule ----------------------------------------------------------------------


def pension_share(amount: int, owed_months: Sequence[YearMonth], pension_from: YearMonth) -> int:
    """The part of ``amount`` collected by pension deduction when it starts in
    ``pension_from``: the owed months from then on over all owed months (each pension payment
    covers its month and the next), truncated to the yen; the rest is billed."""
    if not owed_months:
        return 0
    covered = sum(1 for ym in owed_months if ym >= pension_from)
    return amount * covered // len(owed_months)


def collection_schedule(
    amount: int,
    *,
    fiscal_year: int,
    decision: CollectionDecision,
    plan: CollectionPlan,
    owed_months: Sequence[YearMonth] | None = None,
    provisional_amount: int | None = None,
    levelling_base: int | None = None,
    billing_from: YearMonth | None = None,
    holidays: frozenset[date] = frozenset(),
) -> Schedule:
    """The schedule of the year's ``amount`` under ``decision``.

    ``owed_months``: the months the amount is for (eligibility.rules.premium_months; None =
    the whole year). ``billing_from``: the first month a bill can fall due (None = the first
    owed month). BILLING: bills from ``billing_from``. PENSION_DEDUCTION / BOTH: the
    ``pension_share`` from ``decision.pension_from`` by pension deduction, the rest by bills
    due before the deduction starts (or one 随時 bill when no 期 is left before it); when the
    provisional deductions exceed the share, the bills shrink, then ``overpaid``."""
    owed = list(owed_months) if owed_months is not None else fiscal_year_months(fiscal_year)
    if amount < 0:
        raise ValueError("amount must be >= 0")
    if amount and not owed:
        raise ScheduleError("保険料の対象となる月がありません。")
    if amount == 0:
        return Schedule(0)
    first_bill = billing_from or owed[0]
    if decision.method == BILLING or decision.pension_from is None:
        return billing_schedule(
            amount, fiscal_year=fiscal_year, plan=plan.billing, start=first_bill, holidays=holidays
        )
    share = pension_share(amount, owed, decision.pension_from)
    if share == 0:
        return billing_schedule(
            amount, fiscal_year=fiscal_year, plan=plan.billing, start=first_bill, holidays=holidays
        )
    pension = pension_deduction_schedule(
        share,
        fiscal_year=fiscal_year,
        plan=plan.pension,
        start=decision.pension_from,
        provisional_amount=provisional_amount,
        levelling_base=levelling_base,
        holidays=holidays,
    )
    rest = amount - pension.collected_total
    if rest <= 0:
        return Schedule(amount, pension.installments, overpaid=-rest)
    bills = billing_schedule(
        rest,
        fiscal_year=fiscal_year,
        plan=plan.billing,
        start=first_bill,
        until=decision.pension_from,
        holidays=holidays,
    )
    return Schedule(amount, pension.installments + bills.installments)


def revised_schedule(
    current: Schedule,
    new_amount: int,
    *,
    fiscal_year: int,
    plan: CollectionPlan,
    billing_from: YearMonth,
    pension_stop_from: YearMonth,
    qualification_lost: bool = False,
    holidays: frozenset[date] = frozenset(),
    pension_failed_from: YearMonth | None = None,
) -> Schedule:
    """The schedule after a change of the year's amount to ``new_amount`` (更正, loss of
    qualification; DOMAIN 2.6, 2.8), or after the 年金保険者 reported a deduction not made
    (``pension_failed_from``: that month's and every later deduction is dropped and billed).

    Kept as they are: bills due before ``billing_from`` (issued, paid or in arrears) and
    pension deductions before ``pension_stop_from`` (the first pension month a stop still
    reaches the 年金保険者). Later pension deductions stop on a loss of qualification or a
    decrease (the 年金保険者 cannot reduce mid-year) and continue on an increase or no change
    (the difference is billed: 併徴). What the kept installments leave is billed on the
    remaining 期 from ``billing_from`` (one 随時 bill when none is left); when they exceed
    ``new_amount`` the excess is ``overpaid``."""
    if new_amount < 0:
        raise ValueError("new_amount must be >= 0")
    stop = qualification_lost or new_amount < current.amount
    kept = [
        i
        for i in current.installments
        if (i.method == BILLING and i.ym < billing_from)
        or (i.method == PENSION and (i.ym < pension_stop_from or not stop)
            and (pension_failed_from is None or i.ym < pension_failed_from))
    ]
    rest = new_amount - sum(i.amount for i in kept)
    if rest <= 0:
        return Schedule(new_amount, tuple(kept), overpaid=-rest)
    bills = billing_schedule(
        rest, fiscal_year=fiscal_year, plan=plan.billing, start=billing_from, holidays=holidays
    )
    return Schedule(new_amount, tuple(kept) + bills.installments)
