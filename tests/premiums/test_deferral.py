"""Deferral of collection (徴収猶予): the rule as tables, the application and the chief's decision,
and its effect on everything that reads a 納期限: reminders, the prescription, the arrears list,
the balance and the premium tab. The levy itself does not change."""

from __future__ import annotations

from datetime import date

import pytest

from kaigo.staff.roles import Role
from premiums.arrears.selectors import arrears_rows, overdue_persons
from premiums.arrears.services import prescription_chunk, reminders_chunk
from premiums.collection.selectors import balance_of
from premiums.levy.services import levy_pending_add, main_levy_chunk, relevy_chunk
from premiums.models import Levy, LevyPending, PremiumNotice, ReductionStatus
from premiums.reductions.services import (
    ReductionApplication,
    ReductionInvalid,
    reduction_apply,
    reduction_decide,
)
from premiums.rules.balance import InstallmentDue
from premiums.rules.calendar import closed_days
from premiums.rules.deferral import Deferral, defer_dues, deferral_months, deferral_until, deferred_due
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

ALL = {"lo": 0, "hi": 10**12}
FY = 2024
SUMMER = Deferral(date(2024, 7, 1), date(2024, 9, 30))


@pytest.mark.parametrize("last_month,until", [
    (date(2024, 9, 1), date(2024, 9, 30)),  # a Monday
    (date(2024, 8, 1), date(2024, 9, 2)),  # 31 August 2024 a Saturday
    (date(2024, 12, 1), date(2025, 1, 6)),  # 12/31-1/3 closed, 1/4-1/5 a weekend
    (date(2025, 2, 1), date(2025, 2, 28)),  # a Friday, no 29th in 2025
    (date(2024, 2, 1), date(2024, 2, 29)),  # leap year
])
def test_the_deferral_ends_on_the_last_day_of_its_last_month_or_the_next_business_day(last_month, until):
    assert deferral_until(last_month, closed_days(2024) | closed_days(2023)) == until


@pytest.mark.parametrize("first,last,months", [
    (date(2024, 7, 1), date(2024, 7, 1), 1),
    (date(2024, 7, 1), date(2024, 12, 1), 6),
    (date(2024, 11, 1), date(2025, 3, 1), 5),
    (date(2024, 4, 1), date(2025, 3, 1), 12),
])
def test_deferral_months(first, last, months):
    assert deferral_months(first, last) == months


@pytest.mark.parametrize("method,due,deferrals,expected", [
    ("billing", date(2024, 7, 31), [SUMMER], date(2024, 9, 30)),  # within: moved to the 猶予期限
    ("billing", date(2024, 7, 1), [SUMMER], date(2024, 9, 30)),  # on the first day of the period
    ("billing", date(2024, 9, 30), [SUMMER], date(2024, 9, 30)),  # on the 猶予期限 itself
    ("billing", date(2024, 6, 30), [SUMMER], date(2024, 6, 30)),  # before the period
    ("billing", date(2024, 10, 31), [SUMMER], date(2024, 10, 31)),  # after it
    ("pension", date(2024, 8, 15), [SUMMER], date(2024, 8, 15)),  # deductions are not deferred
    ("billing", None, [SUMMER], None),
    ("billing", date(2024, 7, 31), [], date(2024, 7, 31)),
    ("billing", date(2024, 8, 31), [SUMMER, Deferral(date(2024, 8, 1), date(2024, 12, 27))], date(2024, 12, 27)),
])
def test_the_due_date_in_force(method, due, deferrals, expected):
    assert deferred_due(method, due, deferrals) == expected


def test_deferred_dues_keep_their_own_date():
    dues = [InstallmentDue("billing", date(2024, 7, 1), "第1期", date(2024, 7, 31), 7_200),
            InstallmentDue("billing", date(2024, 10, 1), "第4期", date(2024, 10, 31), 7_000)]
    july, october = defer_dues(dues, [SUMMER])
    assert (july.due_date, july.deferred_from) == (date(2024, 9, 30), date(2024, 7, 31))
    assert october == dues[1]


def levied(year=FY, **kwargs):
    person = make_elderly(**kwargs)
    make_tax_fact(person, year, household_taxed=True)  # 70,200: 第1期 7,200 due 2024-07-31, then 7,000 a month
    main_levy_chunk(fiscal_year=year, **ALL)
    return person


@pytest.fixture
def staff(make_staff):
    return make_staff(Role.WARD_CLERK), make_staff(Role.SECTION_CHIEF)


def defer(person, clerk, chief, first=date(2024, 7, 1), last=date(2024, 9, 1)):
    reduction = reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(
        fiscal_year=FY, kind="deferral", applied_on=date(2024, 7, 10), first_month=first, last_month=last,
        evidence=("income_proof",)))
    return reduction_decide(actor=chief, reduction_id=reduction.pk, approve=True)


@pytest.mark.django_db
@pytest.mark.parametrize("values,message", [
    ({"last_month": date(2025, 1, 1)}, "6か月以内"),
    ({"evidence": ("detention_certificate",)}, "罹災証明書"),
])
def test_a_deferral_application_is_validated(staff, values, message):
    clerk, _ = staff
    person = levied()
    data = dict(fiscal_year=FY, kind="deferral", applied_on=date(2024, 7, 10), first_month=date(2024, 7, 1),
                last_month=date(2024, 9, 1), evidence=("income_proof",))
    data.update(values)
    with pytest.raises(ReductionInvalid, match=message):
        reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(**data))


@pytest.mark.django_db
def test_an_approved_deferral_records_its_end_and_leaves_the_levy_alone(staff):
    clerk, chief = staff
    person = levied()
    before = Levy.objects.get(resident=person, fiscal_year=FY)

    reduction = defer(person, clerk, chief)

    assert (reduction.status, reduction.deferred_until, reduction.rate) == (ReductionStatus.APPROVED,
                                                                          date(2024, 9, 30), None)
    assert not LevyPending.objects.exists()  # no re-levy: the amount does not change
    # a re-levy for another cause reads the year's reductions: the deferral is none of them
    levy_pending_add([(person.pk, FY, date(2024, 4, 1), "staff")])
    relevy_chunk(fiscal_year=FY, **ALL, business_date=date(2024, 7, 15))
    after = Levy.objects.get(resident=person, fiscal_year=FY, recorded_to__isnull=True)
    assert (after.pk, after.amount, after.exemption) == (before.pk, before.amount, 0)
    assert not LevyPending.objects.filter(processed_at__isnull=True).exists()


@pytest.mark.django_db
def test_no_reminder_during_the_deferral_and_one_after_its_end(staff):
    clerk, chief = staff
    deferred, other = levied(), levied()
    defer(deferred, clerk, chief)

    # July's bill (due 7/31) is reminded for the other person only
    assert reminders_chunk(**ALL, issued_on=date(2024, 8, 10)).persons == {other.pk}
    assert overdue_persons(date(2024, 8, 10)) == [other.pk]
    july = next(r for r in balance_of(deferred.pk, FY).rows if r.month == date(2024, 7, 1))
    assert (july.due_date, july.deferred_from, july.overdue(date(2024, 8, 10))) == (
        date(2024, 9, 30), date(2024, 7, 31), False)
    rows, _ = arrears_rows(ward=deferred.ward, today=date(2024, 8, 10), limit=50)
    assert deferred.pk not in {r.resident_id for r in rows}

    # after the 猶予期限 (9/30) the three deferred bills are reminded within the window
    issued = reminders_chunk(**ALL, issued_on=date(2024, 10, 10))
    months = sorted(PremiumNotice.objects.filter(resident=deferred, kind="reminder")
                    .values_list("installment_month", flat=True))
    assert deferred.pk in issued.persons
    assert months == [date(2024, 7, 1), date(2024, 8, 1), date(2024, 9, 1)]
    rows, _ = arrears_rows(ward=deferred.ward, today=date(2024, 10, 10), limit=50)
    row = next(r for r in rows if r.resident_id == deferred.pk)
    assert row.oldest_due == date(2024, 9, 30)


@pytest.mark.django_db
def test_the_prescription_runs_from_the_end_of_the_deferral(staff):
    clerk, chief = staff
    deferred, other = levied(), levied()
    defer(deferred, clerk, chief)

    prescription_chunk(**ALL, today=date(2026, 8, 1))  # two years after July's own 納期限
    assert {w.resident_id for w in __import__("premiums.models").models.WriteOff.objects.all()} == {other.pk}
    done = prescription_chunk(**ALL, today=date(2026, 10, 1))  # two years after the 猶予期限
    assert deferred.pk in done.persons


@pytest.mark.django_db
def test_the_premium_tab_shows_the_deferral(client_as, make_staff):
    chief = make_staff(Role.SECTION_CHIEF)
    client = client_as(Role.WARD_CLERK)
    person = levied()
    defer(person, client.staff, chief)

    page = client.get(f"/persons/{person.pk}/premiums/?year={FY}").content.decode()

    assert "令和6（2024）年9月30日（徴収猶予。当初の納期限 令和6（2024）年7月31日）" in page
    assert "徴収猶予" in page and "猶予期限 令和6（2024）年9月30日" in page


@pytest.mark.django_db
def test_the_chief_approves_a_deferral_on_the_screen_without_a_rate(client_as, make_staff):
    from premiums.models import Reduction

    clerk = make_staff(Role.WARD_CLERK)
    person = levied()
    reduction = reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(
        fiscal_year=FY, kind="deferral", applied_on=date(2024, 7, 10), first_month=date(2024, 7, 1),
        last_month=date(2024, 9, 1), evidence=("disaster_certificate",)))
    chief = client_as(Role.SECTION_CHIEF)
    page = chief.get("/premiums/reductions/").content.decode()
    assert "徴収猶予" in page and "割合・段階は入力しません" in page

    assert chief.post("/premiums/reductions/", {"reduction": reduction.pk, f"reduction-{reduction.pk}-decision": "approve",
                                                "confirm": "1"}).status_code == 302
    reduction = Reduction.objects.get(pk=reduction.pk)
    assert (reduction.status, reduction.deferred_until) == (ReductionStatus.APPROVED, date(2024, 9, 30))


@pytest.mark.django_db
def test_the_chief_ends_a_deferral_early_and_the_bills_fall_due_again(staff):
    from premiums.reductions.services import deferral_end
    from premiums.trail import ReductionEvent

    clerk, chief = staff
    person = levied()
    reduction = defer(person, clerk, chief)  # July to September 2024, 猶予期限 2024-09-30
    for until, reason, message in [(date(2024, 8, 14), "収入が回復した", "本日から"),
                                   (date(2024, 10, 1), "収入が回復した", "本日から"),
                                   (date(2024, 8, 20), " ", "理由")]:
        with pytest.raises(ReductionInvalid, match=message):
            deferral_end(actor=chief, reduction_id=reduction.pk, until=until, reason=reason, today=date(2024, 8, 15))

    ended = deferral_end(actor=chief, reduction_id=reduction.pk, until=date(2024, 8, 20), reason="収入が回復した",
                         today=date(2024, 8, 15))

    assert (ended.deferred_until, ended.ended_by, ended.end_reason) == (date(2024, 8, 20), chief, "収入が回復した")
    # July's bill (7/31) is due on the new 猶予期限; August's (9/2) and September's keep their own dates
    dues = {r.month.month: (r.due_date, r.deferred_from) for r in balance_of(person.pk, FY).rows
            if r.method == "billing" and r.month.month in (7, 8, 9)}
    assert dues == {7: (date(2024, 8, 20), date(2024, 7, 31)), 8: (date(2024, 9, 2), None), 9: (date(2024, 9, 30), None)}
    assert reminders_chunk(**ALL, issued_on=date(2024, 8, 25)).persons == {person.pk}
    # the trail keeps the 猶予期限 the approval had recorded
    assert [e.deferred_until for e in ReductionEvent.objects.filter(pgh_obj_id=reduction.pk).order_by("pgh_id")][-2:] == [
        date(2024, 9, 30), date(2024, 8, 20)]
    with pytest.raises(ReductionInvalid, match="取消済み"):
        deferral_end(actor=chief, reduction_id=reduction.pk, until=date(2024, 8, 20), reason="再度",
                     today=date(2024, 8, 15))


@pytest.mark.django_db
def test_the_reductions_screen_lists_running_deferrals_and_ends_one(client_as, make_staff):
    from datetime import timedelta

    from django.utils import timezone

    from premiums.models import Reduction

    clerk = make_staff(Role.WARD_CLERK)
    chief = client_as(Role.SECTION_CHIEF)
    person = make_elderly()
    make_tax_fact(person, 2026, household_taxed=True)
    main_levy_chunk(fiscal_year=2026, **ALL)
    today = timezone.localdate()
    reduction = reduction_apply(actor=clerk, resident_id=person.pk, application=ReductionApplication(
        fiscal_year=2026, kind="deferral", applied_on=today, first_month=date(2026, 11, 1), last_month=date(2027, 3, 1),
        evidence=("income_proof",)))
    reduction_decide(actor=chief.staff, reduction_id=reduction.pk, approve=True)

    page = chief.get("/premiums/reductions/").content.decode()
    assert "実施中の徴収猶予" in page and f"徴収猶予 {reduction.pk}" in page
    p = f"deferral-{reduction.pk}-"  # each deferral's form has its own prefix
    bad = chief.post("/premiums/reductions/", {"reduction": reduction.pk, "action": "end", p + "until": "",
                                               p + "reason": ""})
    assert bad.status_code == 400 and "取消の理由を入力してください。" in bad.content.decode()
    until = today + timedelta(days=3)
    end = {"reduction": reduction.pk, "action": "end", p + "until": until.isoformat(), p + "reason": "収入が回復した"}
    asked = chief.post("/premiums/reductions/", end)  # the confirmation page: nothing changed yet
    assert asked.status_code == 200 and "徴収猶予の取消の確認" in asked.content.decode()
    assert Reduction.objects.get(pk=reduction.pk).ended_at is None
    assert chief.post("/premiums/reductions/", {**end, "confirm": "1"}).status_code == 302
    assert Reduction.objects.get(pk=reduction.pk).deferred_until == until
    assert client_as(Role.WARD_CLERK).post("/premiums/reductions/", {**end, "confirm": "1"}).status_code == 403
