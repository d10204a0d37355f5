"""Reads of reductions (減免) and deferrals (徴収猶予): the approved deferrals of a person's year (for
the balance and the arrears), and the section chief's worklist (applications awaiting a
decision, deferrals still running, the last days' decisions with their notices; one access-log
row naming the persons)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest

from audit.services import access_log_write
from premiums.levy.models import Levy
from premiums.notices.services import notice_links
from premiums.reductions.models import Reduction, ReductionKind, ReductionStatus
from premiums.rules.deferral import Deferral


def approved_deferrals(resident_id: int, fiscal_year: int) -> list[Deferral]:
    """The approved deferrals (徴収猶予) of a person's fiscal year."""
    return [Deferral(first_month, until) for first_month, until in Reduction.objects.filter(
        resident_id=resident_id, fiscal_year=fiscal_year, kind=ReductionKind.DEFERRAL,
        status=ReductionStatus.APPROVED).values_list("first_month", "deferred_until")]


# --- reductions awaiting the section chief's decision ------------------------------------------------


@dataclass
class PendingReduction:
    pk: int
    resident_id: int
    fiscal_year: int
    kind: str
    applied_on: date
    first_month: date
    last_month: date
    evidence: list[str]
    stage: int | None
    amount: int | None
    received_by: str
    is_deferral: bool = False


@dataclass
class RunningDeferral:
    pk: int
    resident_id: int
    fiscal_year: int
    first_month: date
    deferred_until: date


@dataclass
class DecidedReduction:
    pk: int
    resident_id: int
    fiscal_year: int
    kind: str
    status: str
    decided_at: datetime
    ended_at: datetime | None
    notices: list[tuple[str, str]]  # (NoticeKind, label) of the notices the decision gives


DECIDED_DAYS = 30  # the decisions (and early ends of deferrals) listed for printing their notices
DECIDED_LIMIT = 50


def reductions_pending(*, actor, request, today: date | None = None
                       ) -> tuple[list[PendingReduction], list[RunningDeferral], list[DecidedReduction]]:
    """The applications awaiting a decision with the person's current stage and amount, the
    approved deferrals still running on ``today`` (to end one early), and the decisions of the last
    DECIDED_DAYS days (at most DECIDED_LIMIT, newest first, a deferral's early end counting as a
    decision) with the notices they give; one access-log row naming the persons of all three."""
    from django.utils import timezone

    from premiums.reductions.models import Evidence, Reduction, ReductionKind

    today = today or timezone.localdate()
    running = [RunningDeferral(*row) for row in Reduction.objects.filter(
        kind=ReductionKind.DEFERRAL, status=ReductionStatus.APPROVED, ended_at__isnull=True, deferred_until__gte=today).order_by(
        "deferred_until", "id").values_list("pk", "resident_id", "fiscal_year", "first_month", "deferred_until")]

    kinds, evidence = dict(ReductionKind.choices), dict(Evidence.choices)
    applied = list(Reduction.objects.filter(status=ReductionStatus.APPLIED).select_related("received_by").order_by("applied_on", "id"))
    current = {(pid, year): (stage, amount) for pid, year, stage, amount in Levy.objects.filter(
        resident_id__in={r.resident_id for r in applied}, recorded_to__isnull=True).values_list(
        "resident_id", "fiscal_year", "stage", "amount")}
    rows = []
    for r in applied:
        levy = current.get((r.resident_id, r.fiscal_year), (None, None))
        rows.append(PendingReduction(r.pk, r.resident_id, r.fiscal_year, kinds.get(r.kind, r.kind), r.applied_on,
                                     r.first_month, r.last_month, [evidence.get(e, e) for e in r.evidence], *levy,
                                     r.received_by.get_full_name() or r.received_by.username,
                                     r.kind == ReductionKind.DEFERRAL))
    since = timezone.now() - timedelta(days=DECIDED_DAYS)
    statuses = dict(ReductionStatus.choices)
    decided = [
        DecidedReduction(pk, pid, year, kinds.get(kind, kind), statuses.get(status, status), decided_at, ended_at,
                         notice_links(kind, status, ended_at is not None))
        for pk, pid, year, kind, status, decided_at, ended_at in Reduction.objects.filter(
            Q(decided_at__gte=since) | Q(ended_at__gte=since), status__in=[ReductionStatus.APPROVED,
                                                                           ReductionStatus.REJECTED])
        .annotate(last=Greatest("decided_at", Coalesce("ended_at", "decided_at"))).order_by("-last", "-id")
        .values_list("pk", "resident_id", "fiscal_year", "kind", "status", "decided_at", "ended_at")[:DECIDED_LIMIT]]
    access_log_write(actor=actor, request=request, function="premium.reduction.decide", channel="screen",
                     person_ids=sorted({r.resident_id for r in rows} | {d.resident_id for d in running}
                                       | {d.resident_id for d in decided}))
    return rows, running, decided


# --- one application or deferral, for the confirmation of its decision ----------------------------


@dataclass(frozen=True)
class ReductionToDecide:
    """An application (or a running deferral) as its confirmation page states it: codes for the
    rules, labels for the page, the person's current levy of the year (None: not levied)."""

    pk: int
    resident_id: int
    fiscal_year: int
    kind: str  # ReductionKind
    kind_label: str
    status: str  # ReductionStatus
    first_month: date
    last_month: date
    deferred_until: date | None
    stage: int | None
    amount: int | None


def reduction_to_decide(reduction_id: int) -> ReductionToDecide:
    """The application or deferral ``reduction_id`` with the person's current levy of its year
    (Reduction.DoesNotExist when there is none). No name, nothing logged: the confirmation page
    names the person through premiums.tab.selectors.decision_subject, which logs."""
    r = Reduction.objects.get(pk=reduction_id)
    levy = (Levy.objects.filter(resident_id=r.resident_id, fiscal_year=r.fiscal_year, recorded_to__isnull=True)
            .values_list("stage", "amount").first()) or (None, None)
    return ReductionToDecide(r.pk, r.resident_id, r.fiscal_year, r.kind, r.get_kind_display(), r.status,
                             r.first_month, r.last_month, r.deferred_until, *levy)
