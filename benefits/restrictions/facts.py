"""The arrears facts of a person as the restriction rules take them, read through premiums' and
certification's public selectors only (benefits never reads their tables), with the installments
excused for a 特別の事情 (benefits' own table). No access log here: callers that show them log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from benefits.restrictions.models import ExcusedInstallment
from benefits.rules.restrictions import (
    Finding,
    OpenBill,
    PremiumYear,
    calculation_years,
    finding,
    reduction_months,
)
from certification.decisions.selectors import certification_history_rows, certification_on
from premiums.arrears.selectors import open_bills_of, premium_years_of


@dataclass(frozen=True)
class ArrearsFacts:
    bills: list[OpenBill]
    years: list[PremiumYear]
    finding: Finding
    certified: bool  # a certification (要介護・要支援) in force on the day
    certified_on: date | None  # the decision day of that certification


def excused_months(resident_id: int) -> set[tuple[int, date]]:
    return set(ExcusedInstallment.objects.filter(resident_id=resident_id).values_list("fiscal_year", "month"))


def arrears_facts(resident_id: int, today: date) -> ArrearsFacts:
    """A person's open bills (premiums: 普通徴収 only), their premium years (調定額, 収入額, 時効消滅額),
    the finding of the rules on ``today`` and whether a certification is in force that day."""
    excused = excused_months(resident_id)
    bills = [OpenBill(b.fiscal_year, b.month, b.due_date, b.open, (b.fiscal_year, b.month) in excused)
             for b in open_bills_of(resident_id, today=today)]
    years = [PremiumYear(y.fiscal_year, y.levied, y.paid, y.prescribed) for y in premium_years_of(resident_id)]
    cert = certification_on(certification_history_rows(resident_id), today)
    return ArrearsFacts(bills, years, finding(bills, years, today), cert is not None,
                        cert.decided_on if cert else None)


def reduction_months_of(facts: ArrearsFacts, decided_on: date) -> int:
    """The 給付額減額期間 in months for a reduction decided on ``decided_on``: the calculation period
    counted back from the certification in force (its decision: the 記載 of 法 §69 is made with the
    certification), or from the decision day when none is known."""
    return reduction_months(calculation_years(facts.years, facts.certified_on or decided_on))
