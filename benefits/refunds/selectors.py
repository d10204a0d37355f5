"""Reads of the high-cost care service refund (docs/subsystems/benefits-high-cost.md): a person's
summary for a section of the 給付 tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from audit.services import access_log_write
from benefits.refunds.models import HighCostApplication, HighCostRefund
from benefits.rules.high_cost import IncomeCategory
from eligibility.residents.selectors import in_home_ward, log_function, protected_ids
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

VIEW = "benefit.view"
NOT_PERMITTED = "高額介護サービス費を表示する権限がありません。"


@dataclass(frozen=True)
class RefundMonth:
    service_month: date
    category_label: str
    amount: int  # the refund due by the latest computation
    decided: int  # the sum of the decided differences
    waiting: int  # the sum of the undecided differences (申請待ち or not yet decided)


@dataclass(frozen=True)
class RefundSummary:
    applied_on: date | None  # the first application's received date (None: none received)
    months: list[RefundMonth]


def high_cost_summary_for(*, actor, request, resident, today: date, months: int = 12) -> RefundSummary:
    """The person's refunds of the last ``months`` service months up to ``today`` (a section of the
    給付 tab), latest first. Checks ``benefit.view`` (the tab has checked the ward scope with its
    person header); writes its own access-log row (``benefit.high_cost.summary``, queued in the tab's
    access_log_batch, benefits/tab.py)."""
    if not has_permission(actor, VIEW):
        raise NotPermitted(NOT_PERMITTED)
    access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                     function=log_function("benefit.high_cost.summary", sensitive=bool(protected_ids([resident.pk])),
                                           outside_ward=not in_home_ward(actor, resident.ward)))
    application = HighCostApplication.objects.filter(resident_id=resident.pk).first()
    by_month: dict[date, list[HighCostRefund]] = {}
    for line in (HighCostRefund.objects.filter(resident_id=resident.pk, service_month__lte=today)
                 .order_by("-service_month", "seq")):
        by_month.setdefault(line.service_month, []).append(line)
    result = []
    for month, lines in list(by_month.items())[:months]:
        latest = lines[-1]
        result.append(RefundMonth(
            service_month=month, category_label=IncomeCategory(latest.category).label, amount=latest.amount,
            decided=sum(x.difference for x in lines if x.decision_id is not None),
            waiting=sum(x.difference for x in lines if x.decision_id is None)))
    return RefundSummary(applied_on=application.received_on if application else None, months=result)
