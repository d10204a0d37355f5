"""Reads of the premium tables: the approved rate table (保険料率表) and collection plan
(徴収計画) of a fiscal year as the pure objects of premiums.rules.tables, which the levy passes
to the rules. No personal data: no access log. See docs/subsystems/premium-rate-tables.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from kaigo.documents.wareki import wareki_fiscal_year
from kaigo.staff.models import Staff
from premiums.rates.models import PremiumCollectionPlan, PremiumRateTable, PremiumStage, RateTableStatus
from premiums.rules.amount import annual_amount
from premiums.rules.codes import PensionKind, RoundingMode, StageGroup
from premiums.rules.errors import RateTableError
from premiums.rules.tables import (
    BillingPlan,
    CollectionPlan,
    PensionDeductionPlan,
    RateTable,
    Rounding,
    Stage,
    man_yen,
    rate_text,
)


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
    return rate_table_row_for(fiscal_year)[1]


def rate_table_row_for(fiscal_year: int) -> tuple[int, RateTable]:
    """The id of the approved rate table covering ``fiscal_year`` (kept on each levy row) and the
    table as the pure RateTable."""
    table = (
        PremiumRateTable.objects.filter(_covering(fiscal_year), status=RateTableStatus.APPROVED)
        .prefetch_related("stages").first()
    )
    if table is None:
        raise RateTableError(
            f"{fiscal_year}年度に適用する保険料率表がありません。", code="premium_rate_table_missing"
        )
    return table.pk, to_rule_table(table)


def approved_rate_tables() -> list[RateTable]:
    """Every approved table as the pure RateTable, by first fiscal year."""
    return [
        to_rule_table(t)
        for t in PremiumRateTable.objects.filter(status=RateTableStatus.APPROVED)
        .order_by("valid_from").prefetch_related("stages")
    ]


def to_rule_plan(plan: PremiumCollectionPlan) -> CollectionPlan:
    """The stored plan as premiums.rules.tables.CollectionPlan (validated by its own checks)."""
    return CollectionPlan(
        name=plan.name,
        valid_from=plan.valid_from,
        valid_to=plan.valid_to,
        billing=BillingPlan(
            due_months=tuple(plan.billing_due_months),
            due_day=plan.billing_due_day,
            due_day_overrides=tuple((int(m), int(d)) for m, d in plan.billing_due_day_overrides),
            unit=plan.billing_unit,
            provisional_periods=plan.billing_provisional_periods,
        ),
        pension=PensionDeductionPlan(
            minimum_annual_pension=plan.pension_minimum_annual,
            excluded_kinds=frozenset(PensionKind(k) for k in plan.pension_excluded_kinds),
            listing_lead_months=plan.pension_listing_lead_months,
            final_unit=plan.pension_final_unit,
            levelling_unit=plan.pension_levelling_unit,
            payment_day=plan.pension_payment_day,
        ),
    )


def collection_plan_for(fiscal_year: int) -> CollectionPlan:
    """The approved collection plan covering ``fiscal_year`` as the pure CollectionPlan.
    RateTableError (code premium_rate_table_missing) when none covers it."""
    plan = PremiumCollectionPlan.objects.filter(_covering(fiscal_year), status=RateTableStatus.APPROVED).first()
    if plan is None:
        raise RateTableError(f"{fiscal_year}年度に適用する徴収計画がありません。",
                             code="premium_rate_table_missing")
    return to_rule_plan(plan)


def rate_table_list() -> list[PremiumRateTable]:
    """Every stored rate table, approved and draft, newest fiscal years first (for the screens)."""
    return list(PremiumRateTable.objects.select_related("created_by", "approved_by")
                .order_by("-valid_from", "-id"))


def collection_plan_list() -> list[PremiumCollectionPlan]:
    """Every stored collection plan, newest fiscal years first."""
    return list(PremiumCollectionPlan.objects.select_related("created_by", "approved_by")
                .order_by("-valid_from", "-id"))


# --- the screens (保険料率表の画面) ------------------------------------------------------------------
# No personal data: no access log. What a screen shows is prepared here: the years in 和暦 with
# 西暦, the income band of each stage in words, its annual amount by the rules (premiums.rules),
# the collection plan of the years, the change trail of the table and its stages.


def fiscal_years_text(valid_from: int, valid_to: int | None) -> str:
    """「令和9年度（2027年度）～令和11年度（2029年度）」, 「令和9年度（2027年度）から」 (open)."""
    first = f"{wareki_fiscal_year(valid_from)}（{valid_from}年度）"
    if valid_to is None:
        return f"{first}から"
    if valid_to == valid_from:
        return first
    return f"{first}～{wareki_fiscal_year(valid_to)}（{valid_to}年度）"


def band_text(previous: PremiumStage | None, stage: PremiumStage) -> str:
    """The income band of ``stage`` in its group in words: 「80.9万円以下」, 「80.9万円を超え120万円以下」,
    「420万円以上」; 「上限なし」 for a group's only band. ``previous``: the band below it."""
    lower = ""
    if previous is not None and previous.income_upper is not None:
        lower = f"{man_yen(previous.income_upper)}{'を超え' if previous.upper_inclusive else '以上'}"
    if stage.income_upper is None:
        if not lower:
            return "上限なし"
        return f"{lower[:-1]}える" if lower.endswith("を超え") else lower
    return f"{lower}{man_yen(stage.income_upper)}{'以下' if stage.upper_inclusive else '未満'}"


@dataclass(frozen=True)
class StageRow:
    number: int
    label: str
    group: str
    band: str
    multiplier: str  # 「0.455」 (premiums.rules.tables.rate_text)
    reduced_multiplier: str  # 「0.285」, or 「—」 without a reduced rate
    standard_amount: int | None  # 基準額 × 保険料率 (None while the draft is not a valid table)
    annual: int | None  # 年額保険料 (公費軽減後 where the stage has a reduced rate)


@dataclass(frozen=True)
class TrailRow:
    at: datetime
    staff: str  # the staff member's name, or 「システム」 (a migration, a batch)
    action: str  # 作成, 変更, 承認, ...
    what: str  # 保険料率表, 第4段階, ...


@dataclass(frozen=True)
class RateTableView:
    table: PremiumRateTable
    years: str
    stages: list[StageRow]
    problem: str  # why the draft cannot be approved as it is (the rules' message), or ""
    plan: PremiumCollectionPlan | None  # the approved plan of the table's first year
    plan_years: str
    billing_months: str  # 「7月、8月、…、4月（10期）」
    history: list[TrailRow]
    editors: frozenset[int]  # staff who drafted or changed it: they may not approve it (four eyes)


ACTIONS = {
    "premium.table.draft": "作成", "premium.table.edit": "変更", "premium.table.update": "変更",
    "premium.table.set.stage": "変更", "premium.table.update.stage": "変更", "premium.table.remove.stage": "変更",
    "premium.table.approve": "承認", "premium.table.close": "適用終了年度の設定",
}
EVENT_LABELS = {"insert": "追加", "update": "変更", "delete": "削除"}


def rate_table_view(table_id: int) -> RateTableView:
    """One table for the screen: its settings, stages with their bands and amounts, the
    collection plan of its years, its change trail. RateTableError (not found) when absent."""
    from premiums.trail import PremiumRateTableEvent, PremiumStageEvent  # the trail's models import this app's

    table = (PremiumRateTable.objects.select_related("created_by", "approved_by", "copied_from")
             .filter(pk=table_id).first())
    if table is None:
        raise RateTableError("指定の保険料率表がありません。", code="premium_rate_table_not_found")
    rows = list(table.stages.order_by("number"))
    problem, rule = "", None
    try:
        rule = to_rule_table(table, rows)
    except RateTableError as refused:
        problem = refused.message
    except (ValueError, TypeError):
        problem = "保険料率表の設定が不正です。"
    stages, previous = [], {}
    for row in rows:
        breakdown = annual_amount(row.number, rule) if rule is not None else None
        stages.append(StageRow(
            number=row.number, label=str(row), group=StageGroup(row.group).label,
            band=band_text(previous.get(row.group), row), multiplier=rate_text(row.multiplier),
            reduced_multiplier=rate_text(row.reduced_multiplier) if row.reduced_multiplier is not None else "—",
            standard_amount=breakdown.standard_amount if breakdown else None,
            annual=breakdown.annual if breakdown else None))
        previous[row.group] = row
    plan = (PremiumCollectionPlan.objects.filter(_covering(table.valid_from), status=RateTableStatus.APPROVED)
            .first())
    events = sorted(
        [(e.pgh_created_at, e.pgh_id, e.pgh_context or {}, e.pgh_label, "保険料率表")
         for e in PremiumRateTableEvent.objects.filter(pgh_obj_id=table.pk)]
        + [(e.pgh_created_at, e.pgh_id, e.pgh_context or {}, e.pgh_label, e.label or f"第{e.number}段階")
           for e in PremiumStageEvent.objects.filter(table_id=table.pk)
           # the stages a draft or the seeding wrote with the table are its 作成 row, not one row each
           if not (e.pgh_label == "insert" and (e.pgh_context or {}).get("function") in (None, "premium.table.draft"))],
        key=lambda e: (e[0], e[1]))
    names = dict(Staff.objects.filter(pk__in={c.get("staff_id") for _, _, c, _, _ in events if c.get("staff_id")})
                 .values_list("pk", "display_name"))
    history = [TrailRow(at=at, staff=names.get(context.get("staff_id"), "システム"),
                        action=ACTIONS.get(context.get("function", ""), EVENT_LABELS.get(label, label)),
                        what=what if what == "保険料率表" else f"{what}の{EVENT_LABELS.get(label, label)}")
               for at, _, context, label, what in events]
    editors = frozenset({table.created_by_id} - {None}) | frozenset(
        c["staff_id"] for _, _, c, _, _ in events
        if c.get("staff_id") and c.get("function") != "premium.table.approve")
    return RateTableView(
        table=table, years=fiscal_years_text(table.valid_from, table.valid_to), stages=stages, problem=problem,
        plan=plan, plan_years=fiscal_years_text(plan.valid_from, plan.valid_to) if plan else "",
        billing_months=(f"{'、'.join(f'{m}月' for m in plan.billing_due_months)}（{len(plan.billing_due_months)}期）"
                        if plan else ""),
        history=history, editors=editors)
