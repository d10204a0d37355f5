"""普通徴収の仮算定 and its settlement by the 本算定 (issue 16, item 8; premiums/rules/provisional.py).

The cases are worked by hand from the rule as written in the module's docstring (介護保険法 第129条
-第133条, 第140条 and the city's 条例 formula): the 仮算定期 are the plan's first 期, each billed at
last year's stage's annual amount under this year's table ÷ the year's number of 期, truncated to
100円; the 本算定 keeps those bills and spreads the rest over the remaining 期 (remainder to the
first), or records the excess as overpaid. The national standard of FY2025-2026 on the assumed
基準額 78,000円: 第1段階 22,230円 (0.285 after the reduction), 第4段階 70,200円, 第5段階 78,000円,
第6段階 93,600円, 第9段階 132,600円 (1.7).

The plan of the tests: 10 期 from June to March (DOMAIN 2.9: many 政令市), the first two (June,
July) 仮算定期, due the last day of the month (December the 25th), moved past closed days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from eligibility.codes import ResidenceStatus
from eligibility.models import Resident
from eligibility.qualification.services import Context, requalify
from kaigo.batches.models import BatchRun
from kaigo.batches.services import batch_run_here
from kaigo.outbox.services import relay
from kaigo.staff.roles import Role
from premiums.levy.services import main_levy_chunk
from premiums.models import Levy, LevySource, PremiumCollectionPlan
from premiums.rates.services import collection_plan_approve, collection_plan_close, collection_plan_draft
from premiums.rules import ASSUMED_COLLECTION_PLAN, NATIONAL_STANDARD_FY2025_2026, annual_amount
from premiums.rules.codes import CollectionMethod, CollectionReason
from premiums.rules.errors import PremiumRuleError
from premiums.rules.provisional import NoProvisional, ProvisionalFacts, provisional_billing, settled_schedule
from premiums.rules.schedule import CollectionDecision, billing_schedule, collection_schedule
from premiums.rules.tables import BillingPlan
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

FY = 2026
JUNE_TO_MARCH = (6, 7, 8, 9, 10, 11, 12, 1, 2, 3)
PLAN = replace(ASSUMED_COLLECTION_PLAN, name="徴収計画（令和8年度から・仮算定2期）", valid_from=FY,
               billing=BillingPlan(due_months=JUNE_TO_MARCH, due_day=None, due_day_overrides=((12, 25),), unit=100,
                                   provisional_periods=2))
TABLE = NATIONAL_STANDARD_FY2025_2026


def annual_of(stage: int) -> int:
    return annual_amount(stage, TABLE).annual


def bills(schedule) -> list[tuple[int, int, int]]:
    """(期, month, amount) of the bills."""
    return [(i.number, i.month, i.amount) for i in schedule.of(CollectionMethod.BILLING)]


WHOLE_YEAR = ((date(2015, 6, 14), None),)

# --- who is billed provisionally, and how much ------------------------------------------------------

CASES = [
    # facts, plan's 仮算定期, the bills (期, month, amount) or the reason for none
    pytest.param(ProvisionalFacts(WHOLE_YEAR, 5), 2, [(1, 6, 7_800), (2, 7, 7_800)],
                 id="stage5-78000/10"),
    pytest.param(ProvisionalFacts(WHOLE_YEAR, 1), 2, [(1, 6, 2_200), (2, 7, 2_200)],
                 id="stage1-22230/10-truncated-to-100"),
    pytest.param(ProvisionalFacts(WHOLE_YEAR, 9), 3, [(1, 6, 13_200), (2, 7, 13_200), (3, 8, 13_200)],
                 id="stage9-three-periods"),
    # 第4段階 70,200 / 10 = 7,020 → 7,000 (100円未満切捨て)
    pytest.param(ProvisionalFacts(((date(2026, 3, 20), None),), 4), 2, [(1, 6, 7_000), (2, 7, 7_000)],
                 id="insured-since-march-stage4"),
    pytest.param(ProvisionalFacts(WHOLE_YEAR, None), 2, NoProvisional.NO_PREVIOUS, id="new-entrant-no-previous-year"),
    pytest.param(ProvisionalFacts(((date(2026, 5, 10), None),), 5), 2, NoProvisional.NOT_ON_FIRST_DAY,
                 id="moved-in-may-not-insured-on-april-1"),
    pytest.param(ProvisionalFacts(((date(2015, 6, 14), date(2026, 4, 1)),), 5), 2, NoProvisional.NOT_ON_FIRST_DAY,
                 id="lost-on-april-1"),
    pytest.param(ProvisionalFacts(((date(2015, 6, 14), date(2026, 5, 21)),), 5), 2, NoProvisional.LOSES,
                 id="died-may-20-loss-known"),
    pytest.param(ProvisionalFacts(((date(2015, 6, 14), date(2027, 3, 31)),), 5), 2, NoProvisional.LOSES,
                 id="loss-known-in-march"),
    pytest.param(ProvisionalFacts(WHOLE_YEAR, 5, pension_continuing=True), 2, NoProvisional.PENSION,
                 id="deducted-last-february-tokubetsu-kari-choshu-instead"),
    pytest.param(ProvisionalFacts(WHOLE_YEAR, 5), 0, NoProvisional.NO_PERIODS, id="plan-without-provisional-periods"),
]


@pytest.mark.parametrize(("facts", "periods", "expected"), CASES)
def test_provisional_billing(facts, periods, expected):
    plan = replace(PLAN, billing=replace(PLAN.billing, provisional_periods=periods))
    decision = provisional_billing(facts, fiscal_year=FY, annual_of=annual_of, plan=plan)
    if isinstance(expected, str):
        assert (decision.billing, decision.reason) == (None, expected)
        return
    assert bills(decision.billing.schedule) == expected
    assert decision.billing.schedule.amount == sum(a for _, _, a in expected)
    assert decision.billing.stage == facts.previous_stage


def test_due_dates_of_the_provisional_bills_are_the_plans():
    decision = provisional_billing(ProvisionalFacts(WHOLE_YEAR, 5), fiscal_year=FY, annual_of=annual_of, plan=PLAN)
    # 2026-06-30 is a Tuesday, 2026-07-31 a Friday: the last days of the months
    assert [i.due_date for i in decision.billing.schedule.installments] == [date(2026, 6, 30), date(2026, 7, 31)]


def test_a_plan_cannot_make_every_period_provisional():
    with pytest.raises(PremiumRuleError):
        BillingPlan(due_months=JUNE_TO_MARCH, due_day=None, due_day_overrides=(), unit=100, provisional_periods=10)


# --- the 本算定 settles ------------------------------------------------------------------------------

BILLING_ONLY = CollectionDecision(CollectionMethod.BILLING, CollectionReason.NOT_LISTED, "普通徴収")


def provisional_of(stage: int):
    return provisional_billing(ProvisionalFacts(WHOLE_YEAR, stage), fiscal_year=FY, annual_of=annual_of,
                               plan=PLAN).billing.schedule


SETTLE = [
    # provisional stage, the year's amount (本算定), the bills after June/July, overpaid
    # 93,600 (第6段階) − 15,600 = 78,000 over 8 期: 9,750 → 9,700 each, the first 78,000 − 7 × 9,700 = 10,100
    pytest.param(5, 93_600, [(3, 8, 10_100)] + [(n, m, 9_700) for n, m in
                                                 zip(range(4, 11), (9, 10, 11, 12, 1, 2, 3), strict=True)], 0,
                 id="higher-stage-rest-spread"),
    # 22,230 (第1段階) − 15,600 = 6,630 over 8 期: 828 → 800 each, the first 6,630 − 5,600 = 1,030
    pytest.param(5, 22_230, [(3, 8, 1_030)] + [(n, m, 800) for n, m in
                                                zip(range(4, 11), (9, 10, 11, 12, 1, 2, 3), strict=True)], 0,
                 id="lower-stage-smaller-rest"),
    # 78,000 (same stage) − 15,600 = 62,400 over 8: 7,800 each
    pytest.param(5, 78_000, [(n, m, 7_800) for n, m in zip(range(3, 11), (8, 9, 10, 11, 12, 1, 2, 3), strict=True)],
                 0, id="same-stage"),
    # a death on 2026-06-20 (loss on 6/21, 喪失月 June) known at the 本算定: April and May owed,
    # 78,000 × 2/12 = 13,000; the June and
    # July bills (15,600) exceed it: no more bills, 2,600 overpaid (還付・充当)
    pytest.param(5, 13_000, [], 2_600, id="provisional-exceeds-refund"),
    # exactly the provisional total: nothing more to bill, nothing overpaid
    pytest.param(5, 15_600, [], 0, id="provisional-equals-the-year"),
]


@pytest.mark.parametrize(("stage", "amount", "after", "overpaid"), SETTLE)
def test_settlement_keeps_the_provisional_bills_and_spreads_the_rest(stage, amount, after, overpaid):
    provisional = provisional_of(stage)
    decided = billing_schedule(amount, fiscal_year=FY, plan=PLAN.billing)
    settled = settled_schedule(decided, provisional, decision=BILLING_ONLY, fiscal_year=FY, plan=PLAN)
    assert bills(settled) == [(1, 6, 7_800), (2, 7, 7_800), *after]
    assert (settled.amount, settled.overpaid) == (amount, overpaid)


def test_settlement_with_a_pension_deduction_from_october():
    """Listed in June for deductions from October (BOTH): the deductions are the 本算定's own (half
    of 78,000 for October to March, 39,000 = 3 × 13,000); the bills owe the other 39,000 less the
    June and July bills (15,600): 23,400 on the 期 before October, August and September, 11,700 each."""
    decision = CollectionDecision(CollectionMethod.BOTH, CollectionReason.LISTED, "10月から特別徴収", (FY, 10))
    decided = collection_schedule(78_000, fiscal_year=FY, decision=decision, plan=PLAN)
    settled = settled_schedule(decided, provisional_of(5), decision=decision, fiscal_year=FY, plan=PLAN)
    assert [(i.month, i.amount) for i in settled.of(CollectionMethod.PENSION_DEDUCTION)] == [
        (10, 13_000), (12, 13_000), (2, 13_000)]
    assert bills(settled) == [(1, 6, 7_800), (2, 7, 7_800), (3, 8, 11_700), (4, 9, 11_700)]


def test_without_provisional_bills_the_decided_schedule_stands():
    decided = billing_schedule(78_000, fiscal_year=FY, plan=PLAN.billing)
    empty = billing_schedule(0, fiscal_year=FY, plan=PLAN.billing)
    assert settled_schedule(decided, empty, decision=BILLING_ONLY, fiscal_year=FY, plan=PLAN) is decided


# --- the batch, on the database -----------------------------------------------------------------------

ALL = {"lo": 0, "hi": 10**12}


@pytest.fixture
def plan_with_provisional_periods(make_staff):
    """The city replaces the assumed plan from FY2026 by one with two 仮算定期 (services, four eyes)."""
    clerk, chief = make_staff(Role.HEAD_OFFICE_CLERK), make_staff(Role.SECTION_CHIEF)
    seeded = PremiumCollectionPlan.objects.get(name=ASSUMED_COLLECTION_PLAN.name)
    draft = collection_plan_draft(actor=clerk, valid_from=FY, valid_to=None, name=PLAN.name, data=PLAN)
    collection_plan_close(actor=chief, plan_id=seeded.pk, last_year=FY - 1)
    collection_plan_approve(actor=chief, plan_id=draft.pk)


def die(person, on: date) -> None:
    Resident.objects.filter(pk=person.pk).update(status=ResidenceStatus.DECEASED, died_on=on)
    requalify([person.pk], until=on, context=Context(source="notification", event_key=f"death:{person.pk}"))
    relay()


def run(kind: str, **params) -> BatchRun:
    return batch_run_here(kind=kind, params={"fiscal_year": FY, **params}, actor=None, origin=BatchRun.Origin.COMMAND)


def current(person) -> Levy:
    return Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)


def rows(levy: Levy) -> list[tuple]:
    return list(levy.installments.filter(method=CollectionMethod.BILLING).order_by("month")
                .values_list("number", "month", "amount"))


@pytest.mark.django_db
def test_the_batch_bills_provisionally_once_and_the_main_levy_settles(plan_with_provisional_periods):
    billed = make_elderly()  # levied last year at 第5段階
    make_tax_fact(billed, FY - 1, household_taxed=True, taxable_pension_income=1_000_000)
    newcomer_without_last_year = make_elderly()
    died = make_elderly()
    make_tax_fact(died, FY - 1, household_taxed=True, taxable_pension_income=1_000_000)
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    die(died, date(2026, 5, 20))

    first = run("premiums.provisional_billing")
    assert (first.status, first.total, first.succeeded, first.failed) == ("succeeded", 3, 3, 0)
    levy = current(billed)
    assert (levy.source, levy.stage, levy.amount, levy.annual_amount) == (LevySource.PROVISIONAL, 5, 15_600, 78_000)
    assert rows(levy) == [(1, date(2026, 6, 1), 7_800), (2, date(2026, 7, 1), 7_800)]
    assert not Levy.objects.filter(resident__in=[newcomer_without_last_year, died], fiscal_year=FY).exists()

    # run again: nobody is billed twice
    again = run("premiums.provisional_billing")
    assert again.succeeded == 3 and Levy.objects.filter(fiscal_year=FY).count() == 1 and current(billed).pk == levy.pk

    # the year's tax facts: 本人課税 with 100万円 (第6段階, 93,600): the 本算定 keeps June and July
    make_tax_fact(billed, FY, self_taxed=True, household_taxed=True, total_income=1_000_000)
    make_tax_fact(newcomer_without_last_year, FY, household_taxed=True, taxable_pension_income=1_000_000)
    main_levy_chunk(fiscal_year=FY, **ALL)
    settled = current(billed)
    assert (settled.source, settled.revision, settled.notice_number) == (LevySource.MAIN, 2, levy.notice_number)
    assert (settled.stage, settled.amount, settled.overpaid) == (6, 93_600, 0)
    months = (8, 9, 10, 11, 12, 1, 2, 3)
    expected = [(1, date(2026, 6, 1), 7_800), (2, date(2026, 7, 1), 7_800), (3, date(2026, 8, 1), 10_100)] + [
        (n, date(2026 if m >= 4 else 2027, m, 1), 9_700) for n, m in zip(range(4, 11), months[1:], strict=True)]
    assert rows(settled) == expected
    # the newcomer, never billed provisionally, is levied on the 10 期 as usual: 78,000 / 10
    assert [a for _, _, a in rows(current(newcomer_without_last_year))] == [7_800] * 10


@pytest.mark.django_db
def test_provisional_bills_above_the_year_are_overpaid_at_the_main_levy(plan_with_provisional_periods):
    person = make_elderly()
    make_tax_fact(person, FY - 1, household_taxed=True, taxable_pension_income=1_000_000)
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    run("premiums.provisional_billing")
    make_tax_fact(person, FY, household_taxed=False)  # 第1段階: 22,230
    # died 2026-05-20: loss on 5/21 (法 第11条), 喪失月 May: only April owed (取得月 <= 対象月 < 喪失月),
    # 22,230 × 1/12 = 1,852.5 → 1,852 (1円未満切捨て); the June and July bills (15,600) were billed
    die(person, date(2026, 5, 20))
    main_levy_chunk(fiscal_year=FY, **ALL)
    levy = current(person)
    assert (levy.stage, levy.amount, levy.overpaid) == (1, 1_852, 15_600 - 1_852)
    assert rows(levy) == [(1, date(2026, 6, 1), 7_800), (2, date(2026, 7, 1), 7_800)]


@pytest.mark.django_db
def test_the_batch_is_refused_for_a_plan_without_provisional_periods():
    with pytest.raises(PremiumRuleError) as refused:
        run("premiums.provisional_billing")
    assert refused.value.code == "no_provisional_periods"
    assert refused.value.message == ("2026年度の徴収計画「徴収計画（仮定値）」には普通徴収の仮算定期がありません（仮算定期の数 0）。"
                                     "普通徴収の仮算定を行うには、徴収計画に仮算定期の数を設定してください。")
    assert not BatchRun.objects.exists()


@pytest.mark.django_db
def test_the_provisional_notice_of_ordinary_collection_lists_the_provisional_bills(plan_with_provisional_periods,
                                                                                     make_staff):
    from premiums.models import NoticeKind
    from premiums.notices.services import notice_pdf
    from tests.premiums.test_notices import text_of

    person = make_elderly()
    make_tax_fact(person, FY - 1, household_taxed=True, taxable_pension_income=1_000_000)
    main_levy_chunk(fiscal_year=FY - 1, **ALL)
    run("premiums.provisional_billing")
    levy = current(person)
    text = text_of(notice_pdf(NoticeKind.PROVISIONAL, levy.pk, actor=make_staff(Role.HEAD_OFFICE_CLERK),
                              today=date(2026, 5, 15)))
    for expected in ("介護保険料仮算定通知書（普通徴収）", "仮算定額の合計15,600円", "前年度の所得段階（第5段階）",
                     # 2026-06-30 (Tue) and 2026-07-31 (Fri): the plan's last days of the months
                     "第1期令和8年6月30日7,800円", "第2期令和8年7月31日7,800円",
                     "7月の本算定で決定し", "残りの納期の保険料で調整します"):
        assert expected in text, expected
    assert "仮徴収" not in text  # no pension deduction on this notice
