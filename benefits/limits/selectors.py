"""Reads of the facility cost limits. Benefit data is special-care personal data (income and
assets): every read that shows a person checks ``benefit.view`` (a decider too) and the ward scope
(person_header) and writes one access-log row. ``limits_summary_for`` is the 給付 tab's section (no
access log of its own: the tab logs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from benefits.limits.documents import LimitCertificateData, render_certificates
from benefits.limits.models import LimitApplication
from benefits.rules.limits import (
    REFUSAL_LABELS,
    ROOM_LABELS,
    SERVICE_LABELS,
    STAGE_LABELS,
    daily_amounts_on,
)
from eligibility.residents.selectors import PersonHeader, in_home_ward, log_function, person_header, protected_ids
from kaigo.documents import insurer_info
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.staff.roles import has_permission

VIEW = "benefit.view"
NOT_PERMITTED = "この操作を行う権限がありません。"
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の認定証は住所を印字するため、その区の支援措置の閲覧権限がある"
                   "職員のみ印刷できます。")
PAGE_FUNCTION = "benefit.limits.person"


class NoCertificate(ApplicationError):
    code = "no_limit_certificate"


def _require_view(actor, *, decider_too: bool = True) -> None:
    if not (has_permission(actor, VIEW) or (decider_too and has_permission(actor, "benefit.decide"))):
        raise NotPermitted(NOT_PERMITTED)


@dataclass(frozen=True)
class LimitRow:
    pk: int
    received_on: date
    received_by: str
    renewal: bool
    service: str
    decided: bool
    decided_on: date | None
    decided_by: str
    stage: str
    refusal: str
    valid_from: date | None
    valid_to: date | None
    assets: int
    has_spouse: bool
    spouse_assets: int
    income_figure: int | None
    asset_limit: int | None

    @property
    def service_label(self) -> str:
        return SERVICE_LABELS.get(self.service, "")

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(self.stage, "")

    @property
    def refusal_label(self) -> str:
        return REFUSAL_LABELS.get(self.refusal, "")

    @property
    def outcome_label(self) -> str:
        if not self.decided:
            return "未決定"
        return f"認定（{self.stage_label}）" if self.stage else "却下"

    def in_force_on(self, day: date) -> bool:
        return bool(self.stage and self.valid_from and self.valid_to and self.valid_from <= day <= self.valid_to)


def _staff(s) -> str:
    return str(s) if s else ""


def limit_rows(resident_id: int) -> list[LimitRow]:
    """A person's applications and decisions, newest first; no access log (the caller logs)."""
    return [LimitRow(a.pk, a.received_on, _staff(a.received_by), a.renewal, a.service, a.decided_at is not None,
                     a.decided_at.date() if a.decided_at else None, _staff(a.decided_by), a.stage, a.refusal,
                     a.valid_from, a.valid_to, a.assets, a.has_spouse, a.spouse_assets, a.income_figure,
                     a.asset_limit)
            for a in LimitApplication.objects.filter(resident_id=resident_id)
            .select_related("received_by", "decided_by").order_by("-received_on", "-id")]


def daily_limits_of(stage: str, day: date) -> tuple[tuple[str, int], ...]:
    """The stage's daily limits (item label, yen) in force on ``day`` (告示 第413号・第414号)."""
    t = daily_amounts_on(day)
    if t is None or not stage:
        return ()
    return tuple((ROOM_LABELS[item], by_stage[stage]) for item, by_stage in t.limits.items())


@dataclass
class LimitsPage(PersonHeader):
    today: date | None = None
    rows: list[LimitRow] = field(default_factory=list)
    in_force: LimitRow | None = None
    daily: tuple[tuple[str, int], ...] = ()


def limits_page(*, actor, request, resident_id: int, today: date) -> LimitsPage:
    """A person's applications and decisions, the certification in force ``today`` and its daily
    limits: ``benefit.view`` (or ``benefit.decide``), the ward scope, one access-log row."""
    _require_view(actor)
    person, function = person_header(actor, request, resident_id, PAGE_FUNCTION)
    rows = limit_rows(resident_id)
    in_force = next((r for r in rows if r.in_force_on(today)), None)
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return LimitsPage(**vars(person), today=today, rows=rows, in_force=in_force,
                      daily=daily_limits_of(in_force.stage, today) if in_force else ())


def entry_header(*, actor, request, resident_id: int) -> PersonHeader:
    """The person heading of the application form (``benefit.update``): scope, one access-log row."""
    if not has_permission(actor, "benefit.update"):
        raise NotPermitted(NOT_PERMITTED)
    person, function = person_header(actor, request, resident_id, "benefit.limits.entry")
    access_log_write(actor=actor, request=request, function=function, channel="screen", person_ids=[resident_id])
    return person


@dataclass(frozen=True)
class LimitsSummary:
    """What the 給付 tab shows of the facility cost limits."""

    in_force: LimitRow | None
    pending: int  # applications received, not decided
    latest: LimitRow | None

    @property
    def status_label(self) -> str:
        if self.in_force:
            return f"{self.in_force.stage_label}（{self.in_force.service_label}）"
        return "負担限度額の認定はありません"


def limits_summary_for(*, actor, request, resident, today: date) -> LimitsSummary:
    """The 給付 tab's section: the certification in force ``today``, the applications pending, the
    latest row. Checks ``benefit.view`` (the tab has checked the ward scope with its header); writes its
    own access-log row (``benefit.limits.summary``, queued in the tab's access_log_batch)."""
    _require_view(actor)
    rows = limit_rows(resident.pk)
    access_log_write(actor=actor, request=request, channel="screen", person_ids=[resident.pk],
                     function=log_function("benefit.limits.summary", sensitive=bool(protected_ids([resident.pk])),
                                           outside_ward=not in_home_ward(actor, resident.ward)))
    return LimitsSummary(next((r for r in rows if r.in_force_on(today)), None),
                         sum(1 for r in rows if not r.decided), rows[0] if rows else None)


def certificate_pdf(*, actor, request, resident_id: int, application_id: int, today: date) -> bytes:
    """The 負担限度額認定証 of a certification (issued or reissued at the counter). A read: writes only
    the access log. Refused for a refused or undecided application."""
    _require_view(actor)
    person, function = person_header(actor, request, resident_id, "benefit.limits.certificate", channel="print")
    if not person.sensitive_visible:
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("benefit.limits.certificate.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    app = LimitApplication.objects.filter(pk=application_id, resident_id=resident_id).exclude(stage="").first()
    if app is None or app.decided_at is None or person.insured_number is None:
        raise NoCertificate("交付できる負担限度額認定証がありません（認定されていません）。")
    from eligibility.cards.selectors import card_holder

    data = LimitCertificateData(card_holder(person.resident, person.insured_number), insurer_info(),
                                app.decided_at.date(), app.valid_from, app.valid_to, STAGE_LABELS[app.stage],
                                daily_limits_of(app.stage, app.valid_from))
    pdf = render_certificates([data])
    access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id], function=function)
    return pdf
