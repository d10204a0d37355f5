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
from dataclasses import dataclass
from datetime import date

from kaigo.db import fetch_rows, fetch_sets
from kaigo.errors import ApplicationError
from premiums.arrears.selectors import arrears_plan
from premiums.collection.models import ExemptionStatus, LateChargeExemption
from premiums.rules.arrears import ArrearsPlan, InstallmentLateCharge, installment_late_charges
from premiums.rules.balance import InstallmentDue, YearBalance, year_balance
from premiums.rules.deferral import Deferral, defer_dues
from premiums.rules.schedule import installment_label

BILLING = "billing"  # premiums.rules.codes.CollectionMethod.BILLING
PENSION = "pension"  # premiums.rules.codes.CollectionMethod.PENSION_DEDUCTION
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
                      payments: Iterable, write_offs: Iterable, settled: int, stops: Iterable = ()) -> YearBalance:
    """A year's balance from the current revision's ``amount`` and what its installments ask for
    (``installment_dues``, in month order), the approved deferrals (a deferred bill is due on its
    猶予期限), the payments of the year
    (``payments_query``'s rows: a store 速報 awaiting its 確報 marks its bill, it pays nothing), the
    write-offs (method, month, amount), what was refunded or offset from the year and the pension
    deductions reported not made (``stops``: month, result)."""
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
                        written_off={(w.method, w.month): w.amount for w in write_offs}, awaiting_final=awaiting,
                        stopped={(PENSION, s.month): s.result for s in stops})


@dataclass(frozen=True)
class YearCollection:
    """A year's balance and the late charges (延滞金) of its bills, as of a day."""

    fiscal_year: int
    balance: YearBalance
    late_charges: tuple[InstallmentLateCharge, ...] = ()

    @property
    def late_charge_open(self) -> int:
        return sum(c.open for c in self.late_charges)

    def late_charge(self, method: str, month: date) -> InstallmentLateCharge | None:
        return next((c for c in self.late_charges if (c.method, c.month) == (method, month)), None)


LATE_CHARGE_PAYMENTS_SQL = ("SELECT fiscal_year, method, month, amount, paid_on, receipt_id "
                            "FROM premiums_latechargepayment WHERE resident_id = %s")
EXEMPTIONS_SQL = ("SELECT id, fiscal_year, method, month, amount, status, reason, decision_reason, applied_at, "
                  "decided_at FROM premiums_latechargeexemption WHERE resident_id = %s ORDER BY applied_at, id")


def late_charges_from_rows(*, fiscal_year: int, balance: YearBalance, payments: Iterable, late_payments: Iterable,
                           exemptions: Iterable, as_of: date, plan: ArrearsPlan) -> tuple[InstallmentLateCharge, ...]:
    """The late charges of a year's bills (premiums.rules.arrears.installment_late_charges) from
    the rows the balance was built from (``payments_query``'s), the late-charge payments
    (``LATE_CHARGE_PAYMENTS_SQL``) and the exemptions (``EXEMPTIONS_SQL``: the approved count)."""
    history: dict[tuple[str, date], list[tuple[date, int]]] = defaultdict(list)
    for p in payments:
        if p.channel != AWAITING_FINAL:
            history[(p.method, p.month)].append((p.paid_on, p.amount))
    paid: dict[tuple[str, date], int] = defaultdict(int)
    for p in late_payments:
        paid[(p.method, p.month)] += p.amount
    granted: dict[tuple[str, date], list[int | None]] = defaultdict(list)
    for e in exemptions:
        if e.status == ExemptionStatus.APPROVED:
            granted[(e.method, e.month)].append(e.amount)
    return installment_late_charges(balance.rows, history, as_of, fiscal_year=fiscal_year, plan=plan, paid=paid,
                                    exemptions=granted)


def year_collection(resident_id: int, fiscal_year: int, *, as_of: date,
                    plan: ArrearsPlan | None = None) -> YearCollection | None:
    """A person's year (None: not levied): the balance (``balance_of``) and the late charges of its
    bills as of ``as_of`` (the open ones as if paid that day). One round trip."""
    rows = _year_rows(resident_id, fiscal_year, with_late_charges=True)
    if rows is None:
        return None
    _levy, balance, payments, late_payments, exemptions = rows
    plan = plan or arrears_plan()
    return YearCollection(fiscal_year, balance, late_charges_from_rows(
        fiscal_year=fiscal_year, balance=balance, payments=payments, late_payments=late_payments,
        exemptions=exemptions, as_of=as_of, plan=plan))


# the current levy revision of a person's year, as the balance and the overview's summary need it
LEVY_ROW_SQL = ("SELECT amount, stage, collection_method, source, revision FROM premiums_levy "
                "WHERE resident_id = %s AND fiscal_year = %s AND recorded_to IS NULL")
PENDING_SQL = ("SELECT causes FROM premiums_levypending WHERE resident_id = %s AND fiscal_year = %s "
               "AND processed_at IS NULL")


def _year_rows(resident_id: int, fiscal_year: int, *, with_late_charges: bool = False, extra: Sequence = ()):
    """(the levy row, the balance, the payments, then the late-charge rows when asked, then the rows
    of each ``extra`` query) of a person's year, in one round trip; None when the year is not levied."""
    person_year = [resident_id, fiscal_year]
    queries = [
        (LEVY_ROW_SQL, person_year),
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
        ("SELECT month, result FROM premiums_deductionstop WHERE resident_id = %s AND fiscal_year = %s", person_year),
    ]
    if with_late_charges:
        queries += [(LATE_CHARGE_PAYMENTS_SQL + " AND fiscal_year = %s", person_year),
                    (EXEMPTIONS_SQL.replace(" ORDER BY", " AND fiscal_year = %s ORDER BY"), person_year)]
    levies, installments, payments, write_offs, settled, deferrals, stops, *rest = fetch_sets(*queries, *extra)
    if not levies:
        return None
    balance = balance_from_rows(amount=levies[0].amount, dues=installment_dues(installments),
                                deferrals=[Deferral(d.first_month, d.deferred_until) for d in deferrals],
                                payments=payments, write_offs=write_offs, settled=settled[0].amount, stops=stops)
    return (levies[0], balance, payments, *rest)


@dataclass(frozen=True)
class YearSummary:
    """A person's year as the overview summarises it: the current levy revision (named row:
    amount, stage, collection_method, source, revision), the balance and late charges as of a
    day, and the causes of a correction queued and not yet run (更正待ち)."""

    levy: object
    collection: YearCollection
    pending_causes: tuple[str, ...]


def year_summary(resident_id: int, fiscal_year: int, *, as_of: date, plan: ArrearsPlan | None = None
                 ) -> YearSummary | None:
    """A person's year for the overview (None: not levied): one round trip."""
    rows = _year_rows(resident_id, fiscal_year, with_late_charges=True,
                      extra=[(PENDING_SQL, [resident_id, fiscal_year])])
    if rows is None:
        return None
    levy, balance, payments, late_payments, exemptions, pending = rows
    plan = plan or arrears_plan()
    collection = YearCollection(fiscal_year, balance, late_charges_from_rows(
        fiscal_year=fiscal_year, balance=balance, payments=payments, late_payments=late_payments,
        exemptions=exemptions, as_of=as_of, plan=plan))
    return YearSummary(levy, collection, tuple(dict.fromkeys(c for row in pending for c in row.causes)))


def balance_of(resident_id: int, fiscal_year: int) -> YearBalance | None:
    """The year's balance of a person from the current levy revision (None: not levied), with the
    納期限 in force (a deferred bill is due on its 猶予期限) and the bills awaiting a store's 確報.
    One round trip."""
    rows = _year_rows(resident_id, fiscal_year)
    return None if rows is None else rows[1]


def levied_years(resident_id: int) -> list[int]:
    """The fiscal years of a person with a current levy, newest first."""
    return [r.fiscal_year for r in fetch_rows(
        "SELECT fiscal_year FROM premiums_levy WHERE resident_id = %s AND recorded_to IS NULL "
        "ORDER BY fiscal_year DESC", [resident_id])]


# --- the counter: what the open installments ask for on the day of payment --------------------


class CounterInvalid(ApplicationError):
    code = "payment_invalid"


@dataclass(frozen=True)
class CounterItem:
    """One installment chosen at the counter, with what it asks for on the day of payment."""

    fiscal_year: int
    method: str
    month: date
    label: str
    due_date: date
    open: int  # the premium still open
    late_charge: int  # its late charge still open, as if paid on the day (0: none)
    rate_missing: bool = False  # the late charge reaches a year whose rate is not registered

    @property
    def total(self) -> int:
        return self.open + self.late_charge


@dataclass(frozen=True)
class CounterQuote:
    paid_on: date
    items: tuple[CounterItem, ...]

    @property
    def premium(self) -> int:
        return sum(i.open for i in self.items)

    @property
    def late_charge(self) -> int:
        return sum(i.late_charge for i in self.items)

    @property
    def total(self) -> int:
        return self.premium + self.late_charge


def counter_items(resident_id: int, *, paid_on: date) -> list[CounterItem]:
    """Every open bill installment of the person's levied years, oldest first, with its late
    charge as of ``paid_on`` (a pension deduction is never paid at the counter)."""
    items = []
    for fiscal_year in sorted(levied_years(resident_id)):
        year = year_collection(resident_id, fiscal_year, as_of=paid_on)
        if year is not None:
            items += _open_items(year)
    return items


def _open_items(year: YearCollection) -> list[CounterItem]:
    items = []
    for row in year.balance.rows:
        charge = year.late_charge(row.method, row.month)
        late = charge.open if charge else 0
        if row.method == BILLING and row.due_date is not None and (row.open or late):
            items.append(CounterItem(year.fiscal_year, row.method, row.month, row.label, row.due_date, row.open, late,
                                     bool(charge and charge.rate_missing)))
    return items


def counter_quote(resident_id: int, keys: list[tuple[int, str, date]], *, paid_on: date) -> CounterQuote:
    """What the chosen installments ask for if paid on ``paid_on``: each one's open premium and
    late charge (PaymentInvalid for one that is not open)."""
    by_key = {(i.fiscal_year, i.method, i.month): i for i in counter_items(resident_id, paid_on=paid_on)}
    if any(by_key[k].rate_missing for k in keys if k in by_key):
        raise CounterInvalid("延滞金の割合が登録されていない年にかかるため、延滞金を計算できません（割合の登録を待ってください）。")
    missing = [k for k in keys if k not in by_key]
    if missing or not keys:
        raise CounterInvalid("納期を選んでください（選べるのは未納の普通徴収の納期です）。" if not keys else
                             "選ばれた納期に未納はありません（画面を開き直してください）。")
    return CounterQuote(paid_on, tuple(sorted((by_key[k] for k in dict.fromkeys(keys)),
                                              key=lambda i: (i.due_date, i.fiscal_year, i.month))))




# --- a counter receipt, the exemptions waiting, a person's settlements, the transfers -----------


@dataclass(frozen=True)
class ReceiptLine:
    fiscal_year: int
    label: str
    premium: int
    late_charge: int


@dataclass(frozen=True)
class ReceiptView:
    pk: int
    paid_on: date
    amount: int
    lines: tuple[ReceiptLine, ...]


def receipt_lines(resident_id: int, receipt_id: int) -> ReceiptView:
    """A counter receipt of the person and what it paid, by installment (CounterReceipt.DoesNotExist
    when it is not this person's). The caller has read the person (person_header: scope and log)."""
    receipts, payments, charges, installments = fetch_sets(
        ("SELECT id, paid_on, amount FROM premiums_counterreceipt WHERE id = %s AND resident_id = %s",
         [receipt_id, resident_id]),
        ("SELECT fiscal_year, method, month, amount FROM premiums_payment WHERE receipt_id = %s", [receipt_id]),
        ("SELECT fiscal_year, method, month, amount FROM premiums_latechargepayment WHERE receipt_id = %s",
         [receipt_id]),
        ("SELECT l.fiscal_year, i.method, i.kind, i.number, i.month, i.due_date, i.amount "
         "FROM premiums_levyinstallment i JOIN premiums_levy l ON l.id = i.levy_id WHERE l.resident_id = %s "
         "AND l.recorded_to IS NULL AND l.fiscal_year IN (SELECT fiscal_year FROM premiums_payment "
         "WHERE receipt_id = %s UNION SELECT fiscal_year FROM premiums_latechargepayment WHERE receipt_id = %s)",
         [resident_id, receipt_id, receipt_id]),
    )
    if not receipts:
        from premiums.collection.models import CounterReceipt

        raise CounterReceipt.DoesNotExist
    labels = {(i.fiscal_year, i.method, i.month): installment_label(i.method, i.kind, i.number, i.month.month)
              for i in installments}
    amounts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for p in payments:
        amounts[(p.fiscal_year, p.method, p.month)][0] += p.amount
    for c in charges:
        amounts[(c.fiscal_year, c.method, c.month)][1] += c.amount
    lines = tuple(ReceiptLine(key[0], labels.get(key) or f"{key[2].month}月", premium, late)
                  for key, (premium, late) in sorted(amounts.items()))
    r = receipts[0]
    return ReceiptView(r.id, r.paid_on, r.amount, lines)


@dataclass(frozen=True)
class SettlementRow:
    pk: int
    fiscal_year: int
    kind: str
    kind_label: str
    amount: int
    reason: str
    decided_at: object
    account_tail: str  # the last digits of a refund's account (＊＊＊＊567), "" for an offset
    bank_code: str
    transfer_status: str


def settlements_of(resident_id: int) -> list[SettlementRow]:
    """A person's decisions on overpayments, newest first, a refund's account shown by its last
    digits only (decrypted here with the person's key, never shown whole)."""
    from kaigo.bank.zengin import masked
    from premiums.collection.models import Settlement, SettlementKind, TransferStatus

    labels, statuses = dict(SettlementKind.choices), dict(TransferStatus.choices)
    rows = Settlement.objects.filter(resident_id=resident_id).select_related("transfer").order_by("-decided_at")
    out = []
    for s in rows:
        transfer = getattr(s, "transfer", None)
        status = statuses[transfer.status] if transfer is not None else ("振込待ち" if s.bank_code else "")
        out.append(SettlementRow(s.pk, s.fiscal_year, s.kind, labels.get(s.kind, s.kind), s.amount, s.reason,
                                 s.decided_at, masked(s.account_number) if s.bank_code else "", s.bank_code, status))
    return out


@dataclass
class ExemptionsPage:
    rows: list  # (exemption row, resident, InstallmentLateCharge | None)


def exemptions_pending(*, actor, request, today: date) -> ExemptionsPage:
    """The late charges' exemptions waiting for the section chief, each with the person's name and
    the charge as of ``today``; one access-log row naming the persons."""
    from audit.services import access_log_write
    from eligibility.residents.selectors import residents_by_id

    rows = fetch_rows("SELECT id, resident_id, fiscal_year, method, month, amount, reason, applied_at, applied_by_id "
                      "FROM premiums_latechargeexemption WHERE status = 'applied' ORDER BY applied_at, id LIMIT 100",
                      [])
    residents = residents_by_id({r.resident_id for r in rows})
    out = []
    for r in rows:
        year = year_collection(r.resident_id, r.fiscal_year, as_of=today)
        out.append((r, residents.get(r.resident_id), year.late_charge(r.method, r.month) if year else None))
    access_log_write(actor=actor, request=request, function="premium.late_charge.exemption", channel="screen",
                     person_ids=sorted(residents), hits=len(rows))
    return ExemptionsPage(out)


@dataclass
class TransfersPage:
    waiting: int
    waiting_amount: int
    files: list


def transfers_page() -> TransfersPage:
    """The refunds waiting for a transfer file (count and total: no person is shown) and the files
    written, newest first."""
    waiting = fetch_rows(
        "SELECT count(*) AS n, coalesce(sum(amount), 0) AS total FROM premiums_settlement s WHERE kind = 'refund' "
        "AND bank_code <> '' AND NOT EXISTS (SELECT 1 FROM premiums_banktransferline t WHERE t.settlement_id = s.id)",
        [])[0]
    files = fetch_rows(
        "SELECT f.id, f.transfer_date, f.records, f.total, f.created_at, f.result_received_at, "
        "count(*) FILTER (WHERE t.status = 'done') AS done, count(*) FILTER (WHERE t.status = 'failed') AS failed "
        "FROM premiums_banktransferfile f LEFT JOIN premiums_banktransferline t ON t.file_id = f.id "
        "GROUP BY f.id ORDER BY f.id DESC LIMIT 20", [])
    return TransfersPage(waiting.n, waiting.total, files)


@dataclass
class HeldPaymentsPage:
    rows: list  # (held payment row, resident)


def held_payments_pending(*, actor, request) -> HeldPaymentsPage:
    """The payments of payment files held for a decision (保留), oldest first, each with the
    person's name and the year's open amount when it was held; one access-log row naming the
    persons."""
    from audit.services import access_log_write
    from eligibility.residents.selectors import residents_by_id

    rows = fetch_rows(
        "SELECT h.id, h.resident_id, h.fiscal_year, h.month, h.channel, h.amount, h.open_amount, h.paid_on, "
        "h.held_at, h.line_no, f.file_name FROM premiums_heldpayment h JOIN premiums_inboundfile f ON f.id = h.file_id "
        "WHERE h.status = 'held' ORDER BY h.held_at, h.id LIMIT 100", [])
    residents = residents_by_id({r.resident_id for r in rows})
    access_log_write(actor=actor, request=request, function="premium.payment.held", channel="screen",
                     person_ids=sorted(residents), hits=len(rows))
    return HeldPaymentsPage([(r, residents.get(r.resident_id)) for r in rows])


@dataclass(frozen=True)
class ExemptionToDecide:
    """A late charge's exemption as its confirmation page states it: the installment, what was
    asked (None: the whole charge), its status, and the charge as of the day."""

    pk: int
    resident_id: int
    fiscal_year: int
    month: date
    asked: int | None
    status: str
    charge: InstallmentLateCharge | None


def exemption_to_decide(exemption_id: int, *, today: date) -> ExemptionToDecide:
    """The exemption ``exemption_id`` with its late charge as of ``today`` (LateChargeExemption.
    DoesNotExist when there is none). No name, nothing logged: the confirmation page names the
    person through premiums.tab.selectors.decision_subject, which logs."""
    e = LateChargeExemption.objects.get(pk=exemption_id)
    year = year_collection(e.resident_id, e.fiscal_year, as_of=today)
    return ExemptionToDecide(e.pk, e.resident_id, e.fiscal_year, e.month, e.amount, e.status,
                             year.late_charge(e.method, e.month) if year else None)
