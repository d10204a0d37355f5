"""Payments (収納) and the decisions on overpayments (還付・充当) of one person, as services.

A payment applies to one installment of a fiscal year (method and month); the balance is what
the current levy revision asks for minus what was paid (premiums.rules.balance). Every write
takes the person's advisory lock, so two clerks (or a clerk and the payment file) never decide
on the same money twice. Refunds and offsets record who decided; an offset is a Payment
(channel 充当) on the other installment, linked from its Settlement. Japanese errors for staff.
See docs/subsystems/levy.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from kaigo.errors import ApplicationError
from premiums.collection.models import Payment, PaymentChannel, Settlement, SettlementKind
from premiums.collection.selectors import balance_of

LOCK_NAMESPACE = 5_101  # pg_advisory_xact_lock(namespace, person): premium balances of a person
MAX_PAYMENT = 10_000_000


class PaymentInvalid(ApplicationError):
    code = "payment_invalid"


def person_lock(resident_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, resident_id])


@dataclass(frozen=True)
class CounterPayment:
    fiscal_year: int
    method: str
    month: date
    amount: int
    paid_on: date
    note: str = ""


def payment_record_counter(*, actor, resident_id: int, data: CounterPayment) -> Payment:
    """A payment taken at the counter (窓口) for one installment of a levied year. More than the
    installment's open amount is accepted (it is money received) and shows as overpaid."""
    if not 0 < data.amount <= MAX_PAYMENT:
        raise PaymentInvalid("金額は1円以上で入力してください。")
    if data.paid_on > timezone.localdate():
        raise PaymentInvalid("納付日に未来の日付は入力できません。")
    with transaction.atomic():
        person_lock(resident_id)
        balance = balance_of(resident_id, data.fiscal_year)
        if balance is None:
            raise PaymentInvalid(f"{data.fiscal_year}年度の保険料は賦課されていません。")
        if not any(r.method == data.method and r.month == data.month and r.due for r in balance.rows):
            raise PaymentInvalid("指定された納期は現在の賦課にありません。")
        return Payment.objects.create(
            resident_id=resident_id, fiscal_year=data.fiscal_year, method=data.method, month=data.month,
            channel=PaymentChannel.COUNTER, amount=data.amount, paid_on=data.paid_on,
            booked_on=timezone.localdate(), recorded_by=actor, note=data.note[:200])


def refund_decide(*, actor, resident_id: int, fiscal_year: int, amount: int, reason: str) -> Settlement:
    """還付: pay back part or all of a year's overpayment."""
    with transaction.atomic():
        person_lock(resident_id)
        balance = balance_of(resident_id, fiscal_year)
        available = balance.overpaid if balance else 0
        if not 0 < amount <= available:
            raise PaymentInvalid(f"還付できる額は{available:,}円までです。")
        return Settlement.objects.create(resident_id=resident_id, fiscal_year=fiscal_year, kind=SettlementKind.REFUND,
                                         amount=amount, reason=reason[:200], decided_by=actor)


def offset_decide(*, actor, resident_id: int, fiscal_year: int, amount: int, to_fiscal_year: int, to_method: str,
                  to_month: date, reason: str) -> Settlement:
    """充当: apply part of a year's overpayment to an open installment of the same person (DOMAIN
    2.13: offset first, refund the rest)."""
    with transaction.atomic():
        person_lock(resident_id)
        source = balance_of(resident_id, fiscal_year)
        available = source.overpaid if source else 0
        if not 0 < amount <= available:
            raise PaymentInvalid(f"充当できる額は{available:,}円までです。")
        target = balance_of(resident_id, to_fiscal_year)
        row = next((r for r in (target.rows if target else ()) if r.method == to_method and r.month == to_month), None)
        if row is None or row.open < amount:
            raise PaymentInvalid(f"充当先の納期の未納額（{row.open if row else 0:,}円）を超えています。")
        payment = Payment.objects.create(
            resident_id=resident_id, fiscal_year=to_fiscal_year, method=to_method, month=to_month,
            channel=PaymentChannel.OFFSET, amount=amount, paid_on=timezone.localdate(),
            booked_on=timezone.localdate(), recorded_by=actor, note=f"{fiscal_year}年度の過納金から充当")
        return Settlement.objects.create(resident_id=resident_id, fiscal_year=fiscal_year, kind=SettlementKind.OFFSET,
                                         amount=amount, offset_payment=payment, reason=reason[:200],
                                         decided_by=actor)
