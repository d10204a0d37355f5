"""Premium tables stored in the database: the rate tables (保険料率表) and the collection plans
(徴収計画) by fiscal year, editable by head office and approved by the section chief. The pure
rules (premiums.rules) never read these models: premiums.services.rate_table_for and
collection_plan_for convert the approved rows into premiums.rules.tables.RateTable and
CollectionPlan. See docs/subsystems/premium-rate-tables.md.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, IntegerRangeField, RangeOperators
from django.db import models

from premiums.rules.codes import (
    CollectionMethod,
    CollectionReason,
    InstallmentKind,
    PensionKind,
    RoundingMode,
    StageGroup,
    StageReason,
)


class FiscalYearRange(models.Func):
    """int4range(valid_from, valid_to, '[]'): both fiscal years inclusive, NULL upper = open."""

    function = "int4range"
    template = "%(function)s(%(expressions)s, '[]')"
    output_field = IntegerRangeField()


class RateTableStatus(models.TextChoices):
    DRAFT = "draft", "作成中"
    APPROVED = "approved", "承認済"


def fiscal_year_version_constraints(prefix: str) -> list:
    """The constraints of a table in force for a range of fiscal years and approved by the section
    chief (rate tables, collection plans), named ``<prefix>_...``."""
    return [
        models.CheckConstraint(condition=models.Q(valid_to__isnull=True)
                               | models.Q(valid_to__gte=models.F("valid_from")),
                               name=f"{prefix}_years_order"),
        models.CheckConstraint(condition=models.Q(status=RateTableStatus.DRAFT)
                               | models.Q(approved_at__isnull=False),
                               name=f"{prefix}_approved_at"),
        # approved versions never cover the same fiscal year twice (btree_gist: eligibility 0003)
        ExclusionConstraint(
            name=f"{prefix}_no_overlap",
            expressions=[(FiscalYearRange("valid_from", "valid_to"), RangeOperators.OVERLAPS)],
            condition=models.Q(status=RateTableStatus.APPROVED),
        ),
    ]


class PremiumRateTable(models.Model):
    """保険料率表 of a range of fiscal years (年度, both ends inclusive; ``valid_to`` NULL = open).

    A draft is edited by head office; the section chief approves it after the pure RateTable's
    own validation. Approved tables never overlap in fiscal years (exclusion constraint) and are
    not edited any more: a change is a new table for the next fiscal year.
    """

    name = models.CharField("名称", max_length=100)
    valid_from = models.PositiveSmallIntegerField("適用開始年度")
    valid_to = models.PositiveSmallIntegerField("適用終了年度", null=True, blank=True)
    base_amount = models.PositiveIntegerField("基準額（年額）")
    annual_rounding_unit = models.PositiveIntegerField("年額の端数処理単位", default=1)
    annual_rounding_mode = models.CharField("年額の端数処理方法", max_length=8, choices=RoundingMode.choices,
                                            default=RoundingMode.DOWN)
    proration_rounding_unit = models.PositiveIntegerField("月割額の端数処理単位", default=1)
    proration_rounding_mode = models.CharField("月割額の端数処理方法", max_length=8, choices=RoundingMode.choices,
                                               default=RoundingMode.DOWN)
    public_assistance_stage = models.PositiveSmallIntegerField("生活保護受給者の段階", default=1)
    old_age_welfare_pension_stage = models.PositiveSmallIntegerField("老齢福祉年金受給者の段階", default=1)
    income_adjustment = models.PositiveIntegerField("所得調整額", default=100_000)
    income_adjustment_taxed = models.BooleanField("本人課税の段階にも所得調整を適用", default=True)
    count_non_taxable_pension = models.BooleanField("非課税年金を算入", default=False)
    status = models.CharField("状態", max_length=8, choices=RateTableStatus.choices, default=RateTableStatus.DRAFT)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    approved_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "保険料率表"
        constraints = [
            *fiscal_year_version_constraints("premiumratetable"),
            models.CheckConstraint(condition=models.Q(base_amount__gt=0), name="premiumratetable_base_positive"),
            models.CheckConstraint(condition=models.Q(annual_rounding_unit__gte=1)
                                   & models.Q(proration_rounding_unit__gte=1),
                                   name="premiumratetable_rounding_unit"),
        ]

    def __str__(self) -> str:
        return self.name


class PremiumStage(models.Model):
    """One income stage (所得段階) of a rate table: premiums.rules.tables.Stage as a row."""

    table = models.ForeignKey(PremiumRateTable, on_delete=models.CASCADE, related_name="stages")
    number = models.PositiveSmallIntegerField("段階")
    group = models.CharField("区分", max_length=20, choices=StageGroup.choices)
    income_upper = models.BigIntegerField("所得の上限", null=True, blank=True)
    upper_inclusive = models.BooleanField("上限を含む（以下）")
    multiplier = models.DecimalField("保険料率", max_digits=6, decimal_places=4)
    reduced_multiplier = models.DecimalField("軽減後の保険料率", max_digits=6, decimal_places=4,
                                             null=True, blank=True)
    label = models.CharField("表示名", max_length=40, blank=True, default="")

    class Meta:
        verbose_name = "保険料段階"
        ordering = ["table", "number"]
        constraints = [
            models.UniqueConstraint(fields=["table", "number"], name="premiumstage_number_once"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="premiumstage_number_positive"),
            models.CheckConstraint(condition=models.Q(multiplier__gt=0), name="premiumstage_multiplier_positive"),
            models.CheckConstraint(condition=models.Q(reduced_multiplier__isnull=True)
                                   | (models.Q(reduced_multiplier__gt=0)
                                      & models.Q(reduced_multiplier__lte=models.F("multiplier"))),
                                   name="premiumstage_reduced_multiplier"),
            models.CheckConstraint(condition=models.Q(income_upper__isnull=True) | models.Q(income_upper__gte=0),
                                   name="premiumstage_upper_positive"),
        ]

    def __str__(self) -> str:
        return self.label or f"第{self.number}段階"


class PremiumCollectionPlan(models.Model):
    """徴収計画 of a range of fiscal years: premiums.rules.tables.CollectionPlan as a row (the
    普通徴収 installments and the 特別徴収 parameters). Drafted, approved and never overlapping
    like PremiumRateTable."""

    name = models.CharField("名称", max_length=100)
    valid_from = models.PositiveSmallIntegerField("適用開始年度")
    valid_to = models.PositiveSmallIntegerField("適用終了年度", null=True, blank=True)
    # 普通徴収 (BillingPlan)
    billing_due_months = ArrayField(models.PositiveSmallIntegerField(), verbose_name="普通徴収の納期の月")
    billing_due_day = models.PositiveSmallIntegerField("納期限の日（空欄は月末）", null=True, blank=True)
    billing_due_day_overrides = models.JSONField("月ごとの納期限の日", default=list, blank=True)  # [[12, 25]]
    billing_unit = models.PositiveIntegerField("各期の端数単位", default=100)
    # 特別徴収 (PensionDeductionPlan)
    pension_minimum_annual = models.PositiveIntegerField("特別徴収の対象となる年金額の下限（年額）")
    pension_excluded_kinds = ArrayField(models.CharField(max_length=20, choices=PensionKind.choices),
                                        verbose_name="特別徴収の対象外の年金", default=list, blank=True)
    pension_listing_lead_months = models.PositiveSmallIntegerField("対象者情報から特別徴収開始までの月数")
    pension_final_unit = models.PositiveIntegerField("本徴収の端数単位", default=100)
    pension_levelling_unit = models.PositiveIntegerField("平準化の端数単位", default=100)
    pension_payment_day = models.PositiveSmallIntegerField("年金支払日", default=15)
    status = models.CharField("状態", max_length=8, choices=RateTableStatus.choices, default=RateTableStatus.DRAFT)
    copied_from = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    approved_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "徴収計画"
        constraints = [
            *fiscal_year_version_constraints("premiumcollectionplan"),
        ]

    def __str__(self) -> str:
        return self.name


# --- inbound files of the premiums (tax, pension, payments) -----------------------------------


class InboundKind(models.TextChoices):
    TAX = "tax", "住民税課税情報"
    PENSION = "pension", "特別徴収（年金保険者）"
    PAYMENT = "payment", "収納データ"


class InboundFile(models.Model):
    """A received file of one of the premium exchanges. The same bytes again are refused by
    ``sha256``; each line's rejection is an InboundLineError (line number, code, Japanese
    reason: never a value of the line)."""

    kind = models.CharField("種類", max_length=16, choices=InboundKind.choices)
    sha256 = models.CharField("ハッシュ値", max_length=64, unique=True)
    file_name = models.CharField("ファイル名", max_length=200)
    fiscal_year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    month = models.DateField("対象年月", null=True, blank=True)  # first day of the month
    notice = models.CharField("通知内容", max_length=4, blank=True, default="")
    received_at = models.DateTimeField("受信日時", auto_now_add=True)
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    total_lines = models.PositiveIntegerField("行数", default=0)
    applied = models.PositiveIntegerField("反映件数", default=0)
    rejected = models.PositiveIntegerField("エラー件数", default=0)
    duplicates = models.PositiveIntegerField("受信済の件数", default=0)

    class Meta:
        verbose_name = "連携ファイル（保険料）"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class InboundLineError(models.Model):
    file = models.ForeignKey(InboundFile, on_delete=models.CASCADE, related_name="line_errors")
    line_no = models.PositiveIntegerField("行番号")
    code = models.CharField("エラーコード", max_length=40)
    message = models.CharField("内容", max_length=300)

    class Meta:
        verbose_name = "連携ファイルのエラー行"
        ordering = ["file", "line_no"]
        constraints = [models.UniqueConstraint(fields=["file", "line_no"], name="inboundlineerror_once")]


# --- the facts the levy is computed from -------------------------------------------------------


class TaxFact(models.Model):
    """住民税課税情報 of one person for one fiscal year (賦課期日 4/1), as the municipal tax system
    sent it. A correction (更正) closes the current row (``recorded_to``) and adds a new one:
    the levy keeps the id of the row it used, so every stage can be traced to its facts."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    serial = models.CharField("連番", max_length=12, unique=True)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    correction = models.BooleanField("更正", default=False)
    household_no = models.BigIntegerField("世帯番号")
    head = models.BooleanField("世帯主", default=False)
    self_taxed = models.BooleanField("本人課税")
    household_taxed = models.BooleanField("世帯課税")
    total_income = models.BigIntegerField("合計所得金額")
    pension_misc_income = models.BigIntegerField("公的年金等に係る雑所得", default=0)
    taxable_pension_income = models.BigIntegerField("課税年金収入額", default=0)
    salary_income = models.BigIntegerField("給与所得", default=0)
    special_deduction = models.BigIntegerField("特別控除額", default=0)
    non_taxable_pension_income = models.BigIntegerField("非課税年金収入額", default=0)
    public_assistance = models.BooleanField("生活保護", default=False)
    old_age_welfare_pension = models.BooleanField("老齢福祉年金", default=False)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "課税情報"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="taxfact_current_once"),
            models.CheckConstraint(condition=models.Q(household_taxed=True) | models.Q(self_taxed=False),
                                   name="taxfact_taxed_in_taxed_household"),
            models.CheckConstraint(condition=models.Q(pension_misc_income__gte=0) & models.Q(taxable_pension_income__gte=0)
                                   & models.Q(salary_income__gte=0) & models.Q(special_deduction__gte=0)
                                   & models.Q(non_taxable_pension_income__gte=0),
                                   name="taxfact_amounts_not_negative"),
        ]


class PensionFact(models.Model):
    """The pension a 年金保険者 listed for 特別徴収 (特別徴収対象者情報 / 追加候補者情報) for a fiscal
    year, matched to the person. One current row per person and year (the first listing; a
    later listing of another pension is reported, not applied)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    serial = models.CharField("連番", max_length=12, unique=True)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    listed_in = models.DateField("対象者情報の年月")  # first day of the month
    insurer_code = models.CharField("特別徴収義務者コード", max_length=3)
    pension_kind = models.CharField("年金種別", max_length=20, choices=PensionKind.choices)
    annual_amount = models.PositiveIntegerField("年金額（年額）")
    withholdable = models.BooleanField("特別徴収可", default=True)
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)

    class Meta:
        verbose_name = "特別徴収対象者情報"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="pensionfact_current_once"),
        ]


# --- the levy (賦課) ---------------------------------------------------------------------------


class LevySource(models.TextChoices):
    PROVISIONAL = "provisional", "仮算定"
    MAIN = "main", "本算定"
    RELEVY = "relevy", "異動による更正"
    CORRECTION = "correction", "更正（職員）"


class Levy(models.Model):
    """One revision of a person's premium for a fiscal year: the stage with the facts that decided
    it, the amount with its months, the collection method and (in LevyInstallment) the schedule.

    Revisions never change: a correction closes the current row (``recorded_to``) and adds the
    next revision, so what the office had decided at any time can be shown and explained.
    One current revision per person and year (unique constraint). ``notice_number`` (通知書番号)
    stays the same across a year's revisions and is part of every bill's 納付番号."""

    # fewer single-column indexes (a levy writes a million rows: each index costs): levy_history and
    # levy_current_once lead with the resident; rate tables, staff and batch runs are never deleted
    # (PROTECT) nor searched by. Tax and pension facts keep theirs: deleting a person's facts after
    # the retention period checks the levies that name them.
    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+", db_index=False)
    fiscal_year = models.PositiveSmallIntegerField("年度")
    revision = models.PositiveSmallIntegerField("版")
    notice_number = models.PositiveIntegerField("通知書番号")
    source = models.CharField("賦課の種類", max_length=12, choices=LevySource.choices)
    cause = models.CharField("更正の理由", max_length=200, blank=True, default="")
    recorded_from = models.DateTimeField("記録日時")
    recorded_to = models.DateTimeField("取消日時", null=True, blank=True)
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    db_index=False)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  db_index=False)
    # the stage and what decided it
    rate_table = models.ForeignKey(PremiumRateTable, on_delete=models.PROTECT, related_name="+", db_index=False)
    tax_fact = models.ForeignKey(TaxFact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    stage = models.PositiveSmallIntegerField("所得段階")
    stage_reason = models.CharField("段階の判定理由", max_length=24, choices=StageReason.choices)
    adjusted_income = models.BigIntegerField("判定に用いた合計所得金額")
    measure = models.BigIntegerField("判定に用いた所得額")
    # the amount
    annual_amount = models.PositiveIntegerField("年額保険料（12か月）")
    reduction = models.PositiveIntegerField("公費による軽減額", default=0)
    first_month = models.DateField("賦課の開始月", null=True, blank=True)
    months = models.PositiveSmallIntegerField("賦課月数")
    amount = models.PositiveIntegerField("保険料額")
    exemption = models.PositiveIntegerField("減免額", default=0)
    # collection
    pension_fact = models.ForeignKey(PensionFact, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    collection_method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    collection_reason = models.CharField("徴収方法の理由", max_length=20, choices=CollectionReason.choices)
    pension_from = models.DateField("特別徴収の開始月", null=True, blank=True)
    provisional_amount = models.PositiveIntegerField("仮徴収額", null=True, blank=True)
    overpaid = models.PositiveIntegerField("過納額", default=0)
    february_deduction = models.PositiveIntegerField("2月の特別徴収額", default=0)

    class Meta:
        verbose_name = "賦課"
        indexes = [
            models.Index(fields=["resident", "fiscal_year", "revision"], name="levy_history"),
            models.Index(fields=["fiscal_year", "notice_number"], name="levy_notice_number",
                         condition=models.Q(recorded_to__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(recorded_to__isnull=True),
                                    name="levy_current_once"),
            models.UniqueConstraint(fields=["resident", "fiscal_year", "revision"], name="levy_revision_once"),
            models.CheckConstraint(condition=models.Q(months__lte=12), name="levy_months"),
            models.CheckConstraint(condition=models.Q(recorded_to__isnull=True)
                                   | models.Q(recorded_to__gte=models.F("recorded_from")),
                                   name="levy_recorded_order"),
        ]


class LevyInstallment(models.Model):
    """One installment of a levy revision: a bill (普通徴収 期 or 随時) or a pension deduction
    (特別徴収 仮徴収 / 本徴収). A revision's installments are written with it and never change."""

    # indexed by levyinstallment_once (levy, method, month)
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="installments", db_index=False)
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    kind = models.CharField("区分", max_length=12, choices=InstallmentKind.choices)
    number = models.PositiveSmallIntegerField("期別")
    month = models.DateField("対象月")  # first day of the installment's month
    due_date = models.DateField("納期限・支払日")
    amount = models.PositiveIntegerField("金額")

    class Meta:
        verbose_name = "納期（賦課）"
        constraints = [
            models.UniqueConstraint(fields=["levy", "method", "month"], name="levyinstallment_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="levyinstallment_positive"),
        ]


class LevyPendingCause(models.TextChoices):
    QUALIFICATION = "qualification", "資格の異動"
    TAX = "tax", "課税情報の更正"
    REDUCTION = "reduction", "減免の決定"
    STAFF = "staff", "職員による再計算"
    PENSION = "pension", "特別徴収の不能（普通徴収へ切替）"


class LevyPending(models.Model):
    """A person's year to be levied again (更正): written by the consumers of qualification events,
    by the tax intake's corrections and by reduction decisions, consumed by the re-levy batch
    (``premiums.relevy``). One open row per person and year: a later cause widens ``since`` to
    the earliest day and adds its cause."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    since = models.DateField("異動の効力発生日")
    causes = ArrayField(models.CharField(max_length=16, choices=LevyPendingCause.choices), verbose_name="理由")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    processed_at = models.DateTimeField("処理日時", null=True, blank=True)
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "再賦課の対象"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year"], condition=models.Q(processed_at__isnull=True),
                                    name="levypending_open_once"),
        ]


class NoticeKind(models.TextChoices):
    DECISION = "decision", "保険料額決定通知書"
    PROVISIONAL = "provisional", "仮算定通知書"  # April: the 仮徴収 of a 仮算定 revision (LevySource.PROVISIONAL)
    CHANGE = "change", "保険料額変更通知書"
    PAYMENT_SLIP = "payment_slip", "納付書"
    PENSION_START = "pension_start", "特別徴収開始通知書"
    PENSION_STOP = "pension_stop", "特別徴収中止通知書"  # a correction that stops deductions the revision before made
    REMINDER = "reminder", "督促状"
    DEMAND = "demand", "催告書"
    # the notices of a reduction's decision (PremiumNotice.reduction names it)
    REDUCTION = "reduction", "減免決定通知書"
    DEFERRAL = "deferral", "徴収猶予決定通知書"
    DEFERRAL_END = "deferral_end", "徴収猶予取消通知書"
    REDUCTION_REJECTION = "reduction_reject", "減免（徴収猶予）申請却下通知書"


class PremiumNotice(models.Model):
    """A notice printed for a person (one row per print, a reprint marked as such): what the
    premium tab lists as 'notices sent'. The PDF itself is not stored: it is drawn again from
    the levy revision it names, or for the notices of a reduction's decision from the reduction
    (``reduction``; ``levy`` is then the year's revision whose 通知書番号 it printed, if any)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=16, choices=NoticeKind.choices)
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    installment_month = models.DateField("対象の納期の月", null=True, blank=True)  # reminders, demand letters
    reduction = models.ForeignKey("Reduction", on_delete=models.PROTECT, null=True, blank=True, related_name="notices",
                                  verbose_name="減免・徴収猶予")
    issued_on = models.DateField("発行日")
    reprint = models.BooleanField("再発行", default=False)
    issued_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "保険料の通知"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="premiumnotice_person")]


# --- payments (収納), refunds (還付) and offsets (充当) ------------------------------------------------


class PaymentChannel(models.TextChoices):
    COUNTER = "counter", "窓口"
    BANK = "bank", "金融機関窓口"
    TRANSFER = "transfer", "口座振替"
    CONVENIENCE = "convenience", "コンビニエンスストア"
    PENSION = "pension", "特別徴収（年金天引き）"
    OFFSET = "offset", "充当"


class Payment(models.Model):
    """Money received for a person's premium of a fiscal year, applied to one installment (the
    bill's 期 or the pension month: ``method`` and ``month``). Installments change with every levy
    revision; payments do not: the balance of an installment is what the current revision asks for
    that method and month minus the payments of that method and month. Rows are never changed:
    a correction is a negative payment of the same installment."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    channel = models.CharField("収納方法", max_length=12, choices=PaymentChannel.choices)
    amount = models.IntegerField("金額")
    paid_on = models.DateField("納付日")
    booked_on = models.DateField("収納日")
    payment_number = models.CharField("納付番号", max_length=16, blank=True, default="")
    agent_code = models.CharField("収納機関コード", max_length=5, blank=True, default="")
    serial = models.CharField("受付番号", max_length=20, blank=True, default="")
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    note = models.CharField("備考", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "収納"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="payment_person_year")]
        constraints = [
            # one collecting agent's receipt is counted once, whatever file brings it again
            models.UniqueConstraint(fields=["agent_code", "serial"], condition=~models.Q(serial=""),
                                    name="payment_receipt_once"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="payment_not_zero"),
        ]


class DeductionStop(models.Model):
    """A pension deduction the 年金保険者 reported as not made (特別徴収結果通知: 未徴収): from this
    month on the year's deductions stop, and the re-levy bills what they would have collected
    (普通徴収への切替). Written by the results intake, with the person's year queued for the
    re-levy (cause ``pension``)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.DateField("特別徴収されなかった月")
    result = models.CharField("処理結果", max_length=12)  # premiums.pension_feed.format.DeductionResult
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "特別徴収の不能"
        constraints = [models.UniqueConstraint(fields=["resident", "fiscal_year", "month"],
                                               name="deduction_stop_once")]


class PreliminaryPayment(models.Model):
    """A convenience-store 速報 (preliminary report of a payment): the store took the money, the
    confirmed record (確報) with the money itself follows some days later and only that becomes a
    Payment. Until then the installment is "paid, awaiting 確報": no reminder is issued for it and
    the premium tab says so. Confirmed when a 確報 of the same 納付番号, amount, 納付日 and
    collecting agent arrives."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    month = models.DateField("納期の月")
    amount = models.IntegerField("金額")
    paid_on = models.DateField("納付日")
    payment_number = models.CharField("納付番号", max_length=16)
    agent_code = models.CharField("収納機関コード", max_length=5)
    serial = models.CharField("受付番号", max_length=20)
    file = models.ForeignKey(InboundFile, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    confirmed_by = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name="確報")

    class Meta:
        verbose_name = "コンビニ速報"
        indexes = [models.Index(fields=["resident", "fiscal_year", "month"], name="preliminary_installment"),
                   models.Index(fields=["payment_number"], name="preliminary_number",
                                condition=models.Q(confirmed_by__isnull=True))]
        constraints = [models.UniqueConstraint(fields=["agent_code", "serial"], name="preliminary_receipt_once")]


class SettlementKind(models.TextChoices):
    REFUND = "refund", "還付"
    OFFSET = "offset", "充当"


class Settlement(models.Model):
    """A decision on an overpayment (過誤納金) of a fiscal year: refunded to the payer (還付) or
    applied to another open installment of the same person (充当; the Payment it creates is
    ``offset_payment``). Who decided and when is kept; decisions are never edited."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("過納の年度")
    kind = models.CharField("種類", max_length=8, choices=SettlementKind.choices)
    amount = models.PositiveIntegerField("金額")
    offset_payment = models.OneToOneField(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField("理由", max_length=200, blank=True, default="")
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("決定日時", auto_now_add=True)

    class Meta:
        verbose_name = "還付・充当"
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="settlement_positive"),
            models.CheckConstraint(condition=models.Q(kind="refund", offset_payment__isnull=True)
                                   | models.Q(kind="offset", offset_payment__isnull=False),
                                   name="settlement_offset_payment"),
        ]


class WriteOff(models.Model):
    """不納欠損: the unpaid part of an installment whose right of collection lapsed by prescription
    (時効, 法 §200) on ``prescribed_on``; it leaves the balance and starts the benefit reduction
    (給付額減額, DOMAIN 4.7) of the person. Written by the prescription batch, once per installment."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    method = models.CharField("徴収方法", max_length=8, choices=CollectionMethod.choices)
    month = models.DateField("納期の月")
    amount = models.PositiveIntegerField("欠損額")
    prescribed_on = models.DateField("時効完成の翌日")
    batch_run = models.ForeignKey("batches.BatchRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)

    class Meta:
        verbose_name = "不納欠損"
        constraints = [
            models.UniqueConstraint(fields=["resident", "fiscal_year", "method", "month"], name="writeoff_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="writeoff_positive"),
        ]


class ReductionKind(models.TextChoices):
    """減免の事由 (条例; DOMAIN 2.10) and the 境界層措置."""

    DISASTER = "disaster", "災害による減免"
    INCOME_LOSS = "income_loss", "収入の著しい減少による減免"
    BREADWINNER = "breadwinner", "生計維持者の死亡・障害・長期入院による減免"
    DETENTION = "detention", "刑事施設等への拘禁による免除"
    BORDERLINE = "borderline", "境界層措置"
    DEFERRAL = "deferral", "徴収猶予"


class ReductionStatus(models.TextChoices):
    APPLIED = "applied", "申請中"
    APPROVED = "approved", "承認"
    REJECTED = "rejected", "却下"


class Evidence(models.TextChoices):
    """添付書類 (codes only: the documents themselves are paper in the file)."""

    DISASTER_CERTIFICATE = "disaster_certificate", "罹災証明書"
    INCOME_PROOF = "income_proof", "収入の減少を証する書類"
    DEATH_OR_HOSPITAL = "death_or_hospital", "死亡・入院等を証する書類"
    DETENTION_CERTIFICATE = "detention_certificate", "在監（拘禁）証明書"
    BORDERLINE_CERTIFICATE = "borderline_certificate", "境界層該当証明書"


class Reduction(models.Model):
    """An application for a reduction (減免), the 境界層措置 or a deferral (徴収猶予) of a fiscal
    year and its decision.

    Taken at the counter (申請), decided by the section chief (承認: the months and the share
    remitted, or the stage applied; 却下 with its reason). An approval puts the year on the
    re-levy queue; the levy applies approved reductions month by month. An approved deferral
    changes no amount: it records the 猶予期限 to which the bills due within its months move
    (premiums.rules.deferral)."""

    resident = models.ForeignKey("eligibility.Resident", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("事由", max_length=16, choices=ReductionKind.choices)
    status = models.CharField("状態", max_length=10, choices=ReductionStatus.choices, default=ReductionStatus.APPLIED)
    applied_on = models.DateField("申請日")
    evidence = ArrayField(models.CharField(max_length=24, choices=Evidence.choices), verbose_name="添付書類",
                          default=list, blank=True)
    first_month = models.DateField("適用開始月")
    last_month = models.DateField("適用終了月")
    rate = models.DecimalField("減免の割合", max_digits=4, decimal_places=3, null=True, blank=True)
    stage = models.PositiveSmallIntegerField("適用する段階（境界層）", null=True, blank=True)
    deferred_until = models.DateField("猶予期限（徴収猶予）", null=True, blank=True)
    ended_at = models.DateTimeField("徴収猶予の取消日時", null=True, blank=True)
    ended_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="徴収猶予を取り消した職員")
    end_reason = models.CharField("徴収猶予の取消の理由", max_length=200, blank=True, default="")
    received_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField("受付日時", auto_now_add=True)
    decided_by = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)
    rejection_reason = models.CharField("却下の理由", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "減免"
        indexes = [models.Index(fields=["resident", "fiscal_year"], name="reduction_person_year")]
        constraints = [
            models.CheckConstraint(condition=models.Q(last_month__gte=models.F("first_month")),
                                   name="reduction_months_order"),
            models.CheckConstraint(condition=models.Q(status="applied")
                                   | (models.Q(decided_by__isnull=False) & models.Q(decided_at__isnull=False)),
                                   name="reduction_decided_by"),
            models.CheckConstraint(condition=~models.Q(status="approved") | models.Q(stage__isnull=False)
                                   | (models.Q(rate__gt=0) & models.Q(rate__lte=1))
                                   | (models.Q(kind="deferral") & models.Q(deferred_until__isnull=False)),
                                   name="reduction_grant"),
        ]


# The change trail of these tables: premiums/trail.py (without the trail's apps installed: audit.W001).
from django.apps import apps as _apps  # noqa: E402

if _apps.is_installed("pghistory") and _apps.is_installed("pgtrigger"):
    from premiums import trail  # noqa: E402, F401
