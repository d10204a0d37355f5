"""Writes of the rate tables by fiscal year (保険料率表). Each write is one transaction with an
explicit actor; errors are ApplicationErrors with a Japanese message.

Head office (premium.table.manage) drafts a table for new fiscal years, usually a copy of the
table in force, and edits it; the section chief approves it. Approval validates the table by
building the pure premiums.rules.tables.RateTable (the rules' own checks), checks the stages run
1..n and that no approved table covers the same fiscal year (the exclusion constraint
premiumratetable_no_overlap is the last line). ``rate_table_for``, what the levy calls, is in
premiums/rates/selectors.py with the other reads. Collection plans (徴収計画) work the same way.
See docs/subsystems/premium-rate-tables.md."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from audit.trail import trail_context
from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.models import RoleGrant
from kaigo.staff.roles import roles_with
from kaigo.staff.services import require_section_chief
from premiums.rates.models import PremiumCollectionPlan, PremiumRateTable, PremiumStage, RateTableStatus
from premiums.rates.selectors import to_rule_plan, to_rule_table
from premiums.rules.codes import PensionKind, RoundingMode, StageGroup
from premiums.rules.errors import RateTableError
from premiums.rules.tables import CollectionPlan, RateTable

MANAGE = "premium.table.manage"

# Fields of PremiumRateTable a draft may change (rate_table_update).
TABLE_FIELDS = (
    "name", "valid_from", "valid_to", "base_amount",
    "annual_rounding_unit", "annual_rounding_mode", "proration_rounding_unit", "proration_rounding_mode",
    "public_assistance_stage", "old_age_welfare_pension_stage",
    "income_adjustment", "income_adjustment_taxed", "count_non_taxable_pension",
)
STAGE_FIELDS = ("group", "income_upper", "upper_inclusive", "multiplier", "reduced_multiplier", "label")


def _trailed(function: str):
    """Name the staff member and the function in the change trail of every row the service writes
    (audit.trail; the decorated service takes ``actor=``)."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, actor, **kwargs):
            with trail_context(actor=actor, function=function):
                return service(*args, actor=actor, **kwargs)

        return wrapper

    return decorate


def _require_manage(actor) -> None:
    """NotPermitted unless ``actor`` is active and holds a role with premium.table.manage now
    (grants read afresh, not the per-request cache)."""
    if (
        actor is None
        or not actor.is_active
        or not RoleGrant.objects.in_force().filter(staff=actor, role__in=roles_with(MANAGE)).exists()
    ):
        raise NotPermitted("保険料率表の作成・変更は介護保険課の担当者または所管課長のみが行えます。")


def _draft_for_update(table_id: int) -> PremiumRateTable:
    table = PremiumRateTable.objects.select_for_update().filter(pk=table_id).first()
    if table is None:
        raise RateTableError("指定の保険料率表がありません。", code="premium_rate_table_not_found")
    if table.status != RateTableStatus.DRAFT:
        raise InvalidState(f"保険料率表「{table.name}」は承認済みのため変更できません。")
    return table


# --- drafts ---------------------------------------------------------------------------------------


def _table_values(rule: RateTable) -> dict:
    return {
        "name": rule.name, "valid_from": rule.valid_from, "valid_to": rule.valid_to,
        "base_amount": rule.base_amount,
        "annual_rounding_unit": rule.annual_rounding.unit, "annual_rounding_mode": rule.annual_rounding.mode,
        "proration_rounding_unit": rule.proration_rounding.unit,
        "proration_rounding_mode": rule.proration_rounding.mode,
        "public_assistance_stage": rule.public_assistance_stage,
        "old_age_welfare_pension_stage": rule.old_age_welfare_pension_stage,
        "income_adjustment": rule.income_adjustment, "income_adjustment_taxed": rule.income_adjustment_taxed,
        "count_non_taxable_pension": rule.count_non_taxable_pension,
    }


def _check_years(valid_from: int, valid_to: int | None) -> None:
    if valid_to is not None and valid_to < valid_from:
        raise RateTableError("適用年度の終わりが始まりより前です。")


def _check_table(table: PremiumRateTable) -> None:
    """A draft's own values as the pure rate table needs them: its years, a positive base amount
    and known rounding modes (RateTableError otherwise)."""
    _check_years(table.valid_from, table.valid_to)
    if table.base_amount is None or table.base_amount <= 0:
        raise RateTableError("基準額は正の金額で入力してください。")
    for mode in (table.annual_rounding_mode, table.proration_rounding_mode):
        if mode not in RoundingMode.values:
            raise RateTableError("端数処理の方法が不正です。")


@_trailed("premium.table.draft")
@transaction.atomic(durable=True)
def rate_table_draft(
    *,
    actor,
    valid_from: int,
    valid_to: int | None,
    name: str,
    from_table_id: int | None = None,
    data: RateTable | None = None,
) -> PremiumRateTable:
    """A new draft for fiscal years ``valid_from..valid_to``: a copy of the stored table
    ``from_table_id`` (its stages and settings), or of the pure table ``data``."""
    _require_manage(actor)
    if (from_table_id is None) == (data is None):
        raise RateTableError("複製元の保険料率表を1つ指定してください。")
    name = (name or "").strip()
    if not name:
        raise RateTableError("保険料率表の名称を入力してください。")
    _check_years(valid_from, valid_to)
    if from_table_id is not None:
        source = PremiumRateTable.objects.filter(pk=from_table_id).prefetch_related("stages").first()
        if source is None:
            raise RateTableError("複製元の保険料率表がありません。", code="premium_rate_table_not_found")
        values = {f: getattr(source, f) for f in TABLE_FIELDS}
        stages = [{"number": s.number, **{f: getattr(s, f) for f in STAGE_FIELDS}} for s in source.stages.all()]
    else:
        values = _table_values(data)
        stages = [
            {"number": s.number, "group": s.group, "income_upper": s.income_upper,
             "upper_inclusive": s.upper_inclusive, "multiplier": s.multiplier,
             "reduced_multiplier": s.reduced_multiplier, "label": s.label}
            for s in data.stages
        ]
    values.update(name=name, valid_from=valid_from, valid_to=valid_to)
    table = PremiumRateTable.objects.create(
        **values, status=RateTableStatus.DRAFT, copied_from_id=from_table_id, created_by=actor
    )
    PremiumStage.objects.bulk_create(PremiumStage(table=table, **s) for s in stages)
    return table


@_trailed("premium.table.update")
@transaction.atomic(durable=True)
def rate_table_update(*, actor, table_id: int, **changes) -> PremiumRateTable:
    """Change settings of a draft (base amount, years, rounding, ...: TABLE_FIELDS)."""
    _require_manage(actor)
    unknown = set(changes) - set(TABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate table fields: {sorted(unknown)}")
    table = _draft_for_update(table_id)
    for field, value in changes.items():
        setattr(table, field, value)
    _check_table(table)
    table.save(update_fields=list(changes))
    return table


@dataclass(frozen=True)
class StageValues:
    """A stage as head office enters it (PremiumStage without the table)."""

    group: str
    income_upper: int | None
    upper_inclusive: bool
    multiplier: Decimal
    reduced_multiplier: Decimal | None = None
    label: str = ""


def _check_stage(number: int, values: dict) -> None:
    label = values.get("label") or f"第{number}段階"
    if number < 1:
        raise RateTableError("段階の番号は1以上で指定してください。")
    if values["group"] not in StageGroup.values:
        raise RateTableError(f"{label}の区分が不正です。")
    for key in ("multiplier", "reduced_multiplier"):
        if values[key] is not None and not isinstance(values[key], Decimal):
            raise RateTableError(f"{label}の保険料率は小数で指定してください。")
    if values["multiplier"] is None or values["multiplier"] <= 0:
        raise RateTableError(f"{label}の保険料率は正の値で指定してください。")
    reduced = values["reduced_multiplier"]
    if reduced is not None and not 0 < reduced <= values["multiplier"]:
        raise RateTableError(f"{label}の軽減後の保険料率が不正です。")
    if values["income_upper"] is not None and values["income_upper"] < 0:
        raise RateTableError(f"{label}の所得の上限が不正です。")


@_trailed("premium.table.set.stage")
@transaction.atomic(durable=True)
def rate_table_set_stage(*, actor, table_id: int, number: int, values: StageValues) -> PremiumStage:
    """Add stage ``number`` to a draft, or replace it entirely."""
    _require_manage(actor)
    table = _draft_for_update(table_id)
    fields = {f: getattr(values, f) for f in STAGE_FIELDS}
    _check_stage(number, fields)
    stage, _ = PremiumStage.objects.update_or_create(table=table, number=number, defaults=fields)
    return stage


@_trailed("premium.table.update.stage")
@transaction.atomic(durable=True)
def rate_table_update_stage(*, actor, table_id: int, number: int, **changes) -> PremiumStage:
    """Change some fields of stage ``number`` of a draft (multiplier, income_upper, ...)."""
    _require_manage(actor)
    unknown = set(changes) - set(STAGE_FIELDS)
    if unknown:
        raise ValueError(f"unknown stage fields: {sorted(unknown)}")
    table = _draft_for_update(table_id)
    stage = PremiumStage.objects.filter(table=table, number=number).first()
    if stage is None:
        raise RateTableError(f"保険料率表「{table.name}」に第{number}段階がありません。")
    for field, value in changes.items():
        setattr(stage, field, value)
    _check_stage(number, {f: getattr(stage, f) for f in STAGE_FIELDS})
    stage.save(update_fields=list(changes))
    return stage


@_trailed("premium.table.remove.stage")
@transaction.atomic(durable=True)
def rate_table_remove_stage(*, actor, table_id: int, number: int) -> None:
    """Remove stage ``number`` from a draft (the stages must run 1..n again before approval)."""
    _require_manage(actor)
    table = _draft_for_update(table_id)
    deleted, _ = PremiumStage.objects.filter(table=table, number=number).delete()
    if not deleted:
        raise RateTableError(f"保険料率表「{table.name}」に第{number}段階がありません。")


@_trailed("premium.table.edit")
@transaction.atomic(durable=True)
def rate_table_edit(*, actor, table_id: int, changes: dict, stages: dict[int, StageValues]) -> PremiumRateTable:
    """One edit of a draft from the screen, in one transaction: the settings ``changes``
    (TABLE_FIELDS) and the whole set of ``stages`` by number (a stage not in it is removed, a new
    number added). Each value is checked as by rate_table_update and rate_table_set_stage; the
    first refusal leaves the draft as it was. Only the rows that changed are written (and so
    appear in the change trail)."""
    _require_manage(actor)
    unknown = set(changes) - set(TABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate table fields: {sorted(unknown)}")
    table = _draft_for_update(table_id)
    changed = [f for f, v in changes.items() if getattr(table, f) != v]
    for field in changed:
        setattr(table, field, changes[field])
    if not (table.name or "").strip():
        raise RateTableError("保険料率表の名称を入力してください。")
    _check_table(table)
    if not stages:
        raise RateTableError(f"保険料率表「{table.name}」に段階がありません。")
    if changed:
        table.save(update_fields=changed)
    existing = {s.number: s for s in PremiumStage.objects.filter(table=table)}
    for number, values in sorted(stages.items()):
        fields = {f: getattr(values, f) for f in STAGE_FIELDS}
        _check_stage(number, fields)
        stage = existing.get(number)
        if stage is None:
            PremiumStage.objects.create(table=table, number=number, **fields)
            continue
        differ = [f for f, v in fields.items() if getattr(stage, f) != v]
        for field in differ:
            setattr(stage, field, fields[field])
        if differ:
            stage.save(update_fields=differ)
    gone = set(existing) - set(stages)
    if gone:
        PremiumStage.objects.filter(table=table, number__in=gone).delete()
    return table


# --- approval -------------------------------------------------------------------------------------


def _require_not_editor(actor, row, events: list[tuple[type, dict]], *, kind: str) -> None:
    """Four eyes: NotPermitted when ``actor`` drafted ``row`` or changed it or its stages (any
    event of the change trail in ``events``, each an event model and the filter of this row's
    events, made by ``actor``). Another section chief approves."""
    edited = actor.pk == row.created_by_id or any(
        model.objects.filter(**where, pgh_context__staff_id=actor.pk).exists() for model, where in events)
    if edited:
        raise NotPermitted(f"自分で作成・変更した{kind}は承認できません。作成・変更していない所管課長が承認してください。")


@_trailed("premium.table.approve")
@transaction.atomic(durable=True)
def rate_table_approve(*, actor, table_id: int) -> RateTable:
    """Approve a draft (section chief only, not one who drafted or changed it: four eyes). Refused
    when the pure RateTable refuses it, the stages do not run 1..n, or an approved table covers
    one of its fiscal years. Returns the pure table now in force for those years."""
    from premiums.trail import PremiumRateTableEvent, PremiumStageEvent  # the trail's models import this app's

    require_section_chief(actor)
    table = _draft_for_update(table_id)
    _require_not_editor(actor, table, [(PremiumRateTableEvent, {"pgh_obj_id": table.pk}),
                                       (PremiumStageEvent, {"table_id": table.pk})], kind="保険料率表")
    stages = list(table.stages.order_by("number"))
    numbers = [s.number for s in stages]
    if not numbers:
        raise RateTableError(f"保険料率表「{table.name}」に段階がありません。")
    missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
    if missing:
        gaps = "、".join(f"第{n}段階" for n in missing)
        raise RateTableError(f"保険料率表「{table.name}」の段階が1から連続していません（{gaps}がありません）。",
                             code="premium_rate_table_stage_gap")
    rule = to_rule_table(table, stages)  # the rules' own validation (RateTableError)
    _approve(actor, table, kind="保険料率表")
    return rule


def _approve(actor, row, *, kind: str) -> None:
    """Mark ``row`` (a locked draft table or plan) approved unless an approved row of the same
    model covers one of its fiscal years; the exclusion constraint catches a concurrent one."""
    model = type(row)
    years = Q(valid_to__isnull=True) | Q(valid_to__gte=row.valid_from)
    if row.valid_to is not None:
        years &= Q(valid_from__lte=row.valid_to)
    other = (model.objects.filter(years, status=RateTableStatus.APPROVED)
             .exclude(pk=row.pk).order_by("valid_from").first())
    if other is not None:
        raise RateTableError(
            f"{kind}「{row.name}」は承認済みの「{other.name}」と適用年度が重なっています"
            f"（{max(row.valid_from, other.valid_from)}年度）。",
            code="premium_rate_table_overlap",
        )
    row.status = RateTableStatus.APPROVED
    row.approved_by = actor
    row.approved_at = timezone.now()
    try:
        with transaction.atomic():  # savepoint: a concurrent approval trips the exclusion constraint
            row.save(update_fields=["status", "approved_by", "approved_at"])
    except IntegrityError as exc:
        if "_no_overlap" not in str(exc):
            raise
        raise RateTableError(f"{kind}「{row.name}」は承認済みの{kind}と適用年度が重なっています。",
                             code="premium_rate_table_overlap") from None


def _close(actor, model, row_id: int, last_year: int, *, kind: str):
    require_section_chief(actor)
    row = model.objects.select_for_update().filter(pk=row_id).first()
    if row is None:
        raise RateTableError(f"指定の{kind}がありません。", code="premium_rate_table_not_found")
    if row.status != RateTableStatus.APPROVED or row.valid_to is not None:
        raise InvalidState(f"{kind}「{row.name}」は適用終了年度のない承認済みの{kind}ではありません。")
    if last_year < row.valid_from:
        raise RateTableError(f"{kind}「{row.name}」の適用終了年度は{row.valid_from}年度以降にしてください。")
    row.valid_to = last_year
    row.save(update_fields=["valid_to"])
    return row


@_trailed("premium.table.close")
@transaction.atomic(durable=True)
def rate_table_close(*, actor, table_id: int, last_year: int) -> PremiumRateTable:
    """Give an approved open-ended table its last fiscal year (section chief only), so that a
    table for the following years can be approved. Nothing else of an approved table changes."""
    return _close(actor, PremiumRateTable, table_id, last_year, kind="保険料率表")


# --- collection plans (徴収計画) -------------------------------------------------------------------

PLAN_FIELDS = (
    "name", "valid_from", "valid_to",
    "billing_due_months", "billing_due_day", "billing_due_day_overrides", "billing_unit",
    "billing_provisional_periods", "pension_minimum_annual", "pension_excluded_kinds", "pension_listing_lead_months",
    "pension_final_unit", "pension_levelling_unit", "pension_payment_day",
)


def _plan_values(rule: CollectionPlan) -> dict:
    return {
        "billing_due_months": list(rule.billing.due_months), "billing_due_day": rule.billing.due_day,
        "billing_due_day_overrides": [list(p) for p in rule.billing.due_day_overrides],
        "billing_unit": rule.billing.unit, "billing_provisional_periods": rule.billing.provisional_periods,
        "pension_minimum_annual": rule.pension.minimum_annual_pension,
        "pension_excluded_kinds": sorted(str(k) for k in rule.pension.excluded_kinds),
        "pension_listing_lead_months": rule.pension.listing_lead_months,
        "pension_final_unit": rule.pension.final_unit, "pension_levelling_unit": rule.pension.levelling_unit,
        "pension_payment_day": rule.pension.payment_day,
    }


@_trailed("premium.plan.draft")
@transaction.atomic(durable=True)
def collection_plan_draft(
    *,
    actor,
    valid_from: int,
    valid_to: int | None,
    name: str,
    from_plan_id: int | None = None,
    data: CollectionPlan | None = None,
) -> PremiumCollectionPlan:
    """A new draft plan for ``valid_from..valid_to``: a copy of the stored plan ``from_plan_id``
    or of the pure plan ``data``."""
    _require_manage(actor)
    if (from_plan_id is None) == (data is None):
        raise RateTableError("複製元の徴収計画を1つ指定してください。")
    name = (name or "").strip()
    if not name:
        raise RateTableError("徴収計画の名称を入力してください。")
    _check_years(valid_from, valid_to)
    if from_plan_id is not None:
        source = PremiumCollectionPlan.objects.filter(pk=from_plan_id).first()
        if source is None:
            raise RateTableError("複製元の徴収計画がありません。", code="premium_rate_table_not_found")
        values = {f: getattr(source, f) for f in PLAN_FIELDS}
    else:
        values = _plan_values(data)
    values.update(name=name, valid_from=valid_from, valid_to=valid_to)
    return PremiumCollectionPlan.objects.create(
        **values, status=RateTableStatus.DRAFT, copied_from_id=from_plan_id, created_by=actor
    )


@_trailed("premium.plan.update")
@transaction.atomic(durable=True)
def collection_plan_update(*, actor, plan_id: int, **changes) -> PremiumCollectionPlan:
    """Change fields of a draft plan (PLAN_FIELDS); checked by the pure plan at once."""
    _require_manage(actor)
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"unknown collection plan fields: {sorted(unknown)}")
    plan = PremiumCollectionPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise RateTableError("指定の徴収計画がありません。", code="premium_rate_table_not_found")
    if plan.status != RateTableStatus.DRAFT:
        raise InvalidState(f"徴収計画「{plan.name}」は承認済みのため変更できません。")
    for field, value in changes.items():
        setattr(plan, field, value)
    if any(k not in PensionKind.values for k in plan.pension_excluded_kinds):
        raise RateTableError("特別徴収の対象外の年金の種類が不正です。")
    try:
        to_rule_plan(plan)
    except (TypeError, ValueError):
        raise RateTableError(f"徴収計画「{plan.name}」の設定が不正です。") from None
    plan.save(update_fields=list(changes))
    return plan


@_trailed("premium.plan.approve")
@transaction.atomic(durable=True)
def collection_plan_approve(*, actor, plan_id: int) -> CollectionPlan:
    """Approve a draft plan (section chief only): valid as the pure CollectionPlan and no
    approved plan covering one of its fiscal years."""
    require_section_chief(actor)
    plan = PremiumCollectionPlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise RateTableError("指定の徴収計画がありません。", code="premium_rate_table_not_found")
    if plan.status != RateTableStatus.DRAFT:
        raise InvalidState(f"徴収計画「{plan.name}」は承認済みです。")
    from premiums.trail import PremiumCollectionPlanEvent

    _require_not_editor(actor, plan, [(PremiumCollectionPlanEvent, {"pgh_obj_id": plan.pk})], kind="徴収計画")
    rule = to_rule_plan(plan)
    _approve(actor, plan, kind="徴収計画")
    return rule


@_trailed("premium.plan.close")
@transaction.atomic(durable=True)
def collection_plan_close(*, actor, plan_id: int, last_year: int) -> PremiumCollectionPlan:
    """Give an approved open-ended plan its last fiscal year (section chief only)."""
    return _close(actor, PremiumCollectionPlan, plan_id, last_year, kind="徴収計画")
