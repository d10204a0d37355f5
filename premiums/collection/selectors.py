"""Reads of collection (収納): a person's balance of a fiscal year (what the current levy revision
asks for, what was paid, settled and written off, and what is open), as the services that decide
on money need it and as the premium tab shows it for every year.

The balance is assembled in one place (``balance_from_rows``) from named rows of the levy's
installments, the payments (the store 速報 awaiting their 確報 among them), the write-offs and the
approved deferrals, whoever read them: ``balance_of`` reads one year's rows, the premium tab
(premiums.tab.selectors) reads every shown year's in the same round trip as its other reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

from kaigo.db import fetch_sets
from premiums.rules.balance import InstallmentDue, YearBalance, year_balance
from premiums.rules.deferral import Deferral, defer_dues
from premiums.rules.schedule import installment_label

AWAITING_FINAL = "awaiting_final"  # the channel of a store 速報 listed with the payments: not paid yet


def payments_query(resident_id: int, fiscal_year: int | None = None) -> tuple[str, list]:
    """A person's payments (of one fiscal year, or of all) with the store 速報 still awaiting their
    確報 (channel AWAITING_FINAL), in the order they were paid: named rows (fiscal_year, method,
    month, channel, amount, paid_on, booked_on)."""
    year = " AND fiscal_year = %s" if fiscal_year is not None else ""
    params = [resident_id, *([fiscal_year] if year else [])]
    return ("SELECT fiscal_year, method, month, channel, amount, paid_on, booked_on FROM ("
            "SELECT fiscal_year, method, month, channel, amount, paid_on, booked_on, id FROM premiums_payment "
            f"WHERE resident_id = %s{year} UNION ALL SELECT fiscal_year, 'billing', month, %s, amount, paid_on, "
            f"NULL, id FROM premiums_preliminarypayment WHERE resident_id = %s{year} AND confirmed_by_id IS NULL"
            ") p ORDER BY paid_on, id", [*params, AWAITING_FINAL, *params])


def installment_dues(installments: Iterable) -> list[InstallmentDue]:
    """What each installment asks for, labelled (named rows or LevyInstallment: method, kind,
    number, month, due_date, amount)."""
    return [InstallmentDue(i.method, i.month, installment_label(i.method, i.kind, i.number, i.month.month),
                           i.due_date, i.amount) for i in installments]


def balance_from_rows(*, amount: int, dues: Sequence[InstallmentDue], deferrals: Sequence[Deferral],
                      payments: Iterable, write_offs: Iterable, settled: int) -> YearBalance:
    """A year's balance from the current revision's ``amount`` and what its installments ask for
    (``installment_dues``, in month order), the approved deferrals (a deferred bill is due on its
    猶予期限), the payments of the year
    (``payments_query``'s rows: a store 速報 awaiting its 確報 marks its bill, it pays nothing), the
    write-offs (method, month, amount) and what was refunded or offset from the year."""
    if deferrals:
        dues = defer_dues(dues, deferrals)
    paid: dict[tuple[str, date], int] = defaultdict(int)
    awaiting: set[tuple[str, date]] = set()
    for p in payments:
        if p.channel == AWAITING_FINAL:
            awaiting.add((p.method, p.month))
        else:
            paid[(p.method, p.month)] += p.amount
    return year_balance(dues, paid, amount=amount, settled=settled,
                        written_off={(w.method, w.month): w.amount for w in write_offs}, awaiting_final=awaiting)


def balance_of(resident_id: int, fiscal_year: int) -> YearBalance | None:
    """The year's balance of a person from the current levy revision (None: not levied), with the
    納期限 in force (a deferred bill is due on its 猶予期限) and the bills awaiting a store's 確報.
    One round trip."""
    person_year = [resident_id, fiscal_year]
    levies, installments, payments, write_offs, settled, deferrals = fetch_sets(
        ("SELECT amount FROM premiums_levy WHERE resident_id = %s AND fiscal_year = %s AND recorded_to IS NULL",
         person_year),
        ("SELECT i.method, i.kind, i.number, i.month, i.due_date, i.amount FROM premiums_levyinstallment i "
         "JOIN premiums_levy l ON l.id = i.levy_id WHERE l.resident_id = %s AND l.fiscal_year = %s "
         "AND l.recorded_to IS NULL ORDER BY i.month, i.method DESC", person_year),
        payments_query(resident_id, fiscal_year),
        ("SELECT method, month, amount FROM premiums_writeoff WHERE resident_id = %s AND fiscal_year = %s",
         person_year),
        ("SELECT coalesce(sum(amount), 0) AS amount FROM premiums_settlement WHERE resident_id = %s "
         "AND fiscal_year = %s", person_year),
        ("SELECT first_month, deferred_until FROM premiums_reduction WHERE resident_id = %s AND fiscal_year = %s "
         "AND kind = 'deferral' AND status = 'approved'", person_year),
    )
    if not levies:
        return None
    return balance_from_rows(amount=levies[0].amount, dues=installment_dues(installments),
                             deferrals=[Deferral(d.first_month, d.deferred_until) for d in deferrals],
                             payments=payments, write_offs=write_offs, settled=settled[0].amount)
