"""The income stage (所得段階) of a first-class insured person for a fiscal year (DOMAIN 2.3,
10.2), with the condition that decided it, for the levy record and the notice.

Pure: the facts and the rate table in, a StageDecision out. The thresholds, the groups and
the order of the bands come from the table (tables.RateTable); nothing here is a literal
amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from premiums.rules.codes import StageGroup, StageReason
from premiums.rules.errors import StageInputError
from premiums.rules.tables import RateTable, Stage, man_yen


@dataclass(frozen=True)
class StageInputs:
    """The facts that decide the stage, as of the 賦課期日 (4/1) or the day of gaining
    (DOMAIN 2.6). Amounts in yen, from the 住民税 data of the previous calendar year."""

    self_taxed: bool  # 本人 市町村民税 課税
    household_taxed: bool  # someone in the household (self included) 課税
    total_income: int  # 合計所得金額; may be negative (losses)
    taxable_pension_income: int  # 課税年金収入額 (老齢・退職年金の収入額)
    pension_misc_income: int = 0  # 公的年金等に係る雑所得 (included in total_income)
    salary_income: int = 0  # 給与所得 (included in total_income)
    special_deduction: int = 0  # 長期・短期譲渡所得に係る特別控除額
    non_taxable_pension_income: int = 0  # 遺族・障害年金: not counted unless the table says so
    public_assistance: bool = False  # 生活保護受給
    old_age_welfare_pension: bool = False  # 老齢福祉年金受給

    def __post_init__(self):
        if self.self_taxed and not self.household_taxed:
            raise StageInputError("本人が課税の場合、世帯も課税として指定してください。")
        for value, term in (
            (self.taxable_pension_income, "課税年金収入額"),
            (self.pension_misc_income, "公的年金等に係る雑所得"),
            (self.salary_income, "給与所得"),
            (self.special_deduction, "特別控除額"),
            (self.non_taxable_pension_income, "非課税年金収入額"),
        ):
            if value < 0:
                raise StageInputError(f"{term}に負の値は指定できません。")


@dataclass(frozen=True)
class StageDecision:
    stage: int
    label: str  # "第4段階"
    reason: StageReason
    message: str  # the sentence for the notice
    group: StageGroup | None  # None when 生活保護 decided it
    adjusted_income: int  # 合計所得金額 after the adjustments of the group (never negative)
    measure: int | None  # the amount compared with the thresholds (None: no band decided it)
    lower: int | None  # the band's bounds from the table (None = unbounded)
    upper: int | None


def adjusted_income(inputs: StageInputs, table: RateTable, group: StageGroup) -> int:
    """合計所得金額 as the stage decision uses it (DOMAIN 2.3 "income definitions"), never below 0.

    Exempt groups (stages 1-5 of the standard): minus 公的年金等に係る雑所得 (the pension is
    counted as 課税年金収入額 instead), minus the 特別控除額, minus up to
    ``table.income_adjustment`` of 給与所得. Taxed group: minus the 特別控除額 and, when
    ``table.income_adjustment_taxed``, up to ``table.income_adjustment`` of 給与所得 +
    公的年金等に係る雑所得.
    """
    if group == StageGroup.SELF_TAXED:
        adjustment = 0
        if table.income_adjustment_taxed:
            adjustment = min(
                inputs.salary_income + inputs.pension_misc_income, table.income_adjustment
            )
        value = inputs.total_income - inputs.special_deduction - adjustment
    else:
        adjustment = min(inputs.salary_income, table.income_adjustment)
        value = (
            inputs.total_income - inputs.pension_misc_income - inputs.special_deduction - adjustment
        )
    return max(0, value)


def income_measure(inputs: StageInputs, table: RateTable, group: StageGroup) -> int:
    """The amount compared with the group's thresholds."""
    income = adjusted_income(inputs, table, group)
    if group == StageGroup.SELF_TAXED:
        return income
    measure = inputs.taxable_pension_income + income
    if table.count_non_taxable_pension:
        measure += inputs.non_taxable_pension_income
    return measure


def group_of(inputs: StageInputs) -> StageGroup:
    if inputs.self_taxed:
        return StageGroup.SELF_TAXED
    if inputs.household_taxed:
        return StageGroup.SELF_EXEMPT
    return StageGroup.HOUSEHOLD_EXEMPT


def stage_of(inputs: StageInputs, table: RateTable) -> StageDecision:
    """The stage of ``inputs`` under ``table``, and why.

    Order (DOMAIN 10.2): 生活保護 -> ``table.public_assistance_stage``; a 非課税 household with
    老齢福祉年金 -> ``table.old_age_welfare_pension_stage``; otherwise the first band of the
    person's group whose upper bound the income measure does not pass.
    """
    group = group_of(inputs)
    income = adjusted_income(inputs, table, group)
    if inputs.public_assistance:
        stage = table.stage(table.public_assistance_stage)
        return StageDecision(
            stage=stage.number,
            label=stage.label,
            reason=StageReason.PUBLIC_ASSISTANCE,
            message=f"生活保護を受給しているため{stage.label}",
            group=None,
            adjusted_income=income,
            measure=None,
            lower=None,
            upper=None,
        )
    if group == StageGroup.HOUSEHOLD_EXEMPT and inputs.old_age_welfare_pension:
        stage = table.stage(table.old_age_welfare_pension_stage)
        return StageDecision(
            stage=stage.number,
            label=stage.label,
            reason=StageReason.OLD_AGE_WELFARE_PENSION,
            message=f"{_PREFIX[group]}、老齢福祉年金を受給しているため{stage.label}",
            group=group,
            adjusted_income=income,
            measure=None,
            lower=None,
            upper=None,
        )
    measure = income_measure(inputs, table, group)
    previous: Stage | None = None
    for band in table.bands(group):
        if band.income_upper is None or _below(measure, band):
            break
        previous = band
    lower = previous.income_upper if previous else None
    return StageDecision(
        stage=band.number,
        label=band.label,
        reason=_REASON[group],
        message=_band_message(table, group, previous, band),
        group=group,
        adjusted_income=income,
        measure=measure,
        lower=lower,
        upper=band.income_upper,
    )


def _below(measure: int, band: Stage) -> bool:
    return measure <= band.income_upper if band.upper_inclusive else measure < band.income_upper


_REASON = {
    StageGroup.HOUSEHOLD_EXEMPT: StageReason.HOUSEHOLD_EXEMPT,
    StageGroup.SELF_EXEMPT: StageReason.SELF_EXEMPT,
    StageGroup.SELF_TAXED: StageReason.SELF_TAXED,
}

_PREFIX = {
    StageGroup.HOUSEHOLD_EXEMPT: "世帯全員が非課税で",
    StageGroup.SELF_EXEMPT: "本人非課税・世帯課税で",
    StageGroup.SELF_TAXED: "本人課税で",
}


def _measure_text(table: RateTable, group: StageGroup) -> str:
    if group == StageGroup.SELF_TAXED:
        return "合計所得金額"
    if table.count_non_taxable_pension:
        return "合計所得金額、課税年金収入額及び非課税年金収入額の合計"
    return "合計所得金額と課税年金収入額の合計"


def _band_message(table: RateTable, group: StageGroup, previous: Stage | None, band: Stage) -> str:
    """The sentence of a band, built once per table object (a levy decides a million persons)."""
    key = ("message", group, band.number)
    found = table.derived.get(key)
    if found is None:
        found = table.derived[key] = _message(table, group, previous, band)
    return found


def _message(table: RateTable, group: StageGroup, previous: Stage | None, band: Stage) -> str:
    """ "本人非課税・世帯課税で、合計所得金額と課税年金収入額の合計が80.9万円以下のため第4段階"."""
    lower = None
    if previous is not None:
        amount = man_yen(previous.income_upper)
        # previous band "≤ X" -> this one "> X"; previous "< X" -> this one "≥ X"
        lower = f"{amount}を超え" if previous.upper_inclusive else f"{amount}以上"
    upper = None
    if band.income_upper is not None:
        amount = man_yen(band.income_upper)
        upper = f"{amount}以下" if band.upper_inclusive else f"{amount}未満"
    if lower is None and upper is None:
        return f"{_PREFIX[group]}あるため{band.label}"
    if upper is None:
        condition = f"{lower[:-1]}える" if lower.endswith("を超え") else lower
    else:
        condition = f"{lower or ''}{upper}"
    tail = "ため" if condition.endswith("える") else "のため"
    return f"{_PREFIX[group]}、{_measure_text(table, group)}が{condition}{tail}{band.label}"


def stage_sentence(stage: int, reason: str, inputs: StageInputs | None, table: RateTable) -> str:
    """Why a stored levy has its stage, for a notice or a screen: the decision's sentence rebuilt
    from the revision's tax facts when they still give that stage; otherwise (no facts, or a stage
    set otherwise, such as a 境界層措置) the stored reason's label with the stage."""
    if inputs is not None:
        decision = stage_of(inputs, table)
        if decision.stage == stage:
            return decision.message
    return f"{StageReason(reason).label}のため{table.stage(stage).label}"
