"""Reads of regional support: a person's checklists and participant statuses (the person page),
the summary a section of the 給付 tab shows, and the checklist the decision page shows. Checklist
answers say something of a person's health (要配慮個人情報): every read checks ``benefit.view`` and
the ward scope and writes one access-log row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from audit.services import access_log_write
from benefits.regional.models import Checklist, ChecklistPlace, Participant, ParticipantEnd
from benefits.rules.checklist import CRITERION_LABELS, ITEMS, answers_decode, bmi, risk_flags
from certification.decisions.selectors import certification_history_rows, certification_on
from eligibility.residents.selectors import (
    VIEW_OUTSIDE_WARD,
    PersonHeader,
    in_home_ward,
    log_function,
    person_header,
    person_view_allowed,
    protected_ids,
)
from kaigo.errors import NotPermitted
from kaigo.staff.roles import has_permission

VIEW = "benefit.view"
PAGE_FUNCTION = "benefit.regional.person"
SUMMARY_FUNCTION = "benefit.regional.summary"
NO_VIEW = "給付の情報を見る権限がありません。"
PLACE_LABELS = dict(ChecklistPlace.choices)
END_LABELS = dict(ParticipantEnd.choices)


def _require_view(actor, *, decider_too: bool = False) -> None:
    """``benefit.view``; with ``decider_too``, a holder of ``benefit.decide`` too (the section chief
    decides from the person page without holding the 給付 tab's permission)."""
    if not (has_permission(actor, VIEW) or (decider_too and has_permission(actor, "benefit.decide"))):
        raise NotPermitted(NO_VIEW)


@dataclass(frozen=True)
class ChecklistRow:
    pk: int
    checked_on: date
    place: str
    answers: dict[int, int]
    height_cm: Decimal
    weight_kg: Decimal
    matched: tuple[str, ...]
    entered_by: str
    entered_at: object
    decided: bool  # a participant status was decided from it

    @property
    def place_label(self) -> str:
        return PLACE_LABELS.get(self.place, "")

    @property
    def matched_labels(self) -> list[str]:
        return [CRITERION_LABELS[k] for k in self.matched if k in CRITERION_LABELS]

    @property
    def bmi(self) -> Decimal:
        return bmi(self.height_cm, self.weight_kg).quantize(Decimal("0.1"))

    @property
    def risk_total(self) -> int:
        return sum(risk_flags(self.answers).values())

    @property
    def items(self) -> list[tuple[int, str, str, bool]]:
        """(number, question, the answer as words, 該当) of the 25 items."""
        flags = risk_flags(self.answers)
        return [(i.number, i.question, ("はい" if self.answers[i.number] else "いいえ") if i.number != 12
                 else f"BMI {self.bmi}", flags[i.number]) for i in ITEMS]


@dataclass(frozen=True)
class ParticipantRow:
    pk: int
    checklist_id: int
    confirmed_on: date
    valid_from: date
    valid_to: date | None
    ended_on: date | None
    end_reason: str
    decided_by: str

    @property
    def end_label(self) -> str:
        return END_LABELS.get(self.end_reason, "")

    def in_force_on(self, day: date) -> bool:
        """In force on ``day``: from valid_from, to valid_to (if any), before ended_on (the first
        day it no longer applies, as certification's ended_on)."""
        return (self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)
                and (self.ended_on is None or day < self.ended_on))


def checklist_rows(resident_id: int) -> list[ChecklistRow]:
    """A person's checklists, the newest first (no access log: the caller)."""
    decided = set(Participant.objects.filter(resident_id=resident_id).values_list("checklist_id", flat=True))
    return [ChecklistRow(c.pk, c.checked_on, c.place, answers_decode(c.answers), c.height_cm, c.weight_kg,
                         tuple(c.matched), c.entered_by.display_name, c.entered_at, c.pk in decided)
            for c in Checklist.objects.filter(resident_id=resident_id).select_related("entered_by")
            .order_by("-checked_on", "-id")]


def participant_rows(resident_id: int) -> list[ParticipantRow]:
    """A person's participant statuses, the newest first (no access log: the caller)."""
    return [ParticipantRow(p.pk, p.checklist_id, p.confirmed_on, p.valid_from, p.valid_to, p.ended_on, p.end_reason,
                           p.decided_by.display_name)
            for p in Participant.objects.filter(resident_id=resident_id).select_related("decided_by")
            .order_by("-valid_from", "-id")]


def participant_on(rows: list[ParticipantRow], day: date) -> ParticipantRow | None:
    """The participant status in force on ``day`` among ``rows``, if any (public: the co-payment
    ratio and the federation file ask it)."""
    return next((r for r in rows if r.in_force_on(day)), None)


def participants_in_force(resident_ids: list[int], day: date) -> set[int]:
    """Which of these persons are project participants on ``day`` (numbers only, nothing logged):
    for the yearly co-payment ratio, which also covers 事業対象者 (DOMAIN.md 4.1)."""
    return set(Participant.objects.filter(resident_id__in=resident_ids, valid_from__lte=day)
               .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
               .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day)).values_list("resident_id", flat=True))


@dataclass
class RegionalPage(PersonHeader):
    today: date | None = None
    checklists: list[ChecklistRow] = field(default_factory=list)
    participants: list[ParticipantRow] = field(default_factory=list)
    in_force: ParticipantRow | None = None
    certified_level: str = ""  # the certification in force today, as words ("" none)


def regional_page(*, actor, request, resident_id: int, today: date) -> RegionalPage:
    """A person's checklists (with their answers and the criteria met) and participant statuses,
    the one in force ``today`` and the certification in force (which decides whether a status can
    start): ``benefit.view`` (or ``benefit.decide``), the ward scope, one access-log row."""
    _require_view(actor, decider_too=True)
    person, function = person_header(actor, request, resident_id, PAGE_FUNCTION)
    checklists, participants = checklist_rows(resident_id), participant_rows(resident_id)
    cert = certification_on(certification_history_rows(resident_id), today)
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return RegionalPage(**vars(person), today=today, checklists=checklists, participants=participants,
                        in_force=participant_on(participants, today),
                        certified_level=cert.level_label if cert else "")


@dataclass(frozen=True)
class RegionalSummary:
    """What the 給付 tab shows of regional support: the status in force today, the latest checklist."""

    participant: ParticipantRow | None
    latest_checklist_on: date | None
    latest_matched: tuple[str, ...]
    checklist_count: int

    @property
    def status_label(self) -> str:
        return "事業対象者" if self.participant else "事業対象者ではありません"

    @property
    def matched_labels(self) -> list[str]:
        return [CRITERION_LABELS[k] for k in self.latest_matched if k in CRITERION_LABELS]


def regional_summary_for(*, actor, request, resident, today: date) -> RegionalSummary | None:
    """The regional-support summary of ``resident`` (eligibility's Resident, already read by the
    tab) for a section of the 給付 tab: checks ``benefit.view`` and the ward scope itself, writes its
    own access-log row (``benefit.regional.summary`` with log_function's flags; inside the tab's
    access_log_batch when it opens one). None when the person has no checklist and no status."""
    _require_view(actor)
    protected = bool(protected_ids([resident.pk]))
    if not person_view_allowed(actor, resident):
        access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                         function=log_function(f"{SUMMARY_FUNCTION}.denied", sensitive=protected))
        raise NotPermitted(VIEW_OUTSIDE_WARD)
    participants = participant_rows(resident.pk)
    latest = Checklist.objects.filter(resident_id=resident.pk).order_by("-checked_on", "-id").values_list(
        "checked_on", "matched").first()
    count = Checklist.objects.filter(resident_id=resident.pk).count()
    access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                     function=log_function(SUMMARY_FUNCTION, sensitive=protected,
                                           outside_ward=not in_home_ward(actor, resident.ward)))
    if not participants and latest is None:
        return None
    return RegionalSummary(participant_on(participants, today), latest[0] if latest else None,
                           tuple(latest[1]) if latest else (), count)


def entry_header(*, actor, request, resident_id: int) -> PersonHeader:
    """The person heading of the checklist entry form (``benefit.update``): the ward scope of the
    view, one access-log row (the form shows the person, not their checklists)."""
    if not has_permission(actor, "benefit.update"):
        raise NotPermitted(NO_VIEW)
    person, function = person_header(actor, request, resident_id, "benefit.regional.entry")
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return person
