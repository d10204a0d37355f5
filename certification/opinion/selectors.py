"""Reads of the doctor's opinion (主治医意見書 — health data, 要配慮個人情報): a case's opinion page
(the person's masked header, the requests with their tracking, fee and items; one access-log
row), the office's list of late opinions due for a reminder (督促一覧; one access-log row naming
the persons), the master of doctors, and the items of the received opinion the primary
assessment reads (for certification.assessment's services, which log their own reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from certification.cases.models import Case
from certification.opinion.models import Doctor, Opinion
from certification.opinion.rules import OpinionFacts
from certification.opinion.services import continuing_for, reminder_days
from eligibility.residents.selectors import PersonHeader, home_wards, person_header, residents_by_id
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

VIEW_NOT_PERMITTED = "認定の情報を閲覧する権限がありません。"


def require_view(actor) -> None:
    if not has_permission(actor, "certification.view"):
        raise NotPermitted(VIEW_NOT_PERMITTED)


@dataclass(frozen=True)
class OpinionRow:
    pk: int
    doctor: str
    institution: str
    requested_on: date
    status: str  # 依頼中・督促済・受領済・取消
    reminder_due_on: date | None
    reminded_on: date | None
    reminders: int
    received_on: date | None
    cancelled_on: date | None
    cancel_reason: str
    items: list[tuple[str, str]]  # (label, answer) of the received opinion's items
    fee: tuple[str, int, int, int, str] | None  # (kind label, base, tax, total, tax rate as 10%) when received
    open: bool


@dataclass
class OpinionPage:
    person: PersonHeader
    case: Case
    rows: list[OpinionRow] = field(default_factory=list)
    open_continuing: bool = False  # the open request's doctor wrote this person's opinion before (継続)


_ITEMS = ("written_on", "dementia_rank", "short_term_memory", "cognitive_ability", "communication", "eating",
          "stability", "specified_disease")


def _status(o: Opinion) -> str:
    if o.received_on:
        return "受領済"
    if o.cancelled_on:
        return "取消"
    if o.reminder_due_on:
        return "督促対象（未着）"
    return "督促済（未着）" if o.reminded_on else "依頼中"


def _row(o: Opinion) -> OpinionRow:
    items = []
    if o.received_on:
        for name in _ITEMS:
            value = getattr(o, name)
            if value in ("", None):
                continue
            f = Opinion._meta.get_field(name)
            shown = getattr(o, f"get_{name}_display")() if f.choices else value
            items.append((str(f.verbose_name), shown))
    fee = getattr(o, "fee", None) if o.received_on else None
    return OpinionRow(o.pk, o.doctor.name, o.doctor.institution.name, o.requested_on, _status(o), o.reminder_due_on,
                      o.reminded_on, o.reminders, o.received_on, o.cancelled_on, o.cancel_reason, items,
                      (fee.get_kind_display(), fee.base, fee.tax, fee.total, f"{int(fee.tax_rate * 100)}%")
                      if fee else None, not o.received_on and not o.cancelled_on)


def opinion_page(*, actor, request, case_id: int) -> OpinionPage:
    """A case's opinions: certification.view, the office's view scope (person_header), one access-log
    row (certification.opinion.view). Case.DoesNotExist when there is none."""
    require_view(actor)
    case = Case.objects.get(pk=case_id)
    person, function = person_header(actor, request, case.resident_id, "certification.opinion.view")
    opinions = list(Opinion.objects.filter(case=case).select_related("doctor__institution", "fee")
                    .order_by("requested_on", "pk"))
    access_log_write(actor=actor, request=request, function=function, channel="screen",
                     person_ids=[case.resident_id])
    waiting = next((o for o in opinions if not o.received_on and not o.cancelled_on), None)
    return OpinionPage(person, case, [_row(o) for o in opinions],
                       waiting is not None and continuing_for(case.resident_id, waiting.doctor_id))


def opinion_facts(case_id: int) -> OpinionFacts | None:
    """The items of the case's latest received opinion that the primary assessment reads, or None.
    For certification.assessment's services and selectors (which check the actor and log)."""
    o = (Opinion.objects.filter(case_id=case_id, received_on__isnull=False).order_by("-received_on", "-pk")
         .first())
    if o is None:
        return None
    return OpinionFacts(o.dementia_rank, o.short_term_memory, o.cognitive_ability, o.communication, o.eating,
                        o.stability)


def doctor_choices() -> list[tuple[str, str]]:
    """The doctors a request may name: (id, 「医療機関 医師」)."""
    return [(str(d.pk), f"{d.institution.name} {d.name}") for d in
            Doctor.objects.filter(active=True, institution__active=True).select_related("institution")
            .order_by("institution__name", "name")]


@dataclass(frozen=True)
class DoctorRow:
    institution_code: str
    institution: str
    name: str
    waiting: int  # opinions asked and not yet received


def doctors_list(*, actor) -> list[DoctorRow]:
    """The master with each doctor's opinions waiting (no applicant named: nothing logged)."""
    from django.db.models import Count, Q

    require_view(actor)
    return [DoctorRow(d.institution.code, d.institution.name, d.name, d.waiting) for d in
            Doctor.objects.select_related("institution").annotate(waiting=Count("opinions", filter=Q(
                opinions__received_on__isnull=True, opinions__cancelled_on__isnull=True)))
            .order_by("institution__name", "name")]


# --- the reminder list (督促一覧) -----------------------------------------------------------------


@dataclass(frozen=True)
class LateRow:
    opinion_id: int
    case_id: int
    case_number: str
    resident_id: int
    name: str
    ward: str
    doctor: str
    institution: str
    requested_on: date
    reminded_on: date | None
    reminders: int
    due_since: date
    days: int  # since the request


LATE_LIMIT = 500


def late_opinions(*, actor, request, today: date) -> tuple[list[LateRow], int]:
    """The opinions the daily job marked due for a reminder, of the cases in the actor's wards
    (head office: every ward), the oldest request first, with the persons' names for the call to
    the doctor; one access-log row (certification.opinion.late) naming them. Also the number of
    days after which an opinion is late."""
    require_view(actor)
    wards = sorted(home_wards(actor))
    rows = list(Opinion.objects.filter(reminder_due_on__isnull=False, received_on__isnull=True,
                                       cancelled_on__isnull=True, case__ward__in=wards)
                .select_related("doctor__institution", "case").order_by("requested_on", "pk")[:LATE_LIMIT])
    residents = residents_by_id(o.case.resident_id for o in rows)
    access_log_write(actor=actor, request=request, function="certification.opinion.late", channel="screen",
                     person_ids=sorted(residents), hits=len(rows))
    result = []
    for o in rows:
        resident = residents.get(o.case.resident_id)
        result.append(LateRow(o.pk, o.case_id, o.case.number, o.case.resident_id,
                              (resident.name_kanji or "") if resident else "", o.case.get_ward_display(),
                              o.doctor.name, o.doctor.institution.name, o.requested_on, o.reminded_on, o.reminders,
                              o.reminder_due_on, (today - o.requested_on).days))
    return result, reminder_days()
