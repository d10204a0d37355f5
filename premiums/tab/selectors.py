"""Reads of a person's premium tab (保険料): per fiscal year the stage and why, the amount and how
it was computed, the collection method, the schedule with what was paid and what is open, the
revisions (更正) and the notices sent. One access-log row per request, naming the person
(audit.services.access_log_write), like the qualification tab."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache

from audit.services import access_log_write
from eligibility.residents.rules import name_masked
from eligibility.residents.selectors import (
    VIEW_OUTSIDE_WARD,
    Overview,
    PersonHeader,
    ResidentNotFound,
    in_home_ward,
    log_function,
    person_header,
    person_view_allowed,
    residents_by_id,
)
from kaigo.db import fetch_sets
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission
from premiums.arrears.selectors import arrears_plan
from premiums.collection.models import ExemptionStatus, PaymentChannel, SettlementKind
from premiums.collection.selectors import (
    AWAITING_FINAL,
    EXEMPTIONS_SQL,
    LATE_CHARGE_PAYMENTS_SQL,
    balance_from_rows,
    installment_dues,
    late_charges_from_rows,
    payments_query,
    year_summary,
)
from premiums.intake.selectors import stage_input_columns, stage_inputs_of
from premiums.levy.models import LevyPendingCause, LevySource
from premiums.notices.services import NOTICE_LABELS, notice_links, stopped_month
from premiums.rates.models import PremiumRateTable, PremiumStage
from premiums.rates.selectors import to_rule_table
from premiums.reductions.models import ReductionKind, ReductionStatus
from premiums.rules.amount import annual_amount
from premiums.rules.arrears import InstallmentLateCharge
from premiums.rules.balance import YearBalance
from premiums.rules.codes import CollectionMethod, CollectionReason
from premiums.rules.deferral import Deferral
from premiums.rules.stage import StageInputs, stage_sentence
from premiums.rules.tables import RateTable, fiscal_year_of

SOURCE_LABELS = dict(LevySource.choices)
METHOD_LABELS = dict(CollectionMethod.choices)
REASON_LABELS = dict(CollectionReason.choices)
CHANNEL_LABELS = {**dict(PaymentChannel.choices), AWAITING_FINAL: "コンビニ速報（確報待ち）"}
SETTLEMENT_LABELS = dict(SettlementKind.choices)
REDUCTION_LABELS = dict(ReductionKind.choices)
REDUCTION_STATUS_LABELS = dict(ReductionStatus.choices)
CAUSE_LABELS = dict(LevyPendingCause.choices)
EXEMPTION_STATUS_LABELS = dict(ExemptionStatus.choices)
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
    """A notice issued (PremiumNotice): by whom (a clerk's name, or the batch run that issued it)
    and when it was recorded; previews are never rows."""

    kind: str
    issued_on: date
    reprint: bool
    revision: int | None
    pk: int | None = None
    issued_by: str = ""
    batch_run_id: int | None = None
    recorded_at: datetime | None = None


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
class ExemptionRow:
    pk: int
    installment: str
    amount: int | None  # None: the whole charge
    status: str
    reason: str
    decision_reason: str
    applied_at: datetime
    decided_at: datetime | None


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
    pending: str = ""  # a correction queued and not yet run (更正待ち): its causes; "" when none
    late_charges: tuple[InstallmentLateCharge, ...] = ()  # 延滞金 of the bills, the open ones as of today
    exemptions: list[ExemptionRow] = field(default_factory=list)  # 延滞金の減免: asked for and decided

    @property
    def late_charge_open(self) -> int:
        return sum(c.open for c in self.late_charges)

    @cached_property
    def late_charge_map(self) -> dict[tuple[str, date], InstallmentLateCharge]:
        return {(c.method, c.month): c for c in self.late_charges}

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
    pending_unlevied: list[tuple[int, str]] = field(default_factory=list)  # (fiscal year, causes): queued, no levy yet


def premium_tab(*, actor, request, resident_id: int, today: date) -> PremiumTab:
    """The premium tab of a person: the last YEARS_SHOWN fiscal years with a levy, newest first."""
    person, function = person_header(actor, request, resident_id, "premium.view")
    # one round trip: everything keyed by the person (the installments through their levies)
    shown_years = ("l.resident_id = %s AND l.fiscal_year >= (SELECT coalesce(max(fiscal_year), 0) - %s "
                   "FROM premiums_levy WHERE resident_id = %s)")
    plan = arrears_plan()
    (levies, payments, settlements, write_offs, reductions, notices, installments, stops, pending, late_payments,
     exemptions) = fetch_sets(
        ("SELECT l.id, l.fiscal_year, l.revision, l.notice_number, l.source, l.cause, l.recorded_from, "
         "l.recorded_to, l.stage, l.stage_reason, l.amount, l.annual_amount, l.months, l.first_month, "
         "l.collection_method, l.collection_reason, l.pension_from, l.rate_table_id, l.exemption, "
         f"l.tax_fact_id, {stage_input_columns('t')} "
         f"FROM premiums_levy l LEFT JOIN premiums_taxfact t ON t.id = l.tax_fact_id WHERE {shown_years} "
         "ORDER BY l.fiscal_year DESC, l.revision DESC",
         [resident_id, YEARS_SHOWN - 1, resident_id]),
        payments_query(resident_id),
        ("SELECT fiscal_year, kind, amount, decided_at FROM premiums_settlement WHERE resident_id = %s "
         "ORDER BY decided_at", [resident_id]),
        ("SELECT fiscal_year, method, month, amount FROM premiums_writeoff WHERE resident_id = %s", [resident_id]),
        ("SELECT id, fiscal_year, kind, status, first_month, last_month, rate, stage, deferred_until, "
         "ended_at IS NOT NULL AS ended FROM premiums_reduction WHERE resident_id = %s ORDER BY applied_on, id",
         [resident_id]),
        ("SELECT n.id, n.fiscal_year, n.kind, n.issued_on, n.reprint, l.revision, s.display_name AS issued_by, "
         "n.batch_run_id, n.created_at FROM premiums_premiumnotice n "
         "LEFT JOIN premiums_levy l ON l.id = n.levy_id LEFT JOIN staff_staff s ON s.id = n.issued_by_id "
         "WHERE n.resident_id = %s "
         "ORDER BY n.issued_on DESC, n.id DESC", [resident_id]),
        # the installments of the current levies and of each one's predecessor: its pension months
        # say whether the current revision stops a deduction (the 特別徴収中止通知書;
        # premiums.notices.services.stopped_month)
        ("SELECT i.levy_id, i.method, i.kind, i.number, i.month, i.due_date, i.amount "
         "FROM premiums_levyinstallment i JOIN premiums_levy l ON l.id = i.levy_id "
         f"WHERE {shown_years} AND (l.recorded_to IS NULL OR EXISTS (SELECT 1 FROM premiums_levy c "
         "WHERE c.resident_id = l.resident_id AND c.fiscal_year = l.fiscal_year AND c.revision = l.revision + 1 "
         "AND c.recorded_to IS NULL)) ORDER BY i.month, i.method DESC",
         [resident_id, YEARS_SHOWN - 1, resident_id]),
        # the pension deductions reported not made (特別徴収結果通知: 未徴収)
        ("SELECT fiscal_year, month, result FROM premiums_deductionstop WHERE resident_id = %s", [resident_id]),
        # the corrections queued and not yet run (更正待ち: LevyPending until its batch runs)
        ("SELECT fiscal_year, since, causes FROM premiums_levypending WHERE resident_id = %s "
         "AND processed_at IS NULL ORDER BY fiscal_year", [resident_id]),
        # the late charges (延滞金) paid and the exemptions asked for or decided
        (LATE_CHARGE_PAYMENTS_SQL, [resident_id]),
        (EXEMPTIONS_SQL, [resident_id]),
    )
    revision_ids = {(levy.fiscal_year, levy.revision): levy.id for levy in levies}
    installments_of: dict[int, list] = defaultdict(list)
    for row in installments:
        installments_of[row.levy_id].append(row)
    by_year: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for kind, rows in (("payments", payments), ("write_offs", write_offs), ("settlements", settlements),
                       ("reductions", reductions), ("notices", notices), ("stops", stops), ("pending", pending),
                       ("late_payments", late_payments), ("exemptions", exemptions)):
        for row in rows:
            by_year[row.fiscal_year][kind].append(row)
    years: list[PremiumYear] = []
    for levy in levies:
        if levy.recorded_to is not None:  # an earlier revision: listed with its year's current one
            if years and years[-1].fiscal_year == levy.fiscal_year:
                years[-1].revisions.append(_revision_row(levy))
            continue
        facts = by_year[levy.fiscal_year]
        previous = revision_ids.get((levy.fiscal_year, levy.revision - 1))
        dues = installment_dues(installments_of[levy.id])
        balance = balance_from_rows(
            amount=levy.amount, dues=dues, payments=facts["payments"],
            write_offs=facts["write_offs"], settled=sum(s.amount for s in facts["settlements"]), stops=facts["stops"],
            deferrals=[Deferral(r.first_month, r.deferred_until) for r in facts["reductions"]
                       if r.kind == ReductionKind.DEFERRAL and r.status == ReductionStatus.APPROVED])
        labels = {(d.method, d.month): d.label for d in dues}
        late_charges = late_charges_from_rows(
            fiscal_year=levy.fiscal_year, balance=balance, payments=facts["payments"],
            late_payments=facts["late_payments"], exemptions=facts["exemptions"], as_of=today, plan=plan)
        years.append(PremiumYear(
            fiscal_year=levy.fiscal_year, levy_id=levy.id, revision=levy.revision, notice_number=levy.notice_number,
            stage=levy.stage, stage_reason=levy.stage_reason, rate_table=_rate_table(levy.rate_table_id),
            stage_inputs=stage_inputs_of(levy) if levy.tax_fact_id is not None else None, months=levy.months,
            first_month=levy.first_month, annual_amount=levy.annual_amount, amount=levy.amount,
            method=METHOD_LABELS.get(levy.collection_method, levy.collection_method),
            method_reason=REASON_LABELS.get(levy.collection_reason, levy.collection_reason),
            pension_from=levy.pension_from, balance=balance, exemption=levy.exemption,
            provisional=levy.source == LevySource.PROVISIONAL,
            pension_stopped=previous is not None
            and stopped_month(installments_of[previous], installments_of[levy.id]) is not None,
            revisions=[_revision_row(levy)],
            pending=_pending(facts["pending"]),
            late_charges=late_charges,
            exemptions=[ExemptionRow(e.id, labels.get((e.method, e.month)) or f"{e.month.month}月", e.amount,
                                     EXEMPTION_STATUS_LABELS.get(e.status, e.status), e.reason, e.decision_reason,
                                     e.applied_at, e.decided_at) for e in facts["exemptions"]],
            payments=[PaymentRow(p.paid_on, p.booked_on, CHANNEL_LABELS.get(p.channel, p.channel),
                                 labels.get((p.method, p.month)) or f"{p.month.month}月", p.amount)
                      for p in facts["payments"]],
            settlements=[(SETTLEMENT_LABELS.get(s.kind, s.kind), s.amount, s.decided_at) for s in facts["settlements"]],
            reductions=[ReductionRow(REDUCTION_LABELS.get(r.kind, r.kind),
                                     REDUCTION_STATUS_LABELS.get(r.status, r.status), r.first_month, r.last_month,
                                     r.rate, r.stage, r.deferred_until, r.id, r.ended,
                                     notice_links(r.kind, r.status, r.ended)) for r in facts["reductions"]],
            notices=[NoticeRow(NOTICE_LABELS.get(n.kind, n.kind), n.issued_on, n.reprint, n.revision, n.id,
                               n.issued_by or "", n.batch_run_id, n.created_at)
                     for n in facts["notices"]]))
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    levied = {y.fiscal_year for y in years}
    return PremiumTab(**vars(person), years=years, today=today,
                      pending_unlevied=[(p.fiscal_year, _pending([p])) for p in pending if p.fiscal_year not in levied])


def _pending(rows) -> str:
    """The causes of a year's queued correction (LevyPending) in Japanese, "" when none is queued."""
    causes = [c for row in rows for c in row.causes]
    return "、".join(CAUSE_LABELS.get(c, c) for c in dict.fromkeys(causes)) if rows else ""


def _revision_row(levy) -> RevisionRow:
    return RevisionRow(levy.revision, SOURCE_LABELS.get(levy.source, levy.source),
                       "、".join(CAUSE_LABELS.get(c, c) for c in levy.cause.split(",") if c), levy.recorded_from,
                       levy.stage, levy.amount, METHOD_LABELS.get(levy.collection_method, levy.collection_method))


# --- the premium part of the person's overview (kaigo.shell.sections; premiums/tab/sections.py) ---


@dataclass(frozen=True)
class PremiumSummary:
    """This fiscal year's premium as the counter answers it without opening the tab: the stage,
    the amount, the collection method, the balance (残額, or 過納 when negative), the arrears (the
    bills open after their 納期限 in force: a pension deduction is never the resident's arrears) and
    the late charges open as of today. ``levied`` False: no levy for the year (nothing else set)."""

    fiscal_year: int
    levied: bool
    stage: int | None = None
    amount: int = 0
    method: str = ""
    provisional: bool = False  # the 仮算定 (April to the 本算定)
    paid: int = 0
    balance: int = 0
    arrears: int = 0
    arrears_count: int = 0
    late_charge_open: int = 0
    pending: str = ""  # a correction queued and not yet run (更正待ち): its causes


SUMMARY_FUNCTION = "premium.summary"


def premium_summary(*, actor, request, person: Overview, today: date) -> PremiumSummary:
    """The premium summary of the person an overview shows (``person``: eligibility's Overview,
    already read). Checks the role (``premium.view``) and the ward scope itself, and writes its own
    access-log row (``premium.summary`` with the flags of ``log_function``; queued in the
    overview's audit access_log_batch, written with the overview's row in one statement): the
    stage says something of the person's income. One round trip
    (premiums.collection.selectors.year_summary)."""
    resident = person.resident
    if not has_permission(actor, "premium.view"):
        raise NotPermitted("保険料の情報を見る権限がありません。")
    if not person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                         function=log_function(f"{SUMMARY_FUNCTION}.denied", sensitive=person.protected))
        raise NotPermitted(VIEW_OUTSIDE_WARD)
    summary = premium_summary_read(resident.pk, today)
    access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                     function=log_function(SUMMARY_FUNCTION, sensitive=person.protected,
                                           outside_ward=not in_home_ward(actor, resident.ward)))
    return summary


def premium_summary_read(resident_id: int, today: date) -> PremiumSummary:
    """The summary's data without its checks and its access-log row: only for premium_summary (and
    the benchmark that measures what the log costs, bench/views.py)."""
    fiscal_year = fiscal_year_of(today)
    year = year_summary(resident_id, fiscal_year, as_of=today)
    if year is None:
        return PremiumSummary(fiscal_year, levied=False)
    levy, balance = year.levy, year.collection.balance
    overdue = [r for r in balance.rows if r.overdue(today)]
    return PremiumSummary(
        fiscal_year, levied=True, stage=levy.stage, amount=levy.amount,
        method=METHOD_LABELS.get(levy.collection_method, levy.collection_method),
        provisional=levy.source == LevySource.PROVISIONAL, paid=balance.paid, balance=balance.balance,
        arrears=sum(r.open for r in overdue), arrears_count=len(overdue),
        late_charge_open=year.collection.late_charge_open,
        pending="、".join(CAUSE_LABELS.get(c, c) for c in year.pending_causes))


# --- the person a decision is about, for its confirmation page ---------------------------------


@dataclass(frozen=True)
class DecisionSubject:
    """The person an irreversible decision is about, as its confirmation page shows them: the
    resident's number and the name masked (eligibility.residents.rules.name_masked)."""

    pk: int
    name_masked: str

    @property
    def label(self) -> str:
        return f"宛名番号 {self.pk}（{self.name_masked}）" if self.name_masked else f"宛名番号 {self.pk}"


def decision_subject(*, actor, request, resident_id: int, function: str) -> DecisionSubject:
    """The person of a decision to confirm; one access-log row (``function``) naming them (the name
    is decrypted to mask it). ResidentNotFound when there is no such resident."""
    resident = residents_by_id([resident_id]).get(resident_id)
    if resident is None:
        raise ResidentNotFound
    access_log_write(actor=actor, request=request, channel="screen", function=function, person_ids=[resident_id])
    return DecisionSubject(resident_id, name_masked(resident.name_kanji or ""))
