"""The review board's reads: panels, members and sessions (no resident's data), a session with its
cases and the cases a clerk may assign to it (anonymous rows: case number, ward, kind, primary
result; every read logged naming the persons of the cases shown), and the board materials as PDF
(logged as a print naming every person of the session's cases).

A session serves the whole city: its list shows every case assigned to it (a case number, never
a name); the cases offered for assignment are those of the clerk's own ward scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from django.db.models import Count, Q
from django.utils import timezone

from audit.services import access_log_write
from certification.board.documents import (
    COMMITTEE,
    SECRETARIAT,
    VERSION_LABELS,
    MaterialCase,
    MaterialSession,
    SecretariatRefs,
    render_materials,
)
from certification.board.models import BoardMember, BoardSession, Panel, SessionCase
from certification.board.rules import MemberField, age_band, quorum, term_covers
from certification.cases.models import Case, SpecifiedDisease
from certification.rules.cases import CLOSED_STATES, CaseKind, CaseState, decision_due
from certification.rules.levels import Level
from certification.scope import require_permission
from eligibility.codes import Sex, Ward
from eligibility.residents.selectors import birth_dates_and_sexes, home_wards, residents_by_id
from kaigo.documents import insurer_info

BOARD = "certification.board"
ASSIGNABLE_LIMIT = 200
FIELD_LABELS = dict(MemberField.choices)
LEVEL_LABELS = dict(Level.choices)
KIND_LABELS = dict(CaseKind.choices)
STATE_LABELS = dict(CaseState.choices)
WARD_LABELS = dict(Ward.choices)
SEX_LABELS = dict(Sex.choices)
DISEASE_LABELS = dict(SpecifiedDisease.choices)
VERSIONS = (COMMITTEE, SECRETARIAT)


class SessionNotFound(BoardSession.DoesNotExist):
    pass


# --- panels, members, sessions (no resident's data) ----------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    pk: int
    name: str
    field: str
    profession: str
    panel: str
    term_start: date
    term_end: date
    ended_on: date | None
    substitute: bool
    serving: bool  # the term covers today


@dataclass(frozen=True)
class PanelRow:
    pk: int
    name: str
    size: int
    reduced_reason: str
    serving: int  # members whose term covers today
    quorum: int | None


@dataclass(frozen=True)
class SessionRow:
    pk: int
    panel: str
    held_on: date
    starts_at: time | None
    place: str
    capacity: int
    assigned: int
    attending: int


@dataclass
class BoardOverview:
    panels: list[PanelRow]
    members: list[MemberRow]
    upcoming: list[SessionRow]
    past: list[SessionRow]


def _session_rows(sessions) -> list[SessionRow]:
    rows = []
    for s in sessions:
        rows.append(SessionRow(s.pk, s.panel.name, s.held_on, s.starts_at, s.place, s.capacity,
                               s.n_assigned, s.n_attending))
    return rows


def board_overview(*, actor, today: date | None = None) -> BoardOverview:
    """The panels with their members and the sessions (to come, and the last 20 held): the board's
    organisation, no resident's data (nothing to log)."""
    require_permission(actor, BOARD)
    today = today or timezone.localdate()
    members = list(BoardMember.objects.select_related("panel").order_by("panel__name", "term_start", "pk"))
    serving: dict[int, int] = {}
    member_rows = []
    for m in members:
        on = term_covers(m.term_start, m.term_end, today, m.ended_on)
        if on and m.panel_id:
            serving[m.panel_id] = serving.get(m.panel_id, 0) + 1
        member_rows.append(MemberRow(m.pk, m.name, FIELD_LABELS.get(m.field, ""), m.profession,
                                     m.panel.name if m.panel else "（所属なし）", m.term_start, m.term_end, m.ended_on,
                                     m.predecessor_id is not None, on))
    panels = [PanelRow(p.pk, p.name, p.size, p.reduced_reason, serving.get(p.pk, 0),
                       quorum(serving[p.pk]) if serving.get(p.pk) else None)
              for p in Panel.objects.order_by("name")]
    sessions = (BoardSession.objects.select_related("panel")
                .annotate(n_assigned=Count("cases", filter=Q(cases__removed_at__isnull=True), distinct=True),
                          n_attending=Count("attendance", distinct=True)))
    upcoming = _session_rows(sessions.filter(held_on__gte=today).order_by("held_on", "panel__name"))
    past = _session_rows(sessions.filter(held_on__lt=today).order_by("-held_on", "panel__name")[:20])
    return BoardOverview(panels, member_rows, upcoming, past)


def panel_choices() -> list[tuple[int, str]]:
    return list(Panel.objects.order_by("name").values_list("pk", "name"))


def member_choices(*, panel_id: int | None = None) -> list[tuple[int, str]]:
    """Members for a form's choices (name, panel, field): every member, or those of one panel."""
    members = BoardMember.objects.select_related("panel").order_by("panel__name", "name", "pk")
    if panel_id is not None:
        members = members.filter(panel_id=panel_id)
    return [(m.pk, (f"{m.name}（{m.panel.name if m.panel else '所属なし'}・{FIELD_LABELS.get(m.field, '')}・"
                   f"任期{m.term_end.year}年{m.term_end.month}月{m.term_end.day}日まで）")) for m in members]


# --- a session and its cases (logged) ------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    """A case as the board's screens show it: no name, no address, no birth date."""

    case_id: int
    number: str
    ward: str
    kind: str
    state: str
    primary_level: str
    applied_on: date
    elapsed: int  # days since the application
    due: date  # 法 §27 第11項
    sequence: int | None = None
    in_scope: bool = False
    closed: bool = False  # withdrawn or ended while on the list


@dataclass
class SessionPage:
    pk: int
    panel: str
    panel_id: int
    held_on: date
    starts_at: time | None
    place: str
    capacity: int
    attending: list[str]
    passed: bool
    cases: list[CaseRow] = field(default_factory=list)
    assignable: list[CaseRow] = field(default_factory=list)
    assignable_total: int = 0

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.cases if not c.closed)


def _case_row(case: Case, today: date, wards, sequence: int | None = None) -> CaseRow:
    return CaseRow(case.pk, case.number, WARD_LABELS.get(case.ward, ""), KIND_LABELS.get(case.kind, ""),
                   STATE_LABELS.get(case.state, ""), LEVEL_LABELS.get(case.primary_level, ""), case.applied_on,
                   (today - case.applied_on).days, decision_due(case.applied_on), sequence, case.ward in wards,
                   case.state in CLOSED_STATES)


def _session(session_id: int) -> BoardSession:
    session = BoardSession.objects.select_related("panel").filter(pk=session_id).first()
    if session is None:
        raise SessionNotFound
    return session


def session_page(*, actor, request, session_id: int, today: date | None = None) -> SessionPage:
    """A session: its attendance, its cases in order (every ward's; anonymous rows) and the cases
    of the clerk's own wards waiting for a session (ASSESSED, oldest application first). One
    access-log row names the persons of every case shown."""
    require_permission(actor, BOARD)
    today = today or timezone.localdate()
    session = _session(session_id)
    wards = home_wards(actor)
    rows = list(SessionCase.objects.filter(session=session, removed_at__isnull=True).select_related("case")
                .order_by("sequence"))
    attending = [f"{name}（{FIELD_LABELS.get(f, '')}・{profession}）" for name, f, profession in
                 session.attendance.order_by("member__name").values_list("member__name", "member__field",
                                                                         "member__profession")]
    page = SessionPage(session.pk, session.panel.name, session.panel_id, session.held_on, session.starts_at,
                       session.place, session.capacity, attending, session.held_on < today,
                       cases=[_case_row(r.case, today, wards, r.sequence) for r in rows])
    offered: list[Case] = []
    if not page.passed:  # a session held is not assigned to any more: nothing offered, nothing read
        waiting = Case.objects.filter(state=CaseState.ASSESSED, ward__in=sorted(wards)).order_by("applied_on", "pk")
        page.assignable_total = waiting.count()
        offered = list(waiting[:ASSIGNABLE_LIMIT])
    page.assignable = [_case_row(c, today, wards) for c in offered]
    persons = [r.case.resident_id for r in rows] + [c.resident_id for c in offered]
    if persons:
        access_log_write(actor=actor, request=request, function="certification.board.view", channel="screen",
                         person_ids=persons, hits=len(persons))
    return page


# --- the board materials -----------------------------------------------------------------------------


MINUTE_FIELDS = ("meal", "excretion", "transfer", "hygiene", "indirect", "bpsd", "training", "medical",
                 "dementia_addition")
OPINION_FIELDS = ("dementia_rank", "short_term_memory", "cognitive_ability", "communication", "eating", "stability")


def _minutes_text(value) -> str:
    return f"{value}分" if value is not None else ""


def _assessment_details(case_ids: list[int]) -> dict[int, dict]:
    """What the materials print of each case's stages, besides its level: the latest primary
    result's minutes per 行為区分 and total (certification.assessment; the development estimator's
    result marked as not official), and the key items of the latest opinion received
    (certification.opinion: the items the board reads, never the doctor, the institution or a
    date). The survey's special notes: when certification.survey is on main (not yet)."""
    from certification.assessment.models import PrimaryResult
    from certification.assessment.port import ESTIMATOR_NOTICE, AdapterKind
    from certification.opinion.models import Opinion

    details: dict[int, dict] = {}
    labels = {f: PrimaryResult._meta.get_field(f).verbose_name for f in MINUTE_FIELDS}
    for result in (PrimaryResult.objects.filter(case_id__in=case_ids).order_by("case_id", "-created_at", "-pk")
                   .distinct("case_id")):
        note = (ESTIMATOR_NOTICE if result.kind == AdapterKind.ESTIMATOR
                else f"国の一次判定ソフト（版 {result.software_version}）による結果")
        details[result.case_id] = {
            "minutes": tuple((str(labels[f]), _minutes_text(getattr(result, f))) for f in MINUTE_FIELDS),
            "total_minutes": _minutes_text(result.total), "primary_note": note}
    for opinion in (Opinion.objects.filter(case_id__in=case_ids, received_on__isnull=False, cancelled_on__isnull=True)
                    .order_by("case_id", "-received_on", "-pk").distinct("case_id")):
        items = []
        for f in OPINION_FIELDS:
            value = getattr(opinion, f"get_{f}_display")()
            if value:
                items.append((str(Opinion._meta.get_field(f).verbose_name), str(value)))
        if opinion.specified_disease:
            items.append(("特定疾病の診断", str(opinion.get_specified_disease_display())))
        details.setdefault(opinion.case_id, {})["opinion_items"] = tuple(items)
    from certification.survey.models import Survey

    for case_id, notes in Survey.objects.filter(case_id__in=case_ids).values_list("case_id", "notes"):
        text = "\n".join(f"第{group}群：{str(note).strip()}" if str(group).isdigit() else f"{group}：{str(note).strip()}"
                         for group, note in sorted((notes or {}).items(), key=lambda item: str(item[0]))
                         if str(note).strip())
        if text:
            details.setdefault(case_id, {})["special_notes"] = text
    return details


MASK = "〇〇"


def _masked(text: str, resident) -> str:
    """The survey's free text with the person's name (kanji and kana, whole and each part) and
    address replaced by 〇〇: a safety net for what a surveyor may have typed; the materials never
    carry the person (the access of the print is logged by the caller)."""
    words = set()
    for value in (resident.name_kanji or "", resident.name_kana or "", resident.address or ""):
        words.add(value.strip())
        words.update(part for part in value.replace("\u3000", " ").split(" ") if len(part) >= 2)
    for word in sorted((w for w in words if w), key=len, reverse=True):
        text = text.replace(word, MASK)
    return text


def materials_data(session_id: int, version: str, today: date | None = None) -> tuple[MaterialSession, list[int]]:
    """The values of the session's materials and the persons they concern (for the print's log).
    Cases withdrawn or ended while on the list are left out. No name, address, birth date or My
    Number is read: the person's birth date and sex only become an age band and a sex."""
    if version not in VERSIONS:
        raise SessionNotFound
    session = _session(session_id)
    rows = [r for r in SessionCase.objects.filter(session=session, removed_at__isnull=True)
            .select_related("case", "case__previous").order_by("sequence") if r.case.state not in CLOSED_STATES]
    facts = birth_dates_and_sexes([r.case.resident_id for r in rows])
    details = _assessment_details([r.case_id for r in rows])
    noted = [r.case.resident_id for r in rows if details.get(r.case_id, {}).get("special_notes")]
    residents = residents_by_id(noted) if noted else {}
    for r in rows:
        extra = details.get(r.case_id, {})
        if extra.get("special_notes") and r.case.resident_id in residents:
            extra["special_notes"] = _masked(extra["special_notes"], residents[r.case.resident_id])
    cases = []
    for position, r in enumerate(rows, start=1):
        c = r.case
        born, sex = facts.get(c.resident_id, (None, ""))
        extra = details.get(c.pk, {})
        refs = None
        if version == SECRETARIAT:
            previous = c.previous
            refs = SecretariatRefs(ward=WARD_LABELS.get(c.ward, ""), kind=KIND_LABELS.get(c.kind, ""),
                                   previous_level=LEVEL_LABELS.get(previous.level, "") if previous else "",
                                   previous_valid_from=previous.valid_from if previous else None,
                                   previous_valid_to=previous.valid_to if previous else None,
                                   applied_on=c.applied_on)
        cases.append(MaterialCase(
            sequence=position, case_number=c.number,
            age_band=age_band(born, session.held_on) if born else "", sex=SEX_LABELS.get(sex, ""),
            primary_level=LEVEL_LABELS.get(c.primary_level, ""), second_class=c.second_class,
            specified_disease=DISEASE_LABELS.get(c.specified_disease, ""),
            minutes=extra.get("minutes", ()), total_minutes=extra.get("total_minutes", ""),
            primary_note=extra.get("primary_note", ""), special_notes=extra.get("special_notes", ""),
            opinion_items=extra.get("opinion_items", ()), secretariat=refs))
    data = MaterialSession(panel=session.panel.name, held_on=session.held_on, place=session.place, version=version,
                           insurer=insurer_info().name, cases=tuple(cases))
    return data, [r.case.resident_id for r in rows]


def session_materials_pdf(*, actor, request, session_id: int, version: str) -> bytes:
    """The materials of a session (委員用 or 事務局用) as PDF; the print is logged (channel print)
    naming the persons of every case in it."""
    require_permission(actor, BOARD)
    data, persons = materials_data(session_id, version)
    pdf = render_materials(data)
    access_log_write(actor=actor, request=request, function="certification.board.print", channel="print",
                     person_ids=persons, hits=len(persons))
    return pdf


def version_label(version: str) -> str:
    return VERSION_LABELS.get(version, "")
