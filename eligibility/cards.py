"""Cards and certificates (証類, DOMAIN 1.8): issuing one at the counter and rendering the PDF of
an issue from the resident's current data.

An issue is a CardIssue row (the print event); the document is rendered again from the data
whenever it is downloaded, never stored. A second issue of a kind to the same person is a
reissue (再交付, ``reprint``) and carries its reason; the PDF prints 「再交付」. Rendering is
eligibility.documents (pure); reading and logging the print is eligibility.qualification_selectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from eligibility import documents
from eligibility.age65 import CARD_REASON_AGE65
from eligibility.models import (
    CardIssue,
    CardKind,
    InsuredNumber,
    QualificationPeriod,
    Resident,
)
from eligibility.scope import require_person_update
from kaigo.errors import ApplicationError

# Until certification exists, a 資格者証 is valid for the statutory decision period of an
# application (法 §27(11): 30 days), counted from its issue.
QUALIFICATION_CERTIFICATE_DAYS = 30


class CardReason(models.TextChoices):
    REQUEST = "request", "交付申請"
    LOST = "lost", "紛失"
    DAMAGED = "damaged", "破損・汚損"
    CHANGED = "changed", "記載事項の変更"
    OTHER = "other", "その他"


REISSUE_REASONS = (CardReason.LOST, CardReason.DAMAGED, CardReason.CHANGED, CardReason.OTHER)
REASON_LABELS = {**dict(CardReason.choices), CARD_REASON_AGE65: "65歳到達"}


class CardIssueInvalid(ApplicationError):
    code = "card_issue_invalid"


def insurer_info() -> documents.InsurerInfo:
    """The insurer printed on every document (settings KAIGO_INSURER_NUMBER / _NAME)."""
    return documents.InsurerInfo(number=settings.KAIGO_INSURER_NUMBER, name=settings.KAIGO_INSURER_NAME)


def card_issue_check(*, kind: str, reason: str, issued_before: bool, insured_number: str | None,
                     insured_on_day: bool, moved_out_on: date | None) -> list[str]:
    """What prevents this issue (empty: it may be issued). Plain rule, Japanese messages."""
    problems: list[str] = []
    if kind not in CardKind.values:
        return ["証の種類を選んでください。"]
    if issued_before and reason not in REISSUE_REASONS:
        problems.append("この証は交付済みです。再交付の理由（紛失・破損・記載事項の変更・その他）を選んでください。")
    if not issued_before and reason != CardReason.REQUEST:
        problems.append("初めての交付です。交付理由は「交付申請」を選んでください。")
    if insured_number is None:
        problems.append("被保険者番号がないため交付できません。")
    if kind in (CardKind.INSURANCE_CARD, CardKind.QUALIFICATION_CERTIFICATE) and not insured_on_day:
        problems.append("本日時点で資格がないため、被保険者証・資格者証は交付できません。")
    if kind == CardKind.ELIGIBILITY_CERTIFICATE and moved_out_on is None:
        problems.append("転出の記録がないため、受給資格証明書は交付できません。")
    return problems


def card_issue(*, actor, resident_id: int, kind: str, reason: str, today: date | None = None) -> CardIssue:
    """Issue (or reissue) a card or certificate at the counter (one transaction). Raises
    CardIssueInvalid, NotPermitted (outside the clerk's update scope), Resident.DoesNotExist."""
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        resident = (Resident.objects.select_for_update()
                    .only("id", "ward", "status", "moved_out_on", "sensitive", "household_id")
                    .get(pk=resident_id))
        require_person_update(actor, resident)
        issued_before = CardIssue.objects.filter(resident_id=resident_id, kind=kind).exists()
        number = InsuredNumber.objects.filter(resident_id=resident_id).values_list("number", flat=True).first()
        insured = QualificationPeriod.objects.filter(
            resident_id=resident_id, recorded_to__isnull=True, start__lte=today,
        ).exclude(end__lte=today).exists()
        problems = card_issue_check(kind=kind, reason=reason, issued_before=issued_before, insured_number=number,
                                    insured_on_day=insured, moved_out_on=resident.moved_out_on)
        if problems:
            raise CardIssueInvalid(" ".join(problems))
        return CardIssue.objects.create(resident_id=resident_id, kind=kind, issued_on=today, reprint=issued_before,
                                        reason=reason, issued_by=actor)


def card_holder(resident: Resident, insured_number: str) -> documents.CardHolder:
    """The printed person (decrypts name, kana and address: the caller logs the print)."""
    return documents.CardHolder(
        insured_number=insured_number, name_kanji=resident.name_kanji or "", name_kana=resident.name_kana or "",
        birth_date=resident.birth_date, sex_label=resident.get_sex_display(), address=resident.address or "",
    )


def card_render(issue: CardIssue, resident: Resident, insured_number: str) -> bytes:
    """The PDF of one issue. Certification is not yet in the system: its boxes stay blank."""
    holder = card_holder(resident, insured_number)
    meta = documents.DocumentMeta(issued_on=issue.issued_on, reprint=issue.reprint, serial=f"{issue.pk:08d}")
    care = documents.CareInfo()
    if issue.kind == CardKind.QUALIFICATION_CERTIFICATE:
        return documents.render_qualification_certificate(
            holder=holder, insurer=insurer_info(), care=care, meta=meta, application_date=issue.issued_on,
            valid_until=issue.issued_on + timedelta(days=QUALIFICATION_CERTIFICATE_DAYS))
    if issue.kind == CardKind.ELIGIBILITY_CERTIFICATE:
        return documents.render_eligibility_certificate(
            holder=holder, insurer=insurer_info(), care=care, meta=meta,
            moved_out_on=resident.moved_out_on or issue.issued_on, application_pending=False)
    return documents.render_insurance_card(holder=holder, insurer=insurer_info(), care=care, meta=meta)


def cards_render_batch(items: Sequence[tuple[CardIssue, Resident, str]]) -> bytes:
    """One PDF of many issues, in the given order (batch printing)."""
    return documents.render_batch([card_render(issue, resident, number) for issue, resident, number in items])
