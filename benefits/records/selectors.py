"""Reads of the benefit records: the files received (head office: counts and rejected lines, no
personal data: a line error names its line and reason only), a person's monthly records (scope
checked, one access-log row) and the summary a section of the person's 給付 tab shows.

Benefit data is special-care personal data (health and income): a person's records are read only
with ``benefit.view`` and within the ward scope of eligibility's person header (which also logs a
refusal), and every page that shows them writes one access-log row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from audit.services import access_log_write
from benefits.records.format import PaymentRoute, unit_price_text
from benefits.records.models import BenefitRecord, RecordFile, RecordLineError
from benefits.rules.service_types import service_type_label
from eligibility.residents.selectors import PersonHeader, in_home_ward, log_function, person_header, protected_ids
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

VIEW = "benefit.view"
RUN = "benefit.run"
FILES_SHOWN = 24
ERRORS_PAGE = 200
PERSON_MONTHS = 12  # a person's page: the last twelve service months with records
SUMMARY_MONTHS = 6
NOT_PERMITTED = "給付実績を閲覧する権限がありません。"
ROUTE_LABELS = dict(PaymentRoute.choices)


def _require(actor, permission: str) -> None:
    if not has_permission(actor, permission):
        raise NotPermitted(NOT_PERMITTED)


# --- the files (head office) --------------------------------------------------------------------------


def record_files(*, actor, limit: int = FILES_SHOWN) -> list[RecordFile]:
    """The last files received, newest first, with their counts (no personal data, nothing logged)."""
    _require(actor, RUN)
    return list(RecordFile.objects.order_by("-received_at", "-pk")[:limit])


@dataclass
class FilePage:
    file: RecordFile
    errors: list[RecordLineError]
    offset: int
    error_count: int
    codes: list[tuple[str, int]]  # rejection reason code -> lines, most frequent first

    @property
    def next_offset(self) -> int | None:
        return self.offset + ERRORS_PAGE if self.offset + ERRORS_PAGE < self.error_count else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - ERRORS_PAGE) if self.offset else None


CODE_LABELS = {
    "person_unknown": "被保険者番号に該当なし",
    "not_certified": "認定のない月の実績",
    "service_type_level": "認定の区分に合わないサービス種類",
    "record_duplicate": "ファイル内の重複",
    "record_received": "受信済みの実績",
    "total_cost_mismatch": "費用合計の不一致",
    "amounts_mismatch": "負担額の合計の不一致",
    "insurer_amount_mismatch": "保険給付額の不一致",
}


def code_label(code: str) -> str:
    return CODE_LABELS.get(code, "形式の誤り")


def record_file_page(*, actor, file_id: int, offset: int = 0) -> FilePage:
    """A received file with a page of its rejected lines (line number and reason only: nothing of
    the line's content, so nothing is logged) and the count per reason."""
    _require(actor, RUN)
    file = RecordFile.objects.select_related("received_by").get(pk=file_id)
    errors = RecordLineError.objects.filter(file=file)
    counts: dict[str, int] = defaultdict(int)
    for code, n in errors.order_by().values_list("code").annotate(n=Count("id")):  # one GROUP BY
        counts[code_label(code)] += n
    offset = max(0, offset)
    return FilePage(file, list(errors.order_by("line_no")[offset:offset + ERRORS_PAGE]), offset,
                    sum(counts.values()), sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# --- a person's records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    service_month: date
    provider_number: str
    service_type: str
    route: str
    units: int
    unit_price: int
    total_cost: int
    benefit_rate: int
    insurer_amount: int
    public_amount: int
    copayment: int

    @property
    def service_label(self) -> str:
        return service_type_label(self.service_type)

    @property
    def route_label(self) -> str:
        return ROUTE_LABELS.get(self.route, "")

    @property
    def reimbursed(self) -> bool:
        return self.route == PaymentRoute.REIMBURSED

    @property
    def unit_price_label(self) -> str:
        return unit_price_text(self.unit_price)


@dataclass(frozen=True)
class MonthTotal:
    service_month: date
    records: int
    units: int
    total_cost: int
    insurer_amount: int
    copayment: int
    reimbursed: int  # records paid back to the person (償還払い)


@dataclass
class PersonRecordsPage(PersonHeader):
    months: list[tuple[MonthTotal, list[RecordRow]]] = field(default_factory=list)


_ROW_FIELDS = ("service_month", "provider_number", "service_type", "route", "units", "unit_price", "total_cost",
               "benefit_rate", "insurer_amount", "public_amount", "copayment")


def _rows(resident_id: int, months: int) -> list[RecordRow]:
    recent = list(BenefitRecord.objects.filter(resident_id=resident_id).order_by("-service_month")
                  .values_list("service_month", flat=True).distinct()[:months])
    if not recent:
        return []
    return [RecordRow(*values) for values in
            BenefitRecord.objects.filter(resident_id=resident_id, service_month__gte=min(recent))
            .order_by("-service_month", "service_type", "provider_number", "route").values_list(*_ROW_FIELDS)]


def _totals(rows: list[RecordRow]) -> list[tuple[MonthTotal, list[RecordRow]]]:
    by_month: dict[date, list[RecordRow]] = defaultdict(list)
    for r in rows:
        by_month[r.service_month].append(r)
    return [(MonthTotal(month, len(rs), sum(r.units for r in rs), sum(r.total_cost for r in rs),
                        sum(r.insurer_amount for r in rs), sum(r.copayment for r in rs),
                        sum(1 for r in rs if r.reimbursed)), rs)
            for month, rs in sorted(by_month.items(), reverse=True)]


def person_records(*, actor, request, resident_id: int, months: int = PERSON_MONTHS) -> PersonRecordsPage:
    """A person's benefit records of their last ``months`` service months, per month with its
    totals. ``benefit.view`` and the ward scope (person_header: a refusal is logged); one
    access-log row ("benefit.records", with the header's flags)."""
    _require(actor, VIEW)
    person, function = person_header(actor, request, resident_id, "benefit.records")
    rows = _rows(resident_id, months)
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return PersonRecordsPage(**vars(person), months=_totals(rows))


@dataclass(frozen=True)
class RecordsSummary:
    """What the 給付 tab's section of benefit records shows: the last months' totals."""

    months: list[MonthTotal]

    @property
    def empty(self) -> bool:
        return not self.months


def records_summary_for(*, actor, request, resident, today: date, months: int = SUMMARY_MONTHS) -> RecordsSummary:
    """The totals of the person's last ``months`` service months up to ``today`` (a section of the
    給付 tab). Checks ``benefit.view``; the tab has checked the ward scope with its person header.
    Writes its own access-log row (``benefit.records.summary`` with the person's flags; queued in the
    tab's access_log_batch, benefits/tab.py)."""
    _require(actor, VIEW)
    rows = [r for r in _rows(resident.pk, months) if r.service_month <= today]
    access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                     function=log_function("benefit.records.summary", sensitive=bool(protected_ids([resident.pk])),
                                           outside_ward=not in_home_ward(actor, resident.ward)))
    return RecordsSummary([total for total, _ in _totals(rows)])
