"""The balance of a person's premium for a fiscal year (収納状況): what each installment of the
current levy revision asks for, what was paid on it, and what is open or overpaid (DOMAIN 2.13).

Payments are kept against (method, month), not against an installment row, because a correction
(更正) writes new installment rows; an amount paid on a month the new revision no longer asks for
is overpaid. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

BILLING = "billing"  # premiums.rules.codes.CollectionMethod.BILLING (kept plain: pure module)


@dataclass(frozen=True)
class InstallmentDue:
    method: str
    month: date  # first day of the installment's month
    label: str
    due_date: date | None  # the 納期限 in force (a deferral's 猶予期限 when deferred)
    amount: int
    deferred_from: date | None = None  # the installment's own 納期限 when a deferral (徴収猶予) moved it


@dataclass(frozen=True)
class InstallmentBalance:
    method: str
    month: date
    label: str
    due_date: date | None
    due: int
    paid: int
    written_off: int = 0  # 不納欠損 after prescription
    deferred_from: date | None = None  # own 納期限 when deferred (徴収猶予); due_date is then the 猶予期限
    awaiting_final: bool = False  # paid at a store: its 速報 came, its 確報 (the money) not yet
    stopped: str = ""  # a pension deduction the 年金保険者 reported not made (DeductionResult code)

    @property
    def open(self) -> int:
        """未納額 (0 when paid in full or more, or written off)."""
        return max(self.due - self.paid - self.written_off, 0)

    @property
    def over(self) -> int:
        """Paid beyond what the installment asks for."""
        return max(self.paid - self.due, 0)

    @property
    def billed(self) -> bool:
        """A bill (普通徴収), which the resident pays; a pension deduction (特別徴収) is withheld by
        the 年金保険者 (法 §131, §135), never the resident's arrears."""
        return self.method == BILLING

    def overdue(self, today: date) -> bool:
        """A bill open after its 納期限 in force, and not paid at a store awaiting the 確報. A pension
        deduction is never overdue: until its result (特別徴収結果通知) arrives it is 未着, and one
        reported not made is billed by the correction that follows (普通徴収への切替)."""
        return (self.billed and self.open > 0 and self.due_date is not None and self.due_date < today
                and not self.awaiting_final)

    def pension_state(self, today: date) -> str:
        """What a pension deduction's row says (the premium tab): 徴収済 (deducted in full), the
        stop the 年金保険者 reported, 未着 (its payment day passed, no result yet) or 予定 (to come);
        "" for a bill."""
        if self.billed:
            return ""
        if self.due and self.paid >= self.due:
            return "collected"
        if self.stopped:
            return "stopped"
        if self.due_date is not None and self.due_date < today:
            return "awaiting"
        return "scheduled"


@dataclass(frozen=True)
class YearBalance:
    rows: tuple[InstallmentBalance, ...]
    due: int
    paid: int
    settled: int  # refunded or applied to another installment (還付・充当) from this year
    written_off: int = 0

    @property
    def balance(self) -> int:
        """Still to pay (> 0) or overpaid (< 0) for the year."""
        return self.due - self.paid - self.written_off + self.settled

    @property
    def unpaid(self) -> int:
        return sum(r.open for r in self.rows)

    @property
    def overpaid(self) -> int:
        """過誤納金 not yet refunded or applied: what was paid beyond what is due, less settlements."""
        return max(-self.balance, 0)


def year_balance(dues: Iterable[InstallmentDue], paid: Mapping[tuple[str, date], int], *, amount: int | None = None,
                 settled: int = 0, written_off: Mapping[tuple[str, date], int] | None = None,
                 awaiting_final: Collection[tuple[str, date]] = (),
                 stopped: Mapping[tuple[str, date], str] | None = None,
                 label_paid_only: str = "（現在の賦課にない納期）") -> YearBalance:
    """The balance per installment and for the year. ``paid``: amounts by (method, month); a
    month paid but no longer asked for appears as its own row (due 0). ``amount``: the year's
    premium (調定額) when it is less than the installments kept after a decrease (the levy's
    ``overpaid``); default the installments' sum. ``awaiting_final``: (method, month) of the
    installments paid at a store whose 確報 has not come yet (premiums.models.PreliminaryPayment).
    ``stopped``: (method, month) -> result of the pension deductions reported not made
    (premiums.models.DeductionStop)."""
    dues = list(dues)
    written_off = written_off or {}
    stopped = stopped or {}
    rows = [InstallmentBalance(d.method, d.month, d.label, d.due_date, d.amount, paid.get((d.method, d.month), 0),
                               written_off.get((d.method, d.month), 0), d.deferred_from,
                               (d.method, d.month) in awaiting_final, stopped.get((d.method, d.month), ""))
            for d in dues]
    asked = {(d.method, d.month) for d in dues}
    rows += [InstallmentBalance(method, month, label_paid_only, None, 0, amount)
             for (method, month), amount in sorted(paid.items()) if (method, month) not in asked and amount]
    rows.sort(key=lambda r: (r.month, r.method != "pension"))
    due = sum(d.amount for d in dues) if amount is None else amount
    return YearBalance(tuple(rows), due, sum(paid.values()), settled, sum(written_off.values()))
