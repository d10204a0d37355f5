"""Reads of decisions: the decision page of a case, a person's certification history with an as-of
view, the renewal due list of a ward (certifications ending within 60 days), and the data of the
notices. Certification data is health data (要配慮個人情報): every read that shows a person checks
``certification.view`` and the ward scope (person_header), and writes one access-log row.

Public for other apps: ``certification_on`` and ``certification_history_rows`` (no log: the caller
logs what it shows), and the card facts of eligibility's card (certification.decisions.card_facts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection

from audit.services import access_log_write
from certification.cases.models import Case
from certification.decisions.documents import (
    NoticeMeta,
    PostponementNotice,
    ResultNotice,
    render_postponement_notice,
    render_result_notice,
)
from certification.decisions.models import (
    BoardResult,
    Certification,
    CertificationEnd,
    NoticeIssue,
    NoticeKind,
)
from certification.rules.cases import OPEN_STATES, CaseKind, CaseState
from certification.rules.designations import SERVICE_KINDS, service_labels
from certification.rules.levels import CERTIFIED_LEVELS, Level, is_same_level
from certification.rules.validity import months_allowed
from certification.scope import require_permission
from eligibility.cards.selectors import card_holder
from eligibility.residents.selectors import (
    PersonHeader,
    log_function,
    person_header,
    residents_by_id,
    ward_residents,
)
from kaigo.db import fetch_rows
from kaigo.documents import CardHolder, insurer_info
from kaigo.errors import NotPermitted

VIEW = "certification.view"
RENEWAL_DUE_DAYS = 60  # 施行規則 第39条: a renewal may be applied for from 60 days before the end
RENEWAL_PAGE_SIZE = 100
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の通知書は住所を印字するため、その区の支援措置の閲覧権限がある職員のみ"
                   "印刷できます。")
LEVEL_LABELS = dict(Level.choices)
KIND_LABELS = dict(CaseKind.choices)
END_LABELS = dict(CertificationEnd.choices)
NOTICE_LABELS = dict(NoticeKind.choices)


# --- a person's certifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationRow:
    pk: int
    case_number: str
    case_kind: str
    level: str
    valid_from: date | None
    valid_to: date | None
    decided_on: date
    ended_on: date | None
    end_reason: str
    board_opinion: str
    designated_services: tuple[str, ...]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.case_kind, self.case_kind)

    @property
    def end_label(self) -> str:
        return END_LABELS.get(self.end_reason, "")

    @property
    def service_labels(self) -> list[str]:
        return service_labels(self.designated_services)

    def in_force_on(self, day: date) -> bool:
        """In force on ``day``: a certified level, ``day`` within the validity, not ended by then."""
        return (self.level in CERTIFIED_LEVELS and self.valid_from is not None and self.valid_to is not None
                and self.valid_from <= day <= self.valid_to and (self.ended_on is None or day < self.ended_on))


def certification_history_rows(resident_id: int) -> list[CertificationRow]:
    """Every certification of a person (非該当 too), the newest first; no access log (the caller)."""
    return [CertificationRow(r.id, r.number, r.kind, r.level, r.valid_from, r.valid_to, r.decided_on, r.ended_on,
                             r.end_reason, r.board_opinion, tuple(r.designated_services or ()))
            for r in fetch_rows(
                "SELECT c.id, k.number, k.kind, c.level, c.valid_from, c.valid_to, c.decided_on, c.ended_on, "
                "c.end_reason, c.board_opinion, c.designated_services FROM certification_certification c "
                "JOIN certification_case k ON k.id = c.case_id WHERE c.resident_id = %s "
                "ORDER BY c.decided_on DESC, c.id DESC", [resident_id])]


def certification_on(rows: list[CertificationRow], day: date) -> CertificationRow | None:
    """The certification in force on ``day`` among ``rows`` (the as-of view), if any."""
    return next((r for r in sorted(rows, key=lambda r: (r.valid_from or date.min), reverse=True)
                 if r.in_force_on(day)), None)


def certified_levels_in_month(first: date, last: date, resident_ids: list[int] | None = None) -> dict[int, list[str]]:
    """The certified levels (要支援1 to 要介護5, the federation's codes, lowest first) in force on at
    least one day of ``first`` .. ``last`` (a service month), per person; every person when
    ``resident_ids`` is None. For checking and simulating a month's benefit records in bulk: no
    access log (nothing shown; the caller logs what it shows). In force on a day: as
    ``CertificationRow.in_force_on`` (valid on that day, not ended by then)."""
    query = ("SELECT resident_id, array_agg(DISTINCT level ORDER BY level) FROM certification_certification "
             "WHERE level = ANY(%s) AND valid_from <= %s AND valid_to >= %s "
             "AND (ended_on IS NULL OR ended_on > GREATEST(valid_from, %s))")
    params: list = [sorted(CERTIFIED_LEVELS), last, first, first]
    if resident_ids is not None:
        query += " AND resident_id = ANY(%s)"
        params.append(list(resident_ids))
    with connection.cursor() as cursor:
        cursor.execute(query + " GROUP BY resident_id", params)
        return {pid: list(levels) for pid, levels in cursor.fetchall()}


@dataclass
class HistoryPage(PersonHeader):
    rows: list[CertificationRow] = field(default_factory=list)
    as_of: date | None = None
    in_force: CertificationRow | None = None


def certification_history(*, actor, request, resident_id: int, as_of: date) -> HistoryPage:
    """A person's certification history with validity periods, and the one in force on ``as_of``."""
    require_permission(actor, VIEW)
    person, function = person_header(actor, request, resident_id, "certification.history")
    rows = certification_history_rows(resident_id)
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return HistoryPage(**vars(person), rows=rows, as_of=as_of, in_force=certification_on(rows, as_of))


# --- the decision page of a case --------------------------------------------------------------------------


@dataclass
class DecisionPage(PersonHeader):
    case: Case | None = None
    result: BoardResult | None = None
    certification: Certification | None = None
    previous: Certification | None = None
    notices: list[NoticeIssue] = field(default_factory=list)
    history: list[CertificationRow] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.case.kind, self.case.kind)

    @property
    def state_label(self) -> str:
        return dict(CaseState.choices).get(self.case.state, self.case.state)

    @property
    def primary_label(self) -> str:
        return LEVEL_LABELS.get(self.case.primary_level, "") if self.case.primary_level else ""

    @property
    def can_review(self) -> bool:
        return self.case.state == CaseState.SCHEDULED

    @property
    def can_decide(self) -> bool:
        return self.case.state == CaseState.REVIEWED

    @property
    def can_carry_over(self) -> bool:
        return self.case.state == CaseState.RECEIVED and self.case.kind == CaseKind.CARRY_OVER

    @property
    def months_text(self) -> str:
        """The ranges the board may choose from, for the form's hint."""
        kind = self.case.kind
        if kind == CaseKind.CARRY_OVER:
            return ""
        a = months_allowed(kind)
        text = f"{a.low}〜{a.high}か月（原則{a.standard}か月）"
        if kind == CaseKind.RENEWAL:
            same = months_allowed(kind, same_level=True)
            text += f"、前回と同じ要介護度なら{same.low}〜{same.high}か月"
        return text

    def same_level(self, level: str) -> bool:
        return is_same_level(self.previous.level if self.previous else None, level)


def decision_page(*, actor, request, case_id: int) -> DecisionPage:
    """The decision page of a case: the case's key facts, the board's result, the certification
    once decided, the notices issued, the person's history. Case.DoesNotExist for an unknown case."""
    require_permission(actor, VIEW)
    case = Case.objects.get(pk=case_id)
    person, function = person_header(actor, request, case.resident_id, "certification.decision")
    page = DecisionPage(**vars(person), case=case, result=BoardResult.objects.filter(case=case).first(),
                        certification=Certification.objects.filter(case=case).first(),
                        previous=Certification.objects.filter(pk=case.previous_id).first() if case.previous_id else None,
                        notices=list(NoticeIssue.objects.filter(case=case).order_by("-created_at")),
                        history=certification_history_rows(case.resident_id))
    access_log_write(actor=actor, request=request, function=function, channel="screen",
                     person_ids=[case.resident_id])
    return page


# --- the renewal due list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueRow:
    certification_id: int
    resident_id: int
    level: str
    valid_to: date
    days_left: int
    applied: bool  # a renewal (or other) case is open already

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


# The index range of the list: certifications not ended whose validity ends within the window
# (index cert_valid_to: valid_to WHERE ended_on IS NULL, with the person and the level: an index-only
# scan, migration 0012_dashboard_speed). bench/renewal_due.py times it beside a
# bare COUNT of the same range.
DUE_RANGE_SQL = ("FROM certification_certification c WHERE c.ended_on IS NULL "
                 "AND c.valid_to >= %(first)s AND c.valid_to <= %(last)s")


def renewal_due_rows(*, ward: str, today: date, days: int = RENEWAL_DUE_DAYS) -> list[DueRow]:
    """Every certification of ``ward``'s residents ending within ``days`` days from ``today`` (the
    renewal due list, 施行規則 第39条), the nearest end first; marked when a case is already open.
    One index range scan, the ward by eligibility's selector (the person's current ward), the open
    cases in one query. No access log (renewal_due_page logs what it shows)."""
    rows = fetch_rows(f"SELECT c.id, c.resident_id, c.level, c.valid_to {DUE_RANGE_SQL} ORDER BY c.valid_to, c.id",
                      {"first": today, "last": today + timedelta(days=days)})
    in_ward = ward_residents(ward, sorted({r.resident_id for r in rows})) if rows else set()
    rows = [r for r in rows if r.resident_id in in_ward]
    open_cases = set(Case.objects.filter(resident__id__any=[r.resident_id for r in rows], state__in=list(OPEN_STATES))
                     .values_list("resident_id", flat=True)) if rows else set()
    return [DueRow(r.id, r.resident_id, r.level, r.valid_to, (r.valid_to - today).days, r.resident_id in open_cases)
            for r in rows]


@dataclass
class RenewalDuePage:
    ward: str
    rows: list[tuple]  # (DueRow, Resident)
    total: int
    offset: int


def renewal_due_page(*, actor, request, ward: str, today: date, offset: int = 0) -> RenewalDuePage:
    """One page of a ward's renewal due list with the persons' names (decrypted for this page only);
    one access-log row naming the page's persons. NotPermitted outside the actor's wards."""
    from eligibility.residents.selectors import home_wards

    require_permission(actor, VIEW)
    if ward not in home_wards(actor):
        raise NotPermitted("この区の一覧は表示できません。")
    rows = renewal_due_rows(ward=ward, today=today)
    shown = rows[offset:offset + RENEWAL_PAGE_SIZE]
    residents = residents_by_id([r.resident_id for r in shown])
    access_log_write(actor=actor, request=request, function="certification.renewal_due", channel="screen",
                     person_ids=[r.resident_id for r in shown], hits=len(rows))
    return RenewalDuePage(ward, [(r, residents[r.resident_id]) for r in shown if r.resident_id in residents],
                          len(rows), offset)


# --- the notices -------------------------------------------------------------------------------------------


def notice_holder(*, actor, request, resident_id: int) -> tuple[CardHolder, str]:
    """The addressee of a notice and the access-log function of its print, read through
    person_header (ward scope: refusal logged); a protected household's notice prints only for
    staff who may see its address (refusal logged as certification.notice.print.denied.sensitive)."""
    require_permission(actor, VIEW)
    person, function = person_header(actor, request, resident_id, "certification.notice.print", channel="print")
    if not person.sensitive_visible:
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("certification.notice.print.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    if person.insured_number is None:
        from certification.decisions.services import DecisionInvalid

        raise DecisionInvalid("被保険者番号がないため通知書を作成できません。")
    return card_holder(person.resident, person.insured_number), function


def _result_reason(case: Case, cert: Certification, result: BoardResult | None, previous: Certification | None) -> str:
    if cert.level == Level.NOT_APPLICABLE:
        base = "介護認定審査会の審査及び判定の結果、要介護状態及び要支援状態のいずれにも該当しないと認められたため。"
        return base + (f"（{result.level_reason}）" if result and result.level_reason else "")
    parts = []
    if previous is not None and previous.level != cert.level:
        parts.append(f"心身の状態について審査及び判定を行った結果、要介護状態区分を{LEVEL_LABELS.get(previous.level)}から"
                     f"{cert.get_level_display()}に変更しました。")
    if result is not None and result.level_reason:
        parts.append(result.level_reason)
    return "".join(parts)


def notice_render(issue: NoticeIssue, holder: CardHolder) -> bytes:
    """The PDF of an issued notice, drawn from the case's data (no log: the caller logs the print)."""
    case = Case.objects.get(pk=issue.case_id)
    meta = NoticeMeta(issued_on=issue.issued_on, case_number=case.number, reprint=issue.reprint,
                      serial=f"{issue.pk:08d}")
    kind_label = KIND_LABELS.get(case.kind, case.kind)
    if issue.kind == NoticeKind.POSTPONEMENT:
        return render_postponement_notice(PostponementNotice(
            holder=holder, insurer=insurer_info(), meta=meta, kind_label=kind_label, applied_on=case.applied_on,
            postponed_on=case.postponed_on, reason=case.postponement_reason, expected_by=case.expected_by))
    cert = Certification.objects.get(case=case)
    result = BoardResult.objects.filter(case=case).first()
    previous = Certification.objects.filter(pk=case.previous_id).first() if case.previous_id else None
    return render_result_notice(ResultNotice(
        holder=holder, insurer=insurer_info(), meta=meta, kind_label=kind_label, applied_on=case.applied_on,
        decided_on=cert.decided_on, level_label=cert.get_level_display(), valid_from=cert.valid_from,
        valid_to=cert.valid_to, board_opinion=cert.board_opinion,
        services=[SERVICE_KINDS.get(s, s) for s in cert.designated_services],
        reason=_result_reason(case, cert, result, previous), not_applicable=cert.level == Level.NOT_APPLICABLE))


# --- who holds a certification in force (public: benefits' co-payment ratio) --------------------------


def certified_in_period(first_day: date, last_day: date, *, lo: int | None = None, hi: int | None = None,
                        resident_ids: list[int] | None = None) -> dict[int, date]:
    """Every person holding a certification in force (a certified level, not 非該当) on some day of
    ``[first_day, last_day]``, with the first such day: set-based, by resident (optionally those with
    numbers in ``[lo, hi)``, or among ``resident_ids``). No access log (internal numbers only)."""
    where, params = [], {"first": first_day, "last": last_day, "levels": sorted(CERTIFIED_LEVELS)}
    if lo is not None:
        where.append("c.resident_id >= %(lo)s")
        params["lo"] = lo
    if hi is not None:
        where.append("c.resident_id < %(hi)s")
        params["hi"] = hi
    if resident_ids is not None:
        where.append("c.resident_id = ANY(%(ids)s)")
        params["ids"] = list(resident_ids)
    rows = fetch_rows(
        "SELECT c.resident_id, min(greatest(c.valid_from, %(first)s)) AS first_day FROM certification_certification c "
        "WHERE c.level = ANY(%(levels)s) AND c.valid_from <= %(last)s AND c.valid_to >= %(first)s "
        "AND (c.ended_on IS NULL OR c.ended_on > greatest(c.valid_from, %(first)s)) "
        + "".join(f"AND {w} " for w in where) + "GROUP BY c.resident_id", params)
    return {r.resident_id: r.first_day for r in rows}
