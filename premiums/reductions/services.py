"""Reductions (減免), the 境界層措置 and deferrals (徴収猶予) as services: an application taken at the
counter with its evidence, decided by the section chief (never by the clerk who took it), and,
once approved, the year queued for the re-levy (cause "reduction"); an approved deferral changes
no amount and records its 猶予期限 instead (premiums.rules.deferral). Japanese errors for staff.
See docs/subsystems/levy.md, "Reductions" and "Deferral"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kaigo.errors import ApplicationError
from premiums.levy.models import Levy, LevyPendingCause
from premiums.levy.services import levy_pending_add
from premiums.reductions.models import Evidence, Reduction, ReductionKind, ReductionStatus
from premiums.rules.calendar import closed_days
from premiums.rules.deferral import MAX_DEFERRAL_MONTHS, deferral_months, deferral_until
from premiums.scope import require_premium_update

# the evidence each kind needs at least one of (条例施行規則; [CONFIG])
REQUIRED_EVIDENCE = {
    ReductionKind.DISASTER: {Evidence.DISASTER_CERTIFICATE},
    ReductionKind.INCOME_LOSS: {Evidence.INCOME_PROOF},
    ReductionKind.BREADWINNER: {Evidence.DEATH_OR_HOSPITAL, Evidence.INCOME_PROOF},
    ReductionKind.DETENTION: {Evidence.DETENTION_CERTIFICATE},
    ReductionKind.BORDERLINE: {Evidence.BORDERLINE_CERTIFICATE},
    ReductionKind.DEFERRAL: {Evidence.DISASTER_CERTIFICATE, Evidence.INCOME_PROOF, Evidence.DEATH_OR_HOSPITAL},
}


class ReductionInvalid(ApplicationError):
    code = "reduction_invalid"


@dataclass(frozen=True)
class ReductionApplication:
    fiscal_year: int
    kind: str
    applied_on: date
    first_month: date
    last_month: date
    evidence: tuple[str, ...] = ()


def _fiscal_months(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 1)


def reduction_apply(*, actor, resident_id: int, application: ReductionApplication) -> Reduction:
    """Take an application for a reduction, the 境界層措置 or a deferral at the counter, with its
    evidence (ReductionInvalid with every problem). Role (``premium.collect``) and ward scope checked
    here: a ward office takes applications of its own ward's residents only."""
    require_premium_update(actor, resident_id, permission="premium.collect")
    a = application
    first, last = _fiscal_months(a.fiscal_year)
    problems = []
    if a.kind not in ReductionKind.values:
        problems.append("減免の事由を選んでください。")
    if not (first <= a.first_month.replace(day=1) <= a.last_month.replace(day=1) <= last):
        problems.append(f"適用の月は{a.fiscal_year}年4月から{a.fiscal_year + 1}年3月の間で、開始月から終了月の順に入力してください。")
    elif a.kind == ReductionKind.DEFERRAL and deferral_months(a.first_month, a.last_month) > MAX_DEFERRAL_MONTHS:
        problems.append(f"徴収猶予の期間は{MAX_DEFERRAL_MONTHS}か月以内で入力してください。")
    if a.applied_on > timezone.localdate():
        problems.append("申請日に未来の日付は入力できません。")
    needed = REQUIRED_EVIDENCE.get(a.kind, set())
    if needed and not needed & set(a.evidence):
        problems.append("添付書類として「" + "」または「".join(Evidence(e).label for e in sorted(needed)) + "」が必要です。")
    if not Levy.objects.filter(resident_id=resident_id, fiscal_year=a.fiscal_year, recorded_to__isnull=True).exists():
        problems.append(f"{a.fiscal_year}年度の保険料は賦課されていません。")
    if problems:
        raise ReductionInvalid(" ".join(problems))
    return Reduction.objects.create(resident_id=resident_id, fiscal_year=a.fiscal_year, kind=a.kind,
                                    applied_on=a.applied_on, evidence=sorted(set(a.evidence)),
                                    first_month=a.first_month.replace(day=1), last_month=a.last_month.replace(day=1),
                                    received_by=actor)


def reduction_decide(*, actor, reduction_id: int, approve: bool, rate: Decimal | None = None,
                     stage: int | None = None, rejection_reason: str = "") -> Reduction:
    """Approve (with the share remitted, for 境界層 the stage applied, for a deferral nothing more:
    its 猶予期限 follows from its months) or reject (with a reason).
    The section chief decides (``premium.reduction.decide`` and the ward scope, checked here); the
    clerk who took the application may not (four eyes)."""
    with transaction.atomic():
        reduction = Reduction.objects.select_for_update().get(pk=reduction_id)
        require_premium_update(actor, reduction.resident_id, permission="premium.reduction.decide")
        if reduction.status != ReductionStatus.APPLIED:
            raise ReductionInvalid("この申請は決定済みです。")
        if reduction.received_by_id == actor.pk:
            raise ReductionInvalid("申請を受け付けた職員は決定できません。")
        if approve:
            if reduction.kind == ReductionKind.DEFERRAL:
                reduction.rate, reduction.stage = None, None
                reduction.deferred_until = deferral_until(reduction.last_month, closed_days(reduction.fiscal_year))
            elif reduction.kind == ReductionKind.BORDERLINE:
                current = Levy.objects.get(resident_id=reduction.resident_id, fiscal_year=reduction.fiscal_year,
                                           recorded_to__isnull=True)
                if stage is None or not 1 <= stage < current.stage:
                    raise ReductionInvalid(f"境界層措置では現在の段階（第{current.stage}段階）より低い段階を指定してください。")
                reduction.stage, reduction.rate = stage, None
            else:
                if rate is None or not Decimal(0) < rate <= Decimal(1):
                    raise ReductionInvalid("減免の割合は0より大きく1以下で指定してください（全額免除は1）。")
                reduction.rate, reduction.stage = rate, None
            reduction.status = ReductionStatus.APPROVED
        else:
            if not rejection_reason.strip():
                raise ReductionInvalid("却下の理由を入力してください。")
            reduction.status, reduction.rejection_reason = ReductionStatus.REJECTED, rejection_reason.strip()[:200]
        reduction.decided_by, reduction.decided_at = actor, timezone.now()
        reduction.save()
        if approve and reduction.kind != ReductionKind.DEFERRAL:  # a deferral changes no amount
            levy_pending_add([(reduction.resident_id, reduction.fiscal_year, reduction.first_month,
                               LevyPendingCause.REDUCTION)])
    return reduction


def deferral_end(*, actor, reduction_id: int, until: date, reason: str, today: date | None = None) -> Reduction:
    """End an approved deferral early (徴収猶予の取消, 地方税法 §15の3 の例): its 猶予期限 becomes ``until``
    (from today to the current 猶予期限); bills of the period falling due after it keep their own
    納期限. The section chief decides, with a reason (``premium.reduction.decide`` and the ward scope,
    checked here); the change trail keeps the earlier 猶予期限."""
    today = today or timezone.localdate()
    with transaction.atomic():
        reduction = Reduction.objects.select_for_update().get(pk=reduction_id)
        require_premium_update(actor, reduction.resident_id, permission="premium.reduction.decide")
        if reduction.kind != ReductionKind.DEFERRAL or reduction.status != ReductionStatus.APPROVED:
            raise ReductionInvalid("承認された徴収猶予だけを取り消せます。")
        if reduction.ended_at is not None:
            raise ReductionInvalid("この徴収猶予は取消済みです。")
        if not reason.strip():
            raise ReductionInvalid("取消の理由を入力してください。")
        if not today <= until <= reduction.deferred_until:
            raise ReductionInvalid(f"新しい猶予期限は本日から現在の猶予期限（{reduction.deferred_until:%Y年%-m月%-d日}）までの日付で"
                                   "入力してください。")
        reduction.deferred_until, reduction.end_reason = until, reason.strip()[:200]
        reduction.ended_at, reduction.ended_by = timezone.now(), actor
        reduction.save(update_fields=["deferred_until", "end_reason", "ended_at", "ended_by"])
    return reduction
