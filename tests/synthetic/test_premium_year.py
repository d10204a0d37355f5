"""The synthetic city's year of business (generate_city --business-to, what demo_setup runs): cards,
the main levy, payments, reminders and reductions through the batch kinds and services, so that
every screen shows data on first sight (issue 16, item 9)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from eligibility.cards.models import CardIssue
from eligibility.codes import GainReason, InsuredClass
from eligibility.qualification.models import QualificationPeriod
from kaigo.batches.models import BatchRun
from kaigo.shell.management.commands.demo_setup import demo_year
from kaigo.staff.roles import Role
from premiums.arrears.selectors import overdue_persons
from premiums.collection.models import Payment, PaymentChannel
from premiums.intake.payment_feed.format import payment_number_parts
from premiums.levy.models import Levy, LevyInstallment, LevySource
from premiums.notices.models import PremiumNotice
from premiums.reductions.models import Reduction, ReductionStatus
from premiums.rules.codes import CollectionMethod
from synthetic.premium_year import NEVER_PAYS, PAYS_LATE, REMINDER_AFTER_DAYS, STOPS_PAYING, Bill, payments_of

pytestmark = pytest.mark.django_db

FY = 2026
DAY = date(2026, 12, 8)  # a Tuesday: bills due 31 July to 30 November have passed


@pytest.fixture
def office(make_staff):
    """The staff the reductions need: a clerk who takes applications, the chief who decides."""
    return make_staff(Role.HEAD_OFFICE_CLERK), make_staff(Role.SECTION_CHIEF)


def generate(*extra: str) -> list[str]:
    from io import StringIO

    out = StringIO()
    call_command("generate_city", "--residents", "1500", "--seed", "5", *extra, stdout=out)
    return out.getvalue().splitlines()


def test_the_year_runs_through_the_batch_kinds_and_leaves_levy_payments_arrears_and_reductions(office):
    out = generate("--business-to", DAY.isoformat())
    clerk, chief = office

    # the main levy, as a run of its batch kind
    levy_run = BatchRun.objects.get(kind="premiums.main_levy")
    assert (levy_run.status, levy_run.params["business_date"], levy_run.failed) == ("succeeded", "2026-07-01", 0)
    main = Levy.objects.filter(fiscal_year=FY, source=LevySource.MAIN)
    assert main.count() == levy_run.total > 200

    # payments: none after the day, every bill payment carries its installment's 納付番号
    payments = Payment.objects.filter(fiscal_year=FY)
    assert payments.exists() and not payments.filter(paid_on__gt=DAY).exists()
    notice_numbers = dict(Levy.objects.filter(fiscal_year=FY).values_list("resident_id", "notice_number"))
    for p in payments.filter(method=CollectionMethod.BILLING):
        year, notice, _ = payment_number_parts(p.payment_number)
        assert (year, notice) == (FY, notice_numbers[p.resident_id])
    # every pension deduction due by the day was made, on its payment day, none later
    pension_due = LevyInstallment.objects.filter(levy__fiscal_year=FY, levy__recorded_to__isnull=True,
                                                 method=CollectionMethod.PENSION_DEDUCTION)
    deducted = set(payments.filter(channel=PaymentChannel.PENSION).values_list("resident_id", "month", "paid_on"))
    assert deducted == {(r, m, d) for r, m, d in pension_due.filter(due_date__lte=DAY)
                        .values_list("levy__resident_id", "month", "due_date")}

    # arrears: some persons owe bills past their 納期限; most do not
    overdue = overdue_persons(DAY)
    billed = set(LevyInstallment.objects.filter(levy__fiscal_year=FY, method=CollectionMethod.BILLING, due_date__lt=DAY)
                 .values_list("levy__resident_id", flat=True))
    assert 0 < len(overdue) < len(billed) / 3

    # reminders, one run ten days after each passed 納期限, each for a bill unpaid on its run's day
    runs = BatchRun.objects.filter(kind="premiums.reminders").order_by("pk")
    due_dates = sorted(set(LevyInstallment.objects.filter(
        levy__fiscal_year=FY, method=CollectionMethod.BILLING,
        due_date__lte=DAY - timedelta(days=REMINDER_AFTER_DAYS)).values_list("due_date", flat=True)))
    assert [r.params["business_date"] for r in runs] == [
        (d + timedelta(days=REMINDER_AFTER_DAYS)).isoformat() for d in due_dates]
    reminders = PremiumNotice.objects.filter(fiscal_year=FY, kind="reminder")
    assert reminders.exists()
    asked = {(r, m): a for r, m, a in LevyInstallment.objects.filter(
        levy__fiscal_year=FY, levy__source=LevySource.MAIN, method=CollectionMethod.BILLING)
        .values_list("levy__resident_id", "month", "amount")}
    for notice in reminders:
        paid = payments.filter(resident_id=notice.resident_id, month=notice.installment_month, method="billing",
                               paid_on__lte=notice.issued_on).aggregate(s=Sum("amount"))["s"] or 0
        assert paid < asked[(notice.resident_id, notice.installment_month)]
    # and some who were reminded paid afterwards (late payers)
    assert any(payments.filter(resident_id=n.resident_id, month=n.installment_month, paid_on__gt=n.issued_on).exists()
               for n in reminders)

    # reductions: two approved by the chief and applied by the re-levy, one awaiting the chief
    reductions = Reduction.objects.filter(fiscal_year=FY).order_by("pk")
    assert [r.status for r in reductions] == [ReductionStatus.APPROVED, ReductionStatus.APPROVED,
                                              ReductionStatus.APPLIED]
    assert {r.received_by for r in reductions} == {clerk}
    assert {r.decided_by for r in reductions if r.status == ReductionStatus.APPROVED} == {chief}
    for r in reductions[:2]:
        current = Levy.objects.get(resident_id=r.resident_id, fiscal_year=FY, recorded_to__isnull=True)
        assert (current.revision, current.source, current.exemption > 0) == (2, LevySource.RELEVY, True)
    assert BatchRun.objects.get(kind="premiums.relevy").total == 2

    # the cards of those who turned 65
    gained = set(QualificationPeriod.objects.filter(recorded_to__isnull=True, insured_class=InsuredClass.FIRST,
                                                    gain_reason=GainReason.AGE_65, start__lte=DAY)
                 .values_list("resident_id", flat=True))
    assert gained and set(CardIssue.objects.values_list("resident_id", flat=True)) == gained

    out = [line for line in out if not line.startswith("certification ")]  # the certification step's line
    assert out[-2] == f"insurance cards issued at 65: {len(gained):,}"
    assert out[-1].startswith(f"premium year 2026 up to 2026-12-08: {main.count():,} persons levied, "
                              f"{payments.count():,} payments, {reminders.count():,} reminders in {len(runs)} runs, "
                              "2 reductions approved and applied, 1 awaiting the chief, in ")


def test_a_city_whose_year_has_run_is_not_run_again(office):
    generate("--business-to", DAY.isoformat())
    counts = (Levy.objects.count(), Payment.objects.count(), CardIssue.objects.count(), BatchRun.objects.count())
    out = generate("--business-to", DAY.isoformat(), "--if-empty")
    assert out == ["synthetic city: residents exist, nothing generated"]
    assert (Levy.objects.count(), Payment.objects.count(), CardIssue.objects.count(), BatchRun.objects.count()) == counts


def test_an_older_city_gets_its_year_and_without_staff_says_there_are_no_reductions():
    generate()  # a city from before: people and facts only
    assert not Levy.objects.exists() and not CardIssue.objects.exists()
    out = generate("--business-to", DAY.isoformat(), "--if-empty")
    assert len(out) == 1 and out[0].startswith("synthetic city: residents exist, nothing generated (insurance cards")
    assert "no reductions (no staff holding the clerk's and the section chief's roles: run demo_staff first)" in out[0]
    assert Levy.objects.exists() and Payment.objects.exists() and not Reduction.objects.exists()


def test_without_business_to_the_city_has_no_year():
    generate()
    assert not Levy.objects.exists() and not Payment.objects.exists() and not BatchRun.objects.exists()


@pytest.mark.parametrize(("business_to", "message"), [
    ("2026-03-31", "--business-to must lie between --as-of (2026-04-01) and the end of its fiscal year (2027-03-31)"),
    ("2027-04-01", "--business-to must lie between --as-of (2026-04-01) and the end of its fiscal year (2027-03-31)"),
])
def test_business_to_outside_the_year_is_refused(business_to, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate("--business-to", business_to)


def test_business_to_after_today_is_refused(monkeypatch):
    monkeypatch.setattr("synthetic.management.commands.generate_city.timezone.localdate", lambda: date(2026, 9, 1))
    with pytest.raises(CommandError, match="cannot be after today"):
        generate("--business-to", "2026-09-02")


# ----- the payments' habits, without a database ----------------------------------------------------------

def bills_of(person: int) -> list[Bill]:
    dues = [date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 11, 2), date(2026, 11, 30)]
    return [Bill(person, person, CollectionMethod.BILLING, n, d.replace(day=1), d, 5_000)
            for n, d in enumerate(dues, start=1)]


def test_payments_depend_on_the_seed_and_the_person_only():
    one = payments_of(7, bills_of(7), fiscal_year=FY, seed=1, until=DAY, insurer=None, now=None)
    assert one == payments_of(7, bills_of(7), fiscal_year=FY, seed=1, until=DAY, insurer=None, now=None)
    others = [payments_of(7, bills_of(7), fiscal_year=FY, seed=s, until=DAY, insurer=None, now=None) for s in range(2, 30)]
    assert any(o != one for o in others)


def test_the_habits_come_in_their_shares():
    paid = Counter()
    late = 0
    for person in range(1, 8_001):
        bills = bills_of(person)  # all due by 30 November; by March every late payment is in
        rows = payments_of(person, bills, fiscal_year=FY, seed=1, until=date(2027, 3, 31), insurer=None, now=None)
        paid[len(rows)] += 1
        due = {b.month: b.due_date for b in bills}
        late += any(row[6] > due[row[3]] for row in rows)
    assert abs(paid[0] / 8_000 - NEVER_PAYS) < 0.01  # never pays
    assert abs(sum(paid[n] for n in range(1, 5)) / 8_000 - STOPS_PAYING) < 0.015  # stops after 1 to 4 bills
    assert 0.6 * PAYS_LATE < late / 8_000 < PAYS_LATE  # pays some bills after the reminder
    assert paid[5] / 8_000 > 0.8


def test_a_pension_deduction_is_made_on_its_payment_day_up_to_the_day_only():
    bills = [Bill(3, 3, CollectionMethod.PENSION_DEDUCTION, n, date(2026, m, 1), date(2026, m, 15), 9_000)
             for n, m in enumerate((4, 6, 8, 10, 12), start=1)]
    rows = payments_of(3, bills, fiscal_year=FY, seed=1, until=DAY, insurer="010", now=None)
    assert [(r[3], r[4], r[6], r[9]) for r in rows] == [
        (date(2026, m, 1), PaymentChannel.PENSION, date(2026, m, 15), "010") for m in (4, 6, 8, 10)]


# ----- demo_setup ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "year"), [
    (date(2026, 12, 8), (date(2026, 4, 1), date(2026, 12, 8))),
    (date(2027, 3, 31), (date(2026, 4, 1), date(2027, 3, 31))),
    (date(2027, 4, 1), (date(2027, 4, 1), date(2027, 4, 1))),
])
def test_the_demo_city_runs_the_fiscal_year_of_today_up_to_today(today, year):
    assert demo_year(today) == year


def test_demo_setup_gives_every_screen_data(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("kaigo.staff.demo.demo_logins_file", lambda: tmp_path / "demo-logins.txt")
    monkeypatch.setattr("kaigo.shell.management.commands.demo_setup.DEFAULT_CITY_RESIDENTS", 1_500)
    monkeypatch.setattr("kaigo.shell.management.commands.demo_setup.timezone",
                        type("Clock", (), {"localdate": staticmethod(lambda: DAY)}))
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "premium year 2026 up to 2026-12-08: " in out
    assert Levy.objects.exists() and Payment.objects.exists() and overdue_persons(DAY)
    assert PremiumNotice.objects.filter(kind="reminder").exists()
    by_status = defaultdict(set)
    for r in Reduction.objects.select_related("received_by", "decided_by"):
        by_status[r.status].add((r.received_by.username, r.decided_by.username if r.decided_by else None))
    assert by_status == {ReductionStatus.APPROVED: {("demo-head", "demo-chief")},
                         ReductionStatus.APPLIED: {("demo-head", None)}}
