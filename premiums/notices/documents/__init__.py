"""Printed premium notices (DOMAIN 2.6-2.13, 12): 保険料額決定通知書, 仮算定通知書, 保険料額変更通知書, 納付書,
特別徴収開始通知書, 特別徴収中止通知書, 督促状, 催告書; and the notices of a reduction's decision: 減免決定通知書, 徴収猶予
決定通知書, 徴収猶予取消通知書, 減免（徴収猶予）申請却下通知書.

Pure rendering on the layout machinery of eligibility.documents: premiums.notices gathers the
values, these functions return PDF bytes. See docs/subsystems/premium-notices.md.
"""

from .data import (
    ChangeNotice,
    DecisionNotice,
    DeferralEndNotice,
    DeferralNotice,
    DeferredBill,
    DemandLetter,
    InstallmentLine,
    LevyStatement,
    Notice,
    NoticeMeta,
    PaymentSlip,
    PaymentSlips,
    PensionStartNotice,
    PensionStopNotice,
    ProvisionalBillingNotice,
    ProvisionalNotice,
    Receipt,
    ReceiptLine,
    ReductionFacts,
    ReductionNotice,
    RejectionNotice,
    Reminder,
    SettlementNotice,
    UnpaidInstallment,
)
from .render import TITLES, render_notice, render_notices

__all__ = [
    "TITLES",
    "ChangeNotice",
    "DecisionNotice",
    "DeferralEndNotice",
    "DeferralNotice",
    "DeferredBill",
    "DemandLetter",
    "InstallmentLine",
    "LevyStatement",
    "Notice",
    "NoticeMeta",
    "PaymentSlip",
    "PaymentSlips",
    "PensionStartNotice",
    "PensionStopNotice",
    "ProvisionalBillingNotice",
    "ProvisionalNotice",
    "Receipt",
    "ReceiptLine",
    "ReductionFacts",
    "ReductionNotice",
    "RejectionNotice",
    "Reminder",
    "SettlementNotice",
    "UnpaidInstallment",
    "render_notice",
    "render_notices",
]
