"""Reads of the co-payment ratio. Benefit data is special-care personal data (income): every read
that shows a person checks ``benefit.view`` and the ward scope (person_header) and writes one
access-log row. Public for other apps and the other benefit packages: ``ratio_on`` (no log: the
caller logs what it shows)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from audit.services import access_log_write
from benefits.ratio.documents import (
    RatioCertificateData,
    RatioLine,
    render_certificates,
)
from benefits.ratio.models import RatioCause, RatioCertificate, RatioDetermination
from benefits.rules.copayment_ratio import REASON_LABELS, ratio_period
from eligibility.cards.selectors import card_holders
from eligibility.residents.selectors import PersonHeader, log_function, person_header
from kaigo.documents import insurer_info
from kaigo.errors import ApplicationError, NotPermitted
from kaigo.staff.roles import has_permission

VIEW = "benefit.view"
RUN = "benefit.run"
NOT_PERMITTED = "この操作を行う権限がありません。"
PRINT_PROTECTED = ("支援措置対象者（またはその世帯員）の負担割合証は住所を印字するため、その区の支援措置の閲覧権限がある"
                   "職員のみ印刷できます。")
CAUSE_LABELS = dict(RatioCause.choices)


class NoCertificate(ApplicationError):
    code = "no_ratio"


def require_view(actor) -> None:
    if not has_permission(actor, VIEW):
        raise NotPermitted(NOT_PERMITTED)


def require_run(actor) -> None:
    if actor is not None and not has_permission(actor, RUN):
        raise NotPermitted(NOT_PERMITTED)


def ratio_on(resident_id: int, day: date) -> int | None:
    """The co-payment ratio (1, 2 or 3 割) of a person on ``day``; None when none was decided
    (not certified that year). No access log."""
    row = (RatioDetermination.objects.filter(resident_id=resident_id, replaced_at__isnull=True, valid_from__lte=day,
                                             valid_to__gte=day).values_list("ratio", flat=True).first())
    return row


# --- the person's ratio history (the 給付 tab's section) -------------------------------------------------


@dataclass(frozen=True)
class RatioRow:
    ratio: int
    valid_from: date
    valid_to: date
    reason: str
    cause: str
    decided_on: date
    replaced: bool
    first_class_members: int
    current: bool = False

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason, "")

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS.get(self.cause, "")


@dataclass
class RatioHistory:
    rows: list[RatioRow] = field(default_factory=list)  # newest year first; replaced rows after the current
    current: RatioRow | None = None
    certificate_printable: bool = False


def ratio_history_rows(resident_id: int, today: date) -> RatioHistory:
    """A person's ratios, every row (replaced ones too, marked), the current one (covering
    ``today``); no access log (the tab logs)."""
    rows = [RatioRow(r.ratio, r.valid_from, r.valid_to, r.reason, r.cause, r.decided_at.date(), r.replaced_at is not None,
                     r.first_class_members,
                     current=r.replaced_at is None and r.valid_from <= today <= r.valid_to)
            for r in RatioDetermination.objects.filter(resident_id=resident_id)
            .order_by("-period_start", "replaced_at", "-valid_from", "-id")]
    current = next((r for r in rows if r.current), None)
    return RatioHistory(rows, current, certificate_printable=any(not r.replaced for r in rows))


# --- certificates ----------------------------------------------------------------------------------------


def _lines(rows: Sequence[RatioDetermination]) -> tuple[RatioLine, ...]:
    return tuple(RatioLine(r.ratio, r.valid_from, r.valid_to) for r in sorted(rows, key=lambda r: r.valid_from))


def certificates_render(certificate_ids: Sequence[int], *, actor=None) -> tuple[bytes, list[int]]:
    """One PDF of the queued certificates ``certificate_ids`` (each printing the current rows of its
    person's year from its determination's first day on), and the ids printed; persons under a
    support measure (支援措置) are left out (printed at their ward). Writes the print's one
    access-log row naming the persons printed."""
    certs = list(RatioCertificate.objects.filter(pk__in=list(certificate_ids)).select_related("determination")
                 .order_by("id"))
    people = {c.determination.resident_id for c in certs}
    printed_persons = card_holders(people)
    current: dict[tuple[int, date], list[RatioDetermination]] = {}
    for r in RatioDetermination.objects.filter(resident_id__in=sorted(people), replaced_at__isnull=True,
                                               period_start__in={c.determination.period_start for c in certs}):
        current.setdefault((r.resident_id, r.period_start), []).append(r)
    items, printed = [], []
    insurer = insurer_info()
    for c in certs:
        d = c.determination
        holder = printed_persons.holders.get(d.resident_id)
        if holder is None:
            continue
        rows = [r for r in current.get((d.resident_id, d.period_start), []) if r.valid_to >= d.valid_from]
        items.append(RatioCertificateData(holder, insurer, c.queued_at.date(), _lines(rows) or _lines([d]),
                                          serial=f"{c.pk:08d}"))
        printed.append(c.pk)
    if not items:
        return b"", []
    pdf = render_certificates(items)
    access_log_write(actor=actor, channel="print", function="benefit.ratio.certificate.print",
                     person_ids=sorted({c.determination.resident_id for c in certs if c.pk in set(printed)}))
    return pdf, printed


def certificate_reprint(*, actor, request, resident_id: int, today: date) -> bytes:
    """The person's current certificate again (再発行: the current rows of the year covering
    ``today``, else the latest year), for the counter. A read: writes only the access log."""
    require_view(actor)
    person, function = person_header(actor, request, resident_id, "benefit.ratio.certificate.reprint",
                                     channel="print")
    if not person.sensitive_visible:
        access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id],
                         function=log_function("benefit.ratio.certificate.reprint.denied", sensitive=True))
        raise NotPermitted(PRINT_PROTECTED)
    rows = list(RatioDetermination.objects.filter(resident_id=resident_id, replaced_at__isnull=True)
                .order_by("-period_start", "valid_from"))
    start, _ = ratio_period(today)
    year = [r for r in rows if r.period_start == start] or [r for r in rows if r.period_start == rows[0].period_start] \
        if rows else []
    if not year or person.insured_number is None:
        raise NoCertificate("交付できる負担割合証がありません（この年度の負担割合が判定されていません）。")
    from eligibility.cards.selectors import card_holder

    data = RatioCertificateData(card_holder(person.resident, person.insured_number), insurer_info(), today,
                                _lines(year), reprint=True)
    pdf = render_certificates([data])
    access_log_write(actor=actor, request=request, channel="print", person_ids=[resident_id], function=function)
    return pdf


@dataclass
class BenefitsTabPerson(PersonHeader):
    pass


def benefits_person(*, actor, request, resident_id: int) -> tuple[PersonHeader, str]:
    """The header of the 給付 tab and its access-log function (scope checked; refusal logged)."""
    require_view(actor)
    return person_header(actor, request, resident_id, "benefit.tab")
