"""Premium rules: collection method and schedules (premiums/rules/schedule.py).
Pure functions, no database. Fiscal year 2025 with the assumed collection plan: bills in 10 期
July-April due the last day of the month (December: the 25th), each truncated to 100円 with the
remainder in the first; pension deductions on the 15th, 本徴収 truncated to 100円 with the
remainder in October."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from eligibility.qualification.rules import premium_months
from premiums.rules import (
    ASSUMED_COLLECTION_PLAN,
    CollectionDecision,
    CollectionMethod,
    CollectionReason,
    Installment,
    InstallmentKind,
    PensionFacts,
    PensionKind,
    Schedule,
    ScheduleError,
    billing_schedule,
    collection_method,
    collection_schedule,
    first_deduction_month,
    levelled_provisional,
    pension_deduction_schedule,
    revised_schedule,
)
from premiums.rules.schedule import billing_due_date

D = date
PLAN = ASSUMED_COLLECTION_PLAN
FY = 2025
PENSION, BILLING, BOTH = (
    CollectionMethod.PENSION_DEDUCTION,
    CollectionMethod.BILLING,
    CollectionMethod.BOTH,
)
R = CollectionReason

# 納期限 of FY2025 after moving off weekends: Aug 31 (Sun) -> Sep 1, Nov 30 (Sun) -> Dec 1,
# Jan 31 (Sat) -> Feb 2, Feb 28 (Sat) -> Mar 2.
DUE = {
    (2025, 4): D(2025, 4, 30),
    (2025, 7): D(2025, 7, 31),
    (2025, 8): D(2025, 9, 1),
    (2025, 9): D(2025, 9, 30),
    (2025, 10): D(2025, 10, 31),
    (2025, 11): D(2025, 12, 1),
    (2025, 12): D(2025, 12, 25),
    (2026, 1): D(2026, 2, 2),
    (2026, 2): D(2026, 3, 2),
    (2026, 3): D(2026, 3, 31),
    (2026, 4): D(2026, 4, 30),
    (2026, 5): D(2026, 6, 1),
}
# Pension payment days: Jun 15 and Feb 15 are Sundays -> the Friday before.
PAY = {
    (2025, 4): D(2025, 4, 15),
    (2025, 6): D(2025, 6, 13),
    (2025, 8): D(2025, 8, 15),
    (2025, 10): D(2025, 10, 15),
    (2025, 12): D(2025, 12, 15),
    (2026, 2): D(2026, 2, 13),
}
BILL_MONTH = {
    n: ym
    for n, ym in enumerate([(2025, m) for m in range(7, 13)] + [(2026, m) for m in range(1, 5)], 1)
}


def bill(number, amount):
    ym = BILL_MONTH[number]
    return ("普通徴収", f"第{number}期", ym, DUE[ym], amount)


def extra(ym, amount):
    return ("普通徴収", "随時", ym, DUE[ym], amount)


def ded(year, month, amount):
    kind = "仮徴収" if month in (4, 6, 8) else "本徴収"
    return ("特別徴収", f"{month}月 {kind}", (year, month), PAY[(year, month)], amount)


def rows(schedule: Schedule):
    """The schedule as comparable rows, after checking that it adds up."""
    assert sum(i.amount for i in schedule.installments) - schedule.overpaid == schedule.amount
    return [(i.method.label, i.label, i.ym, i.due_date, i.amount) for i in schedule.installments]


def bills(first, last, amount, first_amount=None):
    return [
        bill(n, first_amount if n == first and first_amount is not None else amount)
        for n in range(first, last + 1)
    ]


# --- 普通徴収 ---------------------------------------------------------------------------------

BILLING_CASES = [
    pytest.param(93_600, {}, [bill(1, 9_900)] + bills(2, 10, 9_300), id="full-year-93600"),
    pytest.param(22_230, {}, [bill(1, 2_430)] + bills(2, 10, 2_200), id="full-year-22230"),
    pytest.param(
        31_200, {"start": (2025, 12)}, [bill(6, 6_400)] + bills(7, 10, 6_200), id="from-december"
    ),
    pytest.param(
        39_000,
        {"start": (2025, 8), "until": (2026, 2)},
        bills(2, 7, 6_500),
        id="august-until-february",
    ),
    pytest.param(
        9_000, {"start": (2026, 5)}, [extra((2026, 5), 9_000)], id="after-last-installment-extra"
    ),
    pytest.param(
        15_600, {"until": (2025, 7)}, [extra((2025, 4), 15_600)], id="none-before-until-extra"
    ),
    pytest.param(500, {}, [bill(1, 500)], id="small-amount-in-first-only"),
    pytest.param(0, {}, [], id="zero"),
]


@pytest.mark.parametrize(("amount", "kwargs", "expected"), BILLING_CASES)
def test_billing_schedule(amount, kwargs, expected):
    schedule = billing_schedule(amount, fiscal_year=FY, plan=PLAN.billing, **kwargs)
    assert rows(schedule) == expected
    assert schedule.billing_total == amount


def test_billing_schedule_unit_from_the_plan():
    plan = replace(PLAN.billing, unit=1)
    schedule = billing_schedule(93_601, fiscal_year=FY, plan=plan)
    assert [i.amount for i in schedule.installments] == [9_361] + [9_360] * 9


@pytest.mark.parametrize(
    ("plan", "ym", "holidays", "due"),
    [
        pytest.param(PLAN.billing, (2025, 9), frozenset(), D(2025, 9, 30), id="last-day"),
        pytest.param(
            PLAN.billing,
            (2025, 9),
            frozenset({D(2025, 9, 30)}),
            D(2025, 10, 1),
            id="holiday-moves-to-next-day",
        ),
        pytest.param(PLAN.billing, (2025, 12), frozenset(), D(2025, 12, 25), id="december-25th"),
        pytest.param(
            replace(PLAN.billing, due_day=20),
            (2025, 7),
            frozenset(),
            D(2025, 7, 21),
            id="20th-sunday-to-monday",
        ),
        pytest.param(
            replace(PLAN.billing, due_day=20),
            (2025, 7),
            frozenset({D(2025, 7, 21)}),
            D(2025, 7, 22),
            id="20th-sunday-then-holiday",
        ),
        pytest.param(
            replace(PLAN.billing, due_day=31),
            (2026, 2),
            frozenset(),
            D(2026, 3, 2),
            id="31st-in-february-is-last-day",
        ),
    ],
)
def test_billing_due_date(plan, ym, holidays, due):
    assert billing_due_date(plan, ym, holidays) == due


# --- 特別徴収 ---------------------------------------------------------------------------------

PENSION_CASES = [
    # continuing: 仮徴収 = previous February's 9,300; 本徴収 (61,000 - 27,900) / 3, remainder to October
    pytest.param(
        61_000,
        {"provisional_amount": 9_300},
        [
            ded(2025, 4, 9_300),
            ded(2025, 6, 9_300),
            ded(2025, 8, 9_300),
            ded(2025, 10, 11_100),
            ded(2025, 12, 11_000),
            ded(2026, 2, 11_000),
        ],
        0,
        id="continuing",
    ),
    pytest.param(
        22_230,
        {"provisional_amount": 9_300},
        [ded(2025, 4, 9_300), ded(2025, 6, 9_300), ded(2025, 8, 9_300)],
        5_670,
        id="provisional-exceeds-overpaid",
    ),
    pytest.param(
        27_900,
        {"provisional_amount": 9_300},
        [ded(2025, 4, 9_300), ded(2025, 6, 9_300), ded(2025, 8, 9_300)],
        0,
        id="provisional-equals-amount",
    ),
    # 平準化: target 60,000 / 6 = 10,000; June = August = (30,000 - 14,000) / 2 = 8,000
    pytest.param(
        61_000,
        {"provisional_amount": 14_000, "levelling_base": 60_000},
        [
            ded(2025, 4, 14_000),
            ded(2025, 6, 8_000),
            ded(2025, 8, 8_000),
            ded(2025, 10, 10_400),
            ded(2025, 12, 10_300),
            ded(2026, 2, 10_300),
        ],
        0,
        id="levelling",
    ),
    pytest.param(
        61_000,
        {"provisional_amount": 40_000, "levelling_base": 60_000},
        [ded(2025, 4, 40_000), ded(2025, 10, 7_000), ded(2025, 12, 7_000), ded(2026, 2, 7_000)],
        0,
        id="levelling-to-zero",
    ),
    pytest.param(
        46_800,
        {"start": (2025, 10)},
        [ded(2025, 10, 15_600), ded(2025, 12, 15_600), ded(2026, 2, 15_600)],
        0,
        id="from-october",
    ),
    pytest.param(
        31_250,
        {"start": (2025, 12)},
        [ded(2025, 12, 15_650), ded(2026, 2, 15_600)],
        0,
        id="from-december-remainder-first",
    ),
    pytest.param(15_600, {"start": (2026, 2)}, [ded(2026, 2, 15_600)], 0, id="from-february"),
    pytest.param(
        78_000,
        {"start": (2025, 6), "provisional_amount": 7_800},
        [
            ded(2025, 6, 7_800),
            ded(2025, 8, 7_800),
            ded(2025, 10, 20_800),
            ded(2025, 12, 20_800),
            ded(2026, 2, 20_800),
        ],
        0,
        id="from-june",
    ),
    pytest.param(0, {"start": (2025, 10)}, [], 0, id="zero"),
]


@pytest.mark.parametrize(("amount", "kwargs", "expected", "overpaid"), PENSION_CASES)
def test_pension_deduction_schedule(amount, kwargs, expected, overpaid):
    schedule = pension_deduction_schedule(amount, fiscal_year=FY, plan=PLAN.pension, **kwargs)
    assert rows(schedule) == expected
    assert schedule.overpaid == overpaid


def test_final_unit_from_the_plan():
    plan = replace(PLAN.pension, final_unit=1)
    schedule = pension_deduction_schedule(
        61_000, fiscal_year=FY, plan=plan, provisional_amount=9_300
    )
    assert [i.amount for i in schedule.of(PENSION) if i.kind == InstallmentKind.FINAL] == [
        11_034,
        11_033,
        11_033,
    ]


@pytest.mark.parametrize(
    ("april", "base", "expected"),
    [
        pytest.param(14_000, 60_000, 8_000, id="domain-example"),
        pytest.param(14_000, 61_000, 8_100, id="target-truncated-then-half-truncated"),
        pytest.param(9_999, 60_000, 10_000, id="half-truncated-to-100"),
        pytest.param(25_000, 60_000, 2_500, id="small"),
        pytest.param(40_000, 60_000, 0, id="never-negative"),
    ],
)
def test_levelled_provisional(april, base, expected):
    assert levelled_provisional(april, base, PLAN.pension) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"start": (2025, 5), "provisional_amount": 9_300},
            "特別徴収の開始月は年金支払月（偶数月）で指定してください。",
            id="odd-month",
        ),
        pytest.param(
            {"start": (2024, 4), "provisional_amount": 9_300},
            "特別徴収の開始月は年金支払月（偶数月）で指定してください。",
            id="other-year",
        ),
        pytest.param({}, "仮徴収額を指定してください。", id="no-provisional-amount"),
        pytest.param(
            {"start": (2025, 6), "provisional_amount": 9_300, "levelling_base": 60_000},
            "平準化は4月から特別徴収する場合に限ります。",
            id="levelling-not-from-april",
        ),
    ],
)
def test_pension_deduction_schedule_refuses(kwargs, message):
    with pytest.raises(ScheduleError) as raised:
        pension_deduction_schedule(61_000, fiscal_year=FY, plan=PLAN.pension, **kwargs)
    assert raised.value.message == message


# --- collection method (DOMAIN 2.8) -----------------------------------------------------------

OLD = PensionKind.OLD_AGE

METHOD_CASES = [
    pytest.param(
        None,
        BILLING,
        R.NOT_LISTED,
        None,
        "年金保険者からの特別徴収対象者情報がないため普通徴収",
        id="no-pension",
    ),
    pytest.param(
        PensionFacts(PensionKind.OLD_AGE_WELFARE, 500_000, continuing=True),
        BILLING,
        R.EXCLUDED_PENSION,
        None,
        "老齢福祉年金は特別徴収の対象とならないため普通徴収",
        id="old-age-welfare-pension",
    ),
    pytest.param(
        PensionFacts(PensionKind.WIDOW, 600_000, listed_in=(2025, 5)),
        BILLING,
        R.EXCLUDED_PENSION,
        None,
        "寡婦年金は特別徴収の対象とならないため普通徴収",
        id="widow-pension",
    ),
    pytest.param(
        PensionFacts(OLD, 179_999, continuing=True),
        BILLING,
        R.PENSION_TOO_SMALL,
        None,
        "年金額が年額18万円未満のため普通徴収",
        id="179999-too-small",
    ),
    pytest.param(
        PensionFacts(OLD, 180_000, continuing=True),
        PENSION,
        R.CONTINUING,
        (2025, 4),
        "前年度から特別徴収が継続しているため、4月から特別徴収（仮徴収）",
        id="180000-continuing",
    ),
    pytest.param(
        PensionFacts(PensionKind.SURVIVOR, 1_000_000, continuing=True, withholdable=False),
        BILLING,
        R.NOT_WITHHOLDABLE,
        None,
        "年金保険者から特別徴収できない旨の通知があったため普通徴収",
        id="not-withholdable",
    ),
    pytest.param(
        PensionFacts(PensionKind.DISABILITY, 180_000, listed_in=(2025, 5)),
        BOTH,
        R.LISTED,
        (2025, 10),
        "2025年5月の特別徴収対象者情報により2025年10月から特別徴収、それまでは普通徴収",
        id="listed-may-october",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 7)),
        BOTH,
        R.LISTED,
        (2025, 12),
        "2025年7月の特別徴収対象者情報により2025年12月から特別徴収、それまでは普通徴収",
        id="listed-july-december",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 9)),
        BOTH,
        R.LISTED,
        (2026, 2),
        "2025年9月の特別徴収対象者情報により2026年2月から特別徴収、それまでは普通徴収",
        id="listed-september-february",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 6)),
        BOTH,
        R.LISTED,
        (2025, 12),
        "2025年6月の特別徴収対象者情報により2025年12月から特別徴収、それまでは普通徴収",
        id="listed-even-month-next-pension-month",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 11)),
        BILLING,
        R.LISTED_NEXT_YEAR,
        None,
        "特別徴収の開始が2026年4月となるため、本年度は普通徴収",
        id="listed-november-next-year",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2024, 11)),
        PENSION,
        R.LISTED,
        (2025, 4),
        "2024年11月の特別徴収対象者情報により、2025年4月から特別徴収",
        id="listed-last-november-april",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 1)),
        BOTH,
        R.LISTED,
        (2025, 6),
        "2025年1月の特別徴収対象者情報により2025年6月から特別徴収、それまでは普通徴収",
        id="listed-january-june",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2025, 3)),
        BOTH,
        R.LISTED,
        (2025, 8),
        "2025年3月の特別徴収対象者情報により2025年8月から特別徴収、それまでは普通徴収",
        id="listed-march-august",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000, listed_in=(2024, 5)),
        BILLING,
        R.STOPPED,
        None,
        "特別徴収が中止されており、その後の特別徴収対象者情報がないため普通徴収",
        id="old-listing-stopped",
    ),
    pytest.param(
        PensionFacts(OLD, 800_000),
        BILLING,
        R.NOT_LISTED,
        None,
        "年金保険者からの特別徴収対象者情報がないため普通徴収",
        id="not-listed",
    ),
]


@pytest.mark.parametrize(("pension", "method", "reason", "start", "message"), METHOD_CASES)
def test_collection_method(pension, method, reason, start, message):
    decision = collection_method(pension, fiscal_year=FY, plan=PLAN.pension)
    assert decision == CollectionDecision(method, reason, message, start)


def test_minimum_pension_from_the_plan():
    plan = replace(PLAN.pension, minimum_annual_pension=240_000)
    decision = collection_method(
        PensionFacts(OLD, 239_999, continuing=True), fiscal_year=FY, plan=plan
    )
    assert (decision.method, decision.message) == (BILLING, "年金額が年額24万円未満のため普通徴収")


@pytest.mark.parametrize(
    ("listed_in", "first"),
    [
        pytest.param((2025, 5), (2025, 10), id="may-october"),
        pytest.param((2025, 7), (2025, 12), id="july-december"),
        pytest.param((2025, 9), (2026, 2), id="september-february"),
        pytest.param((2025, 11), (2026, 4), id="november-april"),
        pytest.param((2026, 1), (2026, 6), id="january-june"),
        pytest.param((2026, 3), (2026, 8), id="march-august"),
        pytest.param((2025, 12), (2026, 6), id="december-may-to-june"),
    ],
)
def test_first_deduction_month(listed_in, first):
    assert first_deduction_month(listed_in, PLAN.pension) == first


# --- the year's schedule ----------------------------------------------------------------------

CONTINUING = CollectionDecision(PENSION, R.CONTINUING, "", (2025, 4))
FROM = {ym: CollectionDecision(BOTH, R.LISTED, "", ym) for ym in [(2025, 6), (2025, 10), (2026, 2)]}
BILLS_ONLY = CollectionDecision(BILLING, R.NOT_LISTED, "")
GAINED_AUG = premium_months(D(2025, 8, 10), None, FY)  # 65 on 10 August: August to March, 8 months

YEAR_CASES = [
    pytest.param(93_600, BILLS_ONLY, {}, [bill(1, 9_900)] + bills(2, 10, 9_300), 0, id="bills"),
    pytest.param(
        61_000,
        CONTINUING,
        {"provisional_amount": 9_300},
        [
            ded(2025, 4, 9_300),
            ded(2025, 6, 9_300),
            ded(2025, 8, 9_300),
            ded(2025, 10, 11_100),
            ded(2025, 12, 11_000),
            ded(2026, 2, 11_000),
        ],
        0,
        id="pension-continuing",
    ),
    pytest.param(
        22_230,
        CONTINUING,
        {"provisional_amount": 9_300},
        [ded(2025, 4, 9_300), ded(2025, 6, 9_300), ded(2025, 8, 9_300)],
        5_670,
        id="pension-provisional-exceeds",
    ),
    # listed in May: half by pension from October, half by the bills of July-September
    pytest.param(
        37_830,
        FROM[(2025, 10)],
        {},
        [
            bill(1, 6_315),
            bill(2, 6_300),
            bill(3, 6_300),
            ded(2025, 10, 6_315),
            ded(2025, 12, 6_300),
            ded(2026, 2, 6_300),
        ],
        0,
        id="bills-then-pension-october",
    ),
    # gained in August (52,000 = 78,000 x 8/12), listed in September: pension from February for
    # February-March (2 of 8 months), bills of August-January for the rest
    pytest.param(
        52_000,
        FROM[(2026, 2)],
        {"owed_months": GAINED_AUG},
        bills(2, 7, 6_500) + [ded(2026, 2, 13_000)],
        0,
        id="mid-year-gain-bills-until-pension",
    ),
    pytest.param(
        52_000,
        FROM[(2026, 2)],
        {"owed_months": GAINED_AUG, "billing_from": (2025, 9)},
        bills(3, 7, 7_800) + [ded(2026, 2, 13_000)],
        0,
        id="mid-year-gain-levied-in-september",
    ),
    pytest.param(
        52_000,
        BILLS_ONLY,
        {"owed_months": GAINED_AUG},
        [bill(2, 6_400)] + bills(3, 10, 5_700),
        0,
        id="mid-year-gain-bills-only",
    ),
    # pension from June: 10 of 12 months by pension; no 期 before June -> one 随時 bill in April
    pytest.param(
        93_600,
        FROM[(2025, 6)],
        {"provisional_amount": 7_800},
        [
            extra((2025, 4), 15_600),
            ded(2025, 6, 7_800),
            ded(2025, 8, 7_800),
            ded(2025, 10, 20_800),
            ded(2025, 12, 20_800),
            ded(2026, 2, 20_800),
        ],
        0,
        id="pension-from-june",
    ),
    # share 16,666 < provisional 18,600: the bill shrinks to what is left
    pytest.param(
        20_000,
        FROM[(2025, 6)],
        {"provisional_amount": 9_300},
        [extra((2025, 4), 1_400), ded(2025, 6, 9_300), ded(2025, 8, 9_300)],
        0,
        id="provisional-above-share-bill-shrinks",
    ),
    pytest.param(0, CONTINUING, {}, [], 0, id="zero"),
]


@pytest.mark.parametrize(("amount", "decision", "kwargs", "expected", "overpaid"), YEAR_CASES)
def test_collection_schedule(amount, decision, kwargs, expected, overpaid):
    schedule = collection_schedule(amount, fiscal_year=FY, decision=decision, plan=PLAN, **kwargs)
    assert rows(schedule) == expected
    assert schedule.overpaid == overpaid
    assert schedule.amount == amount


def test_collection_schedule_refuses_an_amount_without_months():
    with pytest.raises(ScheduleError):
        collection_schedule(1_000, fiscal_year=FY, decision=BILLS_ONLY, plan=PLAN, owed_months=[])


# --- corrections and losses during the year ---------------------------------------------------

BILLED = collection_schedule(93_600, fiscal_year=FY, decision=BILLS_ONLY, plan=PLAN)
DEDUCTED = collection_schedule(
    61_000, fiscal_year=FY, decision=CONTINUING, plan=PLAN, provisional_amount=9_300
)
GAINED = collection_schedule(
    52_000, fiscal_year=FY, decision=FROM[(2026, 2)], plan=PLAN, owed_months=GAINED_AUG
)
P_APR_DEC = [
    ded(2025, 4, 9_300),
    ded(2025, 6, 9_300),
    ded(2025, 8, 9_300),
    ded(2025, 10, 11_100),
    ded(2025, 12, 11_000),
]

REVISIONS = [
    # death 20 Oct (loss 21 Oct): 6 months = 46,800; bills from November re-split
    pytest.param(
        BILLED,
        46_800,
        {"billing_from": (2025, 11), "qualification_lost": True},
        [bill(1, 9_900)] + bills(2, 4, 9_300) + bills(5, 10, 1_500),
        0,
        id="loss-bills-remaining-installments-adjusted",
    ),
    # move-out in August noticed late: 4 months = 31,200; five 期 already due -> overpaid
    pytest.param(
        BILLED,
        31_200,
        {"billing_from": (2025, 12), "qualification_lost": True},
        [bill(1, 9_900)] + bills(2, 5, 9_300),
        15_900,
        id="loss-bills-overpaid",
    ),
    # death 10 Sep (loss 11 Sep): 61,000 x 5/12 = 25,416; October's deduction can no longer stop
    pytest.param(
        DEDUCTED,
        25_416,
        {"billing_from": (2025, 10), "pension_stop_from": (2025, 12), "qualification_lost": True},
        P_APR_DEC[:4],
        13_584,
        id="loss-pension-stopped-overpaid",
    ),
    # tax correction in November lowers the year to 55,000: deduction stops from February, rest billed
    pytest.param(
        DEDUCTED,
        55_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2)},
        P_APR_DEC + bills(6, 10, 1_000),
        0,
        id="decrease-pension-stops-rest-billed",
    ),
    pytest.param(
        DEDUCTED,
        45_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2)},
        P_APR_DEC,
        5_000,
        id="decrease-below-deducted-overpaid",
    ),
    # increase to 70,000: deduction continues, the difference billed (併徴)
    pytest.param(
        DEDUCTED,
        70_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2)},
        P_APR_DEC + bills(6, 7, 1_800) + [ded(2026, 2, 11_000)] + bills(8, 10, 1_800),
        0,
        id="increase-difference-billed",
    ),
    pytest.param(
        DEDUCTED,
        70_000,
        {"billing_from": (2026, 5), "pension_stop_from": (2026, 4)},
        P_APR_DEC + [ded(2026, 2, 11_000), extra((2026, 5), 9_000)],
        0,
        id="increase-after-last-installment-extra",
    ),
    pytest.param(
        DEDUCTED,
        61_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2)},
        P_APR_DEC + [ded(2026, 2, 11_000)],
        0,
        id="no-change",
    ),
    # the 年金保険者 reports October's deduction not made: October on is billed from December (切替)
    pytest.param(
        DEDUCTED,
        61_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2), "pension_failed_from": (2025, 10)},
        P_APR_DEC[:3] + [bill(6, 6_700)] + bills(7, 10, 6_600),
        0,
        id="deduction-failed-rest-billed",
    ),
    pytest.param(
        DEDUCTED,
        61_000,
        {"billing_from": (2025, 12), "pension_stop_from": (2026, 2), "pension_failed_from": (2026, 2)},
        P_APR_DEC + bills(6, 10, 2_200),
        0,
        id="last-deduction-failed-billed",
    ),
    # gained in August, pension from February; moves out 15 Nov (loss 16 Nov): 3 months = 19,500
    pytest.param(
        GAINED,
        19_500,
        {"billing_from": (2025, 11), "pension_stop_from": (2025, 12), "qualification_lost": True},
        bills(2, 4, 6_500),
        0,
        id="gain-then-loss-pension-never-starts",
    ),
    pytest.param(
        GAINED,
        19_500,
        {"billing_from": (2025, 12), "pension_stop_from": (2025, 12), "qualification_lost": True},
        bills(2, 5, 6_500),
        6_500,
        id="gain-then-loss-one-bill-too-many",
    ),
]


@pytest.mark.parametrize(("current", "new_amount", "kwargs", "expected", "overpaid"), REVISIONS)
def test_revised_schedule(current, new_amount, kwargs, expected, overpaid):
    kwargs = {"pension_stop_from": (2026, 4)} | kwargs
    schedule = revised_schedule(current, new_amount, fiscal_year=FY, plan=PLAN, **kwargs)
    assert rows(schedule) == expected
    assert schedule.overpaid == overpaid
    assert schedule.amount == new_amount


def test_the_starting_schedules_add_up():
    assert (BILLED.collected_total, DEDUCTED.collected_total, GAINED.collected_total) == (
        93_600,
        61_000,
        52_000,
    )
    assert (GAINED.billing_total, GAINED.pension_total) == (39_000, 13_000)


# --- the schedule's own checks ----------------------------------------------------------------


def _inst(month, amount, method=BILLING):
    return Installment(method, InstallmentKind.REGULAR, 1, 2025, month, D(2025, month, 28), amount)


@pytest.mark.parametrize(
    ("amount", "installments", "overpaid", "message"),
    [
        pytest.param(
            100,
            (_inst(7, 90),),
            0,
            "徴収予定の合計が保険料額と一致しません。",
            id="does-not-add-up",
        ),
        pytest.param(
            100,
            (_inst(7, 150),),
            40,
            "徴収予定の合計が保険料額と一致しません。",
            id="overpaid-wrong",
        ),
        pytest.param(
            100,
            (_inst(7, 100), _inst(8, 0)),
            0,
            "徴収予定の金額が不正です。",
            id="zero-installment",
        ),
        pytest.param(
            100,
            (_inst(7, 50), _inst(7, 50)),
            0,
            "同じ月に同じ徴収方法の納期が重複しています。",
            id="same-month-twice",
        ),
    ],
)
def test_schedule_refuses_inconsistent_installments(amount, installments, overpaid, message):
    with pytest.raises(ScheduleError) as raised:
        Schedule(amount, installments, overpaid)
    assert raised.value.message == message


def test_schedule_allows_both_methods_in_one_month():
    schedule = Schedule(100, (_inst(8, 50), _inst(8, 50, PENSION)))
    assert [i.method for i in schedule.installments] == [PENSION, BILLING]
