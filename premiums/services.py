"""Writes and reads of the rate tables by fiscal year (保険料率表). Each write is one
transaction with an explicit actor; errors are ApplicationErrors with a Japanese message.

Head office (premium.table.manage) drafts a table for new fiscal years, usually a copy of the
table in force, and edits it; the section chief approves it. Approval validates the table by
building the pure premiums.rules.tables.RateTable (the rules' own checks), checks the stages run
1..n and that no approved table covers the same fiscal year (the exclusion constraint
premiumratetable_no_overlap is the last line). ``rate_table_for`` is what the levy calls: the
approved rows of a fiscal year as the pure RateTable. See docs/subsystems/premium-rate-tables.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.models import RoleGrant
from kaigo.staff.roles import roles_with
from kaigo.staff.services import require_section_chief
from premiums.models import PremiumRateTable, PremiumStage, RateTableStatus
from premiums.rules.codes import RoundingMode, StageGroup
from premiums.rules.errors import RateTableError
from premiums.rules.tables import RateTable, Rounding, Stage

MANAGE = "premium.table.manage"

# Fields of PremiumRateTable a draft may change (rate_table_update).
TABLE_FIELDS = (
    "name", "valid_from", "valid_to", "base_amount",
    "annual_rounding_unit", "annual_rounding_mode", "proration_rounding_unit", "proration_rounding_mode",
    "public_assistance_stage", "old_age_welfare_pension_stage",
    "income_adjustment", "income_adjustment_taxed", "count_non_taxable_pension",
)
STAGE_FIELDS = ("group", "income_upper", "upper_inclusive", "multiplier", "reduced_multiplier", "label")


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


# --- conversion to the pure rules ---------------------------------------------------------------


def to_rule_table(table: PremiumRateTable, stages=None) -> RateTable:
    """The stored table as premiums.rules.tables.RateTable (validated by its own checks:
    RateTableError when malformed). ``stages``: the table's PremiumStage rows, if loaded."""
    rows = sorted(stages if stages is not None else table.stages.all(), key=lambda s: s.number)
    return RateTable(
        name=table.name,
        valid_from=table.valid_from,
        valid_to=table.valid_to,
        base_amount=table.base_amount,
        stages=tuple(
            Stage(
                number=s.number,
                group=StageGroup(s.group),
                income_upper=s.income_upper,
                upper_inclusive=s.upper_inclusive,
                multiplier=s.multiplier,
                reduced_multiplier=s.reduced_multiplier,
                label=s.label,
            )
            for s in rows
        ),
        annual_rounding=Rounding(table.annual_rounding_unit, RoundingMode(table.annual_rounding_mode)),
        proration_rounding=Rounding(table.proration_rounding_unit, RoundingMode(table.proration_rounding_mode)),
        public_assistance_stage=table.public_assistance_stage,
        old_age_welfare_pension_stage=table.old_age_welfare_pension_stage,
        income_adjustment=table.income_adjustment,
        income_adjustment_taxed=table.income_adjustment_taxed,
        count_non_taxable_pension=table.count_non_taxable_pension,
    )


def _covering(fiscal_year: int) -> Q:
    return Q(valid_from__lte=fiscal_year) & (Q(valid_to__isnull=True) | Q(valid_to__gte=fiscal_year))


def rate_table_for(fiscal_year: int) -> RateTable:
    """The approved rate table covering ``fiscal_year`` as the pure RateTable (what the levy
    calls). RateTableError (code premium_rate_table_missing) when no approved table covers it."""
    table = (
        PremiumRateTable.objects.filter(_covering(fiscal_year), status=RateTableStatus.APPROVED)
        .prefetch_related("stages").first()
    )
    if table is None:
        raise RateTableError(
            f"{fiscal_year}年度に適用する保険料率表がありません。", code="premium_rate_table_missing"
        )
    return to_rule_table(table)


def approved_rate_tables() -> list[RateTable]:
    """Every approved table as the pure RateTable, by first fiscal year."""
    return [
        to_rule_table(t)
        for t in PremiumRateTable.objects.filter(status=RateTableStatus.APPROVED)
        .order_by("valid_from").prefetch_related("stages")
    ]


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


@transaction.atomic
def rate_table_draft(
    actor,
    *,
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


@transaction.atomic
def rate_table_update(actor, table_id: int, **changes) -> PremiumRateTable:
    """Change settings of a draft (base amount, years, rounding, ...: TABLE_FIELDS)."""
    _require_manage(actor)
    unknown = set(changes) - set(TABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown rate table fields: {sorted(unknown)}")
    table = _draft_for_update(table_id)
    for field, value in changes.items():
        setattr(table, field, value)
    _check_years(table.valid_from, table.valid_to)
    if table.base_amount is None or table.base_amount <= 0:
        raise RateTableError("基準額は正の金額で入力してください。")
    for mode in (table.annual_rounding_mode, table.proration_rounding_mode):
        if mode not in RoundingMode.values:
            raise RateTableError("端数処理の方法が不正です。")
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


@transaction.atomic
def rate_table_set_stage(actor, table_id: int, number: int, values: StageValues) -> PremiumStage:
    """Add stage ``number`` to a draft, or replace it entirely."""
    _require_manage(actor)
    table = _draft_for_update(table_id)
    fields = {f: getattr(values, f) for f in STAGE_FIELDS}
    _check_stage(number, fields)
    stage, _ = PremiumStage.objects.update_or_create(table=table, number=number, defaults=fields)
    return stage


@transaction.atomic
def rate_table_update_stage(actor, table_id: int, number: int, **changes) -> PremiumStage:
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


@transaction.atomic
def rate_table_remove_stage(actor, table_id: int, number: int) -> None:
    """Remove stage ``number`` from a draft (the stages must run 1..n again before approval)."""
    _require_manage(actor)
    table = _draft_for_update(table_id)
    deleted, _ = PremiumStage.objects.filter(table=table, number=number).delete()
    if not deleted:
        raise RateTableError(f"保険料率表「{table.name}」に第{number}段階がありません。")


# --- approval -------------------------------------------------------------------------------------


def _overlap_message(table: PremiumRateTable, other: PremiumRateTable) -> str:
    return (f"保険料率表「{table.name}」は承認済みの「{other.name}」と適用年度が重なっています"
            f"（{max(table.valid_from, other.valid_from)}年度）。")


@transaction.atomic
def rate_table_approve(actor, table_id: int) -> RateTable:
    """Approve a draft (section chief only). Refused when the pure RateTable refuses it, the
    stages do not run 1..n, or an approved table covers one of its fiscal years. Returns the
    pure table now in force for those years."""
    require_section_chief(actor)
    table = _draft_for_update(table_id)
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
    years = Q(valid_to__isnull=True) | Q(valid_to__gte=table.valid_from)
    if table.valid_to is not None:
        years &= Q(valid_from__lte=table.valid_to)
    other = (PremiumRateTable.objects.filter(years, status=RateTableStatus.APPROVED)
             .exclude(pk=table.pk).order_by("valid_from").first())
    if other is not None:
        raise RateTableError(_overlap_message(table, other), code="premium_rate_table_overlap")
    table.status = RateTableStatus.APPROVED
    table.approved_by = actor
    table.approved_at = timezone.now()
    try:
        with transaction.atomic():  # savepoint: a concurrent approval trips the exclusion constraint
            table.save(update_fields=["status", "approved_by", "approved_at"])
    except IntegrityError as exc:
        if "premiumratetable_no_overlap" not in str(exc):
            raise
        raise RateTableError(f"保険料率表「{table.name}」は承認済みの保険料率表と適用年度が重なっています。",
                             code="premium_rate_table_overlap") from None
    return rule
