"""Reads of certification cases for the screens (the certification clerk's work list, a case's
page, a person's 認定 tab). Certification data is health data (要配慮個人情報): every read that
shows a person takes the actor, checks the role (certification.view) and the ward scope
(eligibility's person header: the same refusal as every person screen), writes one access-log
row (audit/codes.py: certification.cases, certification.case, certification.tab) and returns
rows ready for the template. See docs/subsystems/certification-screens.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from audit.services import access_log_write
from certification.cases.models import ApplicantKind, Case, SpecifiedDisease
from certification.cases.services import current_certification
from certification.decisions.models import Certification, CertificationEnd
from certification.rules.cases import (
    DECISION_DAYS,
    OPEN_STATES,
    CaseKind,
    CaseState,
    Move,
    PaperKind,
    PaperNeed,
    decision_due,
    papers_needed,
)
from certification.rules.levels import Level
from eligibility.residents.rules import name_masked
from eligibility.residents.selectors import (
    UPDATE_NOT_PERMITTED,
    PersonHeader,
    ResidentNotFound,
    home_wards,
    person_header,
    residents_by_id,
)
from kaigo.db import fetch_rows, fetch_sets
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

KIND_LABELS = dict(CaseKind.choices)
STATE_LABELS = dict(CaseState.choices)
MOVE_LABELS = dict(Move.choices)
PAPER_LABELS = dict(PaperKind.choices)
LEVEL_LABELS = dict(Level.choices)
APPLICANT_LABELS = dict(ApplicantKind.choices)
DISEASE_LABELS = dict(SpecifiedDisease.choices)
END_LABELS = dict(CertificationEnd.choices)

CASES_PAGE_SIZE = 50
DUE_SOON_DAYS = 7  # the work list's filter: the 30th day within a week and no postponement notice
# the access log's functions (audit/codes.py)
LIST_FUNCTION, CASE_FUNCTION, TAB_FUNCTION = "certification.cases", "certification.case", "certification.tab"
SUBJECT_FUNCTION = "certification.case.confirm"


def _require_view(actor) -> None:
    if not has_permission(actor, "certification.view"):
        raise NotPermitted(UPDATE_NOT_PERMITTED)


# --- the work list of open cases --------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilter:
    ward: str = ""  # "" every ward the actor serves
    state: str = ""  # "" every open state
    due_soon: bool = False  # the 30th day within DUE_SOON_DAYS (or passed) and no postponement notice


@dataclass(frozen=True)
class CaseListRow:
    case_id: int
    number: str
    resident_id: int
    name: str
    kind: str
    state: str
    applied_on: date
    elapsed: int  # days since the application
    due: date  # the 30th day (法 §27 第11項)
    days_left: int  # to ``due``; negative once passed
    postponed_on: date | None
    expected_by: date | None
    missing: int  # papers still missing (papers_needed minus those received, not cancelled)


@dataclass
class CaseListPage:
    rows: list[CaseListRow]
    total: int
    offset: int
    wards: list[str]  # the wards listed
    today: date


def _needed_table() -> tuple[list[str], list[bool], list[str]]:
    """certification.rules.cases.papers_needed as three parallel arrays (case kind, 第2号, paper
    kind) for the list's SQL, so that the rule stays the one source of what a case needs."""
    kinds, seconds, papers = [], [], []
    for kind in CaseKind.values:
        for second in (False, True):
            for need in papers_needed(kind, second_class=second):
                kinds.append(kind)
                seconds.append(second)
                papers.append(str(need.kind))
    return kinds, seconds, papers


# The open cases of the wards (and of the state, and for the 7-day filter those without a
# postponement notice whose 30th day is at most ``soon``): the same condition for the page and
# its total. ``soon_applied`` is ``soon`` less the 30 days, so that the filter reads the index.
_LIST_WHERE = """c.state = ANY(%s) AND c.ward = ANY(%s)
  AND (NOT %s OR (c.postponed_on IS NULL AND c.applied_on <= %s))"""  # states, wards, due_soon, soon_applied

# The page, the most urgent first (the day by which the decision or the postponement notice is due:
# the 30th day, or once postponed the expected day), and for the page's rows only the count of
# missing papers. The order is that of the partial index certcase_open_urgency (migration
# 0012_case_list_urgency): PostgreSQL reads the page's rows from it and stops, instead of sorting
# every open case of the city for each page. The expression must stay the index's, word for word.
_URGENCY = f"coalesce(c.expected_by, c.applied_on + {DECISION_DAYS})"
_LIST_SQL = f"""
SELECT p.*,
  (SELECT count(*) FROM unnest(%s::text[], %s::boolean[], %s::text[])
                        AS n(case_kind, second_class, paper)
   WHERE n.case_kind = p.kind AND n.second_class = p.second_class
     AND NOT EXISTS (SELECT 1 FROM certification_receivedpaper r
                     WHERE r.case_id = p.id AND r.kind = n.paper AND r.cancelled_at IS NULL)) AS missing
FROM (
  SELECT c.id, c.number, c.resident_id, c.kind, c.state, c.second_class, c.applied_on, c.postponed_on,
         c.expected_by, c.applied_on + {DECISION_DAYS} AS due, {_URGENCY} AS urgency
  FROM certification_case c
  WHERE {_LIST_WHERE}
  ORDER BY {_URGENCY}, c.applied_on, c.id
  LIMIT %s OFFSET %s
) p
ORDER BY p.urgency, p.applied_on, p.id
"""
# the total: an index-only count (certcase_open_dates holds the ward, state, dates)
_LIST_TOTAL_SQL = f"SELECT count(*) AS total FROM certification_case c WHERE {_LIST_WHERE}"


def case_list(*, actor, request, filters: CaseFilter, today: date, offset: int = 0,
              limit: int = CASES_PAGE_SIZE) -> CaseListPage:
    """A page of the open cases of the wards the actor serves (a ward's certification clerks: their
    ward; the head office: every ward, or the one chosen), the most urgent first; the persons'
    names decrypted for this page only (residents_by_id), one access-log row naming them. Three
    statements: the page and its total in one round trip, the page's persons, the log row."""
    _require_view(actor)
    served = home_wards(actor)
    wards = sorted(served if not filters.ward else served & {filters.ward})
    states = [s for s in OPEN_STATES if not filters.state or s == filters.state]
    need_kinds, need_second, need_papers = _needed_table()
    where = [[str(s) for s in states], wards, filters.due_soon,
             date.fromordinal(today.toordinal() + DUE_SOON_DAYS - DECISION_DAYS)]
    rows, total = fetch_sets(
        (_LIST_SQL, [need_kinds, need_second, need_papers, *where, limit, offset]),
        (_LIST_TOTAL_SQL, where),
    ) if wards and states else ([], [])
    residents = residents_by_id({r.resident_id for r in rows})
    out = []
    for r in rows:
        resident = residents.get(r.resident_id)
        out.append(CaseListRow(
            r.id, r.number, r.resident_id, (resident.name_kanji or "") if resident else "", KIND_LABELS[r.kind],
            STATE_LABELS[r.state], r.applied_on, (today - r.applied_on).days, r.due, (r.due - today).days,
            r.postponed_on, r.expected_by, r.missing))
    total = total[0].total if total else 0
    access_log_write(actor=actor, request=request, function=LIST_FUNCTION, channel="screen",
                     person_ids=sorted(residents), hits=total)
    return CaseListPage(out, total, offset, wards, today)


# --- a case's page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineStep:
    label: str
    on: date | None
    note: str = ""


@dataclass(frozen=True)
class EventRow:
    move: str
    from_state: str
    to_state: str
    actor: str  # the staff member's name; "" for the system (a loss of qualification)
    at: datetime
    note: str


@dataclass(frozen=True)
class PaperRow:
    pk: int
    kind: str
    received_on: date
    received_by: str
    note: str
    cancelled_at: datetime | None
    cancel_reason: str


@dataclass
class CasePage:
    header: PersonHeader
    case: Case
    today: date
    kind: str
    state: str
    applicant: str
    specified_disease: str
    timeline: list[TimelineStep] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    papers: list[PaperRow] = field(default_factory=list)
    missing: list[PaperNeed] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.case.state in OPEN_STATES

    @property
    def due(self) -> date:
        return decision_due(self.case.applied_on)

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def elapsed(self) -> int:
        return ((self.case.decided_on or self.case.closed_on or self.today) - self.case.applied_on).days

    @property
    def papers_open(self) -> list[PaperRow]:
        return [p for p in self.papers if p.cancelled_at is None]


def _timeline(case: Case) -> list[TimelineStep]:
    """The key dates of DOMAIN.md 3.3 in the process's order (the model's labels), each with its
    day or None while it has not happened."""
    f = Case._meta.get_field

    def step(name: str, note: str = "") -> TimelineStep:
        return TimelineStep(str(f(name).verbose_name), getattr(case, name), note)

    steps = [step("applied_on"), step("survey_requested_on"), step("surveyed_on"), step("opinion_requested_on"),
             step("opinion_received_on"),
             step("assessed_on", LEVEL_LABELS.get(case.primary_level, "") if case.primary_level else ""),
             step("board_on"), step("decided_on"), step("notified_on")]
    if case.postponed_on:
        steps.append(step("postponed_on", f"{case.postponement_reason}（処理見込み {_day(case.expected_by)}）"))
    if case.closed_on:
        steps.append(TimelineStep(f"{STATE_LABELS[case.state]}の日", case.closed_on, case.close_reason))
    return steps


def _day(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def missing_papers(kind: str, second_class: bool, received: list[str]) -> list[PaperNeed]:
    """The papers a case still lacks: certification.rules.cases.papers_needed minus the kinds
    received (cancelled registrations do not count)."""
    have = set(received)
    return [need for need in papers_needed(kind, second_class=second_class) if need.kind not in have]


def case_page(*, actor, request, case_id: int, today: date) -> CasePage:
    """A case as its page shows it: the person's header, the key dates, the events with the staff
    member's name, the papers received and those still missing. Case.DoesNotExist for an unknown
    case; the person's ward scope as on every person screen (person_header); one access-log row."""
    _require_view(actor)
    case = Case.objects.get(pk=case_id)
    header, function = person_header(actor, request, case.resident_id, CASE_FUNCTION)
    events = fetch_rows(
        "SELECT e.move, e.from_state, e.to_state, coalesce(s.display_name, '') AS actor, e.at, e.note "
        "FROM certification_caseevent e LEFT JOIN staff_staff s ON s.id = e.actor_id WHERE e.case_id = %s "
        "ORDER BY e.at, e.id", [case_id])
    papers = fetch_rows(
        "SELECT p.id, p.kind, p.received_on, s.display_name AS received_by, p.note, p.cancelled_at, p.cancel_reason "
        "FROM certification_receivedpaper p JOIN staff_staff s ON s.id = p.received_by_id WHERE p.case_id = %s "
        "ORDER BY p.received_on, p.id", [case_id])
    page = CasePage(
        header=header, case=case, today=today, kind=KIND_LABELS[case.kind], state=STATE_LABELS[case.state],
        applicant=APPLICANT_LABELS.get(case.applicant_kind, "")
        + (f"（{case.proxy_office}）" if case.proxy_office else ""),
        specified_disease=DISEASE_LABELS.get(case.specified_disease, ""),
        timeline=_timeline(case),
        events=[EventRow(MOVE_LABELS.get(e.move, ""), STATE_LABELS.get(e.from_state, ""),
                         STATE_LABELS.get(e.to_state, ""), e.actor, e.at, e.note) for e in events],
        papers=[PaperRow(p.id, PAPER_LABELS.get(p.kind, ""), p.received_on, p.received_by, p.note, p.cancelled_at,
                         p.cancel_reason) for p in papers],
        missing=missing_papers(case.kind, case.second_class,
                               [p.kind for p in papers if p.cancelled_at is None]))
    access_log_write(actor=actor, request=request, function=function, channel="screen",
                     person_ids=[case.resident_id])
    return page


def case_papers_open(case_id: int) -> list[tuple[int, str]]:
    """The papers of a case not cancelled, as choices of the cancel form: (id, "申請書（2026-04-01 受領）").
    Nothing personal is shown from here (the page that lists them logged its read)."""
    return [(pk, f"{PAPER_LABELS.get(kind, '')}（{received_on.isoformat()} 受領）")
            for pk, kind, received_on in Case.objects.get(pk=case_id).papers.filter(cancelled_at__isnull=True)
            .order_by("received_on", "pk").values_list("pk", "kind", "received_on")]


@dataclass(frozen=True)
class CaseSubject:
    """The case an irreversible move (取下げ, 却下) is about, as its confirmation page shows it:
    the case number and the person's number with the name masked."""

    case_id: int
    number: str
    resident_id: int
    name_masked: str

    @property
    def label(self) -> str:
        who = f"宛名番号 {self.resident_id}"
        return f"{who}（{self.name_masked}）" if self.name_masked else who


def case_subject(*, actor, request, case_id: int) -> CaseSubject:
    """The case of a move to confirm; one access-log row naming the person (the name is decrypted
    to mask it)."""
    _require_view(actor)
    number, resident_id = Case.objects.filter(pk=case_id).values_list("number", "resident_id").get()
    resident = residents_by_id([resident_id]).get(resident_id)
    if resident is None:
        raise ResidentNotFound
    access_log_write(actor=actor, request=request, channel="screen", function=SUBJECT_FUNCTION,
                     person_ids=[resident_id])
    return CaseSubject(case_id, number, resident_id, name_masked(resident.name_kanji or ""))


# --- the person's 認定 tab ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificationRow:
    level: str
    valid_from: date | None
    valid_to: date | None
    decided_on: date
    case_number: str
    ended_on: date | None
    end_reason: str
    board_opinion: str
    current: bool


@dataclass(frozen=True)
class PersonCaseRow:
    case_id: int
    number: str
    kind: str
    state: str
    is_open: bool
    applied_on: date
    due: date
    postponed_on: date | None
    finished_on: date | None  # decided or closed


@dataclass
class CertificationTab:
    header: PersonHeader
    today: date
    current: CertificationRow | None
    certifications: list[CertificationRow] = field(default_factory=list)  # newest first
    cases: list[PersonCaseRow] = field(default_factory=list)  # newest first

    @property
    def open_case(self) -> PersonCaseRow | None:
        return next((c for c in self.cases if c.is_open), None)


def certification_tab(*, actor, request, resident_id: int, today: date) -> CertificationTab:
    """A person's 認定 tab: the certification in force today, every certification (newest first)
    and every case, open or closed. The ward scope as on every person screen; one access-log row."""
    _require_view(actor)
    header, function = person_header(actor, request, resident_id, TAB_FUNCTION)
    current = current_certification(resident_id, today)
    certifications = [
        CertificationRow(LEVEL_LABELS.get(c.level, ""), c.valid_from, c.valid_to, c.decided_on, c.case.number,
                         c.ended_on, END_LABELS.get(c.end_reason, ""), c.board_opinion,
                         current is not None and c.pk == current.pk)
        for c in Certification.objects.filter(resident_id=resident_id).select_related("case")
        .order_by("-decided_on", "-valid_from", "-pk")]
    cases = [PersonCaseRow(c.pk, c.number, KIND_LABELS[c.kind], STATE_LABELS[c.state], c.state in OPEN_STATES,
                           c.applied_on, decision_due(c.applied_on), c.postponed_on, c.decided_on or c.closed_on)
             for c in Case.objects.filter(resident_id=resident_id).order_by("-applied_on", "-pk")]
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return CertificationTab(header, today, next((c for c in certifications if c.current), None), certifications,
                            cases)


def applicant_header(*, actor, request, resident_id: int) -> PersonHeader:
    """The person of a new application (the intake form's header): the ward scope as on every
    person screen, one access-log row."""
    _require_view(actor)
    header, function = person_header(actor, request, resident_id, "certification.intake")
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return header
