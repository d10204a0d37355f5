"""Reads of benefit restrictions (給付制限): the head office's candidate list (persons whose arrears
call for a measure and who have none open), a restriction's page, a person's restrictions, the
summary for the person's 給付 tab, the card's 給付制限 box and the notices' data.

Every function that returns a person's data checks the permission and scope and writes exactly one
access-log row naming the persons it shows (audit.services.access_log_write); benefit data is
special-care personal data (health + income)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from benefits.restrictions.documents import RestrictionNoticeData, render_restriction_notice
from benefits.restrictions.facts import ArrearsFacts, arrears_facts, excused_months
from benefits.restrictions.models import (
    ExcusedInstallment,
    Measure,
    NoticeKind,
    Restriction,
    RestrictionNotice,
    RestrictionState,
)
from benefits.rules.restrictions import (
    MEASURE_ARTICLES,
    MEASURE_LABELS,
    PAYMENT_CHANGE,
    PAYMENT_CHANGE_MONTHS,
    REDUCTION,
    SUSPENSION,
    SUSPENSION_MONTHS,
    add_months,
    threshold_day,
)
from certification.decisions.selectors import certified_levels_in_month
from eligibility.cards.selectors import card_holder
from eligibility.residents.selectors import (
    PersonHeader,
    home_wards,
    in_home_ward,
    log_function,
    person_header,
    protected_ids,
    residents_by_id,
)
from kaigo.documents import CardHolder, insurer_info
from kaigo.documents.wareki import wareki
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission
from premiums.arrears.selectors import oldest_open_dues, prescribed_persons

VIEW = "benefit.view"
DECIDE = "benefit.decide"
NOT_PERMITTED = "この画面を表示する権限がありません。"
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の通知書は住所を印字するため、その区の支援措置の閲覧権限がある職員のみ"
                   "印刷できます。")

# what each measure means for the person (printed on the notices, shown on the pages)
EFFECTS = {
    PAYMENT_CHANGE: (
        "介護サービスを利用したときは、費用の全額（10割）をいったん事業者に支払い、後日、申請により保険給付分"
        "（9割・8割・7割）の支払を受けることになります（償還払い）。",
        "滞納している保険料を完納したときは、この措置は解除されます（介護保険法第66条第3項）。",
    ),
    SUSPENSION: (
        "償還払いにより支給される保険給付の全部又は一部の支払を一時差し止めます。",
        "差し止めた保険給付の額から、滞納している保険料を控除することがあります（介護保険法第67条第3項）。",
    ),
    REDUCTION: (
        "給付額減額期間中は、保険給付の割合が7割（負担割合が3割の方は6割）に引き下げられ、"
        "高額介護サービス費、高額医療合算介護サービス費及び特定入所者介護サービス費は支給されません"
        "（介護保険法第69条）。",
        "時効により消滅した保険料は納付することができないため、この措置は保険料の納付によって解除されません。",
    ),
}


def _require(actor, permission: str) -> None:
    if not has_permission(actor, permission):
        raise NotPermitted(NOT_PERMITTED)


def may_view(actor) -> bool:
    """A restriction's pages are for the holders of ``benefit.view`` (the 給付 tab's readers) and of
    ``benefit.decide`` (the deciders, the section chief among them, who decide on these pages)."""
    return has_permission(actor, VIEW) or has_permission(actor, DECIDE)


def _require_view(actor) -> None:
    if not may_view(actor):
        raise NotPermitted(NOT_PERMITTED)


# --- rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestrictionRow:
    pk: int
    measure: str
    state: str
    noticed_on: date
    reply_by: date
    decided_on: date | None
    starts_on: date | None
    ends_on: date | None
    closed_on: date | None
    months: int | None
    arrears: int
    prescribed: int

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS.get(self.measure, "")

    @property
    def state_label(self) -> str:
        return dict(RestrictionState.choices).get(self.state, "")

    def in_force_on(self, day: date) -> bool:
        return (self.state in (RestrictionState.IN_FORCE, RestrictionState.LIFTED) and self.starts_on is not None
                and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
                and (self.state != RestrictionState.LIFTED or (self.closed_on is not None and day < self.closed_on)))


ROW_FIELDS = ("pk", "measure", "state", "noticed_on", "reply_by", "decided_on", "starts_on", "ends_on", "closed_on",
              "months", "arrears", "prescribed")


def restriction_rows(resident_id: int) -> list[RestrictionRow]:
    """A person's restrictions, the newest first (no access log: the caller)."""
    return [RestrictionRow(*r) for r in Restriction.objects.filter(resident_id=resident_id)
            .order_by("-noticed_on", "-pk").values_list(*ROW_FIELDS)]


def card_text(resident_id: int, on: date) -> str | None:
    """The card's 給付制限 box on ``on``: each measure in force with its period (None: blank). A
    decided measure whose period has not started yet prints too (the card is issued with it)."""
    lines = []
    for row in sorted(restriction_rows(resident_id), key=lambda r: (r.starts_on or date.max)):
        if row.state != RestrictionState.IN_FORCE or (row.ends_on is not None and row.ends_on < on):
            continue
        period = f"{wareki(row.starts_on)}から" + (f"{wareki(row.ends_on)}まで" if row.ends_on else "")
        label = row.measure_label + ("（給付率7割・3割負担の方は6割）" if row.measure == REDUCTION else "")
        lines.append(f"{label}　{period}")
    return "\n".join(lines) or None


# --- the candidate list (head office) -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    resident_id: int
    measure: str
    oldest_due: date | None
    arrears: int
    prescribed: int
    since: date | None  # the first day the measure applied

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS[self.measure]


CANDIDATES_PAGE_SIZE = 50


@dataclass
class CandidatesPage:
    rows: list[tuple]  # (Candidate, Resident, certified: bool)
    total: int
    offset: int
    measure: str
    today: date


def candidates(*, today: date, measure: str) -> list[Candidate]:
    """Every person whose arrears call for ``measure`` on ``today`` (benefits.rules.restrictions:
    the oldest unpaid bill 1 year / 1 year 6 months past its 納期限; premiums lapsed by
    prescription) and who has no such measure noticed or in force, the oldest arrears first.
    Set-based through premiums' selectors; persons with excused installments are checked one by
    one with their whole facts. Certification is checked on the page's rows only (the notice
    refuses a person without one)."""
    open_now = set(Restriction.objects.filter(measure=measure, state__in=[RestrictionState.NOTICED,
                                                                          RestrictionState.IN_FORCE])
                   .values_list("resident_id", flat=True))
    if measure == REDUCTION:
        rows = [Candidate(pid, measure, None, 0, amount, None) for pid, amount in prescribed_persons().items()
                if pid not in open_now]
        return sorted(rows, key=lambda c: (-c.prescribed, c.resident_id))
    months = PAYMENT_CHANGE_MONTHS if measure == PAYMENT_CHANGE else SUSPENSION_MONTHS
    dues = oldest_open_dues(today=today, due_before=add_months(today, -months + 1))
    excused = set(ExcusedInstallment.objects.filter(resident_id__in=list(dues)).values_list("resident_id", flat=True))
    rows = []
    for pid, (oldest, amount) in dues.items():
        if pid in open_now:
            continue
        if pid in excused:
            facts = arrears_facts(pid, today)
            if measure not in facts.finding.measures:
                continue
            oldest, amount = facts.finding.oldest_due, facts.finding.arrears
        since = threshold_day(oldest, months)
        if since <= today:
            rows.append(Candidate(pid, measure, oldest, amount, 0, since))
    return sorted(rows, key=lambda c: (c.oldest_due, c.resident_id))


def candidates_page(*, actor, request, today: date, measure: str = PAYMENT_CHANGE, offset: int = 0) -> CandidatesPage:
    """One page of the candidate list with the persons' names and whether a certification is in
    force; head office only (``benefit.decide`` and every ward); one access-log row."""
    _require(actor, DECIDE)
    wards = home_wards(actor)
    found = candidates(today=today, measure=measure)
    residents = residents_by_id([c.resident_id for c in found])
    found = [c for c in found if c.resident_id in residents and residents[c.resident_id].ward in wards]
    page = found[offset:offset + CANDIDATES_PAGE_SIZE]
    certified = certified_levels_in_month(today, today, [c.resident_id for c in page])  # one query for the page
    rows = [(c, residents[c.resident_id], c.resident_id in certified) for c in page]
    access_log_write(actor=actor, request=request, function="benefit.restrictions.candidates", channel="screen",
                     person_ids=[c.resident_id for c in page], hits=len(found))
    return CandidatesPage(rows, len(found), offset, measure, today)


# --- a person's restrictions ---------------------------------------------------------------------------


@dataclass
class PersonRestrictionsPage(PersonHeader):
    rows: list[RestrictionRow] = field(default_factory=list)
    facts: ArrearsFacts | None = None
    today: date | None = None
    excused: int = 0


def person_restrictions(*, actor, request, resident_id: int, today: date) -> PersonRestrictionsPage:
    """A person's restrictions and their arrears facts on ``today`` (which measures apply)."""
    _require_view(actor)
    person, function = person_header(actor, request, resident_id, "benefit.restrictions")
    page = PersonRestrictionsPage(**vars(person), rows=restriction_rows(resident_id),
                                  facts=arrears_facts(resident_id, today), today=today,
                                  excused=len(excused_months(resident_id)))
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return page


@dataclass(frozen=True)
class EventRow:
    action: str
    from_state: str
    to_state: str
    actor: str
    at: object
    note: str

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, "")


ACTION_LABELS = {"notice": "予告", "reply": "弁明の受付", "reply_accept": "弁明の受付（特別の事情を認定）",
                 "decide": "決定", "withdraw": "取りやめ", "lift": "解除"}


@dataclass
class RestrictionPage(PersonHeader):
    restriction: Restriction | None = None
    events: list[EventRow] = field(default_factory=list)
    notices: list[RestrictionNotice] = field(default_factory=list)
    facts: ArrearsFacts | None = None
    today: date | None = None

    @property
    def measure_label(self) -> str:
        return MEASURE_LABELS.get(self.restriction.measure, "")

    @property
    def effects(self) -> tuple[str, ...]:
        return EFFECTS.get(self.restriction.measure, ())


def restriction_page(*, actor, request, restriction_id: int, today: date) -> RestrictionPage:
    """One restriction with its moves (who, when), its notices and the person's arrears today."""
    _require_view(actor)
    restriction = Restriction.objects.get(pk=restriction_id)
    person, function = person_header(actor, request, restriction.resident_id, "benefit.restrictions")
    events = [EventRow(e.action, e.from_state, e.to_state, e.actor.display_name if e.actor else "システム（日次の納付確認）",
                       e.at, e.note) for e in restriction.events.select_related("actor").order_by("at", "pk")]
    notices = list(restriction.notices.order_by("issued_on", "pk"))
    page = RestrictionPage(**vars(person), restriction=restriction, events=events, notices=notices,
                           facts=arrears_facts(restriction.resident_id, today), today=today)
    access_log_write(actor=actor, request=request, function=function, channel="screen",
                     person_ids=[restriction.resident_id])
    return page


@dataclass(frozen=True)
class RestrictionsSummary:
    """For a section of the person's 給付 tab: the measures in force or noticed, and whether the
    arrears call for a measure not yet taken."""

    in_force: list[RestrictionRow]
    noticed: list[RestrictionRow]
    applicable: tuple[str, ...]  # labels of measures the arrears call for, none open

    @property
    def empty(self) -> bool:
        return not (self.in_force or self.noticed or self.applicable)


def restrictions_summary_for(*, actor, request, resident, today: date) -> RestrictionsSummary | None:
    """The restrictions section of the 給付 tab (benefits/tab.py: the tab has checked the ward scope
    with its person header; this checks the role and writes its own access-log row, queued in the
    tab's batch). None when there is nothing to show."""
    if not has_permission(actor, VIEW):
        return None
    function = log_function("benefit.restrictions", sensitive=bool(protected_ids([resident.pk])),
                            outside_ward=not in_home_ward(actor, resident.ward))
    rows = restriction_rows(resident.pk)
    facts = arrears_facts(resident.pk, today)
    open_measures = {r.measure for r in rows if r.state in (RestrictionState.NOTICED, RestrictionState.IN_FORCE)}
    summary = RestrictionsSummary(
        in_force=[r for r in rows if r.state == RestrictionState.IN_FORCE and (r.ends_on is None or r.ends_on >= today)],
        noticed=[r for r in rows if r.state == RestrictionState.NOTICED],
        applicable=tuple(MEASURE_LABELS[m] for m in facts.finding.measures if m not in open_measures))
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident.pk])
    return None if summary.empty else summary


# --- notices -------------------------------------------------------------------------------------------


def notice_holder(*, actor, request, resident_id: int) -> tuple[CardHolder, str]:
    """The addressee of a notice and the access-log function of its print (ward scope through
    person_header; a protected household's notice prints only for staff who may see its address)."""
    _require(actor, DECIDE)
    person, function = person_header(actor, request, resident_id, "benefit.restrictions.notice.print", channel="print")
    if not person.sensitive_visible:
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("benefit.restrictions.notice.print.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    if person.insured_number is None:
        from benefits.restrictions.services import RestrictionInvalid

        raise RestrictionInvalid("被保険者番号がないため通知書を作成できません。")
    return card_holder(person.resident, person.insured_number), function


def notice_render(notice: RestrictionNotice, holder: CardHolder) -> bytes:
    """The PDF of an issued notice, drawn from the restriction's data (no log: the caller logs)."""
    r = notice.restriction
    return render_restriction_notice(RestrictionNoticeData(
        kind=notice.kind, holder=holder, insurer=insurer_info(), issued_on=notice.issued_on,
        serial=f"{notice.pk:08d}", reprint=notice.reprint, measure_label=MEASURE_LABELS[r.measure],
        article=MEASURE_ARTICLES[r.measure], oldest_due=r.oldest_due, arrears=r.arrears, prescribed=r.prescribed,
        reply_by=r.reply_by, starts_on=r.starts_on, ends_on=r.ends_on, months=r.months, closed_on=r.closed_on,
        close_reason=r.close_reason, effects=EFFECTS[r.measure] if notice.kind != NoticeKind.LIFT else ()))


MEASURE_CHOICES = Measure.choices
