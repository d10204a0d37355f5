"""The change trail of premiums' tables (docs/subsystems/audit.md, "Change trail"; how an app
declares its trail: "How an app declares its trail" there). Imported at the end of
premiums/models.py; the event models belong to this app and premiums' migrations create their
tables (``premiums_<model>event``), make them append-only and install the triggers.

Not tracked: the levies and their installments. They are revisions themselves, written only by
the levy batches (a million levy rows and seven million installments a year), each naming its
batch run; the database refuses any change of them but the closing of a revision (migration 0015).
"""

from __future__ import annotations

from audit.trail_models import event_model
from premiums.models import (
    BankTransferLine,
    CounterReceipt,
    DeductionStop,
    HeldPayment,
    LateChargeExemption,
    LateChargePayment,
    Payment,
    PensionFact,
    PreliminaryPayment,
    PremiumCollectionPlan,
    PremiumRateTable,
    PremiumStage,
    Reduction,
    Settlement,
    TaxFact,
    WriteOff,
)

# Rate tables and collection plans (issue #5): who drafted, edited, approved or closed a year's
# rates, by any path.
PremiumRateTableEvent = event_model(PremiumRateTable, model_name="PremiumRateTableEvent",
                                    verbose_name="保険料率表の変更履歴", exclude=["created_at"])
PremiumStageEvent = event_model(PremiumStage, model_name="PremiumStageEvent", verbose_name="所得段階の変更履歴")
PremiumCollectionPlanEvent = event_model(PremiumCollectionPlan, model_name="PremiumCollectionPlanEvent",
                                         verbose_name="徴収計画の変更履歴", exclude=["created_at"])

# A person's premium facts and money (issue #3: every write path of personal data): tax facts and
# pension listings (their revisions), payments, refunds and offsets, write-offs, reductions and
# deferrals with their decisions, deductions not made, store 速報.
TaxFactEvent = event_model(TaxFact, model_name="TaxFactEvent", verbose_name="課税情報の変更履歴")
PensionFactEvent = event_model(PensionFact, model_name="PensionFactEvent", verbose_name="特別徴収対象者情報の変更履歴")
PaymentEvent = event_model(Payment, model_name="PaymentEvent", verbose_name="収納の変更履歴")
SettlementEvent = event_model(Settlement, model_name="SettlementEvent", verbose_name="還付・充当の変更履歴")
WriteOffEvent = event_model(WriteOff, model_name="WriteOffEvent", verbose_name="不納欠損の変更履歴")
ReductionEvent = event_model(Reduction, model_name="ReductionEvent", verbose_name="減免・徴収猶予の変更履歴")
DeductionStopEvent = event_model(DeductionStop, model_name="DeductionStopEvent", verbose_name="特別徴収の不能の変更履歴")
PreliminaryPaymentEvent = event_model(PreliminaryPayment, model_name="PreliminaryPaymentEvent",
                                      verbose_name="コンビニ速報の変更履歴")
# Late charges, counter receipts, refunds paid by bank transfer (issue #16)
CounterReceiptEvent = event_model(CounterReceipt, model_name="CounterReceiptEvent", verbose_name="窓口収納の変更履歴")
LateChargePaymentEvent = event_model(LateChargePayment, model_name="LateChargePaymentEvent",
                                     verbose_name="延滞金の収納の変更履歴")
LateChargeExemptionEvent = event_model(LateChargeExemption, model_name="LateChargeExemptionEvent",
                                       verbose_name="延滞金の減免の変更履歴")
BankTransferLineEvent = event_model(BankTransferLine, model_name="BankTransferLineEvent", verbose_name="振込の変更履歴")
# Payments of a file held for a clerk's decision, and the decision (issue 17)
HeldPaymentEvent = event_model(HeldPayment, model_name="HeldPaymentEvent", verbose_name="保留中の収納の変更履歴")
