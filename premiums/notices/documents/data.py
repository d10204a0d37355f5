"""What the premium notices print: plain values prepared by premiums.notices (no models, no database).

The person is eligibility.documents.CardHolder and the insurer eligibility.documents.InsurerInfo,
the same value objects the cards use; neither has a field for My Number, so no notice can print it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kaigo.documents import CardHolder, InsurerInfo

PENSION = "pension"  # premiums.rules.codes.CollectionMethod values (kept as plain strings here)
BILLING = "billing"


@dataclass(frozen=True)
class NoticeMeta:
    """Issue facts of one notice: 発行日, the fiscal year, the year's 通知書番号 (Levy.notice_number;
    None for a reduction's notice when the year has no levy: then it is not printed);
    ``reprint`` prints 「再発行」; ``sample`` prints 「見本」: a preview, not an issued notice (a GET
    shows it and records nothing; premiums.notices.services.notice_issue records an issue)."""

    issued_on: date
    fiscal_year: int
    notice_number: int | None
    reprint: bool = False
    sample: bool = False


@dataclass(frozen=True)
class InstallmentLine:
    """One installment as printed: a bill (期別, 納期限) or a pension deduction (month, 支払日)."""

    method: str  # PENSION or BILLING
    month: date  # first day of the installment's month (pairs the rows of a change notice)
    label: str  # "第1期", "随時", "10月 本徴収" (premiums.rules.schedule.Installment.label)
    due_date: date  # 納期限, or the pension payment day
    amount: int


@dataclass(frozen=True)
class LevyStatement:
    """What one levy revision decided, with the sentences that explain it."""

    stage_label: str  # "第4段階"
    stage_message: str  # StageDecision.message: why this stage
    steps: tuple[str, ...]  # AmountBreakdown.steps and the 月割 lines
    annual_amount: int  # 年額保険料 (12 months)
    months: int  # 賦課月数
    first_month: date | None  # 賦課の開始月
    amount: int  # the year's premium
    method_label: str  # 特別徴収 / 普通徴収 / 特別徴収と普通徴収
    method_message: str  # CollectionDecision.message: why this method
    installments: tuple[InstallmentLine, ...]
    overpaid: int = 0  # 過納額 (Levy.overpaid)

    def of(self, method: str) -> tuple[InstallmentLine, ...]:
        return tuple(i for i in self.installments if i.method == method)


@dataclass(frozen=True)
class UnpaidInstallment:
    """An installment not (fully) paid by its 納期限: what a reminder or a demand letter names."""

    fiscal_year: int
    label: str  # "第3期"
    due_date: date  # the original 納期限
    unpaid: int  # 未納額
    fee: int = 0  # 督促手数料 (by 条例; 0 unless the city charges one)
    late_charge: int = 0  # 延滞金 if paid on the 指定期限 (0: none, or the city charges none)

    @property
    def total(self) -> int:
        return self.unpaid + self.fee + self.late_charge


@dataclass(frozen=True)
class PaymentSlip:
    """One 納付書 of a bill installment."""

    label: str  # 期別
    due_date: date  # 納期限
    amount: int  # the premium still open
    payment_number: str  # 納付番号, 16 digits (premiums.payment_feed.format.payment_number)
    late_charge: int = 0  # past its 納期限: the late charge if paid by ``pay_by``
    pay_by: date | None = None  # past its 納期限: the day this slip's amounts hold until (指定期限)

    @property
    def total(self) -> int:
        return self.amount + self.late_charge


# --- the notices (one value object each; render_notice / render_notices draw them) --------------


@dataclass(frozen=True)
class DecisionNotice:
    """保険料額決定通知書 (本算定)."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    levy: LevyStatement


@dataclass(frozen=True)
class ChangeNotice:
    """保険料額変更通知書 (更正): the revision before and after, and why it changed."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    before: LevyStatement
    after: LevyStatement
    causes: tuple[str, ...]  # Japanese reasons ("資格の異動", "課税情報の更正")


@dataclass(frozen=True)
class PaymentSlips:
    """納付書: one slip per bill installment, three to an A4 page."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    slips: tuple[PaymentSlip, ...]


@dataclass(frozen=True)
class PensionStartNotice:
    """特別徴収開始通知書: the pension months and amounts deducted, and by which 年金保険者."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    levy: LevyStatement
    pension_insurer: str  # 年金保険者 (premiums.pension_feed.format.INSURERS)
    pension_kind: str  # 年金の種類 ("老齢・退職年金")
    pension_from: date  # first pension month deducted


@dataclass(frozen=True)
class PensionStopNotice:
    """特別徴収中止通知書: a correction (更正) stops the pension deduction from ``stop_month``; the
    deductions that remain and the bills (普通徴収) that now collect the rest."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    pension_insurer: str | None  # 年金保険者 of the revision before (premiums.pension_feed.format.INSURERS)
    pension_kind: str | None  # 年金の種類 ("老齢・退職年金")
    stop_month: date  # first pension month no longer deducted (中止する月)
    reasons: tuple[str, ...]  # why: the correction's causes ("資格の異動", "特別徴収の不能（普通徴収へ切替）")
    method_label: str  # the collection method from now on (特別徴収 / 普通徴収 / 特別徴収と普通徴収)
    deductions: tuple[InstallmentLine, ...]  # the deductions that remain (PENSION), month order
    bills: tuple[InstallmentLine, ...]  # the bills of the new revision (BILLING), month order
    amount: int  # the year's premium after the correction
    overpaid: int = 0  # 過納額 of the new revision


@dataclass(frozen=True)
class ProvisionalNotice:
    """仮算定通知書 (April, 法 §140): the 仮徴収 of April, June and August at last February's amount,
    deducted from the pension until the 本算定 in July decides the year's premium."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    deductions: tuple[InstallmentLine, ...]  # the 仮徴収 (PENSION), month order
    pension_insurer: str | None  # 年金保険者 (premiums.pension_feed.format.INSURERS); None: not known
    pension_kind: str | None  # 年金の種類 ("老齢・退職年金")

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.deductions)


@dataclass(frozen=True)
class ProvisionalBillingNotice:
    """仮算定通知書 of the 普通徴収 仮算定 (premiums.rules.provisional: the city's 条例 under 法 §133):
    the bills of the 仮算定期 at last year's stage, until the 本算定 in July decides the year's premium."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    bills: tuple[InstallmentLine, ...]  # the 仮算定期' bills (BILLING), month order
    stage: int  # last year's stage, carried

    @property
    def total(self) -> int:
        return sum(i.amount for i in self.bills)


@dataclass(frozen=True)
class Reminder:
    """督促状 (地方自治法 §231の3): one unpaid installment and the new 指定期限."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    unpaid: UnpaidInstallment
    pay_by: date  # 指定期限


@dataclass(frozen=True)
class DemandLetter:
    """催告書: every unpaid installment of the year, the 指定期限 and what not paying leads to."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    unpaid: tuple[UnpaidInstallment, ...]
    pay_by: date


# --- the notices of a reduction's decision (減免・境界層措置・徴収猶予) ----------------------------


@dataclass(frozen=True)
class ReductionFacts:
    """The application and its decision, as every notice of a reduction names them."""

    kind_label: str  # 事由: ReductionKind label ("災害による減免", "境界層措置", "徴収猶予")
    applied_on: date  # 申請日
    decided_on: date  # 決定日
    first_month: date  # the months applied for / decided (first days of the months)
    last_month: date


@dataclass(frozen=True)
class DeferredBill:
    """A bill (普通徴収) whose 納期限 falls within a deferral: its own 納期限 and the one in force."""

    label: str  # 期別
    due_date: date  # its own 納期限
    new_due_date: date  # 猶予期限 (decision), or the 納期限 after the deferral was ended
    amount: int


@dataclass(frozen=True)
class ReductionNotice:
    """減免決定通知書: a reduction (the share remitted) or the 境界層措置 (the stage applied)."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    facts: ReductionFacts
    rate: Decimal | None = None  # share remitted, 1 = 全額免除
    stage: int | None = None  # 境界層: the stage applied
    own_stage: int | None = None  # 境界層: the stage of the year's levy (without the measure)


@dataclass(frozen=True)
class DeferralNotice:
    """徴収猶予決定通知書: the months, the 猶予期限 and the bills deferred."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    facts: ReductionFacts
    until: date  # 猶予期限 as decided
    bills: tuple[DeferredBill, ...]


@dataclass(frozen=True)
class DeferralEndNotice:
    """徴収猶予取消通知書: a deferral ended early, its new 猶予期限, the reason, the bills' 納期限 now."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    facts: ReductionFacts
    decided_until: date  # 猶予期限 as decided
    ended_on: date  # 取消日
    until: date  # the new 猶予期限
    reason: str
    bills: tuple[DeferredBill, ...]


@dataclass(frozen=True)
class RejectionNotice:
    """減免（徴収猶予）申請却下通知書: what was applied for and why it was rejected."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    facts: ReductionFacts
    reason: str
    deferral: bool = False  # the application was for a deferral (徴収猶予)
    borderline: bool = False  # the application was for the 境界層措置


@dataclass(frozen=True)
class ReceiptLine:
    fiscal_year: int
    label: str  # 期別
    premium: int
    late_charge: int


@dataclass(frozen=True)
class Receipt:
    """領収証書 of a counter payment: each installment's premium and late charge, the total."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    number: int  # 領収番号 (CounterReceipt id)
    paid_on: date
    amount: int
    lines: tuple[ReceiptLine, ...]


@dataclass(frozen=True)
class SettlementNotice:
    """還付通知書 (refund: to the account whose last digits are printed) or 充当通知書 (offset: to which
    installment) of a decision on an overpayment (過誤納金, DOMAIN 2.13)."""

    holder: CardHolder
    insurer: InsurerInfo
    meta: NoticeMeta
    refund: bool
    amount: int
    source_year: int  # the year overpaid
    decided_on: date
    reason: str
    account: str = ""  # refund: 金融機関・支店・種目・口座番号 (last digits only)
    target: str = ""  # offset: 「令和8年度 第3期」


Notice = (DecisionNotice | ProvisionalNotice | ProvisionalBillingNotice | ChangeNotice | PaymentSlips | PensionStartNotice | PensionStopNotice | Reminder | DemandLetter | ReductionNotice
          | DeferralNotice | DeferralEndNotice | RejectionNotice | Receipt | SettlementNotice)
