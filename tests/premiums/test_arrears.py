"""Arrears against real PostgreSQL: reminders for bills unpaid after their 納期限 (once), the
prescription that writes off what lapsed, and the ward's arrears list with one access-log row."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessLogEntry
from kaigo.staff.roles import Organisation, Role
from premiums.arrears.selectors import arrears_rows, overdue_persons
from premiums.arrears.services import prescription_chunk, reminders_chunk
from premiums.collection.selectors import balance_of
from premiums.levy.services import main_levy_chunk
from premiums.models import Payment, PaymentChannel, PremiumNotice, WriteOff
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
ALL = {"lo": 0, "hi": 10**12}


def levied(year=2024, **kwargs):
    person = make_elderly(**kwargs)
    make_tax_fact(person, year, household_taxed=True)  # 70,200: 第1期 7,200 due 2024-07-31, then 7,000 a month
    main_levy_chunk(fiscal_year=year, **ALL)
    return person


def pay(person, month: date, amount: int, paid_on: date, year=2024):
    Payment.objects.create(resident=person, fiscal_year=year, method="billing", month=month,
                           channel=PaymentChannel.BANK, amount=amount, paid_on=paid_on, booked_on=paid_on)


def test_a_reminder_is_issued_once_for_each_bill_unpaid_after_its_due_date():
    person, paid = levied(), levied()
    pay(paid, date(2024, 7, 1), 7_200, date(2024, 7, 30))

    first = reminders_chunk(**ALL, issued_on=date(2024, 8, 10))
    again = reminders_chunk(**ALL, issued_on=date(2024, 8, 12))

    assert (first.done, first.persons, again.done) == (1, {person.pk}, 0)
    reminder = PremiumNotice.objects.get(kind="reminder")
    assert (reminder.resident_id, reminder.installment_month) == (person.pk, date(2024, 7, 1))
    # August's bill (31 August 2024 a Saturday: due 9/2) within its window, of both persons
    assert reminders_chunk(**ALL, issued_on=date(2024, 9, 10)).persons == {person.pk, paid.pk}
    # after the window of 20 days no reminder is issued any more
    assert reminders_chunk(**ALL, issued_on=date(2024, 9, 25)).done == 0
    assert overdue_persons(date(2024, 9, 25)) == sorted([person.pk, paid.pk])
    assert overdue_persons(date(2024, 7, 31)) == []  # nothing is overdue on the 納期限 itself


def test_prescription_writes_off_what_lapsed_and_a_reminder_or_payment_renews_it():
    person = levied()
    reminders_chunk(**ALL, issued_on=date(2024, 8, 10))  # July's bill: 指定期限 2024-08-20
    pay(person, date(2024, 9, 1), 1_000, date(2025, 3, 3))  # part of September's bill (due 9/30): 承認

    # July (due 7/31) lapses two years after the reminder's 指定期限 renewed it: 2026-08-21, not 2026-08-01
    assert prescription_chunk(**ALL, today=date(2026, 8, 20)).done == 0
    assert prescription_chunk(**ALL, today=date(2026, 8, 21)).done == 1
    # August (due 9/2, no reminder): two years after the day after its 納期限
    result = prescription_chunk(**ALL, today=date(2026, 9, 3))
    lapsed = dict(WriteOff.objects.values_list("month", "prescribed_on"))
    assert lapsed == {date(2024, 7, 1): date(2026, 8, 21), date(2024, 8, 1): date(2026, 9, 3)}
    assert result.persons == {person.pk}
    assert prescription_chunk(**ALL, today=date(2026, 9, 3)).done == 0  # once
    september = WriteOff.objects.filter(month=date(2024, 9, 1))
    assert not september.exists()  # the payment of 2025-03-03 renewed it until 2027-03-04
    balance = balance_of(person.pk, 2024)
    rows = {r.month: r for r in balance.rows}
    assert rows[date(2024, 8, 1)].open == 0 and rows[date(2024, 8, 1)].written_off == 7_000
    assert rows[date(2024, 9, 1)].open == 6_000


def test_the_arrears_list_shows_the_wards_persons_with_one_access_log_row(client_as):
    behind = levied(ward="nakahara")
    levied(ward="tama")
    rows, total = arrears_rows(ward="nakahara", today=date(2026, 11, 26), limit=50)
    assert total == 1 and rows[0].resident_id == behind.pk and rows[0].amount == 70_200
    assert rows[0].oldest_due == date(2024, 7, 31)

    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    body = client.get("/premiums/arrears/").content.decode()
    assert behind.name_kanji in body and "70,200円" in body
    entry = AccessLogEntry.objects.get()
    assert entry.person_ids == [behind.pk] and entry.function == "premium.arrears"
    assert client_as(Role.INQUIRY).get("/premiums/arrears/").status_code == 403


def test_store_preliminaries_waiting_too_long_for_their_final_are_listed_for_the_ward(client_as):
    from premiums.arrears.selectors import stale_preliminaries
    from premiums.models import InboundFile, PreliminaryPayment

    file = InboundFile.objects.create(kind="payment", sha256="0" * 64, file_name="d.csv")
    waiting, recent, confirmed, elsewhere = (levied(ward="nakahara"), levied(ward="nakahara"),
                                             levied(ward="nakahara"), levied(ward="tama"))

    def preliminary(person, paid_on, serial, confirmed_by=None):
        return PreliminaryPayment.objects.create(
            resident=person, fiscal_year=2024, month=date(2024, 10, 1), amount=7_000, paid_on=paid_on,
            payment_number="2024000000011014", agent_code="90001", serial=serial, file=file,
            confirmed_by=confirmed_by)

    today = date(2024, 11, 20)
    preliminary(waiting, date(2024, 11, 6), "1")  # 14 days ago: listed
    preliminary(recent, date(2024, 11, 7), "2")  # 13 days: not yet
    pay(confirmed, date(2024, 10, 1), 7_000, date(2024, 11, 1))
    preliminary(confirmed, date(2024, 11, 1), "3", confirmed_by=Payment.objects.get(resident=confirmed))
    preliminary(elsewhere, date(2024, 11, 1), "4")

    stale = stale_preliminaries(ward="nakahara", today=today)
    assert [(s.resident_id, s.days, s.amount) for s in stale] == [(waiting.pk, 14, 7_000)]

    client = client_as(Role.WARD_CLERK, organisation=Organisation.NAKAHARA)
    body = client.get("/premiums/arrears/").content.decode()  # today: 2026-11-26, all four are old
    assert "確報が届かないコンビニ速報" in body and waiting.name_kanji in body and recent.name_kanji in body
    assert elsewhere.name_kanji not in body
    entry = AccessLogEntry.objects.get()
    assert {waiting.pk, recent.pk} <= set(entry.person_ids) and elsewhere.pk not in entry.person_ids
