"""Reads of a person's premium tab (保険料): per fiscal year the stage and why, the amount and how
it was computed, the collection method, the schedule with what was paid and what is open, the
revisions (更正) and the notices sent. One access-log row per request, naming the person
(audit.services.access_log_write), like the qualification tab.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cached_property, lru_cache

from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest

from audit.services import access_log_write
from eligibility.residents.selectors import PersonHeader, person_header, residents_by_id
from kaigo.db import fetch_sets
from premiums.models import (
    Levy,
    LevyPendingCause,
    LevySource,
    NoticeKind,
    PaymentChannel,
    PremiumRateTable,
    PremiumStage,
    ReductionKind,
    ReductionStatus,
    SettlementKind,
)
from premiums.notices import reduction_notice_kinds, stopped_month
from premiums.rules.amount import annual_amount
from premiums.rules.balance import InstallmentDue, YearBalance, year_balance
from premiums.rules.codes import CollectionMethod, CollectionReason
from premiums.rules.deferral import Deferral, defer_dues
from premiums.rules.schedule import installment_label
from premiums.rules.stage import StageInputs, stage_sentence
from premiums.rules.tables import RateTable
from premiums.selectors import to_rule_table

SOURCE_LABELS = dict(LevySource.choices)
METHOD_LABELS = dict(CollectionMethod.choices)
REASON_LABELS = dict(CollectionReason.choices)
NOTICE_LABELS = dict(NoticeKind.choices)
AWAITING_FINAL = "awaiting_final"  # a store 速報 listed with the payments, not yet paid
CHANNEL_LABELS = {**dict(PaymentChannel.choices), AWAITING_FINAL: "コンビニ速報（確報待ち）"}
SETTLEMENT_LABELS = dict(SettlementKind.choices)
REDUCTION_LABELS = dict(ReductionKind.choices)
REDUCTION_STATUS_LABELS = dict(ReductionStatus.choices)
CAUSE_LABELS = dict(LevyPendingCause.choices)
YEARS_SHOWN = 10


@lru_cache(maxsize=64)
def _rate_table(table_id: int) -> RateTable:
    """Approved rate tables never change (premiums.services refuses edits after approval)."""
    table = PremiumRateTable.objects.get(pk=table_id)
    return to_rule_table(table, PremiumStage.objects.filter(table_id=table_id))


@dataclass
class RevisionRow:
    revision: int
    source: str
    cause: str
    recorded_from: datetime
    stage: int
    amount: int
    method: str


@dataclass
class PaymentRow:
    paid_on: date
    booked_on: date
    channel: str
    installment: str
    amount: int


@dataclass
class NoticeRow:
    kind: str
    issued_on: date
    reprint: bool
    revision: int | None


@dataclass
class ReductionRow:
    kind: str
    status: str
    first_month: date
    last_month: date
    rate: Decimal | None
    stage: int | None
    deferred_until: date | None
    pk: int | None = None
    ended: bool = False
    notices: list[tuple[str, str]] = field(default_factory=list)  # (NoticeKind, label): the decision's notices


@dataclass
class PremiumYear:
    fiscal_year: int
    levy_id: int
    revision: int
    notice_number: int
    stage: int
    stage_reason: str  # StageReason code
    rate_table: RateTable
    stage_inputs: StageInputs | None  # the revision's tax facts (None: levied without them)
    months: int
    first_month: date | None
    annual_amount: int
    amount: int
    method: str
    method_reason: str
    pension_from: date | None
    balance: YearBalance
    exemption: int = 0
    revisions: list[RevisionRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    notices: list[NoticeRow] = field(default_factory=list)
    settlements: list[tuple[str, int, datetime]] = field(default_factory=list)
    reductions: list[ReductionRow] = field(default_factory=list)
    provisional: bool = False  # the current revision is the 仮算定 (April): its notice is the 仮算定通知書
    pension_stopped: bool = False  # the current revision stops a deduction: it gives a 特別徴収中止通知書

    # The explanation is worked out only for the year shown in full (one of up to ten).
    @cached_property
    def stage_message(self) -> str:
        """Why this stage (premiums.rules.stage.stage_sentence, as on the notices)."""
        return stage_sentence(self.stage, self.stage_reason, self.stage_inputs, self.rate_table)

    @cached_property
    def steps(self) -> tuple[str, ...]:
        """The computation of the annual amount, line by line."""
        return annual_amount(self.stage, self.rate_table).steps


@dataclass
class PremiumTab(PersonHeader):
    years: list[PremiumYear] = field(default_factory=list)
    today: date | None = None


def premium_tab(*, actor, request, resident_id: int, today: date) -> PremiumTab:
    """The premium tab of a person: the last YEARS_SHOWN fiscal years with a levy, newest first."""
    person, function = person_header(actor, request, resident_id, "premium.view")
    # one round trip: everything keyed by the person (the installments through their levies)
    shown_years = ("l.resident_id = %s AND l.fiscal_year >= (SELECT coalesce(max(fiscal_year), 0) - %s "
                   "FROM premiums_levy WHERE resident_id = %s)")
    levies, payments, settlements, write_offs, reductions, notices, installments = fetch_sets(
        ("SELECT l.id, l.fiscal_year, l.revision, l.notice_number, l.source, l.cause, l.recorded_from, "
         "l.recorded_to, l.stage, l.stage_reason, l.amount, l.annual_amount, l.months, l.first_month, "
         "l.collection_method, l.collection_reason, l.pension_from, l.rate_table_id, l.exemption, t.self_taxed, "
         "t.household_taxed, t.total_income, t.taxable_pension_income, t.pension_misc_income, t.salary_income, "
         "t.special_deduction, t.non_taxable_pension_income, t.public_assistance, t.old_age_welfare_pension "
         f"FROM premiums_levy l LEFT JOIN premiums_taxfact t ON t.id = l.tax_fact_id WHERE {shown_years} "
         "ORDER BY l.fiscal_year DESC, l.revision DESC",
         [resident_id, YEARS_SHOWN - 1, resident_id]),
        # payments, and the store 速報 awaiting their 確報 (channel AWAITING_FINAL: not paid yet)
        ("SELECT fiscal_year, method, month, channel, amount, paid_on, booked_on FROM ("
         "SELECT fiscal_year, method, month, channel, amount, paid_on, booked_on, id FROM premiums_payment "
         "WHERE resident_id = %s UNION ALL SELECT fiscal_year, 'billing', month, %s, amount, paid_on, "
         "NULL, id FROM premiums_preliminarypayment WHERE resident_id = %s AND confirmed_by_id IS NULL"
         ") p ORDER BY paid_on, id", [resident_id, AWAITING_FINAL, resident_id]),
        ("SELECT fiscal_year, kind, amount, decided_at FROM premiums_settlement WHERE resident_id = %s "
         "ORDER BY decided_at", [resident_id]),
        ("SELECT fiscal_year, method, month, amount FROM premiums_writeoff WHERE resident_id = %s", [resident_id]),
        ("SELECT fiscal_year, kind, status, first_month, last_month, rate, stage, deferred_until, id, "
         "ended_at IS NOT NULL FROM premiums_reduction WHERE resident_id = %s ORDER BY applied_on, id",
         [resident_id]),
        ("SELECT n.fiscal_year, n.kind, n.issued_on, n.reprint, l.revision FROM premiums_premiumnotice n "
         "LEFT JOIN premiums_levy l ON l.id = n.levy_id WHERE n.resident_id = %s "
         "ORDER BY n.issued_on DESC, n.id DESC", [resident_id]),
        # the installments of the current levies and of each one's predecessor: its pension months
        # say whether the current revision stops a deduction (the 特別徴収中止通知書;
        # premiums.notices.stopped_month)
        ("SELECT i.levy_id, i.method, i.kind, i.number, i.month, i.due_date, i.amount "
         "FROM premiums_levyinstallment i JOIN premiums_levy l ON l.id = i.levy_id "
         f"WHERE {shown_years} AND (l.recorded_to IS NULL OR EXISTS (SELECT 1 FROM premiums_levy c "
         "WHERE c.resident_id = l.resident_id AND c.fiscal_year = l.fiscal_year AND c.revision = l.revision + 1 "
         "AND c.recorded_to IS NULL)) ORDER BY i.month, i.method DESC",
         [resident_id, YEARS_SHOWN - 1, resident_id]),
    )
    current_ids = [row[0] for row in levies if row[7] is None]
    revision_ids = {(row[1], row[2]): row[0] for row in levies}
    previous_of = {row[0]: revision_ids.get((row[1], row[2] - 1)) for row in levies if row[7] is None}
    deferrals: dict[int, list[Deferral]] = defaultdict(list)
    for fiscal_year, kind, status, first_month, _last, _rate, _stage, until, _pk, _ended in reductions:
        if kind == ReductionKind.DEFERRAL and status == ReductionStatus.APPROVED:
            deferrals[fiscal_year].append(Deferral(first_month, until))
    year_of = {row[0]: row[1] for row in levies}
    dues: dict[int, list[InstallmentDue]] = defaultdict(list)
    labels: dict[tuple[int, str, date], str] = {}
    previous_rows: dict[int, list[InstallmentDue]] = defaultdict(list)
    current = set(current_ids)
    for levy_id, method, kind, number, month, due_date, amount in installments:
        label = installment_label(method, kind, number, month.month)
        due = InstallmentDue(method, month, label, due_date, amount)
        if levy_id not in current:
            previous_rows[levy_id].append(due)
            continue
        dues[levy_id].append(due)
        labels[(levy_id, method, month)] = label
    for levy_id in dues:
        if deferrals.get(year_of[levy_id]):
            dues[levy_id] = defer_dues(dues[levy_id], deferrals[year_of[levy_id]])
    paid: dict[int, dict[tuple[str, date], int]] = defaultdict(lambda: defaultdict(int))
    awaiting: dict[int, set[tuple[str, date]]] = defaultdict(set)
    for fiscal_year, method, month, channel, amount, _paid_on, _booked_on in payments:
        if channel == AWAITING_FINAL:
            awaiting[fiscal_year].add((method, month))
        else:
            paid[fiscal_year][(method, month)] += amount
    written_off: dict[int, dict[tuple[str, date], int]] = defaultdict(dict)
    for fiscal_year, method, month, amount in write_offs:
        written_off[fiscal_year][(method, month)] = amount
    settled: dict[int, int] = defaultdict(int)
    for fiscal_year, _kind, amount, _decided_at in settlements:
        settled[fiscal_year] += amount
    years: dict[int, PremiumYear] = {}
    for row in levies:
        (levy_id, fiscal_year, revision, notice_number, source, cause, recorded_from, recorded_to, stage,
         stage_reason, amount, annual, months, first_month, method, method_reason, pension_from, table_id,
         exemption, *tax) = row
        if recorded_to is None:
            years[fiscal_year] = PremiumYear(
                fiscal_year, levy_id, revision, notice_number, stage, stage_reason, _rate_table(table_id),
                StageInputs(*tax) if tax[0] is not None else None, months, first_month, annual, amount,
                METHOD_LABELS.get(method, method), REASON_LABELS.get(method_reason, method_reason), pension_from,
                year_balance(dues[levy_id], paid[fiscal_year], amount=amount, settled=settled[fiscal_year],
                             written_off=written_off[fiscal_year], awaiting_final=awaiting[fiscal_year]),
                exemption, provisional=source == LevySource.PROVISIONAL,
                pension_stopped=previous_of[levy_id] is not None
                and stopped_month(previous_rows[previous_of[levy_id]], dues[levy_id]) is not None)
        if fiscal_year in years:
            years[fiscal_year].revisions.append(RevisionRow(
                revision, SOURCE_LABELS.get(source, source),
                "、".join(CAUSE_LABELS.get(c, c) for c in cause.split(",") if c), recorded_from, stage, amount,
                METHOD_LABELS.get(method, method)))
    for fiscal_year, method, month, channel, amount, paid_on, booked_on in payments:
        if fiscal_year in years:
            label = labels.get((years[fiscal_year].levy_id, method, month)) or f"{month.month}月"
            years[fiscal_year].payments.append(PaymentRow(paid_on, booked_on, CHANNEL_LABELS.get(channel, channel),
                                                          label, amount))
    for fiscal_year, kind, amount, decided_at in settlements:
        if fiscal_year in years:
            years[fiscal_year].settlements.append((SETTLEMENT_LABELS.get(kind, kind), amount, decided_at))
    for fiscal_year, kind, status, first_month, last_month, rate, stage, until, pk, ended in reductions:
        if fiscal_year in years:
            years[fiscal_year].reductions.append(ReductionRow(
                REDUCTION_LABELS.get(kind, kind), REDUCTION_STATUS_LABELS.get(status, status), first_month, last_month,
                rate, stage, until, pk, ended, _notice_links(kind, status, ended)))
    for fiscal_year, kind, issued_on, reprint, revision in notices:
        if fiscal_year in years:
            years[fiscal_year].notices.append(NoticeRow(NOTICE_LABELS.get(kind, kind), issued_on, reprint, revision))
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return PremiumTab(**vars(person), years=sorted(years.values(), key=lambda y: -y.fiscal_year), today=today)


def _notice_links(kind: str, status: str, ended: bool) -> list[tuple[str, str]]:
    """(NoticeKind, label) of the notices a reduction's decision gives (premiums.notices)."""
    return [(k, NOTICE_LABELS[k]) for k in reduction_notice_kinds(kind, status, ended)]


# --- the arrears list of a ward ------------------------------------------------------------------


ARREARS_PAGE_SIZE = 50


@dataclass
class ArrearsPage:
    ward: str
    rows: list[tuple]  # (ArrearsRow, Resident)
    total: int
    offset: int
    stale: list[tuple] = field(default_factory=list)  # (StalePreliminary, Resident): 速報 waiting too long


def arrears_page(*, actor, request, ward: str, today: date, offset: int = 0) -> ArrearsPage:
    """One page of a ward's arrears list with the persons' names (decrypted for this page only),
    and on the first page the store 速報 waiting too long for their 確報; one access-log row naming
    the page's persons."""
    from premiums.arrears import arrears_rows, stale_preliminaries

    rows, total = arrears_rows(ward=ward, today=today, limit=ARREARS_PAGE_SIZE, offset=offset)
    stale = stale_preliminaries(ward=ward, today=today) if offset == 0 else []
    ids = sorted({r.resident_id for r in rows} | {s.resident_id for s in stale})
    residents = residents_by_id(ids)
    page = ArrearsPage(ward, [(r, residents[r.resident_id]) for r in rows if r.resident_id in residents], total, offset,
                       [(s, residents[s.resident_id]) for s in stale if s.resident_id in residents])
    access_log_write(actor=actor, request=request, function="premium.arrears", channel="screen", person_ids=ids,
                     hits=total)
    return page


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

    from premiums.models import Evidence, Reduction, ReductionKind

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
                         _notice_links(kind, status, ended_at is not None))
        for pk, pid, year, kind, status, decided_at, ended_at in Reduction.objects.filter(
            Q(decided_at__gte=since) | Q(ended_at__gte=since), status__in=[ReductionStatus.APPROVED,
                                                                           ReductionStatus.REJECTED])
        .annotate(last=Greatest("decided_at", Coalesce("ended_at", "decided_at"))).order_by("-last", "-id")
        .values_list("pk", "resident_id", "fiscal_year", "kind", "status", "decided_at", "ended_at")[:DECIDED_LIMIT]]
    access_log_write(actor=actor, request=request, function="premium.reduction.decide", channel="screen",
                     person_ids=sorted({r.resident_id for r in rows} | {d.resident_id for d in running}
                                       | {d.resident_id for d in decided}))
    return rows, running, decided
