"""Reads of collection (収納): a person's balance of a fiscal year (what the current levy revision
asks for, what was paid, settled and written off, and what is open), as the services that decide
on money need it."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from premiums.arrears.models import WriteOff
from premiums.collection.models import Payment, PreliminaryPayment, Settlement
from premiums.levy.models import Levy
from premiums.reductions.selectors import approved_deferrals
from premiums.rules.balance import InstallmentDue, YearBalance, year_balance
from premiums.rules.deferral import defer_dues
from premiums.rules.schedule import installment_label


def balance_of(resident_id: int, fiscal_year: int) -> YearBalance | None:
    """The year's balance of a person from the current levy revision (None: not levied), with the
    納期限 in force (a deferred bill is due on its 猶予期限) and the bills awaiting a store's 確報."""
    levy = Levy.objects.filter(resident_id=resident_id, fiscal_year=fiscal_year, recorded_to__isnull=True).first()
    if levy is None:
        return None
    dues = defer_dues([InstallmentDue(i.method, i.month, installment_label(i.method, i.kind, i.number, i.month.month),
                                      i.due_date, i.amount) for i in levy.installments.order_by("month")],
                      approved_deferrals(resident_id, fiscal_year))
    paid: dict[tuple[str, date], int] = defaultdict(int)
    for method, month, amount in Payment.objects.filter(resident_id=resident_id, fiscal_year=fiscal_year).values_list(
            "method", "month", "amount"):
        paid[(method, month)] += amount
    settled = sum(Settlement.objects.filter(resident_id=resident_id, fiscal_year=fiscal_year)
                  .values_list("amount", flat=True))
    written_off = {(method, month): amount for method, month, amount in WriteOff.objects.filter(
        resident_id=resident_id, fiscal_year=fiscal_year).values_list("method", "month", "amount")}
    awaiting = {("billing", month) for month in PreliminaryPayment.objects.filter(
        resident_id=resident_id, fiscal_year=fiscal_year, confirmed_by__isnull=True).values_list("month", flat=True)}
    return year_balance(dues, paid, amount=levy.amount, settled=settled, written_off=written_off,
                        awaiting_final=awaiting)
