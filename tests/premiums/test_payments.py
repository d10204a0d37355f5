"""Payments at the counter, reconciliation with over- and under-payment, refunds and offsets with
who decided (real PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest

from kaigo.staff.roles import Role
from premiums.collection.selectors import balance_of
from premiums.collection.services import (
    CounterPayment,
    PaymentInvalid,
    offset_decide,
    payment_record_counter,
    refund_decide,
)
from premiums.levy.services import main_levy_chunk
from premiums.models import Payment, PaymentChannel, Settlement
from tests.eligibility.factories import make_elderly
from tests.premiums.factories import make_tax_fact

pytestmark = pytest.mark.django_db
FY = 2026
JULY, AUGUST = date(2026, 7, 1), date(2026, 8, 1)


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.WARD_CLERK)


def levied(*years):
    person = make_elderly()
    for year in years or (FY,):
        make_tax_fact(person, year, household_taxed=True)  # stage 4: 70,200, 第1期 7,200 then 7,000
        main_levy_chunk(fiscal_year=year, lo=0, hi=10**12)
    return person


def pay(clerk, person, month, amount, year=FY, overpay_confirmed=False):
    return payment_record_counter(actor=clerk, resident_id=person.pk, data=CounterPayment(
        year, "billing", month, amount, date(2026, 9, 1), overpay_confirmed=overpay_confirmed))


def test_under_exact_and_over_payment_of_installments(clerk):
    person = levied()
    pay(clerk, person, JULY, 5_000)
    with pytest.raises(PaymentInvalid, match="過納として受け付ける"):  # more than the installment asks: not unasked
        pay(clerk, person, AUGUST, 9_000)
    pay(clerk, person, AUGUST, 9_000, overpay_confirmed=True)
    balance = balance_of(person.pk, FY)
    rows = {r.month: r for r in balance.rows}
    assert (rows[JULY].open, rows[JULY].over) == (2_200, 0)
    assert (rows[AUGUST].open, rows[AUGUST].over) == (0, 2_000)
    assert (balance.due, balance.paid, balance.balance, balance.overpaid) == (70_200, 14_000, 56_200, 0)
    assert Payment.objects.filter(channel=PaymentChannel.COUNTER, recorded_by=clerk).count() == 2


@pytest.mark.parametrize("change,message", [
    ({"amount": 0}, "金額は1円以上"),
    ({"paid_on": date(2099, 1, 1)}, "未来の日付"),
    ({"month": date(2026, 5, 1)}, "現在の賦課にありません"),
    ({"fiscal_year": 2020}, "賦課されていません"),
])
def test_a_counter_payment_is_validated(clerk, change, message):
    person = levied()
    values = {"fiscal_year": FY, "method": "billing", "month": JULY, "amount": 1_000, "paid_on": date(2026, 9, 1)}
    values.update(change)
    with pytest.raises(PaymentInvalid, match=message):
        payment_record_counter(actor=clerk, resident_id=person.pk, data=CounterPayment(**values))
    assert not Payment.objects.exists()


def test_an_overpaid_year_is_refunded_or_offset_once_with_who_decided(make_staff, clerk):
    chief = make_staff(Role.HEAD_OFFICE_CLERK)
    person = levied(FY - 1, FY)
    # the whole of last year paid, and 3,000 more
    for month in [date(2025, m, 1) for m in range(7, 13)] + [date(2026, m, 1) for m in (1, 2, 3, 4)]:
        payment_record_counter(actor=clerk, resident_id=person.pk, data=CounterPayment(
            FY - 1, "billing", month, 7_200 if month.month == 7 else 7_000, date(2026, 5, 1)))
    pay(clerk, person, date(2026, 4, 1), 3_000, year=FY - 1, overpay_confirmed=True)
    assert balance_of(person.pk, FY - 1).overpaid == 3_000

    offset = offset_decide(actor=chief, resident_id=person.pk, fiscal_year=FY - 1, amount=2_000, to_fiscal_year=FY,
                           to_method="billing", to_month=JULY, reason="過納金の充当")
    with pytest.raises(PaymentInvalid, match="1,000円まで"):
        refund_decide(actor=chief, resident_id=person.pk, fiscal_year=FY - 1, amount=1_500, reason="還付")
    refund = refund_decide(actor=chief, resident_id=person.pk, fiscal_year=FY - 1, amount=1_000, reason="還付")

    assert balance_of(person.pk, FY - 1).overpaid == 0
    assert {r.month: r.open for r in balance_of(person.pk, FY).rows}[JULY] == 5_200
    assert offset.offset_payment.channel == PaymentChannel.OFFSET and offset.decided_by == chief
    assert (refund.kind, refund.decided_by) == ("refund", chief)
    assert Settlement.objects.count() == 2
    with pytest.raises(PaymentInvalid):
        offset_decide(actor=chief, resident_id=person.pk, fiscal_year=FY - 1, amount=1, to_fiscal_year=FY,
                      to_method="billing", to_month=AUGUST, reason="")
