"""The payment files against the simulator (real PostgreSQL): payments matched to installments by
納付番号, unknown numbers and failed transfers listed, store 速報 waiting for the 確報, a receipt
counted once across files, the same file twice changing nothing."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection

from linkage.payments.simulator import OpenInstallment, simulate_payment_day
from premiums.intake.payment_feed.format import LAYOUT as PAYMENT_LAYOUT
from premiums.intake.payment_feed.format import payment_number
from premiums.intake.services import payment_file_receive
from premiums.levy.services import main_levy_chunk
from premiums.models import InboundLineError, Payment
from synthetic.city import generate
from synthetic.premium_facts import premium_facts_generate

pytestmark = pytest.mark.django_db
FY = 2026


def open_bills() -> list[OpenInstallment]:
    generate(residents=3_000, seed=21, as_of=date(2026, 4, 1))
    premium_facts_generate(fiscal_year=FY, seed=21)
    main_levy_chunk(fiscal_year=FY, lo=0, hi=10**12)
    with connection.cursor() as cursor:
        cursor.execute("SELECT l.fiscal_year, l.notice_number, i.number, i.amount, i.due_date FROM premiums_levy l "
                       "JOIN premiums_levyinstallment i ON i.levy_id = l.id WHERE i.method = 'billing' ORDER BY i.id")
        return [OpenInstallment(payment_number(fy, notice, number), amount, due)
                for fy, notice, number, amount, due in cursor.fetchall()]


def test_a_day_of_payments_is_matched_counted_once_and_listed():
    bills = open_bills()
    day = simulate_payment_day(bills, day=date(2026, 8, 3), seed=5, unknown=6, bad_lines=4)
    outcomes = Counter(day.outcomes.values())

    received = payment_file_receive(day.data, file_name="shuno.csv", today=date(2026, 8, 3))
    again = payment_file_receive(day.data, file_name="shuno.csv", today=date(2026, 8, 3))

    errors = dict(InboundLineError.objects.filter(file=received.file).values_list("line_no", "code"))
    assert {n: errors.get(n) for n in day.injected} == day.injected
    assert [errors.get(n) for n, o in day.outcomes.items() if o == "unknown"] == ["payment_number_unknown"] * 6
    assert all(errors.get(n) == "transfer_failed" for n, o in day.outcomes.items() if o == "transfer_failed")
    # the store half of a double payment ("twice_store") is a 速報 like any other: counted, applied on its 確報
    waiting = ("unknown", "transfer_failed", "preliminary", "twice_store")
    paying = sum(v for k, v in outcomes.items() if k not in waiting)
    assert received.applied == paying == Payment.objects.count() > 5
    assert received.preliminary == outcomes["preliminary"] + outcomes["twice_store"]
    assert received.transfer_failed == outcomes["transfer_failed"]
    assert not again.created and Payment.objects.count() == paying
    # each payment sits on the installment its 納付番号 names
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM premiums_payment p JOIN premiums_levy l ON l.resident_id = p.resident_id "
                       "AND l.fiscal_year = p.fiscal_year AND l.recorded_to IS NULL "
                       "WHERE substr(p.payment_number, 5, 9)::int <> l.notice_number")
        assert cursor.fetchone() == (0,)


def test_the_same_receipt_in_another_file_is_counted_once():
    bills = open_bills()
    day = simulate_payment_day(bills, day=date(2026, 8, 3), seed=6)
    payment_file_receive(day.data, file_name="a.csv", today=date(2026, 8, 3))
    before = Payment.objects.count()
    text = day.data.decode().split("\n")
    resent = PAYMENT_LAYOUT.file(text[1:3])  # two lines again, as another file

    received = payment_file_receive(resent, file_name="b.csv", today=date(2026, 8, 3))

    assert Payment.objects.count() == before
    codes = set(InboundLineError.objects.filter(file=received.file).values_list("code", flat=True))
    assert codes <= {"receipt_received", "transfer_failed"} and received.applied == 0


def test_a_store_preliminary_waits_for_its_final_and_stops_a_reminder_meanwhile(client_as):
    from kaigo.staff.roles import Role
    from premiums.arrears.services import reminders_chunk
    from premiums.models import PreliminaryPayment, PremiumNotice

    bills = open_bills()
    due = {b.payment_number: b.due_date for b in bills}
    first = simulate_payment_day(bills, day=date(2026, 8, 3), seed=5)
    received = payment_file_receive(first.data, file_name="d1.csv", today=date(2026, 8, 3))
    kept = list(PreliminaryPayment.objects.filter(confirmed_by__isnull=True).order_by("id"))
    assert received.preliminary == len(kept) > 0
    assert not Payment.objects.filter(channel="convenience").exists()  # no 確報 yet: no store payment
    # an overdue installment paid at a store: no reminder while its 速報 awaits the 確報
    overdue = [p for p in kept if due[p.payment_number] < date(2026, 8, 10)]
    assert overdue, "the simulated day has a 速報 of an installment due before the reminder run"
    reminders_chunk(lo=0, hi=10**12, issued_on=date(2026, 8, 10))
    reminded = set(PremiumNotice.objects.filter(kind="reminder").values_list("resident_id", "installment_month"))
    assert reminded and not reminded & {(p.resident_id, p.month) for p in overdue}
    page = client_as(Role.WARD_CLERK).get(f"/persons/{overdue[0].resident_id}/premiums/?year={FY}")
    assert "コンビニ速報あり・確報待ち" in page.content.decode()

    # the 確報 arrive: each confirms its 速報 and alone becomes the payment
    second = simulate_payment_day(bills, day=date(2026, 8, 10), seed=7, confirm=first.preliminary,
                                  serial_start=10_000)
    second_file = payment_file_receive(second.data, file_name="d2.csv", today=date(2026, 8, 10)).file
    assert not PreliminaryPayment.objects.filter(pk__in=[p.pk for p in kept], confirmed_by__isnull=True).exists()
    confirmed = PreliminaryPayment.objects.get(pk=overdue[0].pk).confirmed_by
    assert (confirmed.resident_id, confirmed.month, confirmed.amount, confirmed.channel) == (
        overdue[0].resident_id, overdue[0].month, overdue[0].amount, "convenience")

    # the same 速報 lines in another file add nothing
    lines = first.data.decode().split("\n")
    resent = PAYMENT_LAYOUT.file([lines[n - 1] for n, o in first.outcomes.items() if o == "preliminary"])
    again = payment_file_receive(resent, file_name="d1-again.csv", today=date(2026, 8, 10))
    assert again.created and PreliminaryPayment.objects.filter(file=received.file).count() == len(kept)
    assert PreliminaryPayment.objects.exclude(file__in=[received.file, second_file]).count() == 0
